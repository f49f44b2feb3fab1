import { expect } from 'chai';
import type { Context, Next } from 'koa';
import { createHttpApp } from '../../../src/http/app.js';
import { queueRoutes } from '../../../src/http/routes/queue.js';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { silentLogger } from '../../../src/logger.js';
import { streams, type AmiFields } from '../../../src/events/index.js';
import { AmiActionError, type AmiAction, type AmiGateway } from '../../../src/ami/port.js';
import { createProjectionRunner, openReadModelDb, type ProjectionRunner, type ReadModelChange, type ReadModelDb } from '../../../src/readmodels/index.js';
import { createReadModelSync } from '../../../src/readmodels/sync.js';
import { nowTimestamp } from '../../../src/events/time.js';
import { httpClient, listen, type HttpClient, type TestServer } from '../../support/http.js';
import { startTestJade } from '../../support/jade.js';
import { snapshotEvent } from '../readmodels/support.js';

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

const admin = { uuid: '00000000-0000-4000-8000-000000000001', username: 'admin', permissions: ['admin'] };

/** The member block app_queue puts in every QueueMember* event. */
function memberBlock(queue: string, name: string, location: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Queue: queue, MemberName: name, Interface: location, StateInterface: location, Membership: 'dynamic', Penalty: '0', CallsTaken: '0', LastCall: '0',
    LastPause: '0', LoginTime: '1795817899', InCall: '0', Status: '1', Paused: '0', PausedReason: '', Ringinuse: '0', Wrapuptime: '0', ...extra,
  };
}

/**
 * Plays Asterisk for the member actions: answers like app_queue's manager handlers (same refusals, same words),
 * and emits the member event a moment after the response, as Asterisk does, so the commands must wait for it.
 */
class FakeQueueAsterisk implements AmiGateway {
  readonly actions: Record<string, string>[] = [];
  connected = true;
  /** Members by `queue|interface`: what Asterisk holds. */
  private readonly members = new Map<string, Record<string, string>>();

  constructor(private readonly store: MemoryEventStore) {
    for (const name of ['agent-01', 'agent-02']) this.members.set(`sales_1|Local/${name}@agents`, { ...memberBlock('sales_1', name, `Local/${name}@agents`), Membership: 'static' });
  }

  state() {
    return { connected: this.connected, since: null, lastEventAt: null };
  }

