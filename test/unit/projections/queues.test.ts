import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  queuesProjection,
  servicePercent,
  toEntryObject,
  toQueueObject,
  type QueueMemberRow,
  type QueueRow,
} from '../../../projections/queues/index.js';
import type { AmiFields, RecordedEvent } from '../../../src/events/index.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import { framesToEvents, loadCaptureFrames, parseAmiFrames } from './support/ami-capture.js';
import { channelFields, LogBuilder } from './support/events.js';

function run(events: readonly RecordedEvent[]) {
  const projection = new MemoryProjection(queuesProjection.inner);
  const changes = projection.apply(events);
  return { projection, changes };
}

/** QueueStatus list items as Asterisk 22 sends them (from the sandbox capture). */
const params = (queue: string, extra: Record<string, string> = {}): AmiFields => ({
  Event: 'QueueParams', Queue: queue, Max: '0', Strategy: 'ringall', Calls: '0', Holdtime: '0', TalkTime: '0', Completed: '0',
  Abandoned: '0', ServiceLevel: '60', ServicelevelPerf: '0.0', ServicelevelPerf2: '0.0', Weight: '0', ...extra,
});
const statusMember = (queue: string, name: string, extra: Record<string, string> = {}): AmiFields => ({
  Event: 'QueueMember', Queue: queue, Name: name, Location: `Local/${name}@agents`, StateInterface: `Local/${name}@agents`, Membership: 'static',
  Penalty: '0', CallsTaken: '0', LastCall: '0', LastPause: '0', LoginTime: '1795817897', InCall: '0', Status: '1', Paused: '0', PausedReason: '', Wrapuptime: '0', ...extra,
});
const statusEntry = (queue: string, uniqueId: string, position: number, wait: number): AmiFields => ({
  Event: 'QueueEntry', Queue: queue, Position: String(position), Channel: `Local/300@demo-0000000${position};2`, Uniqueid: uniqueId,
  CallerIDNum: '5550100', CallerIDName: 'Jade Recorder', ConnectedLineNum: '5550100', ConnectedLineName: 'Jade Recorder', Wait: String(wait), Priority: '0',
});
/** The member block every QueueMember* event carries. */
const memberEvent = (queue: string, name: string, extra: Record<string, string> = {}): Record<string, string> => ({
  Queue: queue, MemberName: name, Interface: `Local/${name}@agents`, StateInterface: `Local/${name}@agents`, Membership: 'dynamic', Penalty: '0',
  CallsTaken: '0', LastCall: '0', LastPause: '0', LoginTime: '1795817899', InCall: '0', Status: '1', Paused: '0', PausedReason: '', Ringinuse: '0', Wrapuptime: '0', ...extra,
});
const caller = (uniqueId: string, queue: string, extra: Record<string, string> = {}) => ({ ...channelFields(uniqueId, { ChannelState: '6', ChannelStateDesc: 'Up' }), Queue: queue, ...extra });
const agent = (uniqueId: string, queue: string, member: string, extra: Record<string, string>) => ({ ...caller(uniqueId, queue), Interface: `Local/${member}@agents`, MemberName: member, ...extra });

/** A log that starts with the reconnect snapshot of the sandbox: sales_1 with two static members, sales_2 empty. */
function sandboxStart(): LogBuilder {
  const log = new LogBuilder();
  log.snapshot('QueueStatus', { items: [params('sales_1'), statusMember('sales_1', 'agent-01'), statusMember('sales_1', 'agent-02'), params('sales_2')] });
  return log;
}

