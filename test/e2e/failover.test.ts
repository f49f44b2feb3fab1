/**
 * Two `jade serve` nodes on one PostgreSQL against the Asterisk sandbox: kill -9 the leader during a burst of
 * calls and a running campaign. The follower leads within 10 s, every acknowledged command is in the log, no
 * dial-list entry is dialed twice, and a dashboard that reconnects to the survivor with its last position gets
 * exactly the events it missed (compared with a dashboard that watched the survivor all along).
 */
import { expect } from 'chai';
import pg from 'pg';
import { eventually } from '../support/jade.js';
import { clientFor, Dashboard, eventKey, login, removeNodeDirs, startNode, type AuthedClient, type ClusterNode } from '../support/jade-cluster.js';
import { postgresForSuite, type TestDatabase } from '../support/postgres.js';
import { getSandbox } from './hooks.js';
import { createCampaign, dialingsOf, expectedOutcome, ok } from './outbound-support.js';

const password = 'failover-secret';

describe('two jade nodes on PostgreSQL: the leader killed with SIGKILL mid-burst and mid-campaign', function () {
  this.timeout(240_000);
  let database: TestDatabase;
  const nodes: ClusterNode[] = [];

  before(async function () {
    database = await postgresForSuite(this, 'failover');
  });

  after(async function () {
    for (const node of nodes) await node.kill('SIGKILL');
    removeNodeDirs();
    await database?.drop();
  });

  it('fails over within 10 s with nothing acknowledged lost, nothing dialed twice, and a gap-free resume on the survivor', async function () {
    const env = getSandbox().jadeEnv();
    const first = await startNode({ name: 'node-a', postgresUrl: database.url, adminPassword: password, env });
    nodes.push(first);
    await eventually(async () => ((await first.health())?.ami.connected ? true : undefined), 30_000, 'the first node to lead and connect');
    const second = await startNode({ name: 'node-b', postgresUrl: database.url, adminPassword: password, env });
    nodes.push(second);
    expect((await first.health())?.cluster.role).to.equal('leader');
    expect((await second.health())?.cluster).to.include({ role: 'follower' });
    expect((await second.health())?.ami.connected, 'a follower holds no AMI link').to.equal(false);

    const onFirst = await login(first, password);
    // Logged in through the follower: forwarded to the leader, and the token works on the follower at once.
    const onSecond = await login(second, password);
    expect((await onSecond.get('/v1/core/channels')).status).to.equal(200);

    const moving = new Dashboard(onFirst.token);
    await moving.connect(first);
    const watcher = new Dashboard(onSecond.token);
    await watcher.connect(second);
    // Let the first channel snapshot settle before the traffic (the dialer needs the link).
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const numbers = ['1501', '1502', '1503', '1504', '2501', '2502', '3501', '3502'];
    const run = await createCampaign(onFirst, numbers, { plan: { dial_timeout: 3000, retry_delay: 2, max_retry_cnt_1: 2 } });

    // The burst: originates through both nodes (the follower's are forwarded), until the survivor is told to stop.
    const acknowledged: string[] = [];
    let stopBurst = false;
    const burst = async (client: AuthedClient): Promise<void> => {
      while (!stopBurst) {
        try {
          const r = await client.post('/v1/core/channels', { channel: 'Local/100@demo', application: 'Wait', data: '1' });
          if (r.status === 200) acknowledged.push((r.body?.result as { command_id: string }).command_id);
          else await new Promise((resolve) => setTimeout(resolve, 100));
        } catch {
          if (client === onFirst) return; // its node died
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const loops = [burst(onFirst), burst(onFirst), burst(onSecond)];
    await eventually(async () => ((await dialingsOf(onFirst, run.campaign)).filter((d) => d.res_dial === 4).length >= 2 && acknowledged.length >= 10 ? true : undefined), 30_000, 'answered dialings and a burst of acknowledged originates');

    const dropped = moving.dropped();
    const killedAt = Date.now();
    await first.kill('SIGKILL');
    let health = await eventually(async () => {
      const h = await second.health();
      return h?.cluster.role === 'leader' ? h : undefined;
    }, 15_000, 'the survivor to lead');
    const failoverMs = Date.now() - killedAt;
    console.log(`      failover: the survivor led ${failoverMs} ms after the kill (epoch ${health.cluster.epoch})`);
    expect(failoverMs, 'the other node leads within 10 s').to.be.at.most(10_000);
    await dropped;
    await eventually(async () => ((await second.health())?.ami.connected ? true : undefined), 15_000, 'the survivor to connect to Asterisk');

    // The dashboard comes back on the survivor with the last position it saw.
    const lastSeen = moving.lastPosition ?? 0;
    await eventually(async () => ((await second.health())!.projections.position >= lastSeen ? true : undefined), 15_000, 'the survivor to reach the dashboard position');
    const resumedFrom = moving.events.length;
    await moving.connect(second);

    const survivor = clientFor(second, onSecond.token);
    await eventually(async () => (Number(ok(await survivor.get(`/v1/ob/campaigns/${run.campaign}`)).status) === 0 ? true : undefined), 90_000, 'the campaign to finish on the survivor');
    stopBurst = true;
    await Promise.all(loops);
    // Quiet: both dashboards have what the survivor published.
    health = (await second.health())!;
    await eventually(() => ((watcher.lastPosition ?? 0) >= health.projections.position && (moving.lastPosition ?? 0) >= health.projections.position ? true : undefined), 15_000, 'both dashboards to catch up');

    // Exactly what it missed: the moving dashboard's events equal the watcher's over the span both cover.
    const movingKeys = moving.events.map(eventKey);
    expect(new Set(movingKeys).size, 'no event twice').to.equal(movingKeys.length);
    const from = Math.max(moving.events[0]!.position, watcher.events[0]!.position);
    const span = (events: typeof moving.events) => events.filter((event) => event.position >= from).map(eventKey);
    expect(moving.events.length - resumedFrom, 'events after the resume').to.be.greaterThan(0);
    expect(span(moving.events), 'the resumed dashboard has every event, once, in order').to.deep.equal(span(watcher.events));

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // Gap-free and every acknowledged originate in the log with its outcome.
      const { rows: count } = await client.query<{ n: number; max: number }>('SELECT COUNT(*)::int AS n, MAX(position)::int AS max FROM events');
      expect(count[0]!.n).to.equal(count[0]!.max);
      expect(acknowledged.length).to.be.greaterThan(10);
      for (const commandId of acknowledged) {
        const { rows } = await client.query<{ type: string }>('SELECT type FROM events WHERE stream = $1 ORDER BY revision', [`command-${commandId}`]);
        expect(rows.map((row) => row.type), `command ${commandId}`).to.deep.equal(['OriginateRequested', 'OriginateSucceeded']);
      }
      // No entry dialed twice: never taken while a dialing holds it, and tried exactly as often as its number calls for.
      for (const [index, number] of numbers.entries()) {
        const { rows } = await client.query<{ type: string }>('SELECT type FROM events WHERE stream = $1 ORDER BY revision', [`dl-${run.dls[index]!}`]);
        let held = false;
        let takes = 0;
        for (const { type } of rows) {
          if (type === 'DlDialingStarted') {
            expect(held, `${number} taken while a dialing held it`).to.equal(false);
            held = true;
            takes += 1;
          } else if (type === 'DlDialingEnded') held = false;
        }
        expect(takes, `${number}: dialings made`).to.equal(expectedOutcome(number).tries === 'one' ? 1 : 2);
      }
    } finally {
      await client.end();
    }
    moving.close();
    watcher.close();
  });
});
