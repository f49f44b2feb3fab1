import { expect } from 'chai';
import { obEventTypes } from '../../../src/events/outbound.js';
import { resDialDetail, resHangupText } from '../../../src/outbound/dialer/codes.js';
import { buildDialing, dialString, evolveDialing, mergeVariables, originateAction } from '../../../src/outbound/dialer/dialing.js';
import { resultRecord } from '../../../src/outbound/dialer/result-file.js';
import { campaignDefaults, destinationDefaults, planDefaults, type CampaignObject, type DestinationObject, type DlmaObject, type DlObject, type PlanObject } from '../../../src/outbound/resources/index.js';
import { CAMP, DEST, DIALING, DL, DLMA, PLAN, T0, T1 } from './support.js';

const life = { in_use: 1, tm_create: T0, tm_update: null, tm_delete: null };
const plan: PlanObject = { uuid: PLAN, ...planDefaults, tech_name: 'Local', trunk_name: 'customers', dial_mode: 1, caller_id: '"Sales" <5000>', variables: { shared: 'plan', plan_only: 'p' }, ...life };
const dest: DestinationObject = { uuid: DEST, ...destinationDefaults, type: 1, application: 'park', variables: { shared: 'dest' }, ...life };
const queueDest: DestinationObject = { ...dest, application: 'queue', data: 'sales_1' };
const extenDest: DestinationObject = { ...dest, type: 0, application: null, context: 'park', exten: 's', priority: null };
const dlma: DlmaObject = { uuid: DLMA, name: null, detail: null, dl_table: DLMA.replace(/-/g, '_'), variables: { shared: 'dlma' }, ...life };
const campaign: CampaignObject = { uuid: CAMP, status: 1, ...campaignDefaults, name: 'c', plan: PLAN, dest: DEST, dlma: DLMA, variables: { shared: 'campaign', campaign_only: 'c' }, ...life };
const dl = { uuid: DL, dlma_uuid: DLMA, status: 1, number_1: '300', trycnt_1: 1, variables: { shared: 'dl,"quoted"' }, dialing_uuid: DIALING } as unknown as DlObject;

const build = (destination: DestinationObject = dest) =>
  buildDialing({ uuid: DIALING, actionId: 'act-1', otherChannelId: 'other-1', campaign, plan, dest: destination, dlma, dl, number: { dial_index: 1, dial_addr: '300', dial_trycnt: 1 }, now: T1 });

