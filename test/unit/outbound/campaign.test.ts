import { expect } from 'chai';
import {
  campaignStartProblems,
  decideCampaignClearReference,
  decideCampaignCreate,
  decideCampaignDelete,
  decideCampaignStatus,
  decideCampaignUpdate,
  decideDestinationCreate,
  decideDlmaCreate,
  decidePlanCreate,
  evolveCampaign,
  evolveDestination,
  evolveDlma,
  evolvePlan,
  CommandRefusal,
  type CampaignObject,
  type CampaignRefs,
} from '../../../src/outbound/resources/index.js';
import { CAMP, CAMP2, DEST, DLMA, given, PLAN, T0, T1, T2, types } from './support.js';

const plan = given(evolvePlan, decidePlanCreate(undefined, { uuid: PLAN, fields: { tech_name: 'Local', dial_mode: 1 }, now: T0 }))!;
const dest = given(evolveDestination, decideDestinationCreate(undefined, { uuid: DEST, fields: { type: 1, application: 'park' }, now: T0 }))!;
const dlma = given(evolveDlma, decideDlmaCreate(undefined, { uuid: DLMA, fields: {}, now: T0 }))!;
const refs: CampaignRefs = { plan, dest, dlma };
const wired = { plan: PLAN, dest: DEST, dlma: DLMA };

function campaign(fields = {}, status?: number): CampaignObject {
  const events = decideCampaignCreate(undefined, { uuid: CAMP, fields, ...(status === undefined ? {} : { status }), refs, now: T0 });
  return given(evolveCampaign, events)!;
}

const put = (state: CampaignObject, changes: object, status?: number, with_: CampaignRefs = refs) =>
  decideCampaignUpdate(state, { uuid: CAMP, changes, ...(status === undefined ? {} : { status }), refs: with_, now: T1 });

describe('outbound campaign decider', () => {
  it('creates a stopped campaign with the catalog defaults (POST {} example)', () => {
    expect(campaign()).to.deep.equal({
      uuid: CAMP,
      name: null,
      detail: null,
      status: 0,
      plan: null,
      dlma: null,
      dest: null,
      variables: null,
      next_campaign: null,
      sc_mode: 0,
      sc_time_start: null,
      sc_time_end: null,
      sc_date_start: null,
      sc_date_end: null,
      sc_date_list: null,
      sc_date_list_except: null,
      sc_day_list: null,
      sc_timezone: null,
      node: null,
      in_use: 1,
      tm_create: T0,
      tm_update: null,
      tm_delete: null,
    });
  });

  it('refuses references to objects that do not exist or were deleted, naming the field (catalog §7.11: 400)', () => {
    const missing = () => decideCampaignCreate(undefined, { uuid: CAMP, fields: { plan: PLAN }, refs: {}, now: T0 });
    expect(missing).to.throw(CommandRefusal).that.includes({ kind: 'invalid', field: 'plan' });
    const deletedDest = { ...dest, in_use: 0 };
    expect(() => put(campaign(), { dest: DEST }, undefined, { dest: deletedDest })).to.throw(CommandRefusal).with.property('field', 'dest');
    expect(() => put(campaign(), { next_campaign: CAMP2 }, undefined, {})).to.throw(CommandRefusal).with.property('field', 'next_campaign');
  });

  it('starts (PUT {"status":1}) a campaign whose plan, destination and dlma are in use: CampaignStatusChanged to 1', () => {
    const events = put(campaign(wired), {}, 1);
    expect(events).to.deep.equal([{ type: 'CampaignStatusChanged', data: { uuid: CAMP, status: 1, previous: 0, reason: 'request', tm_update: T1 } }]);
    expect(events.reduce(evolveCampaign, campaign(wired))).to.include({ status: 1, tm_update: T1 });
  });

  it('refuses to start without plan, destination and dlma, saying what is missing (catalog §7.12: 400)', () => {
    expect(() => put(campaign(), {}, 1)).to.throw(CommandRefusal, /plan is not set; dest is not set; dlma is not set/).with.property('field', 'status');
    expect(() => put(campaign(wired), {}, 1, { plan, dlma })).to.throw(CommandRefusal, /dest .* does not exist/);
  });

  it('refuses to start with a plan whose dial_mode is 0 (none)', () => {
    const idlePlan = { ...plan, dial_mode: 0 };
    expect(() => put(campaign(wired), {}, 1, { ...refs, plan: idlePlan })).to.throw(CommandRefusal, /dial_mode 0/);
  });

  it('decides the start against the fields of the same request (PUT {"plan": P, "status": 1})', () => {
    const events = put(campaign({ dest: DEST, dlma: DLMA }), { plan: PLAN }, 1);
    expect(types(events)).to.deep.equal(['CampaignUpdated', 'CampaignStatusChanged']);
    expect(events.reduce(evolveCampaign, campaign({ dest: DEST, dlma: DLMA }))).to.include({ plan: PLAN, status: 1 });
  });

  it('starts on create when the body asks for status 1 and the resources are valid', () => {
    expect(campaign(wired, 1)).to.include({ status: 1 });
    expect(() => campaign({}, 1)).to.throw(CommandRefusal);
  });

  it('records nothing for the status it already has, or a forced stop of a stopped campaign', () => {
    expect(put(campaign(wired, 1), {}, 1)).to.deep.equal([]);
    expect(put(campaign(), {}, 30)).to.deep.equal([]);
    expect(types(put(campaign(wired, 1), {}, 30))).to.deep.equal(['CampaignStatusChanged']);
  });

  it('lets clients ask only for 0, 1, 2 and 30; the dialer may set the -ing states', () => {
    expect(() => decideCampaignStatus(campaign(wired), { status: 11, reason: 'request', refs, now: T1 })).to.throw(CommandRefusal);
    const starting = decideCampaignStatus(campaign(wired), { status: 11, reason: 'schedule', refs, now: T1 });
    expect(starting[0]!.data).to.include({ status: 11, previous: 0, reason: 'schedule' });
  });

  it('reports the same start problems to the dialer', () => {
    expect(campaignStartProblems(campaign(wired), refs)).to.deep.equal([]);
    expect(campaignStartProblems({ plan: PLAN, dest: null, dlma: DLMA, next_campaign: null }, { plan, dlma: { ...dlma, in_use: 0 } })).to.deep.equal([
      'dest is not set',
      `dlma ${DLMA} does not exist`,
    ]);
  });

  it('records a PUT with only a name as a field update, and an empty PUT still moves tm_update', () => {
    expect(put(campaign(), { name: 'Update campaign info' })).to.deep.equal([
      { type: 'CampaignUpdated', data: { uuid: CAMP, changes: { name: 'Update campaign info' }, tm_update: T1 } },
    ]);
    expect(put(campaign(), {}).reduce(evolveCampaign, campaign())).to.include({ tm_update: T1 });
  });

  it('deletes only a stopped campaign (catalog §7.12 proposal: 400 otherwise)', () => {
    expect(() => decideCampaignDelete(campaign(wired, 1), { uuid: CAMP, campaigns: [], now: T2 })).to.throw(CommandRefusal).with.property('kind', 'invalid');
    const deleted = decideCampaignDelete(campaign(), { uuid: CAMP, campaigns: [CAMP2], now: T2 });
    expect(deleted.reduce(evolveCampaign, campaign())).to.include({ in_use: 0, tm_delete: T2 });
    expect(() => put(deleted.reduce(evolveCampaign, campaign())!, { name: 'x' })).to.throw(CommandRefusal).with.property('kind', 'not_found');
  });

  it('clears a reference to a deleted object, and only while the campaign still points at it', () => {
    const events = decideCampaignClearReference(campaign(wired), { uuid: CAMP, field: 'plan', ref_uuid: PLAN, now: T2 });
    expect(events).to.deep.equal([{ type: 'CampaignReferenceCleared', data: { uuid: CAMP, field: 'plan', ref_uuid: PLAN, tm_update: T2 } }]);
    expect(events.reduce(evolveCampaign, campaign(wired))).to.include({ plan: null, dest: DEST, tm_update: T2 });
    expect(decideCampaignClearReference(campaign(), { uuid: CAMP, field: 'plan', ref_uuid: PLAN, now: T2 })).to.deep.equal([]);
  });
});

