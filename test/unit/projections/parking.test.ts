import { expect } from 'chai';
import { parkingProjection, toParkedCallObject, type ParkedCallRow } from '../../../projections/parking.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import type { RecordedEvent } from '../../../src/events/index.js';
import { LogBuilder } from './support/events.js';
import { sandboxCaptureEvents } from './support/sandbox-capture.js';

function run(events: readonly RecordedEvent[]) {
  const projection = new MemoryProjection(parkingProjection.inner);
  const changes = projection.apply(events);
  return { projection, changes };
}

/** A ParkedCall-family event as Asterisk 22 sends it (copied from the sandbox capture). */
function parkee(uniqueId: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ParkeeChannel: `Local/200@demo-0000000${uniqueId.slice(-1)};2`,
    ParkeeChannelState: '6',
    ParkeeChannelStateDesc: 'Up',
    ParkeeCallerIDNum: '5550100',
    ParkeeCallerIDName: 'Jade Recorder',
    ParkeeConnectedLineNum: '5550100',
    ParkeeConnectedLineName: 'Jade Recorder',
    ParkeeLanguage: 'en',
    ParkeeAccountCode: '',
    ParkeeContext: 'demo',
    ParkeeExten: '200',
    ParkeePriority: '2',
    ParkeeUniqueid: uniqueId,
    ParkeeLinkedid: `${uniqueId}-call`,
    ParkerDialString: 'Local/200@demo',
    Parkinglot: 'default',
    ParkingSpace: '701',
    ParkingTimeout: '45',
    ParkingDuration: '0',
    ...overrides,
  };
}

