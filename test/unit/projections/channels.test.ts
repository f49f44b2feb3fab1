import { expect } from 'chai';
import { channelsProjection, toChannelObject, type ChannelRow } from '../../../projections/channels.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import type { RecordedEvent } from '../../../src/events/index.js';
import { framesToEvents, loadCaptureFrames } from './support/ami-capture.js';
import { channelFields, LogBuilder } from './support/events.js';

function run(events: readonly RecordedEvent[]) {
  const projection = new MemoryProjection(channelsProjection.inner);
  const changes = projection.apply(events);
  return { projection, changes };
}

describe('channels projection', () => {
  it('creates a row with every catalog field from Newchannel', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1513946896.7'));
    const { projection, changes } = run(log.all());

    expect(changes.map((c) => [c.op, c.key])).to.deep.equal([['create', '1513946896.7']]);
    expect(projection.row('channels', '1513946896.7')).to.deep.equal({
      unique_id: '1513946896.7',
      linked_id: '1513946896.7',
      channel: 'PJSIP/pjagent-01-00000007',
      channel_state: 4,
      channel_state_desc: 'Ring',
      context: 'demo',
      exten: '4002',
      priority: '1',
      caller_id_name: 'pjagent-01',
      caller_id_num: 'pjagent-01',
      connected_line_name: '<unknown>',
      connected_line_num: '<unknown>',
      account_code: '',
      language: 'en',
      application: null,
      application_data: null,
      bridge_id: null,
      hangup_cause: null,
      hangup_cause_desc: null,
      variables: {},
      tm_create: log.timeOf(1),
      tm_update: log.timeOf(1),
    } satisfies ChannelRow);
  });

  it('takes state, caller id, connected line and dialplan position from later channel events', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1.1'));
    log.add('Newstate', channelFields('1.1', { ChannelState: '6', ChannelStateDesc: 'Up' }));
    log.add('NewCallerid', channelFields('1.1', { ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: '200', CallerIDName: 'Bob' }));
    log.add('NewConnectedLine', channelFields('1.1', { ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: '200', CallerIDName: 'Bob', ConnectedLineNum: '300', ConnectedLineName: 'Ann' }));
    const { projection, changes } = run(log.all());

    expect(changes.map((c) => c.op)).to.deep.equal(['create', 'update', 'update', 'update']);
    const row = projection.row('channels', '1.1')!;
    expect(row).to.include({ channel_state: 6, channel_state_desc: 'Up', caller_id_num: '200', caller_id_name: 'Bob', connected_line_num: '300', connected_line_name: 'Ann' });
    expect(row.tm_update).to.equal(log.timeOf(4));
    expect(row.tm_create).to.equal(log.timeOf(1));
  });

  it('emits no change for an event that changes nothing', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1.1'));
    log.add('DTMFBegin', channelFields('1.1', { Digit: '1', Direction: 'Received' }));
    expect(run(log.all()).changes).to.have.length(1);
  });

  it('collects VarSet variables, Newexten application and bridge membership', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1.1'));
    log.add('VarSet', { ...channelFields('1.1'), Variable: 'ABANDONED', Value: 'TRUE' });
    log.add('VarSet', { ...channelFields('1.1'), Variable: 'QUEUEWAIT', Value: '' });
    // Later events carry the channel's snapshot as of then: in the queue context.
    const inQueue = channelFields('1.1', { Context: 'queue_sales', Exten: 's', Priority: '2' });
    log.add('Newexten', { ...inQueue, Extension: 's', Application: 'Queue', AppData: 'sales_1' });
    log.add('BridgeEnter', { ...inQueue, BridgeUniqueid: 'b-1', BridgeType: 'basic' });
    const afterEnter = run(log.all()).projection.row('channels', '1.1')!;
    log.add('BridgeLeave', { ...inQueue, BridgeUniqueid: 'b-1' });
    const { projection } = run(log.all());

    expect(afterEnter.bridge_id).to.equal('b-1');
    const row = projection.row('channels', '1.1')!;
    expect(row.variables).to.deep.equal({ ABANDONED: 'TRUE', QUEUEWAIT: '' });
    expect(row).to.include({ application: 'Queue', application_data: 'sales_1', context: 'queue_sales', exten: 's', priority: '2', bridge_id: null });
  });

  it('keeps the new bridge when BridgeLeave of the old one arrives after BridgeEnter of the next', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1.1'));
    log.add('BridgeEnter', { ...channelFields('1.1'), BridgeUniqueid: 'b-2' });
    log.add('BridgeLeave', { ...channelFields('1.1'), BridgeUniqueid: 'b-1' });
    expect(run(log.all()).projection.row('channels', '1.1')!.bridge_id).to.equal('b-2');
  });

  it('updates the callee from the Dest block of dial events', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1.1'));
    log.add('Newchannel', channelFields('1.2'));
    const dest = Object.fromEntries(Object.entries(channelFields('1.2', { ChannelState: '5', ChannelStateDesc: 'Ringing' })).map(([k, v]) => [`Dest${k}`, v]));
    log.add('DialBegin', { ...channelFields('1.1'), ...dest, DialString: 'pjagent-02' });
    const { projection } = run(log.all());
    expect(projection.row('channels', '1.2')).to.include({ channel_state: 5, channel_state_desc: 'Ringing' });
    expect(projection.row('channels', '1.1')).to.include({ channel_state: 4 });
  });

  it('follows Rename', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1.1'));
    log.add('Rename', { Channel: 'PJSIP/pjagent-01-00000001', Newname: 'PJSIP/pjagent-01-00000001<MASQ>', Uniqueid: '1.1' });
    expect(run(log.all()).projection.row('channels', '1.1')!.channel).to.equal('PJSIP/pjagent-01-00000001<MASQ>');
  });

  it('deletes on Hangup, carrying the final hangup cause in the deleted row', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1.1'));
    log.add('Hangup', { ...channelFields('1.1', { ChannelState: '6', ChannelStateDesc: 'Up' }), Cause: '16', 'Cause-txt': 'Normal Clearing' });
    const { projection, changes } = run(log.all());

    expect(projection.rows('channels')).to.deep.equal([]);
    const deleted = changes[1]!;
    expect(deleted).to.include({ op: 'delete', key: '1.1', position: 2 });
    expect(deleted.row).to.include({ hangup_cause: 16, hangup_cause_desc: 'Normal Clearing', channel_state: 6, tm_update: log.timeOf(2) });
  });

  it('ignores events about channels it does not hold', () => {
    const log = new LogBuilder();
    log.add('Newstate', channelFields('9.9'));
    log.add('Hangup', { ...channelFields('9.9'), Cause: '16', 'Cause-txt': 'Normal Clearing' });
    expect(run(log.all()).changes).to.deep.equal([]);
  });

  describe('reconcile on the CoreShowChannels snapshot', () => {
    const item = (uniqueId: string, extra: Record<string, string> = {}) => ({
      Event: 'CoreShowChannel',
      ...channelFields(uniqueId, { ChannelState: '6', ChannelStateDesc: 'Up' }),
      Application: 'Wait',
      ApplicationData: '100',
      Duration: '00:01:05',
      BridgeId: '',
      ...extra,
    });

    it('deletes channels Asterisk no longer lists, creates unknown ones and refreshes known ones', () => {
      const log = new LogBuilder();
      log.add('Newchannel', channelFields('1.1')); // gone during the disconnect
      log.add('Newchannel', channelFields('1.2')); // still there, now Up
      log.snapshot('CoreShowChannels', { items: [item('1.2'), item('1.3', { BridgeId: 'b-9' })] });
      const { projection, changes } = run(log.all());

      expect(changes.slice(2).map((c) => [c.op, c.key, c.position])).to.have.deep.members([
        ['update', '1.2', 3],
        ['create', '1.3', 3],
        ['delete', '1.1', 3],
      ]);
      expect(projection.rows('channels').map((r) => r.unique_id)).to.deep.equal(['1.2', '1.3']);
      const created = projection.row('channels', '1.3')!;
      expect(created).to.include({ application: 'Wait', application_data: '100', bridge_id: 'b-9', channel_state: 6, hangup_cause: null });
      // Known 65 s old at the snapshot: its creation time is derived from Duration.
      expect(created.tm_create).to.equal('2025-12-31T23:58:57.000000000Z'); // 00:00:02 minus 65 s
      expect(projection.row('channels', '1.2')).to.include({ channel_state: 6, application: 'Wait' });
    });

    it('deletes nothing when the resync action failed (AmiSnapshotFailed)', () => {
      const log = new LogBuilder();
      log.add('Newchannel', channelFields('1.1'));
      log.add('AmiSnapshotFailed', { action: 'CoreShowChannels', round: 'r2', error: 'Asterisk did not answer CoreShowChannels within 30000 ms' });
      expect(run(log.all()).projection.rows('channels')).to.have.length(1);
    });

    it('empties the table when Asterisk lists no channel', () => {
      const log = new LogBuilder();
      log.add('Newchannel', channelFields('1.1'));
      log.snapshot('CoreShowChannels', { items: [] });
      const { projection, changes } = run(log.all());
      expect(projection.rows('channels')).to.deep.equal([]);
      expect(changes.at(-1)).to.include({ op: 'delete', key: '1.1' });
    });
  });

  it('computes duration at read time from tm_create, in whole seconds', () => {
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('1.1'));
    const row = { ...run(log.all()).projection.row('channels', '1.1')!, node: 'asterisk' };
    expect(toChannelObject(row, '2026-01-01T00:01:30.999999999Z').duration).to.equal(90);
    expect(toChannelObject(row, '2025-12-31T00:00:00.000000000Z').duration).to.equal(0);
  });

  it('over the recorded Asterisk 22 traffic, holds exactly the channels created and not hung up', () => {
    const frames = loadCaptureFrames();
    const events = framesToEvents(frames).map(({ event, stream }, index): RecordedEvent => ({ ...event, position: index + 1, stream, revision: 0, recordedAt: event.metadata.receivedAt! }));
    const { projection, changes } = run(events);

    const created = new Set(frames.filter((f) => f.Event === 'Newchannel').map((f) => f.Uniqueid!));
    const hungUp = new Set(frames.filter((f) => f.Event === 'Hangup').map((f) => f.Uniqueid!));
    const alive = [...created].filter((id) => !hungUp.has(id)).sort();
    expect(projection.rows('channels').map((r) => r.unique_id).sort()).to.deep.equal(alive);
    expect(changes.filter((c) => c.op === 'delete')).to.have.length(hungUp.size);
    expect(changes.filter((c) => c.op === 'create')).to.have.length(created.size);
    // Every queue call's caller went through VarSet-driven variables.
    expect(changes.some((c) => c.op === 'update' && c.row.variables.QUEUEWAIT !== undefined)).to.equal(true);
  });
});
