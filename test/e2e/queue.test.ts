/**
 * Issue 5, queues, end to end against the real Asterisk sandbox: a call through Queue(sales_1), a dynamic member's
 * life in sales_2 through the API, and an Asterisk restart with a caller waiting. Asterisk's own view comes from a
 * raw AMI session (QueueStatus) and its CLI, never from jade.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { amiGet, SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, WireEvent } from '../../src/realtime/index.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

/** Asterisk's QueueStatus items, as jade's field names, for comparison. */
interface AsteriskQueueStatus {
  readonly queues: Row[];
  readonly members: Row[];
  readonly entries: Row[];
}

const num = (frame: AmiFrame, header: string): number => Number(amiGet(frame, header));

function asQueue(frame: AmiFrame): Row {
  return {
    name: amiGet(frame, 'Queue'), strategy: amiGet(frame, 'Strategy'), max: num(frame, 'Max'), weight: num(frame, 'Weight'), calls: num(frame, 'Calls'),
    completed: num(frame, 'Completed'), abandoned: num(frame, 'Abandoned'), hold_time: num(frame, 'Holdtime'), talk_time: num(frame, 'TalkTime'),
    service_level: num(frame, 'ServiceLevel'), service_level_perf: num(frame, 'ServicelevelPerf'), service_level_perf2: num(frame, 'ServicelevelPerf2'),
  };
}

function asMember(frame: AmiFrame): Row {
  return {
    id: `${amiGet(frame, 'Name')!}@${amiGet(frame, 'Queue')!}`, name: amiGet(frame, 'Name'), queue_name: amiGet(frame, 'Queue'), location: amiGet(frame, 'Location'),
    state_interface: amiGet(frame, 'StateInterface'), membership: amiGet(frame, 'Membership'), status: num(frame, 'Status'), paused: num(frame, 'Paused'),
    paused_reason: amiGet(frame, 'PausedReason') ?? '', penalty: num(frame, 'Penalty'), calls_taken: num(frame, 'CallsTaken'), in_call: num(frame, 'InCall'),
    last_call: num(frame, 'LastCall'), last_pause: num(frame, 'LastPause'), login_time: num(frame, 'LoginTime'), wrapup_time: num(frame, 'Wrapuptime'),
  };
}

/** QueueStatus prints an absent caller id as `unknown`, channel events as `<unknown>`; jade keeps the events' spelling. */
const asCallerId = (value: string | undefined) => (value === 'unknown' ? '<unknown>' : value);

function asEntry(frame: AmiFrame): Row {
  return {
    unique_id: amiGet(frame, 'Uniqueid'), queue_name: amiGet(frame, 'Queue'), channel: amiGet(frame, 'Channel'), position: num(frame, 'Position'),
    caller_id_num: asCallerId(amiGet(frame, 'CallerIDNum')), caller_id_name: asCallerId(amiGet(frame, 'CallerIDName')),
  };
}

/** jade's objects reduced to the fields Asterisk reports (no tm_*, no computed wait, no ring_inuse: QueueStatus lacks it). */
function pick(row: Row, like: Row): Row {
  return Object.fromEntries(Object.keys(like).map((key) => [key, row[key]]));
}