describe('outbound campaign decider: the Asterisk box it dials on (node)', () => {
  const two = ['east', 'west'];
  const create = (fields: object, nodes: readonly string[]) => decideCampaignCreate(undefined, { uuid: CAMP, fields, refs, nodes, now: T0 });
  const refusal = (fn: () => unknown): CommandRefusal => {
    try {
      fn();
    } catch (error) {
      if (error instanceof CommandRefusal) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('records a configured node, and shows it on the campaign', () => {
    const created = given(evolveCampaign, create({ node: 'west' }, two))!;
    expect(created.node).to.equal('west');
  });

  it('refuses a node that is not configured, naming node', () => {
    const error = refusal(() => create({ node: 'north' }, two));
    expect(error.kind).to.equal('invalid');
    expect(error.field).to.equal('node');
    expect(error.message).to.include('north');
  });

  it('refuses a campaign without node when several boxes are configured (absent or null)', () => {
    for (const fields of [{}, { node: null }]) {
      const error = refusal(() => create(fields, two));
      expect(error.field, JSON.stringify(fields)).to.equal('node');
      expect(error.message).to.match(/several Asterisk boxes/);
    }
  });

  it('with one box (or none known) keeps a campaign without node null: it dials on the first box', () => {
    expect(given(evolveCampaign, create({}, ['pbx']))!.node).to.equal(null);
    expect(given(evolveCampaign, create({}, []))!.node).to.equal(null);
    expect(given(evolveCampaign, create({ node: 'pbx' }, ['pbx']))!.node).to.equal('pbx');
  });

  it('checks a node an update gives, and leaves one the update does not give alone', () => {
    const old = campaign();
    const moved = decideCampaignUpdate(old, { uuid: CAMP, changes: { node: 'east' }, refs, nodes: two, now: T1 });
    expect(moved.reduce(evolveCampaign, old)!.node).to.equal('east');
    expect(refusal(() => decideCampaignUpdate(old, { uuid: CAMP, changes: { node: 'north' }, refs, nodes: two, now: T1 })).field).to.equal('node');
    expect(refusal(() => decideCampaignUpdate(old, { uuid: CAMP, changes: { node: null }, refs, nodes: two, now: T1 })).field).to.equal('node');
    // A campaign made before the second box (node null) can still be renamed or stopped.
    expect(() => decideCampaignUpdate(old, { uuid: CAMP, changes: { name: 'x' }, refs, nodes: two, now: T1 })).to.not.throw();
  });
});
