/**
 * Failover of two jade nodes on one PostgreSQL (issue 18). Not a test: `npx tsx bench/failover.ts [--seconds 5]`
 * (PostgreSQL: `JADE_POSTGRES_URL`, a fresh database created there, or else a private throwaway cluster,
 * test/support/postgres.ts).
 *
 * A fake Asterisk (in this process) pushes the recorded traffic (test/fixtures captures, renumbered per loop)
 * to whichever node holds the AMI link, one loop every 50 ms. Two `jade serve` processes share the database:
 * the first leads, the second follows. A dashboard (socket.io client on `/`) watches each node. After
 * `--seconds`, the leader is killed with SIGKILL; the figures are the times from the kill until
 * (1) the survivor says it leads (`/v1/health`), (2) the first event appended after the kill is in the log,
 * (3) the first AMI event of the survivor's own link is in the log, and what each dashboard received (the
 * first one reconnects to the survivor with its last position: how many it got again, and whether it then
 * holds exactly the survivor's events: no gap, no duplicate).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { FakeAmi } from '../test/support/fake-ami.js';
import { Dashboard, eventKey, login, removeNodeDirs, startNode, type ClusterNode } from '../test/support/jade-cluster.js';
import { createTestDatabase } from '../test/support/postgres.js';
import { sleep } from './e2e/histogram.js';
import { loopsText } from './e2e/replay.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Number(values.seconds);
if (process.env.JADE_POSTGRES_URL) process.env.JADE_TEST_POSTGRES_URL = process.env.JADE_POSTGRES_URL;
const password = 'bench-failover-secret';

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const database = await createTestDatabase('bench_failover');
const fake = await FakeAmi.start();
const log = new pg.Client({ connectionString: database.url });
const nodes: ClusterNode[] = [];
let traffic: NodeJS.Timeout | undefined;
try {
  await log.connect();
  const env = { JADE_AMI_HOST: '127.0.0.1', JADE_AMI_PORT: String(fake.port), JADE_AMI_USERNAME: fake.username, JADE_AMI_SECRET: fake.secret };
  const first = await startNode({ name: 'node-a', postgresUrl: database.url, adminPassword: password, env });
  nodes.push(first);
  await until('the first node to lead and connect', 30_000, async () => ((await first.health())?.ami.connected ? true : undefined));
  const second = await startNode({ name: 'node-b', postgresUrl: database.url, adminPassword: password, env });
  nodes.push(second);
  const onFirst = await login(first, password);
  const onSecond = await login(second, password);
  const moving = new Dashboard(onFirst.token);
  await moving.connect(first);
  const watcher = new Dashboard(onSecond.token);
  await watcher.connect(second);

  let loop = 0;
  traffic = setInterval(() => fake.push(loopsText(loop++, 1)), 50);
  await sleep(seconds * 1000);

  const { rows } = await log.query<{ head: number }>('SELECT COALESCE(MAX(position), 0)::int AS head FROM events');
  const head = rows[0]!.head;
  const leaderAt = (await first.health())?.projections.position ?? 0;
  const beforeKill = moving.events.length;
  const dropped = moving.dropped();
  const killedAt = performance.now();
  await first.kill('SIGKILL');
  const firstEvent = (type?: string) =>
    until(`the first ${type ?? ''} event after the kill`, 30_000, async () => {
      const found = await log.query<{ position: number; type: string }>(
        `SELECT position, type FROM events WHERE position > $1 ${type ? 'AND type = $2' : ''} ORDER BY position LIMIT 1`,
        type ? [head, type] : [head],
      );
      return found.rows[0] ? { ms: performance.now() - killedAt, ...found.rows[0] } : undefined;
    });
  const [ledMs, appended, amiEvent] = await Promise.all([
    until('the survivor to lead', 30_000, async () => ((await second.health())?.cluster.role === 'leader' ? performance.now() - killedAt : undefined)),
    firstEvent(),
    firstEvent('Newchannel'),
  ]);
  await dropped;
  const lastSeen = moving.lastPosition ?? 0;
  await until('the survivor to reach the dashboard position', 30_000, async () => (((await second.health())?.projections.position ?? 0) >= lastSeen ? true : undefined));
  const resumedAt = moving.events.length;
  await moving.connect(second);
  await sleep(seconds * 1000);
  clearInterval(traffic);
  traffic = undefined;
  const position = await until('the survivor to settle', 30_000, async () => {
    const a = (await second.health())?.projections.position;
    await sleep(500);
    const b = (await second.health())?.projections.position;
    return a !== undefined && a === b ? b : undefined;
  });
  await until('both dashboards to catch up', 30_000, async () => ((moving.lastPosition ?? 0) >= position && (watcher.lastPosition ?? 0) >= position ? true : undefined));

  const movingKeys = moving.events.map(eventKey);
  const from = Math.max(moving.events[0]?.position ?? 0, watcher.events[0]?.position ?? 0);
  const span = (events: typeof moving.events): string[] => events.filter((event) => event.position >= from).map(eventKey);
  const same = JSON.stringify(span(moving.events)) === JSON.stringify(span(watcher.events));
  const duplicates = movingKeys.length - new Set(movingKeys).size;
  const load = loadavg().map((l) => l.toFixed(2)).join(' ');
  console.log(`failover (2 nodes, PostgreSQL, fake Asterisk pushing ${loop} loops of the captures, ${seconds} s before and after the kill; load average ${load})`);
  console.log(`  at the kill: log head ${head}, the leader's published read models at ${leaderAt}`);
  console.log(`  kill -9 -> survivor leads            ${ledMs.toFixed(0).padStart(6)} ms`);
  console.log(`  kill -9 -> first new event in the log ${appended.ms.toFixed(0).padStart(6)} ms (${appended.type} at position ${appended.position})`);
  console.log(`  kill -9 -> first AMI event of its link ${amiEvent.ms.toFixed(0).padStart(5)} ms (${amiEvent.type} at position ${amiEvent.position})`);
  console.log(`  dashboard on the killed node: ${beforeKill} events before the kill, ${moving.events.length - resumedAt} after resuming on the survivor at position ${lastSeen}; ${moving.events.length} in all, ${duplicates} twice`);
  console.log(`  dashboard on the survivor:    ${watcher.events.length} events`);
  console.log(`  the resumed dashboard holds exactly the survivor's events from position ${from}: ${same ? 'yes' : 'NO'}`);
  moving.close();
  watcher.close();
  if (!same || duplicates > 0) process.exitCode = 1;
} finally {
  if (traffic) clearInterval(traffic);
  for (const node of nodes) await node.kill('SIGKILL');
  removeNodeDirs();
  await log.end().catch(() => {});
  await fake.close();
  await database.drop();
}
