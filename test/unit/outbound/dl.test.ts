import { expect } from 'chai';
import {
  decideDlCreate,
  decideDlDelete,
  decideDlDialingEnd,
  decideDlDialingStart,
  decideDlmaCreate,
  decideDlmaDelete,
  decideDlmaUpdate,
  decideDlUpdate,
  evolveDl,
  evolveDlma,
  CommandRefusal,
  type DlObject,
} from '../../../src/outbound/resources/index.js';
import { CAMP, DIALING, DL, DLMA, given, PLAN, T0, T1, T2, types } from './support.js';

const OTHER_DLMA = '88888888-8888-4888-8888-888888888888';

const liveDlma = given(evolveDlma, decideDlmaCreate(undefined, { uuid: DLMA, fields: { name: 'test dlma' }, now: T0 }));

describe('outbound dlma decider', () => {
  it('names its dial list table after the uuid, with _ for -', () => {
    expect(liveDlma).to.deep.equal({
      uuid: DLMA,
      name: 'test dlma',
      detail: null,
      dl_table: '33333333_3333_4333_8333_333333333333',
      variables: null,
      in_use: 1,
      tm_create: T0,
      tm_update: null,
      tm_delete: null,
    });
  });

  it('updates its detail', () => {
    const events = decideDlmaUpdate(liveDlma, { uuid: DLMA, changes: { detail: 'update dlma detail info.' }, now: T1 });
    expect(events.reduce(evolveDlma, liveDlma)).to.include({ detail: 'update dlma detail info.', tm_update: T1 });
  });

  const remove = (overrides: Partial<Parameters<typeof decideDlmaDelete>[1]>) =>
    decideDlmaDelete(liveDlma, { uuid: DLMA, force: false, deleteDls: false, campaigns: [], dls: 0, dialingDls: 0, now: T1, ...overrides });

  it('refuses to delete while it has entries, unless delete_dls (spec: "If there\'s available dl, error")', () => {
    expect(() => remove({ dls: 2 })).to.throw(CommandRefusal).that.includes({ kind: 'invalid', field: 'delete_dls' });
    expect(remove({ dls: 2, deleteDls: true })[0]!.data).to.include({ delete_dls: true, force: false });
  });

  it('refuses to delete while campaigns reference it, unless forced', () => {
    expect(() => remove({ campaigns: [CAMP] })).to.throw(CommandRefusal).that.includes({ kind: 'invalid', field: 'force' });
    expect(remove({ campaigns: [CAMP], force: true })[0]!.data).to.deep.include({ campaigns: [CAMP] });
  });

  it('refuses to delete entries being dialed unless forced (that hangs their calls up)', () => {
    expect(() => remove({ dls: 1, dialingDls: 1, deleteDls: true })).to.throw(CommandRefusal).with.property('kind', 'conflict');
    expect(types(remove({ dls: 1, dialingDls: 1, deleteDls: true, force: true }))).to.deep.equal(['DlmaDeleted']);
  });
});

const created = decideDlCreate(undefined, { uuid: DL, fields: { dlma_uuid: DLMA, name: 'sample dial list', number_1: '300' }, dlma: liveDlma, now: T0 });
const idle = given(evolveDl, created)!;

function dialing(state: DlObject, index: 1 | 2 = 1, now = T1) {
  const events = decideDlDialingStart(state, { uuid: DL, dialing_uuid: DIALING, campaign_uuid: CAMP, plan_uuid: PLAN, dial_index: index, now });
  return { events, state: events.reduce(evolveDl, state)! };
}