describe('dialer dialing object, Originate and result record (catalog 50-outbound §4-6)', () => {
  it('dials <tech>/<number>@<trunk>, or <tech>/<number> without a trunk', () => {
    expect(dialString('Local', '1000', 'customers')).to.equal('Local/1000@customers');
    expect(dialString('PJSIP', '300', null)).to.equal('PJSIP/300');
    expect(dialString('sip', '300', '')).to.equal('sip/300');
  });

  it('merges variables with the most specific resource winning: dl > dlma > destination > plan > campaign', () => {
    expect(mergeVariables({ a: 'campaign', b: 'campaign' }, null, { b: 'dest' }, undefined, { c: 'dl' })).to.deep.equal({ a: 'campaign', b: 'dest', c: 'dl' });
    expect(build().dial_variables).to.deep.equal({ shared: 'dl,"quoted"', plan_only: 'p', campaign_only: 'c' });
  });

  it('builds every catalog field with the resources copied in (call capsulization)', () => {
    const dialing = build();
    expect(dialing).to.include({
      uuid: DIALING, action_id: 'act-1', channel: null, status: 1, res_dial: 0, res_hangup: 0,
      dial_channel: 'Local/300@customers', dial_addr: '300', dial_application: 'park', dial_data: null,
      dial_context: null, dial_exten: null, dial_priority: null, dial_type: 1, dial_timeout: 30000, dial_index: 1, dial_trycnt: 1,
      uuid_camp: CAMP, uuid_dest: DEST, uuid_dl_list: DL, uuid_dlma: DLMA, uuid_plan: PLAN, tm_create: T1, tm_update: null, tm_delete: null,
    });
    expect(dialing.info_plan).to.equal(plan);
    expect(dialing.info_dial).to.include({ channelid: DIALING, otherchannelid: 'other-1', uuid: DL, dial_channel: 'Local/300@customers' });
    expect(JSON.parse(String(dialing.info_dial?.variables))).to.deep.equal(dialing.dial_variables);
  });

  it('originates with ChannelId = dialing uuid, ActionID = action id, the destination’s application or extension, and the dialer’s ids as variables', () => {
    const action = originateAction(build(queueDest), plan);
    expect(action).to.include({ Action: 'Originate', ActionID: 'act-1', ChannelId: DIALING, OtherChannelId: 'other-1', Channel: 'Local/300@customers', Application: 'queue', Data: 'sales_1', Timeout: 30000, CallerID: '"Sales" <5000>', Async: 'true' });
    expect(action.Codecs).to.equal(undefined);
    const variable = String(action.Variable);
    expect(variable).to.contain(`JADE_DIALING_UUID=${DIALING}`).and.contain(`JADE_CAMPAIGN_UUID=${CAMP}`);
    // Commas and quotes in a value are escaped: Asterisk splits the header on commas.
    expect(variable).to.contain('shared=dl\\,\\"quoted\\"');
    expect(originateAction(build(extenDest), plan)).to.include({ Context: 'park', Exten: 's', Priority: '1' }).and.not.have.property('Application');
  });

  it('dials on its campaign\'s box: the node is copied, and a dialing recorded before campaigns had one is on the first box (null)', () => {
    const onWest = buildDialing({ uuid: DIALING, actionId: 'act-1', otherChannelId: 'other-1', campaign: { ...campaign, node: 'west' }, plan, dest, dlma, dl, number: { dial_index: 1, dial_addr: '300', dial_trycnt: 1 }, now: T1 });
    expect(onWest.node).to.equal('west');
    expect(build().node).to.equal(null);
    const { node: _node, ...before } = onWest;
    expect(evolveDialing(undefined, { type: obEventTypes.dialingCreated, data: before })?.node).to.equal(null);
    expect(evolveDialing(undefined, { type: obEventTypes.dialingCreated, data: onWest })?.node).to.equal('west');
  });

  it('folds its stream: updates overlay, the end sets the final results and tm_delete', () => {
    let dialing = evolveDialing(undefined, { type: obEventTypes.dialingCreated, data: build() });
    dialing = evolveDialing(dialing, { type: obEventTypes.dialingUpdated, data: { uuid: DIALING, changes: { status: 6, res_dial: 4 }, source_position: 9, tm_update: T1 } });
    expect(dialing).to.include({ status: 6, res_dial: 4, tm_update: T1 });
    dialing = evolveDialing(dialing, {
      type: obEventTypes.dialingEnded,
      data: { uuid: DIALING, status: 7, channel: 'Local/300@customers-00000001;1', res_dial: 4, res_dial_detail: resDialDetail(4), res_hangup: 16, res_hangup_detail: 'Normal Clearing', reason: 'hangup', tm_update: T1, tm_delete: T1 },
    });
    expect(dialing).to.include({ status: 7, res_hangup: 16, tm_delete: T1 }).and.not.have.property('reason');
  });

  it('writes a result record with every field of the catalog’s example, in its order, dial_data "" for no data', () => {
    const record = resultRecord({ ...build(), status: 7, res_dial: 4, res_dial_detail: 'Remote end has answered', res_hangup: 16, res_hangup_detail: 'Normal Clearing', tm_update: T1 });
    const catalog = ['uuid', 'name', 'action_id', 'status', 'res_dial', 'res_dial_detail', 'res_hangup', 'res_hangup_detail', 'dial_addr', 'dial_channel', 'dial_data',
      'dial_application', 'dial_type', 'dial_index', 'dial_trycnt', 'dial_timeout', 'dial_exten', 'uuid_camp', 'uuid_plan', 'uuid_dest', 'uuid_dlma', 'uuid_dl_list', 'tm_create', 'tm_update', 'tm_delete'];
    expect(Object.keys(record).slice(0, catalog.length)).to.deep.equal(catalog);
    expect(record).to.include({ name: null, dial_data: '', dial_application: 'park', dial_channel: 'Local/300@customers', tm_delete: null, uuid_dl_list: DL });
  });

  it('keeps the code tables’ texts as printed', () => {
    expect(resDialDetail(4)).to.equal('Remote end has answered');
    expect(resDialDetail(0)).to.equal('No dail result event received yet.');
    expect(resDialDetail(999)).to.equal(null);
    expect(resHangupText(26)).to.equal('Answered eleswhere.');
    expect(resHangupText(0)).to.equal('No hangup event received yet.');
  });
});