describe('parking projection', () => {
  it('creates a parked call with every catalog field from ParkedCall', () => {
    const log = new LogBuilder();
    log.add('ParkedCall', parkee('1.5'));
    const { projection, changes } = run(log.all());

    expect(changes.map((c) => [c.table, c.op, c.key])).to.deep.equal([['parked_calls', 'create', '1.5']]);
    expect(projection.row('parked_calls', '1.5')).to.deep.equal({
      parkee_unique_id: '1.5',
      parkee_linked_id: '1.5-call',
      parkee_channel: 'Local/200@demo-00000005;2',
      parkee_channel_state: '6',
      parkee_channel_state_desc: 'Up',
      parkee_caller_id_name: 'Jade Recorder',
      parkee_caller_id_num: '5550100',
      parkee_connected_line_name: 'Jade Recorder',
      parkee_connected_line_num: '5550100',
      parkee_account_code: '',
      parkee_context: 'demo',
      parkee_exten: '200',
      parkee_priority: '2',
      parker_dial_string: 'Local/200@demo',
      parking_lot: 'default',
      parking_space: '701',
      tm_parked: log.timeOf(1),
      parking_time_limit: 45,
      tm_update: log.timeOf(1),
    } satisfies ParkedCallRow);
  });

  it('counts parking_duration up and parking_timeout down at read time, without writing rows', () => {
    const log = new LogBuilder();
    log.add('ParkedCall', parkee('1.5', { ParkingTimeout: '6' }));
    const row = run(log.all()).projection.row('parked_calls', '1.5')!;

    expect(toParkedCallObject({ ...row, node: 'asterisk' }, log.timeOf(1))).to.include({ parking_duration: 0, parking_timeout: 6 });
    expect(toParkedCallObject({ ...row, node: 'asterisk' }, '2026-01-01T00:00:04.500000000Z')).to.include({ parking_duration: 4, parking_timeout: 2 });
    // Past its limit (Asterisk's timeout event not seen yet): 0 left, never negative.
    expect(toParkedCallObject({ ...row, node: 'asterisk' }, '2026-01-01T00:01:00.000000000Z')).to.include({ parking_duration: 60, parking_timeout: 0 });
  });

  it('reports no timeout for a lot without a time limit', () => {
    const log = new LogBuilder();
    log.add('ParkedCall', parkee('1.5', { ParkingTimeout: '0' }));
    const row = run(log.all()).projection.row('parked_calls', '1.5')!;
    expect(toParkedCallObject({ ...row, node: 'asterisk' }, '2026-01-01T00:00:30.000000000Z')).to.include({ parking_duration: 30, parking_timeout: 0 });
  });

  for (const leaving of ['ParkedCallTimeOut', 'ParkedCallGiveUp', 'UnParkedCall']) {
    it(`deletes the parked call on ${leaving}, the delete carrying its last state`, () => {
      const log = new LogBuilder();
      log.add('ParkedCall', parkee('1.5'));
      log.add(leaving, parkee('1.5', { ParkeeContext: 'parkedcallstimeout', ParkeeExten: 's', ParkeePriority: '1', ParkingTimeout: '0', ParkingDuration: '45' }));
      const { projection, changes } = run(log.all());

      expect(projection.rows('parked_calls')).to.deep.equal([]);
      const deleted = changes[1]!;
      expect(deleted).to.include({ table: 'parked_calls', op: 'delete', key: '1.5', position: 2 });
      expect(deleted.row).to.include({ parkee_context: 'parkedcallstimeout', tm_parked: log.timeOf(1), tm_update: log.timeOf(2) });
    });
  }

  it("deletes the parked call when the parkee hangs up and no leaving event was recorded", () => {
    const log = new LogBuilder();
    log.add('ParkedCall', parkee('1.5'));
    log.add('Hangup', { Uniqueid: '1.5', Linkedid: '1.5-call', Channel: 'Local/200@demo-00000005;2', Cause: '16' });
    log.add('Hangup', { Uniqueid: '9.9', Linkedid: '9.9', Channel: 'PJSIP/x-1', Cause: '16' });
    const { projection, changes } = run(log.all());
    expect(projection.rows('parked_calls')).to.deep.equal([]);
    expect(changes.map((c) => [c.op, c.key])).to.deep.equal([['create', '1.5'], ['delete', '1.5']]);
  });

  it('on ParkedCallSwap, the new parkee takes the space and the time it has been occupied', () => {
    const log = new LogBuilder();
    log.add('ParkedCall', parkee('1.5'));
    log.add('ParkedCallSwap', parkee('1.7', { ParkeeChannel: 'PJSIP/pjagent-02-00000007', ParkingDuration: '3', ParkingTimeout: '42' }));
    const { projection, changes } = run(log.all());

    expect(changes.slice(1).map((c) => [c.op, c.key])).to.deep.equal([['delete', '1.5'], ['create', '1.7']]);
    expect(projection.row('parked_calls', '1.7')).to.include({ parking_space: '701', parkee_channel: 'PJSIP/pjagent-02-00000007', tm_parked: log.timeOf(1), parking_time_limit: 45 });
  });

  describe('reconcile on the ParkedCalls snapshot', () => {
    it('keeps a known call without an update when Asterisk agrees, creates unknown ones, deletes gone ones', () => {
      const log = new LogBuilder();
      log.add('ParkedCall', parkee('1.5')); // still parked
      log.add('ParkedCall', parkee('1.6', { ParkingSpace: '702' })); // left while the link was down
      // Asterisk's list 2 s later: 2 s parked, 43 s left; and one parked while jade was away, 10 s ago.
      log.snapshot('ParkedCalls', {
        items: [
          { Event: 'ParkedCall', ...parkee('1.5', { ParkingDuration: '2', ParkingTimeout: '43' }) },
          { Event: 'ParkedCall', ...parkee('1.8', { ParkingSpace: '703', ParkingDuration: '10', ParkingTimeout: '35' }) },
        ],
      });
      const { projection, changes } = run(log.all());

      expect(changes.slice(2).map((c) => [c.op, c.key])).to.have.deep.members([
        ['create', '1.8'],
        ['delete', '1.6'],
      ]);
      expect(projection.rows('parked_calls').map((r) => r.parkee_unique_id)).to.deep.equal(['1.5', '1.8']);
      const found = projection.row('parked_calls', '1.8')!;
      expect(found.tm_parked).to.equal('2025-12-31T23:59:52.000000000Z'); // the snapshot's 00:00:02 minus 10 s
      expect(toParkedCallObject({ ...found, node: 'asterisk' }, log.timeOf(3))).to.include({ parking_duration: 10, parking_timeout: 35 });
    });

    it('deletes nothing when the ParkedCalls action failed', () => {
      const log = new LogBuilder();
      log.add('ParkedCall', parkee('1.5'));
      log.add('AmiSnapshotFailed', { action: 'ParkedCalls', round: 'r2', error: 'Asterisk did not answer ParkedCalls within 30000 ms' });
      expect(run(log.all()).projection.rows('parked_calls')).to.have.length(1);
    });

    it('empties the table when Asterisk lists no parked call (after a restart)', () => {
      const log = new LogBuilder();
      log.add('ParkedCall', parkee('1.5'));
      log.snapshot('ParkedCalls', { items: [] });
      const { projection, changes } = run(log.all());
      expect(projection.rows('parked_calls')).to.deep.equal([]);
      expect(changes.at(-1)).to.include({ op: 'delete', key: '1.5' });
    });
  });

  describe('parking lots', () => {
    const lot = (name: string, timeout = '45') => ({ Event: 'Parkinglot', Name: name, StartSpace: '701', StopSpace: '720', Timeout: timeout });

    it('come from the Parkinglots snapshot, with the manual spelling stop_spcae', () => {
      const log = new LogBuilder();
      log.snapshot('Parkinglots', { items: [lot('default')] });
      expect(run(log.all()).projection.row('parking_lots', 'default')).to.deep.equal({
        name: 'default',
        start_space: '701',
        stop_spcae: '720',
        timeout: 45,
        tm_update: log.timeOf(1),
      });
    });

    it('follow a later snapshot: changed lots update, removed lots are deleted, unchanged ones are left alone', () => {
      const log = new LogBuilder();
      log.snapshot('Parkinglots', { items: [lot('default'), lot('sales'), lot('old')] });
      log.snapshot('Parkinglots', { items: [lot('default'), lot('sales', '90')] });
      const { projection, changes } = run(log.all());
      expect(changes.slice(3).map((c) => [c.op, c.key])).to.deep.equal([['update', 'sales'], ['delete', 'old']]);
      expect(projection.row('parking_lots', 'sales')).to.include({ timeout: 90, tm_update: log.timeOf(2) });
      expect(projection.row('parking_lots', 'default')!.tm_update).to.equal(log.timeOf(1));
    });
  });

  it('over the recorded sandbox traffic, ends with no parked call and the default lot, as Asterisk did', () => {
    const { projection, changes } = run(sandboxCaptureEvents());
    const parked = changes.filter((c) => c.table === 'parked_calls');
    // Two calls parked in 701 and 702; one hung up while parked (GiveUp), one timed out.
    expect(parked.filter((c) => c.op === 'create').map((c) => c.row.parking_space)).to.deep.equal(['701', '702']);
    expect(parked.filter((c) => c.op === 'delete').map((c) => c.row.parking_space)).to.have.members(['701', '702']);
    expect(projection.rows('parked_calls')).to.deep.equal([]);
    expect(projection.rows('parking_lots').map((r) => [r.name, r.start_space, r.stop_spcae])).to.deep.equal([['default', '701', '720']]);
  });
});