describe('Queues against a real Asterisk 22', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  /** What a socket.io client subscribed to `/queue/statuses/sales%5F1` received. */
  let realtime: WireEvent[] = [];
  let subscriber: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;

  async function connectProbe(): Promise<SandboxAmi> {
    const sandbox = getSandbox();
    return SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
  }

  async function asteriskStatus(queue?: string): Promise<AsteriskQueueStatus> {
    const { events } = await probe.action(queue === undefined ? { Action: 'QueueStatus' } : { Action: 'QueueStatus', Queue: queue });
    const of = (name: string) => events.filter((e) => amiGet(e, 'Event') === name);
    return { queues: of('QueueParams').map(asQueue), members: of('QueueMember').map(asMember), entries: of('QueueEntry').map(asEntry) };
  }

  /** jade's `/queue/statuses[/<queue>]` in the same shape. */
  async function jadeStatus(queue?: string): Promise<{ queues: Row[]; members: Row[]; entries: Row[] }> {
    const items = queue === undefined
      ? listOf((await jade.get('/v1/queue/statuses')).body)
      : [resultOf((await jade.get(`/v1/queue/statuses/${encodeURIComponent(queue)}`)).body)];
    return {
      queues: items.map((s) => s.queue as Row),
      members: items.flatMap((s) => s.members as Row[]),
      entries: items.flatMap((s) => s.entries as Row[]),
    };
  }

  /** Polls until jade's view of the queue(s) equals Asterisk's QueueStatus; fails with both views. */
  async function expectAgreement(queue?: string, what = 'jade to agree with QueueStatus', timeoutMs = 10_000): Promise<AsteriskQueueStatus> {
    let last: unknown;
    try {
      return await eventually(async () => {
        const theirs = await asteriskStatus(queue);
        const ours = await jadeStatus(queue);
        const sortBy = (key: string) => (a: Row, b: Row) => String(a[key]).localeCompare(String(b[key]));
        const view = {
          queues: ours.queues.map((q, i) => pick(q, theirs.queues[i] ?? q)).sort(sortBy('name')),
          members: ours.members.map((m) => pick(m, theirs.members[0] ?? m)).sort(sortBy('id')),
          entries: ours.entries.map((e) => pick(e, theirs.entries[0] ?? e)).sort(sortBy('unique_id')),
        };
        const expected = { queues: [...theirs.queues].sort(sortBy('name')), members: [...theirs.members].sort(sortBy('id')), entries: [...theirs.entries].sort(sortBy('unique_id')) };
        last = { jade: view, asterisk: expected };
        return JSON.stringify(view) === JSON.stringify(expected) ? theirs : undefined;
      }, timeoutMs, what);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${JSON.stringify(last, null, 1)}`);
    }
  }

  const member = async (name: string, queue: string) => jade.get(`/v1/queue/members/${encodeURIComponent(name)}`, { query: { queue_name: queue } });

  before(async function () {
    jade = await startTestJade(getSandbox());
    await waitForAmi(jade);
    probe = await connectProbe();
    await eventually(async () => (listOf((await jade.get('/v1/queue/queues')).body).length >= 2 ? true : undefined), 15_000, 'the queues snapshot');
    // A dashboard's view: a real socket.io client on jade's own server, subscribed the encoded way.
    subscriber = socketIoClient(jade.baseUrl, { transports: ['websocket'], auth: { authtoken: jade.token }, reconnection: false, forceNew: true });
    subscriber.on('events', (batch) => realtime.push(...batch));
    await new Promise<void>((resolve, reject) => {
      subscriber!.once('connect', () => resolve());
      subscriber!.once('connect_error', reject);
    });
    const ack = await subscriber.emitWithAck('subscribe', '/queue/statuses/sales%5F1');
    if ('error' in ack) throw new Error(`subscribe refused: ${ack.error}`);
  });

  after(async function () {
    subscriber?.disconnect();
    probe?.close();
    await jade?.stop();
    // Dynamic members persist in Asterisk's astdb across restarts: leave sales_2 as the sandbox made it.
    await getSandbox().cli('queue remove member Local/agent-03@agents from sales_2').catch(() => undefined);
  });

  it('shows a call into Queue(sales_1): the waiting caller at position 1, a member in call, the completed count moving as Asterisk\'s, the entry gone', async function () {
    const sales1 = '/queue/statuses/sales%5F1';
    const before = await expectAgreement('sales_1', 'sales_1 to agree before the call');
    const completedBefore = Number(before.queues[0]!.completed);

    // Both static members paused, so the caller waits long enough to be seen.
    for (const name of ['agent-01', 'agent-02']) {
      const paused = await jade.put(`/v1/queue/members/${name}?queue_name=sales_1`, { paused: 1, paused_reason: 'e2e hold' });
      expect(paused.status, paused.text).to.equal(200);
    }
    realtime = [];
    const callerId = `e2e-queue-${randomUUID()}`;
    await probe.action({ Action: 'Originate', Channel: 'Local/300@demo', Application: 'Wait', Data: '60', ChannelId: `originator-${randomUUID()}`, OtherChannelId: callerId, Async: 'true' });

    const entry = await eventually(async () => {
      const r = await jade.get(`/v1/queue/entries/${callerId}`);
      return r.status === 200 ? resultOf(r.body) : undefined;
    }, 10_000, 'the caller to wait in sales_1');
    expect(entry).to.include({ queue_name: 'sales_1', position: 1 });
    expect(entry.wait).to.be.a('number');
    expect(resultOf((await jade.get('/v1/queue/queues/sales_1')).body).calls).to.equal(1);
    const waiting = await expectAgreement('sales_1', 'the waiting caller to agree');
    expect(waiting.entries.map((e) => e.unique_id)).to.deep.equal([callerId]);

    // A member becomes available: app_queue rings it, it answers, the caller leaves the queue for the call.
    expect((await jade.put('/v1/queue/members/agent-01?queue_name=sales_1', { paused: 0 })).status).to.equal(200);
    await eventually(async () => (resultOf((await member('agent-01', 'sales_1')).body).in_call === 1 ? true : undefined), 10_000, 'agent-01 in call');
    expect((await jade.get(`/v1/queue/entries/${callerId}`)).status).to.equal(404);

    await probe.action({ Action: 'Hangup', Channel: String(entry.channel) });
    const after = await eventually(async () => {
      const q = resultOf((await jade.get('/v1/queue/queues/sales_1')).body);
      return q.completed === completedBefore + 1 ? q : undefined;
    }, 10_000, 'the completed count to move');
    expect(after.calls).to.equal(0);
    // The statistics jade derived from events are Asterisk's own, field for field.
    await expectAgreement('sales_1', 'sales_1 statistics and members to agree after the call');

    const events = await eventually(() => {
      const seen = realtime.filter((e) => e.topic === sales1);
      return seen.some((e) => e.event === 'queue.queue.update' && (e.data as Row).completed === completedBefore + 1) ? seen : undefined;
    }, 5_000, 'the subscriber to receive the completed queue');
    const index = (test: (e: WireEvent) => boolean, what: string) => {
      const i = events.findIndex(test);
      expect(i, what).to.be.at.least(0);
      return i;
    };
    const data = (e: WireEvent) => e.data as Row;
    const joined = index((e) => e.event === 'queue.entry.update' && data(e).unique_id === callerId && data(e).position === 1, 'queue.entry.update at position 1');
    const inCall = index((e) => e.event === 'queue.member.update' && data(e).id === 'agent-01@sales_1' && data(e).in_call === 1, 'queue.member.update in call');
    const left = index((e) => e.event === 'queue.entry.delete' && data(e).unique_id === callerId, 'queue.entry.delete');
    const completed = index((e) => e.event === 'queue.queue.update' && data(e).completed === completedBefore + 1, 'queue.queue.update with the call completed');
    expect(joined).to.be.below(left);
    expect(joined).to.be.below(inCall);
    expect(inCall).to.be.below(completed);
    expect(events.every((e) => e.position > 0)).to.equal(true);

    expect((await jade.put('/v1/queue/members/agent-02?queue_name=sales_1', { paused: 0 })).status).to.equal(200);
    await expectAgreement('sales_1', 'sales_1 to agree after unpausing');
  });

  it('adds, pauses with a reason, unpauses and removes a dynamic member of sales_2, GET agreeing with QueueStatus after each step', async function () {
    const added = await jade.post('/v1/queue/members', { queue_name: 'sales_2', location: 'Local/agent-03@agents', name: 'agent-03', penalty: 1 });
    expect(added.status, added.text).to.equal(200);
    expect(resultOf(added.body).id).to.equal('agent-03@sales_2');
    let got = resultOf((await member('agent-03', 'sales_2')).body);
    expect(got).to.include({ membership: 'dynamic', penalty: 1, paused: 0, location: 'Local/agent-03@agents' });
    await expectAgreement('sales_2', 'the added member');

    const paused = await jade.put('/v1/queue/members/agent-03?queue_name=sales_2', { paused: 1, paused_reason: 'lunch break' });
    expect(paused.status, paused.text).to.equal(200);
    got = resultOf((await member('agent-03', 'sales_2')).body);
    expect(got).to.include({ paused: 1, paused_reason: 'lunch break' });
    expect(got.last_pause).to.be.greaterThan(0);
    await expectAgreement('sales_2', 'the paused member');
    expect(await getSandbox().cli('queue show sales_2')).to.match(/agent-03.*paused:lunch break/);

    expect((await jade.put('/v1/queue/members/agent-03?queue_name=sales_2', { paused: 0, penalty: 2 })).status).to.equal(200);
    expect(resultOf((await member('agent-03', 'sales_2')).body)).to.include({ paused: 0, paused_reason: '', penalty: 2 });
    await expectAgreement('sales_2', 'the unpaused member');

    const removed = await jade.delete('/v1/queue/members/agent-03?queue_name=sales_2');
    expect(removed.status, removed.text).to.equal(200);
    expect((await member('agent-03', 'sales_2')).status).to.equal(404);
    const status = await expectAgreement('sales_2', 'the removed member');
    expect(status.members).to.deep.equal([]);
    expect(await getSandbox().cli('queue show sales_2')).to.match(/No Members/);

    // Asterisk's refusals, mapped: a static member cannot be removed; an unknown queue does not exist.
    const statik = await jade.delete('/v1/queue/members/agent-01?queue_name=sales_1');
    expect(statik.status, statik.text).to.equal(409);
    const unknownQueue = await jade.post('/v1/queue/members', { queue_name: 'no_such_queue', location: 'Local/agent-03@agents' });
    expect(unknownQueue.status, unknownQueue.text).to.equal(404);
    const twice = await jade.post('/v1/queue/members', { queue_name: 'sales_1', location: 'Local/agent-01@agents', name: 'agent-01' });
    expect(twice.status, twice.text).to.equal(409);
  });

  it('holds exactly what Asterisk holds after an Asterisk restart with a caller waiting', async function () {
    const sandbox = getSandbox();
    // A paused persistent member, and a caller waiting in sales_2 (nobody to take it).
    expect((await jade.post('/v1/queue/members', { queue_name: 'sales_2', location: 'Local/agent-03@agents', name: 'agent-03', paused: 1, paused_reason: 'restart' })).status).to.equal(200);
    const callerId = `e2e-restart-${randomUUID()}`;
    await probe.action({ Action: 'Originate', Channel: 'Local/301@demo', Application: 'Wait', Data: '120', ChannelId: `originator-${randomUUID()}`, OtherChannelId: callerId, Async: 'true' });
    await eventually(async () => ((await jade.get(`/v1/queue/entries/${callerId}`)).status === 200 ? true : undefined), 10_000, 'the caller to wait in sales_2');

    probe.close();
    await sandbox.restart();
    probe = await connectProbe();
    await eventually(async () => {
      const health = (await jade.http.get('/v1/health')).body?.result as { ami: { connected: boolean } };
      return health.ami.connected ? true : undefined;
    }, 20_000, 'jade to reconnect');
    // jade may connect while Asterisk is still booting and be dropped: its reconnect backoff is up to 5 s.
    const status = await expectAgreement(undefined, 'every queue, member and entry to agree after the restart', 30_000);
    expect(status.entries, 'the restart dropped the waiting call').to.deep.equal([]);
    expect((await jade.get(`/v1/queue/entries/${callerId}`)).status).to.equal(404);
    // persistentmembers = yes: the dynamic member came back from Asterisk's database, and jade shows it.
    expect(status.members.map((m) => m.id)).to.include('agent-03@sales_2');

    expect((await jade.delete('/v1/queue/members/agent-03?queue_name=sales_2')).status).to.equal(200);
  });

  it('rebuilds the queue tables from the log into rows equal to the live ones', async function () {
    const { sqlite } = jade.jade.readModels;
    const tables = ['queues', 'queue_members', 'queue_entries'];
    const dump = () => Object.fromEntries(tables.map((t) => [t, sqlite.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
    const head = await jade.jade.store.headPosition();
    await jade.jade.runner.waitForPosition(head, 10_000);
    const live = dump();
    expect(live.queues).to.have.length(2);
    await jade.jade.runner.rebuild(['queues']);
    expect(dump()).to.deep.equal(live);
  });
});
