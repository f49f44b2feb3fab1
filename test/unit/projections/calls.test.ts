import { expect } from 'chai';
import { callsProjection, type CallRow } from '../../../projections/calls/index.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import type { RecordedEvent } from '../../../src/events/index.js';
import { loadCaptureFrames } from './support/ami-capture.js';
import { captureLog, legFields, StreamLog } from './support/stream-log.js';

function run(events: readonly RecordedEvent[]) {
  const projection = new MemoryProjection(callsProjection);
  const changes = projection.apply(events);
  return { projection, changes, call: (linkedId: string): CallRow => projection.row('calls', linkedId)! };
}

/** An originated Local channel pair: `;1` is the call's first channel, `;2` runs the dialplan. */
function localPair(log: StreamLog, linkedId: string, exten: string, two = `${linkedId}-2`): void {
  const one = legFields(`Local/${exten}@demo-00000001;1`, linkedId, linkedId, { ChannelState: '0', ChannelStateDesc: 'Down', Exten: exten });
  log.call(linkedId, 'Newchannel', one);
  log.call(linkedId, 'Newchannel', legFields(`Local/${exten}@demo-00000001;2`, two, linkedId, { Exten: exten }));
  log.call(linkedId, 'LocalBridge', {
    LocalOneChannel: one.Channel!, LocalOneUniqueid: linkedId, LocalOneLinkedid: linkedId,
    LocalTwoChannel: `Local/${exten}@demo-00000001;2`, LocalTwoUniqueid: two, LocalTwoLinkedid: linkedId,
  });
}

const up = { ChannelState: '6', ChannelStateDesc: 'Up' };

