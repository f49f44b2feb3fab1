import { expect } from 'chai';
import pg from 'pg';
import { LeaseLostError, PostgresEventStore } from '../../../src/eventstore/index.js';
import { PostgresLeadership, type LeadershipView } from '../../../src/cluster/index.js';
import { leadershipLockKey } from '../../../src/postgres/lock-keys.js';
import { silentLogger } from '../../../src/logger.js';
import { rebuildOffline } from '../../../src/main.js';
import { eventually, startTestJade, type RunningJade } from '../../support/jade.js';
import { postgresForSuite, type TestDatabase } from '../../support/postgres.js';

const event = (n: number) => ({ type: 'Probe', data: { n }, metadata: {} });

/** The backend holding the leadership lock (the leader's lock session), if any. */
async function lockHolder(url: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted", [leadershipLockKey]);
    return rows[0]?.pid;
  } finally {
    await client.end();
  }
}

async function terminate(url: string, pid: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await client.end();
  }
}

describe('leadership of the jade nodes sharing one PostgreSQL', function () {
  this.timeout(60_000);
  let database: TestDatabase;

  before(async function () {
    database = await postgresForSuite(this, 'leadership');
  });

  after(async function () {
    await database?.drop();
  });

  describe('the lock and the fence', function () {
    let store: PostgresEventStore;
    const leaderships: PostgresLeadership[] = [];
    const make = (node: string, timing: { retryMs: number; sessionTimeoutMs: number } = { retryMs: 100, sessionTimeoutMs: 2000 }): PostgresLeadership => {
      const leadership = new PostgresLeadership({
        connectionString: database.url,
        node: () => node,
        advertiseUrl: () => `http://${node}.invalid`,
        ...timing,
        logger: silentLogger(),
      });
      leaderships.push(leadership);
      return leadership;
    };

    beforeEach(async function () {
      // Creates the log and jade_leadership.
      store = await PostgresEventStore.open({ connectionString: database.url });
    });

    afterEach(async function () {
      for (const leadership of leaderships.splice(0)) await leadership.stop();
      await store.close();
    });

    it('gives exactly one of two contenders the lead; a terminated lock session fences it at once and the other takes over', async function () {
      const first = make('first');
      const second = make('second');
      await first.start();
      await second.start();
      expect([first.view().role, second.view().role]).to.deep.equal(['leader', 'follower']);
      const epoch = first.view().epoch;
      await eventually(() => (second.view().leader?.node === 'first' ? true : undefined), 5000, 'the follower to see who leads');
      expect(second.view().leader?.url).to.equal('http://first.invalid');

      const fencedFirst = store.fenced(first.lease);
      await fencedFirst.append('probe-a', [event(1)]);
      const heard: LeadershipView[] = [];
      first.onChange((view) => heard.push(view));

      const pid = await lockHolder(database.url);
      expect(pid, 'the leader holds the lock on a session of its own').to.be.a('number');
      await terminate(database.url, pid!);
      await eventually(() => (heard.length > 0 ? true : undefined), 2000, 'the leader to hear it lost the lock');
      expect(heard[0]!.role).to.equal('follower');
      expect(first.lease()).to.equal(undefined);
      // Refused before it reaches PostgreSQL: this node holds no lease.
      const head = await store.headPosition();
      const refused = await fencedFirst.append('probe-a', [event(2)]).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).to.be.instanceOf(LeaseLostError);

      await eventually(() => (second.view().role === 'leader' ? true : undefined), 5000, 'the other node to take the lead');
      expect(second.view().epoch).to.equal(epoch + 1);
      await store.fenced(second.lease).append('probe-b', [event(3)]);
      expect(await store.headPosition()).to.equal(head + 1);
      // The deposed node reconnects and follows, seeing the new leader.
      await eventually(() => (first.view().leader?.node === 'second' ? true : undefined), 5000, 'the deposed node to see the new leader');
      expect(first.view().role).to.equal('follower');
    });

    it('ends the session of a leader that falls silent (hung) after the session timeout, and the other node leads', async function () {
      // Its heartbeat would come only after 10 s: to PostgreSQL it is a leader that hangs.
      const hung = make('hung', { retryMs: 10_000, sessionTimeoutMs: 1000 });
      await hung.start();
      expect(hung.view().role).to.equal('leader');
      const other = make('other');
      await other.start();
      const started = Date.now();
      await eventually(() => (other.view().role === 'leader' ? true : undefined), 5000, 'the other node to lead');
      expect(Date.now() - started, 'about idle_session_timeout').to.be.lessThan(3000);
      expect(hung.lease(), 'the silent leader saw its session end').to.equal(undefined);
    });

    it('refuses, inside the append transaction, an append made under an epoch that is over (nothing appended)', async function () {
      const leader = make('only');
      await leader.start();
      const epoch = leader.view().epoch;
      // A node that still believes it leads under the previous epoch (its lock loss not noticed yet).
      const stale = store.fenced(() => epoch - 1);
      const head = await store.headPosition();
      const results = await Promise.allSettled([stale.append('probe-stale', [event(1)]), store.fenced(leader.lease).append('probe-live', [event(2)])]);
      expect(results[0]!.status).to.equal('rejected');
      expect((results[0] as PromiseRejectedResult).reason).to.be.instanceOf(LeaseLostError);
      expect(results[1]!.status, 'the current leader in the same group commit is unaffected').to.equal('fulfilled');
      expect(await store.headPosition()).to.equal(head + 1);
      expect(await store.readStream('probe-stale')).to.deep.equal([]);
    });
  });

  describe('two jade nodes', function () {
    const running: RunningJade[] = [];
    const start = async (): Promise<RunningJade> => {
      const jade = await startTestJade(undefined, { overrides: { eventstore: { type: 'postgres', postgresUrl: database.url }, cluster: { lockRetryMs: 200, sessionTimeoutMs: 2000 } } });
      running.push(jade);
      return jade;
    };

    afterEach(async function () {
      for (const jade of running.splice(0).reverse()) await jade.stop();
    });

    it('jade rebuild on PostgreSQL refuses while a node leads, and rewrites the shared tables when none runs', async function () {
      const node = await start();
      const created = await node.post('/v1/ob/plans', { name: 'rebuilt plan', tech_name: 'Local' });
      expect(created.status, created.text).to.equal(200);
      const uuid = String((created.body?.result as { uuid: string }).uuid);
      const said: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string | Uint8Array) => said.push(String(chunk)) > 0) as typeof process.stderr.write;
      let refused: number;
      let rebuilt: number;
      try {
        refused = await rebuildOffline(node.config, silentLogger(), {});
        await node.stop();
        running.splice(running.indexOf(node), 1);
        // A row PostgreSQL holds wrongly: the rebuild must put the log's version back.
        const client = new pg.Client({ connectionString: database.url });
        await client.connect();
        await client.query("UPDATE ob_plans SET name = 'garbled' WHERE uuid = $1", [uuid]);
        rebuilt = await rebuildOffline(node.config, silentLogger(), {});
        const { rows } = await client.query<{ name: string }>('SELECT name FROM ob_plans WHERE uuid = $1', [uuid]);
        await client.end();
        expect(rows).to.deep.equal([{ name: 'rebuilt plan' }]);
      } finally {
        process.stderr.write = write;
      }
      expect(refused, said.join('')).to.equal(1);
      expect(said[0]).to.match(/leads the jade nodes on this database.*jade rebuild --server/);
      expect(rebuilt, said.join('')).to.equal(0);
      expect(said.join('')).to.match(/rebuilt .* in PostgreSQL/);
      // The next node finds the rebuilt tables and leads as usual.
      const next = await start();
      expect((await next.get(`/v1/ob/plans/${uuid}`)).body?.result).to.include({ name: 'rebuilt plan' });
    });

    it('one leads; a follower forwards commands with read-your-writes; the leader fenced by a lost lock stops its AMI link and the follower takes over', async function () {
      const leader = await start();
      const follower = await start();
      const health = async (jade: RunningJade) => (await jade.get('/v1/health')).body?.result as { cluster: LeadershipView; ami: { connected: boolean } };
      expect((await health(leader)).cluster.role).to.equal('leader');
      const followerHealth = await health(follower);
      expect(followerHealth.cluster.role).to.equal('follower');
      expect(followerHealth.cluster.leader?.node).to.equal(leader.jade.leadership.view().node);
      expect(leader.jade.ami.current(), 'the leader runs the AMI link').to.not.equal(undefined);
      expect(follower.jade.ami.current(), 'a follower has none').to.equal(undefined);

      // A command sent to the follower is carried out by the leader and readable on the follower at once.
      const created = await follower.post('/v1/ob/plans', { name: 'via the follower', tech_name: 'Local' });
      expect(created.status, created.text).to.equal(200);
      const uuid = String((created.body?.result as { uuid: string }).uuid);
      const read = await follower.get(`/v1/ob/plans/${uuid}`);
      expect(read.status, read.text).to.equal(200);
      const logged = await leader.jade.store.readStream(`plan-${uuid}`);
      expect(logged.length).to.be.greaterThan(0);
      expect(follower.jade.runner.position(), 'the follower\'s own feed has the command').to.be.at.least(logged[logged.length - 1]!.position);
      // A read that needs Asterisk is the leader's to answer (here: its AMI link has no Asterisk either, 503).
      const onLeader = await leader.get('/v1/queue/setting');
      const viaFollower = await follower.get('/v1/queue/setting');
      expect(viaFollower.status, viaFollower.text).to.equal(onLeader.status);
      expect(viaFollower.body?.error, 'the leader\'s own answer, relayed').to.deep.equal(onLeader.body?.error);
      expect(JSON.stringify(viaFollower.body?.error)).to.not.match(/on this node/);
      const metrics = await follower.get('/v1/metrics');
      expect(metrics.text).to.match(/jade_cluster_leader\{node="[^"]+"\} 0/);

      const epoch = leader.jade.leadership.view().epoch;
      await terminate(database.url, (await lockHolder(database.url))!);
      await eventually(() => (leader.jade.leadership.view().role === 'follower' ? true : undefined), 2000, 'the leader to be fenced');
      await eventually(() => (leader.jade.ami.current() === undefined ? true : undefined), 2000, 'the fenced leader to drop its AMI link');
      const head = await leader.jade.store.headPosition();
      // A command that reaches the deposed node as one forwarded to it is carried out there: its append is refused, 503, nothing logged.
      const stale = await leader.http.post('/v1/ob/plans', { token: leader.token, body: { name: 'from a deposed leader', tech_name: 'Local' }, headers: { 'jade-forwarded-by': 'a test' } });
      expect(stale.status, stale.text).to.equal(503);
      expect((stale.body?.error as { message: string }).message).to.match(/no longer leads/);
      await eventually(() => (follower.jade.leadership.view().role === 'leader' ? true : undefined), 8000, 'the follower to take over');
      expect(follower.jade.leadership.view().epoch).to.equal(epoch + 1);
      await eventually(() => (follower.jade.ami.current() !== undefined ? true : undefined), 5000, 'the new leader to start its AMI link');
      const plans = await leader.jade.store.readAll({ fromPosition: head + 1 });
      expect(plans.filter((e) => JSON.stringify(e.data).includes('from a deposed leader')), 'nothing of the refused command in the log').to.deep.equal([]);

      // The deposed node now forwards to the new leader; the new leader writes the read models.
      await eventually(async () => ((await health(leader)).cluster.leader?.node === follower.jade.leadership.view().node ? true : undefined), 5000, 'the deposed node to see the new leader');
      const again = await leader.post('/v1/ob/plans', { name: 'after the failover', tech_name: 'Local' });
      expect(again.status, again.text).to.equal(200);
      const next = String((again.body?.result as { uuid: string }).uuid);
      expect((await follower.get(`/v1/ob/plans/${next}`)).status).to.equal(200);
      expect((await leader.get(`/v1/ob/plans/${next}`)).status).to.equal(200);
    });
  });
});