describe('queues projection', () => {
  describe('QueueStatus snapshot', () => {
    it('creates queues, members and entries with every catalog field', () => {
      const log = new LogBuilder();
      log.snapshot('QueueStatus', {
        items: [
          params('sales_1', { Completed: '3', Abandoned: '1', Holdtime: '4', TalkTime: '20', ServicelevelPerf: '66.7', ServicelevelPerf2: '75.0', Weight: '2', Max: '10' }),
          statusMember('sales_1', 'agent-01', { Paused: '1', PausedReason: 'lunch', LastPause: '1795817000', CallsTaken: '3', LastCall: '1795817800' }),
          statusEntry('sales_1', '1795817898.9', 1, 65),
        ],
      });
      const { projection, changes } = run(log.all());

      expect(changes.map((c) => [c.table, c.op, c.key])).to.deep.equal([
        ['queues', 'create', 'sales_1'],
        ['queue_members', 'create', 'agent-01@sales_1'],
        ['queue_entries', 'create', '1795817898.9'],
      ]);
      expect(toQueueObject({ ...projection.row('queues', 'sales_1')!, node: 'asterisk' })).to.deep.equal({
        name: 'sales_1', strategy: 'ringall', max: 10, weight: 2, calls: 0, completed: 3, abandoned: 1, hold_time: 4, talk_time: 20,
        service_level: 60, service_level_perf: 66.7, service_level_perf2: 75, tm_update: log.timeOf(1), node: 'asterisk',
      });
      expect(projection.row('queue_members', 'agent-01@sales_1')).to.deep.equal({
        id: 'agent-01@sales_1', name: 'agent-01', queue_name: 'sales_1', location: 'Local/agent-01@agents', state_interface: 'Local/agent-01@agents',
        membership: 'static', status: 1, paused: 1, paused_reason: 'lunch', penalty: 0, calls_taken: 3, in_call: 0, last_call: 1795817800,
        last_pause: 1795817000, login_time: 1795817897, ring_inuse: null, wrapup_time: 0, calls_taken_at_connect: null, tm_update: log.timeOf(1),
      } satisfies QueueMemberRow);
      const entry = projection.row('queue_entries', '1795817898.9')!;
      expect(entry).to.include({ queue_name: 'sales_1', position: 1, channel: 'Local/300@demo-00000001;2', caller_id_num: '5550100', connected_line_name: 'Jade Recorder' });
      // Known 65 s old at the snapshot: its join time is derived from Wait, so wait keeps counting from there.
      expect(entry.tm_join).to.equal('2025-12-31T23:58:55.000000000Z');
      expect(toEntryObject({ ...entry, node: 'asterisk' }, '2026-01-01T00:00:10.500000000Z').wait).to.equal(75);
    });

    it('deletes what Asterisk no longer lists, keeps a known caller join time and leaves unchanged rows alone', () => {
      const log = sandboxStart();
      log.add('QueueCallerJoin', caller('1.1', 'sales_1', { Position: '1', Count: '1' })); // gone during the disconnect
      log.add('QueueCallerJoin', caller('1.2', 'sales_1', { Position: '2', Count: '2' })); // still waiting, now first
      log.add('QueueMemberAdded', memberEvent('sales_2', 'agent-03')); // removed during the disconnect
      log.snapshot('QueueStatus', {
        items: [params('sales_1', { Calls: '1' }), statusMember('sales_1', 'agent-01'), statusMember('sales_1', 'agent-02'), statusEntry('sales_1', '1.2', 1, 30)],
      });
      const { projection, changes } = run(log.all());

      const reconcile = changes.filter((c) => c.position === 5);
      expect(reconcile.map((c) => [c.table, c.op, c.key])).to.deep.equal([
        ['queues', 'update', 'sales_1'],
        ['queues', 'delete', 'sales_2'],
        ['queue_members', 'delete', 'agent-03@sales_2'],
        ['queue_entries', 'update', '1.2'],
        ['queue_entries', 'delete', '1.1'],
      ]);
      const entry = projection.row('queue_entries', '1.2')!;
      expect(entry).to.include({ position: 1, tm_join: log.timeOf(3), tm_update: log.timeOf(5) });
      expect(projection.rows('queues').map((q) => q.name)).to.deep.equal(['sales_1']);
      expect(projection.row('queues', 'sales_1')!.calls).to.equal(1);
    });

    it('deletes nothing when the QueueStatus resync failed', () => {
      const log = sandboxStart();
      log.add('AmiSnapshotFailed', { action: 'QueueStatus', round: 'r2', error: 'Asterisk did not answer QueueStatus within 30000 ms' });
      const { projection } = run(log.all());
      expect(projection.rows('queues')).to.have.length(2);
      expect(projection.rows('queue_members')).to.have.length(2);
    });

    it('takes callers and averages from QueueSummary for known queues only', () => {
      const log = sandboxStart();
      log.snapshot('QueueSummary', {
        items: [
          { Event: 'QueueSummary', Queue: 'sales_1', LoggedIn: '2', Available: '2', Callers: '1', HoldTime: '7', TalkTime: '31', LongestHoldTime: '3' },
          { Event: 'QueueSummary', Queue: 'unknown', LoggedIn: '0', Available: '0', Callers: '0', HoldTime: '0', TalkTime: '0', LongestHoldTime: '0' },
        ],
      });
      const { projection } = run(log.all());
      expect(projection.row('queues', 'sales_1')).to.include({ calls: 1, hold_time: 7, talk_time: 31 });
      expect(projection.row('queues', 'unknown')).to.equal(undefined);
    });

    it('estimates the in-service-level counts from the percentages, so the next call moves them as Asterisk does', () => {
      const log = sandboxStart();
      // 2 of 3 completed calls within the service level; 1 abandoned, outside it.
      log.snapshot('QueueStatus', { items: [params('sales_1', { Completed: '3', Abandoned: '1', ServicelevelPerf: '66.7', ServicelevelPerf2: '50.0' })] });
      log.add('AgentComplete', agent('1.1', 'sales_1', 'agent-01', { HoldTime: '5', TalkTime: '10', Reason: 'caller' }));
      const row = run(log.all()).projection.row('queues', 'sales_1')!;
      expect(row).to.include({ completed: 4, completed_in_sl: 3, abandoned_in_sl: 0, service_level_perf: 75, service_level_perf2: 60 });
    });
  });

  describe('callers', () => {
    it('adds a joining caller at its position and counts the queue calls from the event', () => {
      const log = sandboxStart();
      log.add('QueueCallerJoin', caller('1.1', 'sales_1', { Position: '1', Count: '1' }));
      log.add('QueueCallerJoin', caller('1.2', 'sales_1', { Position: '2', Count: '2' }));
      const { projection, changes } = run(log.all());

      expect(changes.filter((c) => c.position === 2).map((c) => [c.table, c.op, c.key])).to.deep.equal([
        ['queue_entries', 'create', '1.1'],
        ['queues', 'update', 'sales_1'],
      ]);
      expect(projection.row('queue_entries', '1.2')).to.deep.equal({
        unique_id: '1.2', queue_name: 'sales_1', channel: 'PJSIP/pjagent-01-00000002', caller_id_name: 'pjagent-01', caller_id_num: 'pjagent-01',
        connected_line_name: '<unknown>', connected_line_num: '<unknown>', position: 2, tm_join: log.timeOf(3), tm_update: log.timeOf(3),
      });
      expect(projection.row('queues', 'sales_1')!.calls).to.equal(2);
    });

    it('moves the callers behind up when one leaves, and down when a priority caller joins ahead', () => {
      const log = sandboxStart();
      log.add('QueueCallerJoin', caller('1.1', 'sales_1', { Position: '1', Count: '1' }));
      log.add('QueueCallerJoin', caller('1.2', 'sales_1', { Position: '2', Count: '2' }));
      log.add('QueueCallerJoin', caller('1.3', 'sales_1', { Position: '3', Count: '3' }));
      log.add('QueueCallerLeave', caller('1.1', 'sales_1', { Position: '1', Count: '2' }));
      const afterLeave = run(log.all());
      log.add('QueueCallerJoin', caller('1.4', 'sales_1', { Position: '1', Count: '3' }));
      const { projection } = run(log.all());

      expect(afterLeave.changes.filter((c) => c.position === 5).map((c) => [c.op, c.key])).to.deep.equal([
        ['delete', '1.1'],
        ['update', '1.2'],
        ['update', '1.3'],
        ['update', 'sales_1'],
      ]);
      expect(afterLeave.projection.rows('queue_entries').map((e) => [e.unique_id, e.position])).to.deep.equal([['1.2', 1], ['1.3', 2]]);
      expect(projection.rows('queue_entries').map((e) => [e.unique_id, e.position])).to.deep.equal([['1.2', 2], ['1.3', 3], ['1.4', 1]]);
      expect(projection.row('queues', 'sales_1')!.calls).to.equal(3);
    });

    it('counts an abandoned call once and renumbers once, though Asterisk sends Abandon then Leave', () => {
      const log = sandboxStart();
      log.add('QueueCallerJoin', caller('1.1', 'sales_2', { Position: '1', Count: '1' }));
      log.add('QueueCallerJoin', caller('1.2', 'sales_2', { Position: '2', Count: '2' }));
      log.add('QueueCallerAbandon', caller('1.1', 'sales_2', { Position: '1', OriginalPosition: '1', HoldTime: '1' }));
      log.add('QueueCallerLeave', caller('1.1', 'sales_2', { Position: '1', Count: '1' }));
      const { projection, changes } = run(log.all());

      expect(changes.filter((c) => c.table === 'queue_entries' && c.op === 'delete').map((c) => c.key)).to.deep.equal(['1.1']);
      expect(projection.row('queue_entries', '1.2')!.position).to.equal(1);
      // Asterisk's own figures after this call (sandbox capture): Abandoned 1, ServicelevelPerf 0.0, ServicelevelPerf2 100.0.
      expect(projection.row('queues', 'sales_2')).to.include({ calls: 1, abandoned: 1, service_level_perf: 0, service_level_perf2: 100 });
    });
  });

  describe('answered calls', () => {
    it("averages hold and talk time with app_queue's filter and counts completed calls within the service level", () => {
      const log = sandboxStart();
      const call = (id: string, hold: number, talk: number) => {
        log.add('AgentConnect', agent(id, 'sales_1', 'agent-01', { HoldTime: String(hold), RingTime: '0' }));
        log.add('AgentComplete', agent(id, 'sales_1', 'agent-01', { HoldTime: String(hold), TalkTime: String(talk), Reason: 'caller' }));
      };
      call('1.1', 8, 40); // first call: the averages start at its values
      call('1.2', 100, 20); // hold (3*8+100)>>2 = 31; talk (3*40+20)>>2 = 35; outside the 60 s service level
      call('1.3', 0, 3); // hold (3*31+0)>>2 = 23; talk (3*35+3)>>2 = 27
      const row = run(log.all()).projection.row('queues', 'sales_1')!;
      expect(row).to.include({ completed: 3, hold_time: 23, talk_time: 27, completed_in_sl: 2, service_level_perf: 66.7, service_level_perf2: 66.7 });
    });

    it('shows the member in a call from AgentConnect, and counts the call when it completes', () => {
      const log = sandboxStart();
      log.add('AgentConnect', agent('1.1', 'sales_1', 'agent-02', { HoldTime: '0', RingTime: '0' }));
      const during = run(log.all()).projection.row('queue_members', 'agent-02@sales_1')!;
      log.add('AgentComplete', agent('1.1', 'sales_1', 'agent-02', { HoldTime: '0', TalkTime: '2', Reason: 'agent' }), { timestamp: '1795817900.608266' });
      const after = run(log.all()).projection.row('queue_members', 'agent-02@sales_1')!;

      expect(during).to.include({ in_call: 1, calls_taken: 0 });
      expect(after).to.include({ in_call: 0, calls_taken: 1, last_call: 1795817900 });
    });

    it('keeps the member in call when a status read before the call started arrives after AgentConnect', () => {
      const log = sandboxStart();
      log.add('AgentConnect', agent('1.1', 'sales_1', 'agent-01', { HoldTime: '2', RingTime: '0' }));
      log.add('QueueMemberStatus', memberEvent('sales_1', 'agent-01', { Membership: 'static', Status: '2', InCall: '0' }));
      const during = run(log.all()).projection.row('queue_members', 'agent-01@sales_1')!;
      log.add('AgentComplete', agent('1.1', 'sales_1', 'agent-01', { HoldTime: '2', TalkTime: '2', Reason: 'caller' }));
      expect(during).to.include({ in_call: 1, status: 2 });
      expect(run(log.all()).projection.row('queue_members', 'agent-01@sales_1')).to.include({ in_call: 0, calls_taken: 1 });
    });

    it('counts a call once when the status with the new count arrives before AgentComplete (recorded on Asterisk 22)', () => {
      const log = sandboxStart();
      log.add('AgentConnect', agent('1.1', 'sales_1', 'agent-01', { HoldTime: '2', RingTime: '0' }));
      log.add('QueueMemberStatus', memberEvent('sales_1', 'agent-01', { Membership: 'static', CallsTaken: '1', LastCall: '1795818547', InCall: '0' }));
      log.add('AgentComplete', agent('1.1', 'sales_1', 'agent-01', { HoldTime: '2', TalkTime: '2', Reason: 'caller' }), { timestamp: '1795818548.2' });
      const member = run(log.all()).projection.row('queue_members', 'agent-01@sales_1')!;
      expect(member).to.include({ calls_taken: 1, last_call: 1795818547, in_call: 0, calls_taken_at_connect: null });
    });

    it('learns a call in progress from QueueStatus, and counts it when it completes', () => {
      const log = new LogBuilder();
      log.snapshot('QueueStatus', { items: [params('sales_1'), statusMember('sales_1', 'agent-01', { InCall: '1', CallsTaken: '4', Status: '2' })] });
      log.add('AgentComplete', agent('1.1', 'sales_1', 'agent-01', { HoldTime: '2', TalkTime: '9', Reason: 'caller' }));
      expect(run(log.all()).projection.row('queue_members', 'agent-01@sales_1')).to.include({ calls_taken: 5, in_call: 0 });
    });

    it('ignores agent events of queues and members it does not hold', () => {
      const log = new LogBuilder();
      log.add('AgentConnect', agent('1.1', 'sales_9', 'agent-01', { HoldTime: '0', RingTime: '0' }));
      log.add('AgentComplete', agent('1.1', 'sales_9', 'agent-01', { HoldTime: '0', TalkTime: '2', Reason: 'agent' }));
      log.add('QueueCallerLeave', caller('9.9', 'sales_9', { Position: '1', Count: '0' }));
      expect(run(log.all()).changes).to.deep.equal([]);
    });
  });

  describe('members', () => {
    it('follows a dynamic member through add, pause with a reason, penalty, unpause and removal', () => {
      const log = sandboxStart();
      log.add('QueueMemberAdded', memberEvent('sales_2', 'agent-03', { Penalty: '1' }));
      log.add('QueueMemberPause', memberEvent('sales_2', 'agent-03', { Penalty: '1', Paused: '1', PausedReason: 'lunch', LastPause: '1795817899' }));
      const paused = run(log.all()).projection.row('queue_members', 'agent-03@sales_2')!;
      log.add('QueueMemberPenalty', memberEvent('sales_2', 'agent-03', { Penalty: '2', Paused: '1', PausedReason: 'lunch', LastPause: '1795817899' }));
      log.add('QueueMemberPause', memberEvent('sales_2', 'agent-03', { Penalty: '2', LastPause: '1795817899' }));
      const unpaused = run(log.all()).projection.row('queue_members', 'agent-03@sales_2')!;
      log.add('QueueMemberRemoved', memberEvent('sales_2', 'agent-03', { Penalty: '2', LastPause: '1795817899' }));
      const { projection, changes } = run(log.all());

      expect(changes.filter((c) => c.table === 'queue_members').map((c) => c.op)).to.deep.equal(['create', 'create', 'create', 'update', 'update', 'update', 'delete']);
      expect(paused).to.include({ membership: 'dynamic', paused: 1, paused_reason: 'lunch', penalty: 1, last_pause: 1795817899, ring_inuse: 0, location: 'Local/agent-03@agents' });
      expect(unpaused).to.include({ paused: 0, paused_reason: '', penalty: 2 });
      expect(projection.row('queue_members', 'agent-03@sales_2')).to.equal(undefined);
      // The delete carries the member's last state.
      expect(changes.at(-1)!.row).to.include({ id: 'agent-03@sales_2', penalty: 2, tm_update: log.timeOf(6) });
    });

    it('names a member added without a name by its interface, as Asterisk does', () => {
      const log = sandboxStart();
      log.add('QueueMemberAdded', memberEvent('sales_2', 'x', { MemberName: 'Local/agent-03@agents', Interface: 'Local/agent-03@agents' }));
      expect(run(log.all()).projection.row('queue_members', 'Local/agent-03@agents@sales_2')).to.include({ name: 'Local/agent-03@agents', location: 'Local/agent-03@agents' });
    });
  });

  it("prints service-level percentages exactly as Asterisk's %2.1f of a float does", () => {
    expect(servicePercent(0, 0)).to.equal(0);
    expect(servicePercent(1, 3)).to.equal(33.3);
    expect(servicePercent(2, 3)).to.equal(66.7);
    expect(servicePercent(2, 2)).to.equal(100);
    // 6.25 is exact in binary: glibc rounds the tie to even.
    expect(servicePercent(1, 16)).to.equal(6.2);
    expect(servicePercent(3, 16)).to.equal(18.8);
  });

  it('over the recorded Asterisk 22 calls into sales_1, ends with no caller waiting and every completed call counted', () => {
    const frames = loadCaptureFrames();
    const log = sandboxStart();
    const start = log.all();
    const events = framesToEvents(frames).map(({ event, stream }, index): RecordedEvent => ({
      ...event, position: start.length + index + 1, stream, revision: 0, recordedAt: event.metadata.receivedAt!,
    }));
    const { projection } = run([...start, ...events]);

    const joins = frames.filter((f) => f.Event === 'QueueCallerJoin').length;
    const leaves = frames.filter((f) => f.Event === 'QueueCallerLeave');
    expect(joins).to.be.greaterThan(10);
    expect(leaves).to.have.length(joins);
    expect(projection.rows('queue_entries')).to.deep.equal([]);
    const queue = projection.row('queues', 'sales_1')!;
    expect(queue.calls).to.equal(Number(leaves.at(-1)!.Count));
    expect(queue.completed).to.equal(frames.filter((f) => f.Event === 'AgentComplete').length);
    expect(queue.service_level_perf).to.equal(100);
    // Members: the capture's last QueueMemberStatus for agent-02 reported 2 calls; agent-01's count only moved through AgentComplete.
    expect(projection.rows('queue_members').map((m) => m.id)).to.deep.equal(['agent-01@sales_1', 'agent-02@sales_1']);
  });

  it("over the recorded sandbox traffic, the statistics derived from events equal Asterisk's next QueueStatus", () => {
    const path = fileURLToPath(new URL('../../fixtures/ami-capture-sandbox.txt', import.meta.url));
    const frames = parseAmiFrames(readFileSync(path, 'utf8'));
    // The capture's last QueueStatus answer: its items share one ActionID.
    const lastRound = frames.filter((f) => f.Event === 'QueueParams').at(-1)!.ActionID;
    const firstOfRound = frames.findIndex((f) => f.ActionID === lastRound);
    const events = framesToEvents(frames.slice(0, firstOfRound)).map(({ event, stream }, index): RecordedEvent => {
      // As the ingest stores them: Asterisk's Timestamp header goes to the metadata.
      const timestamp = typeof event.data.Timestamp === 'string' ? event.data.Timestamp : undefined;
      return { ...event, metadata: { ...event.metadata, ...(timestamp ? { timestamp } : {}) }, position: index + 1, stream, revision: 0, recordedAt: event.metadata.receivedAt! };
    });
    const { projection } = run(events);

    const reported = frames.slice(firstOfRound).filter((f) => f.ActionID === lastRound);
    const asQueue = (f: AmiFields): Partial<QueueRow> => ({
      calls: Number(f.Calls), completed: Number(f.Completed), abandoned: Number(f.Abandoned), hold_time: Number(f.Holdtime), talk_time: Number(f.TalkTime),
      service_level_perf: Number(f.ServicelevelPerf), service_level_perf2: Number(f.ServicelevelPerf2),
    });
    const queues = reported.filter((f) => f.Event === 'QueueParams');
    expect(queues).to.have.length(2);
    for (const f of queues) expect(projection.row('queues', f.Queue!), f.Queue).to.include(asQueue(f));
    const members = reported.filter((f) => f.Event === 'QueueMember');
    expect(members).to.have.length(2);
    for (const f of members) {
      expect(projection.row('queue_members', `${f.Name!}@${f.Queue!}`), f.Name).to.include({
        calls_taken: Number(f.CallsTaken), last_call: Number(f.LastCall), in_call: Number(f.InCall), status: Number(f.Status), paused: Number(f.Paused),
      });
    }
    expect(projection.rows('queue_entries')).to.deep.equal([]);
  });
});