describe('calls projection', () => {
  describe('over recorded Asterisk 22 traffic', () => {
    const log = captureLog(loadCaptureFrames());
    const { call, projection } = run(log);

    it('summarises a queue call answered by a member and hung up by the caller', () => {
      const row = call('1795810127.8');
      expect(row).to.include({ callee: '200', hangup_by: 'caller', hangup_cause: 16, hangup_cause_desc: 'Normal Clearing', parked: 0 });
      expect(row.queues).to.deep.equal(['sales_1']);
      // agent-02 rang too but lost (cause 26): only the member it was connected to counts.
      expect(row.agents).to.deep.equal(['agent-01']);
      expect(row.leg_ids).to.have.length(6);
      expect(row.tm_answer! > row.tm_start).to.equal(true);
      expect(row.tm_end! > row.tm_answer!).to.equal(true);
      expect(projection.row('calls_live', '1795810127.8'), 'an ended call leaves the live table').to.equal(undefined);
    });

    it('puts the caller\'s Local halves on the caller side and every member leg on the callee side', () => {
      const parties = call('1795810127.8').leg_ids.map((id) => [projection.row('call_legs', id)!.channel.replace(/-[0-9a-f]+;/, ';'), projection.row('call_legs', id)!.party]);
      expect(parties).to.deep.equal([
        ['Local/200@demo;1', 'caller'],
        ['Local/200@demo;2', 'caller'],
        ['Local/agent-02@agents;1', 'callee'],
        ['Local/agent-02@agents;2', 'callee'],
        ['Local/agent-01@agents;1', 'callee'],
        ['Local/agent-01@agents;2', 'callee'],
      ]);
    });

    it('ends exactly the calls whose legs all hung up in the capture, and no other', () => {
      const calls = projection.rows('calls');
      const live = projection.rows('calls_live').map((row) => row.linked_id);
      for (const row of calls) {
        const legsUp = row.leg_ids.filter((id) => projection.row('call_legs', id)!.tm_hangup === null);
        expect(row.tm_end === null, row.linked_id).to.equal(legsUp.length > 0);
        expect(live.includes(row.linked_id), row.linked_id).to.equal(legsUp.length > 0);
        if (row.tm_end !== null) expect(row.hangup_by, row.linked_id).to.be.oneOf(['caller', 'callee']);
      }
      const linkedIds = new Set(log.filter((event) => event.type === 'Newchannel').map((event) => String(event.data.Linkedid)));
      expect(calls.map((row) => row.linked_id).sort()).to.deep.equal([...linkedIds].sort());
    });
  });

  it('says the callee hung up when a connected member leaves first', () => {
    const log = new StreamLog();
    localPair(log, 'c1', '300');
    log.call('c1', 'Newstate', legFields('Local/300@demo-00000001;2', 'c1-2', 'c1', up));
    log.call('c1', 'QueueCallerJoin', { ...legFields('Local/300@demo-00000001;2', 'c1-2', 'c1', up), Queue: 'sales_1', Position: '1', Count: '1' });
    log.call('c1', 'Newchannel', legFields('Local/agent-01@agents-00000002;1', 'a1', 'c1', { Context: 'agents', Exten: 'agent-01' }));
    log.call('c1', 'Newchannel', legFields('Local/agent-01@agents-00000002;2', 'a2', 'c1', { Context: 'agents', Exten: 'agent-01' }));
    log.call('c1', 'LocalBridge', { LocalOneUniqueid: 'a1', LocalTwoUniqueid: 'a2', LocalOneLinkedid: 'c1' });
    log.call('c1', 'AgentConnect', { ...legFields('Local/300@demo-00000001;2', 'c1-2', 'c1', up), Queue: 'sales_1', MemberName: 'agent-01', Interface: 'Local/agent-01@agents' });
    log.call('c1', 'BridgeEnter', { ...legFields('Local/agent-01@agents-00000002;1', 'a1', 'c1', up), BridgeUniqueid: 'b1' });
    log.call('c1', 'BridgeEnter', { ...legFields('Local/300@demo-00000001;2', 'c1-2', 'c1', up), BridgeUniqueid: 'b1' });
    // The member's phone (the Local channel's far half, not itself in the bridge) hangs up.
    log.call('c1', 'HangupRequest', { ...legFields('Local/agent-01@agents-00000002;2', 'a2', 'c1', up), Cause: '16' });
    for (const [id, channel] of [['a2', 'agents;2'], ['a1', 'agents;1'], ['c1-2', 'demo;2'], ['c1', 'demo;1']] as const) {
      log.call('c1', 'Hangup', { ...legFields(`Local/x@${channel}`, id, 'c1', up), Cause: '16', 'Cause-txt': 'Normal Clearing' });
    }
    const { call } = run(log.all());
    expect(call('c1')).to.include({ hangup_by: 'callee', hangup_cause: 16, tm_end: log.timeOf(log.all().length) });
    expect(call('c1').agents).to.deep.equal(['agent-01']);
  });

  it('attaches an originate to the call it creates and a hangup command to the call it ends, naming the user', () => {
    const log = new StreamLog();
    log.command('cmd-o', 'OriginateRequested', { command_type: 'Originate', request: { channel: 'Local/100@demo' }, targets: { unique_id: 'u1' }, user_uuid: 'user-1', username: 'alice' });
    localPair(log, 'u1', '100');
    log.command('cmd-o', 'OriginateSucceeded', { response: { Response: 'Success' }, result: { unique_id: 'u1' } });
    log.call('u1', 'Newstate', legFields('Local/100@demo-00000001;1', 'u1', 'u1', { ...up, CallerIDNum: '555', CallerIDName: 'E2E' }));
    log.command('cmd-h', 'HangupRequested', { command_type: 'Hangup', request: { unique_id: 'u1' }, targets: { unique_id: 'u1', linked_id: 'u1' }, user_uuid: 'user-1', username: 'alice' });
    log.call('u1', 'SoftHangupRequest', { ...legFields('Local/100@demo-00000001;1', 'u1', 'u1', up), Cause: '16' });
    log.call('u1', 'Hangup', { ...legFields('Local/100@demo-00000001;1', 'u1', 'u1', up), Cause: '16', 'Cause-txt': 'Normal Clearing' });
    log.call('u1', 'Hangup', { ...legFields('Local/100@demo-00000001;2', 'u1-2', 'u1', up), Cause: '16', 'Cause-txt': 'Normal Clearing' });
    const { call, projection } = run(log.all());
    expect(call('u1')).to.include({ hangup_by: 'api', hangup_user: 'alice', caller: '555', callee: '100', hangup_cause: 16 });
    expect(call('u1').command_ids).to.deep.equal(['cmd-o', 'cmd-h']);
    expect(projection.rows('call_pending'), 'the originate no longer waits for its channel').to.deep.equal([]);
  });

  it('keeps a command that names an unknown channel pending, and drops nothing when the channel never comes', () => {
    const log = new StreamLog();
    log.command('cmd-x', 'OriginateRequested', { command_type: 'Originate', request: {}, targets: { unique_id: 'never' }, user_uuid: 'user-1', username: 'alice' });
    const { projection } = run(log.all());
    expect(projection.rows('calls')).to.deep.equal([]);
    expect(projection.row('call_pending', 'never')?.command_ids).to.deep.equal(['cmd-x']);
  });

  it('tags a call with the campaign and dialing of the dialer that originated it, whichever comes first', () => {
    const log = new StreamLog();
    log.add('dialing-d1', 'DialingCreated', { uuid: 'd1', uuid_camp: 'camp-1' });
    localPair(log, 'd1', '1001');
    localPair(log, 'v1', '1002');
    log.call('v1', 'VarSet', { ...legFields('Local/1002@demo-00000001;1', 'v1', 'v1'), Variable: 'JADE_CAMPAIGN_UUID', Value: 'camp-2' });
    log.add('dialing-d2', 'DialingCreated', { uuid: 'd2', uuid_camp: 'camp-3' });
    const { call } = run(log.all());
    expect(call('d1')).to.include({ campaign_uuid: 'camp-1', dialing_uuid: 'd1' });
    expect(call('v1')).to.include({ campaign_uuid: 'camp-2', dialing_uuid: null });
  });

  it('tags a call with the campaign and dialing its dialer originate command names', () => {
    const log = new StreamLog();
    log.command('cmd-d', 'OriginateRequested', { command_type: 'Originate', request: {}, targets: { unique_id: 'd9', dialing_uuid: 'd9', campaign_uuid: 'camp-9' }, user_uuid: 'dialer', username: 'dialer' });
    localPair(log, 'd9', '1001');
    expect(run(log.all()).call('d9')).to.deep.include({ campaign_uuid: 'camp-9', dialing_uuid: 'd9', command_ids: ['cmd-d'] });
  });

  it('marks a parked call', () => {
    const log = new StreamLog();
    localPair(log, 'p1', '200');
    log.call('p1', 'ParkedCall', { ParkeeUniqueid: 'p1-2', ParkeeLinkedid: 'p1', ParkingSpace: '701', Parkinglot: 'default' });
    expect(run(log.all()).call('p1').parked).to.equal(1);
  });

  it('ends, on a reconnect snapshot, the calls whose channels Asterisk no longer has, and starts calls it did not know', () => {
    const log = new StreamLog();
    localPair(log, 'gone', '100');
    localPair(log, 'kept', '100');
    log.add('pbx-test', 'AmiSnapshot', {
      action: 'CoreShowChannels',
      round: 'r2',
      response: { Response: 'Success' },
      items: [
        { Event: 'CoreShowChannel', Uniqueid: 'kept', Linkedid: 'kept', Channel: 'Local/100@demo-00000001;1', ChannelState: '6' },
        { Event: 'CoreShowChannel', Uniqueid: 'kept-2', Linkedid: 'kept', Channel: 'Local/100@demo-00000001;2', ChannelState: '6' },
        { Event: 'CoreShowChannel', Uniqueid: 'new', Linkedid: 'new', Channel: 'PJSIP/x-00000009', ChannelState: '6', Duration: '00:00:10', Exten: '300', CallerIDNum: '777' },
      ],
    });
    const at = log.timeOf(log.all().length);
    const { call, projection } = run(log.all());
    expect(call('gone')).to.include({ tm_end: at, hangup_by: null });
    expect(call('kept').tm_end).to.equal(null);
    expect(call('new')).to.include({ caller: '777', callee: '300', tm_end: null });
    expect(call('new').tm_start < at, 'started Duration before the snapshot').to.equal(true);
    expect(projection.rows('calls_live').map((row) => row.linked_id)).to.deep.equal(['kept', 'new']);
  });

  it('ignores a snapshot that failed to list channels (no items): nothing ends', () => {
    const log = new StreamLog();
    localPair(log, 'c', '100');
    log.add('pbx-test', 'AmiSnapshot', { action: 'CoreShowChannels', round: 'r2', response: { Response: 'Success' } });
    expect(run(log.all()).call('c').tm_end).to.equal(null);
  });
});
