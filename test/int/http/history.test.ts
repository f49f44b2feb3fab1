/**
 * Issue 7 against a real listening server (no Asterisk): the log API's filters and paging, point-in-time
 * reads, call history and the command audit over recorded Asterisk traffic appended to the log.
 */
import { expect } from 'chai';
import type { RecordedEvent } from '../../../src/events/index.js';
import { loadCaptureFrames } from '../../unit/projections/support/ami-capture.js';
import { captureLog } from '../../unit/projections/support/stream-log.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';

type Row = Record<string, unknown>;
interface LogResult {
  readonly list: Row[];
  readonly next_position: number | null;
}
const resultOf = <T>(response: TestResponse): T => {
  expect(response.status, response.text).to.equal(200);
  return response.body?.result as T;
};

/** The queue call of the capture: answered by agent-01, hung up by the caller. */
const queueCall = '1795810127.8';

describe('History over HTTP: log API, calls, commands, point in time', function () {
  this.timeout(30_000);
  let jade: RunningJade;
  let capture: RecordedEvent[];
  /** Position of the first and last captured event in the server's log. */
  let first: number;
  let head: number;
  /** recorded_at of the three append batches (capture halves, then commands). */
  let batchTimes: string[] = [];

  async function appendAll(events: readonly RecordedEvent[]): Promise<number> {
    // Fired without awaiting each: the store keeps call order, and they share group commits.
    const results = await Promise.all(events.map((event) => jade.jade.store.append(event.stream, [{ type: event.type, data: event.data, metadata: event.metadata }])));
    return results[results.length - 1]!.lastPosition;
  }

  async function command(uuid: string, type: string, user: { uuid: string; username: string }, outcome: 'Succeeded' | 'Failed', targets: Row = {}): Promise<void> {
    const metadata = { commandId: uuid, userId: user.uuid, correlationId: uuid };
    await jade.jade.store.append(`command-${uuid}`, [
      { type: `${type}Requested`, data: { command_id: uuid, command_type: type, request: { what: type }, targets, user_uuid: user.uuid, username: user.username }, metadata },
      outcome === 'Succeeded'
        ? { type: `${type}Succeeded`, data: { command_id: uuid, response: { Response: 'Success' }, result: { ok: true } }, metadata }
        : { type: `${type}Failed`, data: { command_id: uuid, error: 'AmiActionError', reason: 'No such channel', timed_out: false, response: { Response: 'Error', Message: 'No such channel' } }, metadata },
    ]);
  }

  before(async function () {
    jade = await startTestJade(undefined);
    capture = captureLog(loadCaptureFrames());
    first = (await jade.jade.store.headPosition()) + 1;
    const half = Math.floor(capture.length / 2);
    await appendAll(capture.slice(0, half));
    batchTimes.push((await jade.jade.store.readAll({ fromPosition: first, maxCount: 1 }))[0]!.recordedAt);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const secondStart = (await jade.jade.store.headPosition()) + 1;
    await appendAll(capture.slice(half));
    batchTimes.push((await jade.jade.store.readAll({ fromPosition: secondStart, maxCount: 1 }))[0]!.recordedAt);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await command('cmd-a', 'Originate', { uuid: 'u-alice', username: 'alice' }, 'Succeeded', { unique_id: queueCall, linked_id: queueCall });
    await command('cmd-b', 'Hangup', { uuid: 'u-bob', username: 'bob' }, 'Failed', { unique_id: 'gone', linked_id: 'gone' });
    await command('cmd-c', 'ModuleReload', { uuid: 'u-alice', username: 'alice' }, 'Succeeded', { module: 'app_queue' });
    head = await jade.jade.store.headPosition();
    await jade.jade.runner.waitForPosition(head, 10_000);
  });

  after(async () => {
    await jade?.stop();
  });

  describe('GET /v1/events', () => {
    it('pages through the whole log by position: every event once, in order, next_position null at the end', async () => {
      const positions: number[] = [];
      let from: number | null = 1;
      let pages = 0;
      while (from !== null) {
        const page: LogResult = resultOf(await jade.get('/v1/events', { query: { from_position: String(from), limit: '1000' } }));
        positions.push(...page.list.map((event) => Number(event.position)));
        from = page.next_position;
        pages += 1;
      }
      expect(positions).to.deep.equal(Array.from({ length: head }, (_, i) => i + 1));
      expect(pages).to.equal(Math.ceil(head / 1000));
    });

    it('gives each entry the contract fields, straight from the log', async () => {
      const page: LogResult = resultOf(await jade.get('/v1/events', { query: { from_position: String(first), limit: '1' } }));
      const stored = capture[0]!;
      expect(page.list[0]).to.deep.include({ position: first, stream: stored.stream, type: stored.type, data: stored.data, metadata: stored.metadata });
      expect(page.list[0]).to.have.all.keys('position', 'stream', 'revision', 'type', 'data', 'metadata', 'recorded_at');
      expect(page.next_position).to.equal(first + 1);
    });

    it('filters by stream, in stream order, exactly as the stream reads', async () => {
      const page: LogResult = resultOf(await jade.get('/v1/events', { query: { stream: `call-${queueCall}`, limit: '1000' } }));
      const stream = await jade.jade.store.readStream(`call-${queueCall}`);
      expect(page.list.map((event) => event.position)).to.deep.equal(stream.map((event) => event.position));
      expect(page.next_position).to.equal(null);
    });

    it('filters by stream prefix and by a list of types, and bounds by from_position/to_position inclusive', async () => {
      const commands: LogResult = resultOf(await jade.get('/v1/events', { query: { stream_prefix: 'command-' } }));
      expect(commands.list.map((event) => event.type)).to.deep.equal(['OriginateRequested', 'OriginateSucceeded', 'HangupRequested', 'HangupFailed', 'ModuleReloadRequested', 'ModuleReloadSucceeded']);

      const from = first + 100;
      const to = first + 1500;
      const typed: LogResult = resultOf(await jade.get('/v1/events', { query: { type: 'Newchannel,Hangup', from_position: String(from), to_position: String(to), limit: '1000' } }));
      const expected = capture.filter((event, index) => (event.type === 'Newchannel' || event.type === 'Hangup') && first + index >= from && first + index <= to);
      expect(typed.list.map((event) => [event.position, event.type])).to.deep.equal(expected.map((event) => [first + capture.indexOf(event), event.type]));
      expect(typed.next_position).to.equal(null);
    });

    it('continues a filtered page where it stopped: limit + next_position give the same events as one big page', async () => {
      const all: LogResult = resultOf(await jade.get('/v1/events', { query: { type: 'Hangup', limit: '1000' } }));
      const collected: Row[] = [];
      let from: number | null = 1;
      while (from !== null) {
        const page: LogResult = resultOf(await jade.get('/v1/events', { query: { type: 'Hangup', limit: '7', from_position: String(from) } }));
        expect(page.list.length).to.be.at.most(7);
        collected.push(...page.list);
        from = page.next_position;
      }
      expect(collected).to.deep.equal(all.list);
      expect(all.list.length).to.be.greaterThan(20);
    });

    it('filters by recorded time: since/until select the append batches', async () => {
      const [firstBatch, secondBatch] = batchTimes as [string, string];
      const early: LogResult = resultOf(await jade.get('/v1/events', { query: { since: firstBatch, until: firstBatch, limit: '1000', stream_prefix: 'call-' } }));
      expect(early.list.length).to.be.greaterThan(0);
      expect(early.list.every((event) => event.recorded_at === firstBatch)).to.equal(true);
      const late: LogResult = resultOf(await jade.get('/v1/events', { query: { since: secondBatch, type: 'OriginateRequested' } }));
      expect(late.list.map((event) => event.stream)).to.deep.equal(['command-cmd-a']);
    });

    it('shows one event by position, 404 past the head, 400 for what is not a position', async () => {
      expect(resultOf<Row>(await jade.get(`/v1/events/${first}`)).type).to.equal(capture[0]!.type);
      expect((await jade.get(`/v1/events/${head + 1}`)).status).to.equal(404);
      const bad = await jade.get('/v1/events/abc');
      expect(bad.status).to.equal(400);
      expect(bad.body?.error?.message).to.match(/position/);
    });

    it('refuses bad parameters with a 400 naming each', async () => {
      const cases: Array<[Record<string, string>, RegExp]> = [
        [{ limit: '0' }, /limit/],
        [{ limit: '1001' }, /limit/],
        [{ from_position: 'x' }, /from_position/],
        [{ from_position: '10', to_position: '5' }, /to_position/],
        [{ since: 'yesterday' }, /since/],
        [{ until: '2026-02-30T00:00:00Z' }, /until/],
        [{ type: ',' }, /type/],
        [{ stream: '' }, /stream/],
      ];
      for (const [query, message] of cases) {
        const response = await jade.get('/v1/events', { query });
        expect(response.status, JSON.stringify(query)).to.equal(400);
        expect(response.body?.error?.message, JSON.stringify(query)).to.match(message);
      }
    });

    it('never shows password or token hashes', async () => {
      const users: LogResult = resultOf(await jade.get('/v1/events', { query: { stream_prefix: 'user-' } }));
      const types = users.list.map((event) => event.type);
      expect(types).to.include.members(['UserCreated', 'TokenIssued']);
      const text = JSON.stringify(users.list);
      const hashes = (await jade.jade.store.readAll({ maxCount: first })).flatMap((event) => [event.data.password_hash, event.data.token_hash]).filter((value): value is string => typeof value === 'string');
      expect(hashes.length).to.be.greaterThan(1);
      for (const hash of hashes) expect(text).not.to.include(hash);
      expect(users.list.find((event) => event.type === 'TokenIssued')?.data).to.include({ token_hash: '[redacted]' });
    });

    it('is for admins only', async () => {
      expect((await jade.http.get('/v1/events')).status).to.equal(401);
    });
  });

  describe('GET /v1/calls', () => {
    it('lists calls with their summary, filtered by queue and hangup cause, paged with next_from', async () => {
      const queued: { list: Row[]; next_from: string | null } = resultOf(await jade.get('/v1/calls', { query: { queue: 'sales_1', limit: '1000' } }));
      expect(queued.list.length).to.be.greaterThan(5);
      expect(queued.list.every((call) => (call.queues as string[]).includes('sales_1'))).to.equal(true);
      const summary = queued.list.find((call) => call.linked_id === queueCall)!;
      expect(summary).to.deep.include({ callee: '200', hangup_by: 'caller', hangup_cause: 16, hangup_cause_desc: 'Normal Clearing', agents: ['agent-01'], parked: false, status: 'ended' });
      expect(summary.duration).to.be.a('number');
      expect(summary.legs).to.have.length(6);

      const byCause: { list: Row[] } = resultOf(await jade.get('/v1/calls', { query: { hangup_cause: '16', limit: '1000' } }));
      expect(byCause.list.length).to.be.greaterThan(0);
      expect(byCause.list.every((call) => call.hangup_cause === 16)).to.equal(true);

      // Oldest first, as asked (the default is newest first since issue 10).
      const everything: { list: Row[] } = resultOf(await jade.get('/v1/calls', { query: { limit: '1000', order: 'asc' } }));
      const paged: Row[] = [];
      let from: string | null = null;
      do {
        const page: { list: Row[]; next_from: string | null } = resultOf(await jade.get('/v1/calls', { query: { limit: '5', order: 'asc', ...(from === null ? {} : { from }) } }));
        paged.push(...page.list);
        from = page.next_from;
      } while (from !== null);
      expect(paged.map((call) => call.linked_id)).to.deep.equal(everything.list.map((call) => call.linked_id));
      const starts = everything.list.map((call) => String(call.tm_start));
      expect(starts).to.deep.equal([...starts].sort());
    });

    it('shows one call: its summary, its whole stream as the timeline, and the commands that touched it', async () => {
      const call: Row = resultOf(await jade.get(`/v1/calls/${queueCall}`));
      const stream = await jade.jade.store.readStream(`call-${queueCall}`);
      expect(call.linked_id).to.equal(queueCall);
      expect((call.timeline as Row[]).map((event) => [event.position, event.type])).to.deep.equal(stream.map((event) => [event.position, event.type]));
      expect((call.commands as Row[]).map((c) => [c.uuid, c.type, c.username, c.outcome])).to.deep.equal([['cmd-a', 'Originate', 'alice', 'succeeded']]);
      expect((await jade.get('/v1/calls/no-such-call')).status).to.equal(404);
    });

    it('refuses a bad filter with a 400 naming it', async () => {
      for (const [query, message] of [[{ hangup_cause: 'busy' }, /hangup_cause/], [{ since: 'x' }, /since/], [{ limit: '-1' }, /limit/]] as const) {
        const response = await jade.get('/v1/calls', { query });
        expect(response.status).to.equal(400);
        expect(response.body?.error?.message).to.match(message);
      }
    });
  });

  describe('GET /v1/commands', () => {
    it('lists commands by user, type and outcome, and shows one with request, response and outcome', async () => {
      const byAlice: { list: Row[] } = resultOf(await jade.get('/v1/commands', { query: { user: 'alice', order: 'asc' } }));
      expect(byAlice.list.map((c) => c.uuid)).to.deep.equal(['cmd-a', 'cmd-c']);
      const byUuid: { list: Row[] } = resultOf(await jade.get('/v1/commands', { query: { user: 'u-bob' } }));
      expect(byUuid.list.map((c) => c.uuid)).to.deep.equal(['cmd-b']);
      const failed: { list: Row[] } = resultOf(await jade.get('/v1/commands', { query: { outcome: 'failed' } }));
      expect(failed.list.map((c) => c.uuid)).to.deep.equal(['cmd-b']);
      const reloads: { list: Row[] } = resultOf(await jade.get('/v1/commands', { query: { type: 'ModuleReload' } }));
      expect(reloads.list.map((c) => c.uuid)).to.deep.equal(['cmd-c']);

      const one: Row = resultOf(await jade.get('/v1/commands/cmd-b'));
      expect(one).to.deep.include({ uuid: 'cmd-b', type: 'Hangup', user_uuid: 'u-bob', outcome: 'failed', request: { what: 'Hangup' }, response: { Response: 'Error', Message: 'No such channel' } });
      expect(one).to.include.keys('tm_create', 'tm_update');
      expect((await jade.get('/v1/commands/nope')).status).to.equal(404);
      expect((await jade.get('/v1/commands', { query: { outcome: 'maybe' } })).status).to.equal(400);
    });
  });

  describe('at= (point in time)', () => {
    /** The position just after the queue call's caller joined the queue, and just after the call ended. */
    const positionOf = (predicate: (event: RecordedEvent) => boolean): number => first + capture.findIndex(predicate);
    const joined = (): number => positionOf((event) => event.type === 'QueueCallerJoin' && event.data.Linkedid === queueCall);
    const callerChannel = 'Local/200@demo-00000004;2';

    it('answers core reads as of a log position: the caller\'s channel then, gone now', async () => {
      const then: { list: Row[] } = resultOf(await jade.get('/v1/core/channels', { query: { at: String(joined()) } }));
      expect(then.list.map((channel) => channel.channel)).to.include(callerChannel);
      const now: { list: Row[] } = resultOf(await jade.get('/v1/core/channels'));
      expect(now.list.map((channel) => channel.channel)).not.to.include(callerChannel);
    });

    it('answers as of a timestamp: the last position recorded at or before it', async () => {
      const [firstBatch] = batchTimes as [string];
      const response = await jade.get('/v1/calls', { query: { at: firstBatch, limit: '1000' } });
      const calls: { list: Row[] } = resultOf(response);
      const halfEnd = first + Math.floor(capture.length / 2) - 1;
      expect(response.headers.get('jade-position')).to.equal(String(halfEnd));
      const started = new Set(capture.slice(0, halfEnd - first + 1).filter((event) => event.type === 'Newchannel').map((event) => String(event.data.Linkedid)));
      expect(calls.list.map((call) => call.linked_id).sort()).to.deep.equal([...started].sort());
    });

    it('shows a call live at a moment of the call, with its duration as of then and the timeline so far', async () => {
      const at = joined();
      const call: { summary: Row; timeline: Row[] } = resultOf(await jade.get(`/v1/calls/${queueCall}`, { query: { at: String(at) } }));
      expect(call.summary).to.deep.include({ status: 'live', tm_end: null, hangup_by: null, queues: ['sales_1'], agents: [] });
      expect(call.timeline.every((event) => Number(event.position) <= at)).to.equal(true);
      expect(call.timeline[call.timeline.length - 1]!.type).to.equal('QueueCallerJoin');
    });

    it('shows the caller waiting in the queue then, and no one waiting now', async () => {
      // This capture has no queue snapshot (no /queue/queues row); the waiting callers are its entries.
      const then = resultOf<{ list: Row[] }>(await jade.get('/v1/queue/entries', { query: { at: String(joined()) } })).list;
      expect(then.map((entry) => [entry.queue_name, entry.channel, entry.position])).to.deep.equal([['sales_1', callerChannel, 1]]);
      expect(resultOf<{ list: Row[] }>(await jade.get('/v1/queue/entries')).list.map((entry) => entry.channel)).not.to.include(callerChannel);
    });

    it('caps the log API at that point', async () => {
      const page: LogResult = resultOf(await jade.get('/v1/events', { query: { at: String(first + 9), from_position: String(first) } }));
      expect(page.list.map((event) => event.position)).to.deep.equal(Array.from({ length: 10 }, (_, i) => first + i));
      expect((await jade.get(`/v1/events/${first + 10}`, { query: { at: String(first + 9) } })).status).to.equal(404);
    });

    it('refuses anything but a past timestamp or a position in the log', async () => {
      for (const at of ['soon', '0', String(head + 1), '2999-01-01T00:00:00Z', '-3', '1.5']) {
        const response = await jade.get('/v1/core/channels', { query: { at } });
        expect(response.status, at).to.equal(400);
        expect(response.body?.error?.message, at).to.match(/^at/);
      }
    });
  });

  describe('POST /v1/admin/projections/rebuild', () => {
    it('rebuilds every projection into tables equal, row for row, to the live ones, and one by name', async () => {
      const { sqlite } = jade.jade.readModels;
      const tables = ['calls', 'call_legs', 'calls_live', 'call_pending', 'commands', 'channels', 'queues', 'queue_entries'];
      const dump = (): Record<string, unknown[]> => Object.fromEntries(tables.map((t) => [t, sqlite.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
      const before = dump();
      expect(before.calls!.length).to.be.greaterThan(30);
      const all: Row = resultOf(await jade.post('/v1/admin/projections/rebuild', {}));
      expect(all).to.deep.include({ position: head, events: head, changes: 0 });
      expect(dump()).to.deep.equal(before);
      const one: Row = resultOf(await jade.post('/v1/admin/projections/rebuild', { name: 'calls' }));
      expect(one.projections).to.deep.equal(['calls']);
      expect(dump()).to.deep.equal(before);
      const unknown = await jade.post('/v1/admin/projections/rebuild', { name: 'nope' });
      expect(unknown.status).to.equal(400);
      expect(unknown.body?.error?.message).to.match(/name/);
    });
  });
});