describe('outbound dial list entry decider', () => {
  it('creates an idle entry with zero counters and results (catalog §7.7 example)', () => {
    expect(idle).to.include({ uuid: DL, dlma_uuid: DLMA, status: 0, number_1: '300', number_2: null, trycnt_1: 0, trycnt_8: 0, res_dial: 0, res_hangup: 0 });
    expect(idle).to.include({ dialing_uuid: null, dialing_camp_uuid: null, dialing_plan_uuid: null, in_use: 1, tm_create: T0, tm_update: null });
  });

  it('refuses an entry for a dlma that does not exist or was deleted, naming dlma_uuid', () => {
    expect(() => decideDlCreate(undefined, { uuid: DL, fields: { dlma_uuid: DLMA }, dlma: undefined, now: T0 }))
      .to.throw(CommandRefusal)
      .that.includes({ kind: 'invalid', field: 'dlma_uuid' });
    const deletedDlma = { ...liveDlma!, in_use: 0 };
    expect(() => decideDlCreate(undefined, { uuid: DL, fields: { dlma_uuid: DLMA }, dlma: deletedDlma, now: T0 })).to.throw(CommandRefusal);
  });

  it('lets an operator reset counters and results (catalog §7.8)', () => {
    const { state } = dialing(idle);
    const ended = decideDlDialingEnd(state, { uuid: DL, dialing_uuid: DIALING, res_dial: 8, res_dial_detail: 'Congestion (circuits busy)', res_hangup: 34, res_hangup_detail: 'Circuit/channel congestion', now: T2 });
    const done = ended.reduce(evolveDl, state)!;
    const reset = decideDlUpdate(done, { uuid: DL, changes: { trycnt_1: 0, res_dial: 0, res_hangup: 0, tm_last_hangup: null }, now: T2 });
    expect(reset.reduce(evolveDl, done)).to.include({ trycnt_1: 0, res_dial: 0, tm_last_hangup: null, tm_update: T2 });
  });

  it('moves an entry only to a live dlma', () => {
    expect(() => decideDlUpdate(idle, { uuid: DL, changes: { dlma_uuid: OTHER_DLMA }, now: T1 })).to.throw(CommandRefusal).with.property('field', 'dlma_uuid');
    const other = { ...liveDlma!, uuid: OTHER_DLMA };
    expect(decideDlUpdate(idle, { uuid: DL, changes: { dlma_uuid: OTHER_DLMA }, dlma: other, now: T1 }).reduce(evolveDl, idle)).to.include({ dlma_uuid: OTHER_DLMA });
  });

  it('takes an idle entry for a dialing: status 1, the dialing refs, the try counted', () => {
    const { events, state } = dialing(idle);
    expect(events).to.deep.equal([
      { type: 'DlDialingStarted', data: { uuid: DL, dialing_uuid: DIALING, campaign_uuid: CAMP, plan_uuid: PLAN, dial_index: 1, dial_trycnt: 1, tm_last_dial: T1 } },
    ]);
    expect(state).to.include({ status: 1, trycnt_1: 1, dialing_uuid: DIALING, dialing_camp_uuid: CAMP, dialing_plan_uuid: PLAN, tm_last_dial: T1 });
  });

  it('never lets a second dialing take an entry that is held or not idle', () => {
    const { state } = dialing(idle);
    expect(() => dialing(state)).to.throw(CommandRefusal).with.property('kind', 'conflict');
    const reserved = decideDlUpdate(idle, { uuid: DL, changes: { status: 2 }, now: T1 }).reduce(evolveDl, idle)!;
    expect(() => dialing(reserved)).to.throw(CommandRefusal).with.property('kind', 'conflict');
  });

  it('refuses to dial an index that has no number', () => {
    expect(() => dialing(idle, 2)).to.throw(CommandRefusal).that.includes({ kind: 'invalid', field: 'dial_index' });
  });

  it('copies the outcome into the entry and frees it, once (a repeated end records nothing)', () => {
    const { state } = dialing(idle);
    const end = { uuid: DL, dialing_uuid: DIALING, res_dial: 4, res_dial_detail: 'Remote end has answered', res_hangup: 16, res_hangup_detail: 'Normal Clearing', now: T2 };
    const ended = decideDlDialingEnd(state, end);
    const after = ended.reduce(evolveDl, state)!;
    expect(after).to.include({ status: 0, trycnt_1: 1, res_dial: 4, res_hangup: 16, res_hangup_detail: 'Normal Clearing', tm_last_hangup: T2 });
    expect(after).to.include({ dialing_uuid: null, dialing_camp_uuid: null, dialing_plan_uuid: null });
    expect(decideDlDialingEnd(after, end)).to.deep.equal([]);
  });

  it('keeps the status while a dialing holds the entry (the dialer owns it then)', () => {
    const { state } = dialing(idle);
    expect(() => decideDlUpdate(state, { uuid: DL, changes: { status: 0 }, now: T2 })).to.throw(CommandRefusal).that.includes({ kind: 'conflict', field: 'status' });
    expect(types(decideDlUpdate(state, { uuid: DL, changes: { detail: 'Updated test customer detail' }, now: T2 }))).to.deep.equal(['DlUpdated']);
  });

  it('deletes an entry being dialed only with force, naming the dialing to hang up', () => {
    const { state } = dialing(idle);
    expect(() => decideDlDelete(state, { uuid: DL, force: false, cause: 'request', now: T2 })).to.throw(CommandRefusal).with.property('kind', 'conflict');
    const deleted = decideDlDelete(state, { uuid: DL, force: true, cause: 'request', now: T2 });
    expect(deleted[0]!.data).to.deep.equal({ uuid: DL, tm_delete: T2, force: true, dialing_uuid: DIALING, cause: 'request' });
    const gone = deleted.reduce(evolveDl, state);
    expect(gone).to.include({ in_use: 0, tm_delete: T2 });
    // The dialing that was hung up ends later: the deleted entry records nothing.
    expect(decideDlDialingEnd(gone, { uuid: DL, dialing_uuid: DIALING, res_dial: 0, res_dial_detail: null, res_hangup: 16, res_hangup_detail: null, now: T2 })).to.deep.equal([]);
  });
});