  async action(action: AmiAction): Promise<AmiFields> {
    const fields = Object.fromEntries(Object.entries(action).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    this.actions.push(fields);
    const key = `${fields.Queue}|${fields.Interface}`;
    const member = this.members.get(key);
    const refuse = (message: string): never => {
      throw new AmiActionError(fields.Action!, { Response: 'Error', ActionID: fields.ActionID!, Message: message });
    };
    switch (fields.Action) {
      case 'QueueAdd': {
        if (fields.Queue !== 'sales_1' && fields.Queue !== 'sales_2') refuse('Unable to add interface to queue: No such queue');
        if (member) refuse('Unable to add interface: Already there');
        const paused = fields.Paused === 'true';
        const block = memberBlock(fields.Queue!, fields.MemberName ?? fields.Interface!, fields.Interface!, {
          StateInterface: fields.StateInterface ?? fields.Interface!, Penalty: fields.Penalty ?? '0', Paused: paused ? '1' : '0', PausedReason: paused ? (fields.Reason ?? '') : '',
        });
        this.members.set(key, block);
        this.emitLater('QueueMemberAdded', block);
        break;
      }
      case 'QueueRemove':
        if (!member) refuse('Unable to remove interface: Not there');
        if (member!.Membership !== 'dynamic') refuse('Unable to remove interface: Not dynamic');
        this.members.delete(key);
        this.emitLater('QueueMemberRemoved', member!);
        break;
      case 'QueuePause': {
        if (!member) refuse('Interface not found');
        const paused = fields.Paused === 'true';
        Object.assign(member!, { Paused: paused ? '1' : '0', PausedReason: paused ? (fields.Reason ?? '') : '', LastPause: '1795818000' });
        this.emitLater('QueueMemberPause', { ...member! });
        break;
      }
      case 'QueuePenalty':
        if (!member) refuse('Invalid interface, queuename or penalty');
        member!.Penalty = fields.Penalty!;
        this.emitLater('QueueMemberPenalty', { ...member! });
        break;
      default:
        refuse('Invalid/unknown command');
    }
    return { Response: 'Success', ActionID: fields.ActionID!, Message: 'OK' };
  }

  listAction(): never {
    throw new Error('not used');
  }

  command(): never {
    throw new Error('not used');
  }

  private emitLater(type: string, data: Record<string, string>): void {
    setTimeout(() => void this.store.append(streams.pbx('test'), [{ type, data: { ...data }, metadata: { node: 'test', receivedAt: nowTimestamp() } }]), 30);
  }
}

/** What Asterisk held at the last connect: sales_1 with two static members and one caller waiting, sales_2 empty, and a queue with a space in its name. */
function reconnectSnapshot() {
  const params = (queue: string, extra: Record<string, string> = {}) => ({
    Event: 'QueueParams', Queue: queue, Max: '0', Strategy: 'ringall', Calls: '0', Holdtime: '0', TalkTime: '0', Completed: '0', Abandoned: '0',
    ServiceLevel: '60', ServicelevelPerf: '0.0', ServicelevelPerf2: '0.0', Weight: '0', ...extra,
  });
  const member = (name: string) => ({
    Event: 'QueueMember', Queue: 'sales_1', Name: name, Location: `Local/${name}@agents`, StateInterface: `Local/${name}@agents`, Membership: 'static', Penalty: '0',
    CallsTaken: '0', LastCall: '0', LastPause: '0', LoginTime: '1795817897', InCall: '0', Status: '1', Paused: '0', PausedReason: '', Wrapuptime: '0',
  });
  const entry = {
    Event: 'QueueEntry', Queue: 'sales_1', Position: '1', Channel: 'Local/300@demo-00000001;2', Uniqueid: '1795817898.9', CallerIDNum: '5550100',
    CallerIDName: 'Jade Recorder', ConnectedLineNum: '5550100', ConnectedLineName: 'Jade Recorder', Wait: '12', Priority: '0',
  };
  return snapshotEvent('QueueStatus', { items: [params('sales_1', { Calls: '1', Completed: '4' }), member('agent-01'), member('agent-02'), entry, params('sales_2'), params('test queue')] }, nowTimestamp());
}

describe('queue REST routes and member commands (real HTTP, SQLite read models, Asterisk played by a fake)', function () {
  this.timeout(20_000);
  let store: MemoryEventStore;
  let readModels: ReadModelDb;
  let runner: ProjectionRunner<ReadModelChange>;
  let asterisk: FakeQueueAsterisk;
  let server: TestServer;
  let http: HttpClient;

  before(async () => {
    store = new MemoryEventStore();
    readModels = await openReadModelDb(':memory:');
    runner = createProjectionRunner({ store, readModels });
    await runner.start();
    asterisk = new FakeQueueAsterisk(store);
    const head = (await store.append(streams.pbx('test'), [reconnectSnapshot()])).lastPosition;
    await runner.waitForPosition(head, 5000);
    const logger = silentLogger();
    const commands = { store, ami: asterisk, readModels: createReadModelSync(runner), logger, settleTimeoutMs: 3000 };
    // Authentication has its own tests: here every request is the admin.
    const authenticate = async (ctx: Context, next: Next) => {
      ctx.state.user = admin;
      await next();
    };
    server = await listen(createHttpApp({ logger, bodyLimitBytes: 1024 * 1024, authenticate, routers: [queueRoutes({ db: readModels.db, commands })] }));
    http = httpClient(server.baseUrl);
  });

  after(async () => {
    await server?.close();
    await runner?.stop();
    await store?.close();
    await readModels?.close();
  });

  beforeEach(() => {
    asterisk.actions.length = 0;
    asterisk.connected = true;
  });

  describe('reads', () => {
    it('lists queues with their statistics and serves one by its URI-encoded name, under /v1/queue and /v1/admin/queue', async () => {
      const list = await http.get('/v1/queue/queues');
      expect(list.status).to.equal(200);
      expect(listOf(list.body).map((q) => q.name)).to.deep.equal(['sales_1', 'sales_2', 'test queue']);
      const one = await http.get('/v1/queue/queues/sales_1');
      expect(resultOf(one.body)).to.deep.include({ name: 'sales_1', strategy: 'ringall', calls: 1, completed: 4, abandoned: 0, service_level: 60, service_level_perf: 0 });
      expect(Object.keys(resultOf(one.body)).sort()).to.deep.equal([
        'abandoned', 'calls', 'completed', 'hold_time', 'max', 'name', 'node', 'service_level', 'service_level_perf', 'service_level_perf2', 'strategy', 'talk_time', 'tm_update', 'weight',
      ]);
      expect((await http.get('/v1/queue/queues/test%20queue')).status).to.equal(200);
      expect(resultOf((await http.get('/v1/admin/queue/queues/sales_1')).body).name).to.equal('sales_1');
      expect(resultOf((await http.get('/queue/queues/sales_1')).body).name, 'the unversioned alias').to.equal('sales_1');
      const missing = await http.get('/v1/queue/queues/nope');
      expect(missing.status).to.equal(404);
      expect(missing.body?.error?.message).to.match(/nope/);
    });

    it('serves a member by name with queue_name, 400 without it and 404 for an unknown one', async () => {
      expect(listOf((await http.get('/v1/queue/members')).body).map((m) => m.id)).to.deep.equal(['agent-01@sales_1', 'agent-02@sales_1']);
      const member = await http.get('/v1/queue/members/agent-01', { query: { queue_name: 'sales_1' } });
      expect(member.status).to.equal(200);
      expect(resultOf(member.body)).to.deep.include({ id: 'agent-01@sales_1', name: 'agent-01', queue_name: 'sales_1', location: 'Local/agent-01@agents', membership: 'static', paused: 0, ring_inuse: null });
      expect(resultOf(member.body), 'internal bookkeeping stays internal').to.not.have.property('calls_taken_at_connect');
      const noQueue = await http.get('/v1/admin/queue/members/agent-01');
      expect(noQueue.status).to.equal(400);
      expect(noQueue.body?.error?.message).to.match(/queue_name/);
      expect((await http.get('/v1/queue/members/agent-01', { query: { queue_name: 'sales_2' } })).status).to.equal(404);
    });

    it('serves waiting callers with their wait computed now, and the combined statuses per queue', async () => {
      const entries = listOf((await http.get('/v1/queue/entries')).body);
      expect(entries.map((e) => [e.unique_id, e.position])).to.deep.equal([['1795817898.9', 1]]);
      const entry = resultOf((await http.get('/v1/queue/entries/1795817898.9')).body);
      expect(entry).to.include({ queue_name: 'sales_1', channel: 'Local/300@demo-00000001;2', caller_id_name: 'Jade Recorder' });
      // 12 s waited at the snapshot, a moment ago.
      expect(entry.wait).to.be.within(12, 14);
      expect((await http.get('/v1/queue/entries/0.0')).status).to.equal(404);

      const statuses = listOf((await http.get('/v1/queue/statuses')).body);
      expect(statuses.map((s) => [(s.queue as Row).name, (s.entries as Row[]).length, (s.members as Row[]).length])).to.deep.equal([
        ['sales_1', 1, 2], ['sales_2', 0, 0], ['test queue', 0, 0],
      ]);
      const one = resultOf((await http.get('/v1/queue/statuses/sales_1')).body);
      expect(Object.keys(one).sort()).to.deep.equal(['entries', 'members', 'queue']);
      expect((await http.get('/v1/queue/statuses/nope')).status).to.equal(404);
    });
  });

  describe('member commands', () => {
    it('adds a member with QueueAdd (ActionID = command id), answers once GET shows it, and audits the command', async () => {
      const added = await http.post('/v1/queue/members', {
        body: { queue_name: 'sales_2', location: 'Local/agent-03@agents', name: 'agent-03', penalty: 2, paused: 1, paused_reason: 'training', state_interface: 'Local/agent-03@agents' },
      });
      expect(added.status, added.text).to.equal(200);
      const { id, command_id: commandId } = resultOf(added.body) as { id: string; command_id: string };
      expect(id).to.equal('agent-03@sales_2');
      expect(asterisk.actions).to.deep.equal([{
        Action: 'QueueAdd', ActionID: commandId, Queue: 'sales_2', Interface: 'Local/agent-03@agents', MemberName: 'agent-03', Penalty: '2', Paused: 'true',
        Reason: 'training', StateInterface: 'Local/agent-03@agents',
      }]);
      // Read-your-writes: the member event came after the response, and the answer waited for it.
      const member = resultOf((await http.get('/v1/queue/members/agent-03', { query: { queue_name: 'sales_2' } })).body);
      expect(member).to.include({ membership: 'dynamic', penalty: 2, paused: 1, paused_reason: 'training' });
      const audit = await store.readStream(`command-${commandId}`);
      expect(audit.map((e) => e.type)).to.deep.equal(['QueueAddRequested', 'QueueAddSucceeded']);
      expect(audit[0]!.data).to.include({ user_uuid: admin.uuid, command_type: 'QueueAdd' });
    });

    it('names a member without a name by its interface, which GET then takes URI-encoded', async () => {
      const added = await http.post('/v1/queue/members', { body: { queue_name: 'sales_2', location: 'Local/agent-04@agents' } });
      expect(added.status, added.text).to.equal(200);
      expect(resultOf(added.body).id).to.equal('Local/agent-04@agents@sales_2');
      const member = await http.get('/v1/queue/members/Local%2Fagent-04%40agents', { query: { queue_name: 'sales_2' } });
      expect(member.status).to.equal(200);
      expect(resultOf(member.body).location).to.equal('Local/agent-04@agents');
    });

    it('pauses with a reason, unpauses and changes the penalty with PUT, each shown by GET at once', async () => {
      const get = async () => resultOf((await http.get('/v1/queue/members/agent-03', { query: { queue_name: 'sales_2' } })).body);
      const paused = await http.put('/v1/queue/members/agent-03', { query: { queue_name: 'sales_2' }, body: { paused: 1, paused_reason: 'lunch' } });
      expect(paused.status, paused.text).to.equal(200);
      expect(paused.body?.result).to.equal(undefined);
      expect(await get()).to.include({ paused: 1, paused_reason: 'lunch' });
      expect(asterisk.actions[0]).to.include({ Action: 'QueuePause', Queue: 'sales_2', Interface: 'Local/agent-03@agents', Paused: 'true', Reason: 'lunch' });

      expect((await http.put('/v1/queue/members/agent-03', { query: { queue_name: 'sales_2' }, body: { paused: false } })).status).to.equal(200);
      expect(await get()).to.include({ paused: 0, paused_reason: '' });

      // A client may PUT back what it GETs: read-only fields are ignored, paused and penalty applied.
      const current = await get();
      const both = await http.put('/v1/queue/members/agent-03', { query: { queue_name: 'sales_2' }, body: { ...current, penalty: 5 } });
      expect(both.status, both.text).to.equal(200);
      expect(asterisk.actions.map((a) => a.Action)).to.deep.equal(['QueuePause', 'QueuePause', 'QueuePause', 'QueuePenalty']);
      expect(asterisk.actions.at(-1)).to.include({ Interface: 'Local/agent-03@agents', Penalty: '5' });
      expect(await get()).to.include({ penalty: 5, paused: 0 });
    });

    it('removes a dynamic member with QueueRemove and 409s a static one with Asterisk\'s words', async () => {
      const removed = await http.delete('/v1/queue/members/agent-03', { query: { queue_name: 'sales_2' } });
      expect(removed.status, removed.text).to.equal(200);
      expect(asterisk.actions[0]).to.include({ Action: 'QueueRemove', Queue: 'sales_2', Interface: 'Local/agent-03@agents' });
      expect((await http.get('/v1/queue/members/agent-03', { query: { queue_name: 'sales_2' } })).status).to.equal(404);

      const statik = await http.delete('/v1/admin/queue/members/agent-01', { query: { queue_name: 'sales_1' } });
      expect(statik.status).to.equal(409);
      expect(statik.body?.error?.message).to.equal('Unable to remove interface: Not dynamic');
      expect((await http.get('/v1/queue/members/agent-01', { query: { queue_name: 'sales_1' } })).status).to.equal(200);
    });

    it("maps Asterisk's refusals: unknown queue 404, member already there 409", async () => {
      const noQueue = await http.post('/v1/queue/members', { body: { queue_name: 'nope', location: 'Local/agent-05@agents' } });
      expect(noQueue.status).to.equal(404);
      expect(noQueue.body?.error?.message).to.equal('Unable to add interface to queue: No such queue');
      const twice = await http.post('/v1/queue/members', { body: { queue_name: 'sales_1', location: 'Local/agent-01@agents', name: 'agent-01' } });
      expect(twice.status).to.equal(409);
      expect(twice.body?.error?.message).to.match(/Already there/);
      const refused = (await store.readAll({ fromPosition: 1 })).filter((e) => e.type === 'QueueAddFailed');
      expect(refused.length, 'refusals are audited too').to.be.at.least(2);
    });

    it('refuses bad input with a 400 naming the field and sends nothing to Asterisk', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{ location: 'Local/agent-05@agents' }, /queue_name/],
        [{ queue_name: 'sales_2' }, /location/],
        [{ queue_name: 'sales_2', location: 'Local/x@agents\r\nAction: Logoff' }, /location/],
        [{ queue_name: 'sales_2', location: 'Local/x@agents', penalty: -1 }, /penalty/],
        [{ queue_name: 'sales_2', location: 'Local/x@agents', paused: 'yes' }, /paused/],
      ];
      for (const [body, field] of cases) {
        const response = await http.post('/v1/queue/members', { body });
        expect(response.status, JSON.stringify(body)).to.equal(400);
        expect(response.body?.error?.message).to.match(field);
      }
      const empty = await http.put('/v1/queue/members/agent-01', { query: { queue_name: 'sales_1' }, body: {} });
      expect(empty.status).to.equal(400);
      expect(empty.body?.error?.message).to.match(/paused or penalty/);
      expect((await http.put('/v1/queue/members/agent-01', { body: { paused: 1 } })).status).to.equal(400);
      expect((await http.delete('/v1/queue/members/agent-01')).status).to.equal(400);
      expect(asterisk.actions).to.deep.equal([]);
    });

    it('404s PUT and DELETE of a member or queue jade does not know, without asking Asterisk', async () => {
      const member = await http.put('/v1/queue/members/ghost', { query: { queue_name: 'sales_1' }, body: { penalty: 1 } });
      expect(member.status).to.equal(404);
      expect(member.body?.error?.message).to.equal('no member ghost in queue sales_1');
      const queue = await http.delete('/v1/queue/members/ghost', { query: { queue_name: 'nope' } });
      expect(queue.status).to.equal(404);
      expect(queue.body?.error?.message).to.equal('no queue nope');
      expect(asterisk.actions).to.deep.equal([]);
    });

    it('answers 503 when Asterisk is not connected, after recording the refusal', async () => {
      asterisk.connected = false;
      const response = await http.post('/v1/queue/members', { body: { queue_name: 'sales_2', location: 'Local/agent-06@agents' } });
      expect(response.status).to.equal(503);
      expect(asterisk.actions).to.deep.equal([]);
    });
  });

  // A suite of its own so it runs after the commands (mocha runs a suite's own tests before its child suites).
  describe('rebuild', () => {
    it('rebuilds the queue tables from the log into rows equal to the live ones', async () => {
      await runner.waitForPosition(await store.headPosition(), 5000);
      const tables = ['queues', 'queue_members', 'queue_entries'];
      const dump = () => Object.fromEntries(tables.map((t) => [t, readModels.sqlite.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
      const live = dump();
      expect(live.queue_members).to.have.length(3);
      await runner.rebuild(['queues']);
      expect(dump()).to.deep.equal(live);
    });
  });
});

describe('queue routes in the composed server (no Asterisk)', function () {
  this.timeout(20_000);

  it('serves the read models and answers 503 to a member command', async () => {
    const jade = await startTestJade(undefined);
    try {
      const queues = await jade.get('/v1/queue/queues');
      expect(queues.status).to.equal(200);
      expect(listOf(queues.body)).to.deep.equal([]);
      expect((await jade.get('/v1/admin/queue/statuses')).status).to.equal(200);
      const add = await jade.post('/v1/queue/members', { queue_name: 'sales_1', location: 'Local/agent-03@agents' });
      expect(add.status).to.equal(503);
    } finally {
      await jade.stop();
    }
  });
});
