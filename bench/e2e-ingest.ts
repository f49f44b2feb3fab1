/**
 * The whole product's speed (issue 17, goals 1, 2, 5, 6). Not a test:
 *
 *   npx tsx bench/e2e-ingest.ts [--sizes 10000,100000,1000000] [--events 100000] [--rate 2000] [--seconds 10]
 *                               [--clients 200] [--client-procs 4] [--client raw|socketio] [--only fast,paced,realtime]
 *   (`--only fast,no-alone` skips the store-only run, for a CPU profile of the server alone: `node --cpu-prof --import tsx ...`;
 *    `no-postgres` skips the PostgreSQL run)
 *   (JADE_BENCH_SIZES overrides --sizes' default, e.g. JADE_BENCH_SIZES=10000 npm run bench)
 *
 * For each size, a log pre-filled with that many events (the recorded traffic, written straight into the SQLite
 * file), then:
 * 1. fast: both captures (test/fixtures/ami-capture-*.txt), renumbered per loop so repeats are new calls,
 *    replayed as fast as TCP allows by a fake Asterisk in another process, into (a) the event store alone
 *    (src/ami ingest -> SQLite) and (b) the real server (`startJade`: every projection, change feed, realtime
 *    without clients, dialer, dialplans). Events/s from the first frame until the last event is in the log and
 *    (b) every projection has applied it; the ratio (b)/(a) is the figure. Once per run (first size), (c) the same replay
 *    into the server on PostgreSQL (`eventstore.type=postgres`, see `postgresFast`), printed beside (b).
 * 2. paced: the same traffic at `--rate` events/s into the server; latency AMI frame (stamped by the sender
 *    as it writes it) -> read model (the runner's commit that applied it).
 * 3. realtime: paced again with `--clients` clients on topic `/`, spread over `--client-procs` processes;
 *    every client must receive every realtime event; latency commit -> receipt over all clients; coalescing
 *    ratio (read-model changes in / realtime events out).
 * The load average is printed beside the figures: the machine is shared, so the ratios of one run are what count.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import BetterSqlite3 from 'better-sqlite3';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AmiFrameParser } from '../src/ami/frame-parser.js';
import { startAmi } from '../src/ami/index.js';
import { loadConfig } from '../src/config.js';
import { SqliteEventStore } from '../src/eventstore/sqlite/sqlite-event-store.js';
import { silentLogger } from '../src/logger.js';
import { startJade, type Jade } from '../src/main.js';
import { AmiReplay, ClientProcess, type ClientMode } from './e2e/children.js';
import { Histogram, nowMs, sleep } from './e2e/histogram.js';
import { loopsText, prefillStore } from './e2e/replay.js';
import { createTestDatabase, PostgresUnavailable, type TestDatabase } from '../test/support/postgres.js';

const node = 'bench';
const adminPassword = 'bench-admin-secret';
const framesPerLoop = new AmiFrameParser().push(Buffer.from(loopsText(0, 1))).length;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const load = (): string => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;

interface Options {
  readonly events: number;
  readonly rate: number;
  readonly seconds: number;
  readonly clients: number;
  readonly clientProcs: number;
  readonly client: ClientMode;
  readonly only: ReadonlySet<string>;
}

async function waitUntil(test: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** (a) The replay into the event store alone: TCP -> parse -> ingest -> SQLite group commit. */
interface Run {
  readonly events: number;
  readonly ms: number;
  /** CPU this process used meanwhile (the fake Asterisk runs in another). */
  readonly cpuMicros: number;
}

async function storeOnly(dataDir: string, firstLoop: number, loops: number): Promise<Run> {
  // A fake Asterisk of its own: the server's fake streams to the server's session.
  const replay = await AmiReplay.start();
  const store = await SqliteEventStore.open({ dataDir });
  let resynced: () => void = () => undefined;
  const firstRound = new Promise<void>((resolve) => (resynced = resolve));
  const ami = startAmi({
    config: { host: '127.0.0.1', port: replay.port, username: 'jade', secret: 's3cret', node, keepaliveMs: 60_000, actionTimeoutMs: 10_000, reconnectInitialMs: 100, reconnectMaxMs: 1000 },
    store,
    logger: silentLogger(),
    onResync: () => resynced(),
  });
  await firstRound;
  await ami.ingest.flush();
  await replay.ask({ op: 'prepare', first: firstLoop, loops });
  const target = ami.stats().received + loops * framesPerLoop;
  const cpu = process.cpuUsage();
  const started = nowMs();
  void replay.tell({ op: 'go' });
  await waitUntil(() => ami.stats().appended >= target, 600_000, 'the store-only replay');
  const ms = nowMs() - started;
  const used = process.cpuUsage(cpu);
  await ami.stop();
  await store.close();
  replay.stop();
  return { events: loops * framesPerLoop, ms, cpuMicros: used.user + used.system };
}

async function startServer(dataDir: string, replay: AmiReplay, postgresUrl?: string): Promise<Jade> {
  const config = loadConfig({
    env: {},
    overrides: {
      http: { host: '127.0.0.1', port: 0 },
      dataDir,
      eventstore: postgresUrl === undefined ? { type: 'sqlite' } : { type: 'postgres', postgresUrl },
      admin: { password: adminPassword },
      log: { level: 'silent' },
      ami: { host: '127.0.0.1', port: replay.port, username: 'jade', secret: 's3cret', node },
    },
  });
  const jade = await startJade(config, silentLogger(), { scrypt: { log2N: 10, r: 8, p: 1 }, print: () => undefined });
  // Connected, the first snapshot round stored and projected, nothing moving for half a second.
  let head = -1;
  let stableSince = Date.now();
  await waitUntil(
    async () => {
      const now = await jade.store.headPosition();
      if (now !== head) {
        head = now;
        stableSince = Date.now();
      }
      return jade.ami.gateway.state().connected && jade.runner.position() >= head && Date.now() - stableSince > 500;
    },
    600_000,
    'jade to connect and settle',
  );
  return jade;
}

/** (b) The same replay into the whole server: until the last event is in the log and every projection has it. */
async function wholeServer(jade: Jade, replay: AmiReplay, firstLoop: number, loops: number, sqliteDir?: string): Promise<Run & { appendedMs: number; groups: number }> {
  await replay.ask({ op: 'prepare', first: firstLoop, loops });
  const target = jade.ami.stats().received + loops * framesPerLoop;
  // JADE_BENCH_PROFILE=<file>: a CPU profile of this window alone (open it in Chrome's DevTools).
  const profile = process.env.JADE_BENCH_PROFILE;
  const session = profile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const fromPosition = (await jade.store.headPosition()) + 1;
  const cpu = process.cpuUsage();
  const started = nowMs();
  void replay.tell({ op: 'go' });
  await waitUntil(() => jade.ami.stats().appended >= target, 600_000, 'the replay into jade');
  const appendedMs = nowMs() - started;
  const head = await jade.store.headPosition();
  await waitUntil(() => jade.runner.position() >= head, 600_000, 'the projections');
  const ms = nowMs() - started;
  const used = process.cpuUsage(cpu);
  if (session && profile) {
    const { profile: taken } = await session.post('Profiler.stop');
    writeFileSync(profile, JSON.stringify(taken));
    session.disconnect();
  }
  return { events: loops * framesPerLoop, ms, appendedMs, cpuMicros: used.user + used.system, groups: sqliteDir === undefined ? Number.NaN : groupCommits(sqliteDir, fromPosition, head) };
}

/**
 * Group commits (each one fsync) that wrote positions `from`..`to`: every event of a group carries the group's
 * `recorded_at` (nanoseconds), so the distinct values count the groups. Read from the file: the server's store
 * is wrapped (metrics) and says nothing of its groups.
 */
function groupCommits(dataDir: string, from: number, to: number): number {
  const db = new BetterSqlite3(join(dataDir, SqliteEventStore.fileName), { readonly: true });
  try {
    return db.prepare<[number, number], number>('SELECT count(DISTINCT recorded_at) FROM events WHERE position BETWEEN ? AND ?').pluck().get(from, to) ?? Number.NaN;
  } finally {
    db.close();
  }
}

/** The server's GC pauses over a window: what of a latency tail is the collector's. */
class GcPauses {
  private readonly pauses: number[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.pauses.push(entry.duration);
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer.disconnect();
  }

  summary(): string {
    const total = this.pauses.reduce((sum, ms) => sum + ms, 0);
    const longest = this.pauses.reduce((max, ms) => Math.max(max, ms), 0);
    const over10 = this.pauses.filter((ms) => ms > 10).length;
    return `${fmt(this.pauses.length)} pauses, ${total.toFixed(0)} ms in all, longest ${longest.toFixed(1)} ms, ${over10} over 10 ms`;
  }
}

/** When the read models reached each position: positions ascending, with the time of the commit. */
class CommitClock {
  readonly positions: number[] = [];
  readonly times: number[] = [];
  private readonly off: () => void;

  constructor(jade: Jade) {
    this.off = jade.runner.changes.on('position', (position) => {
      this.positions.push(position);
      this.times.push(nowMs());
    });
  }

  /** The first commit at or beyond `position`. */
  at(position: number): number | undefined {
    let low = 0;
    let high = this.positions.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.positions[mid]! < position) low = mid + 1;
      else high = mid;
    }
    return low < this.positions.length ? this.times[low] : undefined;
  }

  stop(): void {
    this.off();
  }
}

/** Paced replay; returns the frame -> read model histogram (from each stored event's `BenchSent`). */
async function paced(jade: Jade, replay: AmiReplay, firstLoop: number, options: Options): Promise<{ histogram: Histogram; logged: Histogram; gc: GcPauses; events: number; ms: number }> {
  const loops = Math.max(1, Math.round((options.rate * options.seconds) / framesPerLoop));
  const clock = new CommitClock(jade);
  const gc = new GcPauses();
  const from = (await jade.store.headPosition()) + 1;
  const target = jade.ami.stats().received + loops * framesPerLoop;
  const started = nowMs();
  await replay.ask({ op: 'paced', first: firstLoop, loops, rate: options.rate });
  await waitUntil(() => jade.ami.stats().appended >= target, 600_000, 'the paced replay');
  const head = await jade.store.headPosition();
  await waitUntil(() => jade.runner.position() >= head, 600_000, 'the projections');
  const ms = nowMs() - started;
  clock.stop();
  gc.stop();
  const histogram = new Histogram();
  // Frame -> in the log, from the store's recordedAt (millisecond resolution): where the time goes.
  const logged = new Histogram();
  for (let position = from; position <= head; position += 5000) {
    for (const event of await jade.store.readAll({ fromPosition: position, maxCount: Math.min(5000, head - position + 1) })) {
      const sent = (event.data as { BenchSent?: string }).BenchSent;
      const projected = clock.at(event.position);
      if (sent !== undefined && projected !== undefined) histogram.add(projected - Number(sent));
      if (sent !== undefined) logged.add(Date.parse(event.recordedAt) - Number(sent));
    }
  }
  return { histogram, logged, gc, events: loops * framesPerLoop, ms };
}

async function realtimeRun(jade: Jade, replay: AmiReplay, firstLoop: number, options: Options): Promise<void> {
  const url = `http://127.0.0.1:${jade.port}`;
  const login = await fetch(`${url}/v1/admin/login`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}` } });
  const token = ((await login.json()) as { result?: { authtoken?: string } }).result?.authtoken;
  if (token === undefined) throw new Error(`bench login failed: ${login.status}`);
  const perProcess = Math.ceil(options.clients / options.clientProcs);
  const processes = await Promise.all(
    Array.from({ length: options.clientProcs }, (_, i) => ClientProcess.start(url, token, Math.min(perProcess, options.clients - i * perProcess), '/', options.client)),
  );
  await sleep(500);
  for (const p of processes) p.reset();
  const committed: number[] = [];
  let changesIn = 0;
  const off = jade.runner.changes.on('batch', (batch) => {
    const now = nowMs();
    changesIn += batch.changes.length;
    let last = -1;
    for (const change of batch.changes) {
      if (change.position !== last) committed.push(change.position, now);
      last = change.position;
    }
  });
  const publishedBefore = jade.realtime.stats().published;
  const run = await paced(jade, replay, firstLoop, options);
  off();
  // The last realtime tick, then until every client has every event (or nothing moves for 5 s).
  await sleep(100);
  const published = jade.realtime.stats().published - publishedBefore;
  let reports = await Promise.all(processes.map((p) => p.report()));
  let lastTotal = -1;
  let since = Date.now();
  while (Math.min(...reports.map((r) => r.minReceived)) < published && Date.now() - since < 5000) {
    const total = reports.reduce((sum, r) => sum + r.received, 0);
    if (total !== lastTotal) {
      lastTotal = total;
      since = Date.now();
    }
    await sleep(20);
    reports = await Promise.all(processes.map((p) => p.report()));
  }
  const receipt = new Histogram();
  for (const p of processes) receipt.merge(await p.latency(committed));
  const open = reports.reduce((sum, r) => sum + r.open, 0);
  const min = Math.min(...reports.map((r) => r.minReceived));
  const max = Math.max(...reports.map((r) => r.maxReceived));
  const stats = jade.realtime.stats();
  console.log(
    `  realtime, ${options.clients} ${options.client} socket.io clients on / in ${options.clientProcs} processes, paced ${fmt(options.rate)}/s (${fmt(run.events)} AMI events): ` +
      `frame -> read model ${run.histogram.summary()}`,
  );
  console.log(
    `    every client had every event: ${min >= published && open === options.clients} (${fmt(published)} realtime events published; per client min ${fmt(min)} max ${fmt(max)}; ${open}/${options.clients} open; dropped ${stats.dropped})`,
  );
  console.log(`    commit -> receipt over all clients: ${receipt.summary()}   [goal p99 <= 250 ms]`);
  console.log(`    coalescing: ${fmt(changesIn)} read-model changes in / ${fmt(published)} realtime events out = ${(changesIn / Math.max(1, published)).toFixed(2)}   (${load()})`);
  for (const p of processes) p.stop();
}

/**
 * The fast replay into the whole server on PostgreSQL (`eventstore.type=postgres`: the log and the shared read
 * models there), on a private throwaway cluster started as test/support/postgres.ts does (fsync off, so this is
 * the figure of jade's round trips and locking, not of a disk's flush rate), or `JADE_POSTGRES_URL`'s server.
 * Its log starts empty. Without a PostgreSQL server it says why and the benchmark goes on.
 */
async function postgresFast(options: Options, sqliteRate: number): Promise<void> {
  let database: TestDatabase;
  try {
    if (process.env.JADE_POSTGRES_URL) process.env.JADE_TEST_POSTGRES_URL = process.env.JADE_POSTGRES_URL;
    database = await createTestDatabase('e2e_ingest');
  } catch (error) {
    console.log(`    whole server on PostgreSQL: not measured: ${error instanceof PostgresUnavailable ? error.message : String(error)}`);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'jade-e2e-bench-pg-'));
  const replay = await AmiReplay.start();
  try {
    const jade = await startServer(root, replay, database.url);
    try {
      const loops = Math.max(1, Math.round(options.events / framesPerLoop));
      const run = await wholeServer(jade, replay, 1_000, loops);
      const rate = (run.events / run.ms) * 1000;
      console.log(
        `    whole server on PostgreSQL:     ${fmt(rate).padStart(7)} events/s (${run.ms.toFixed(0)} ms, ${(run.cpuMicros / run.events).toFixed(1)} µs CPU/event in jade's process; all in the log after ${run.appendedMs.toFixed(0)} ms; ` +
          `empty log before; private cluster with fsync off unless JADE_POSTGRES_URL)   vs SQLite ${(rate / sqliteRate).toFixed(2)}   (${load()})`,
      );
    } finally {
      await jade.stop();
    }
  } finally {
    replay.stop();
    await database.drop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function runSize(size: number, options: Options, first: boolean): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'jade-e2e-bench-'));
  try {
    const jadeDir = join(root, 'jade');
    const storeDir = join(root, 'store');
    mkdirSync(storeDir, { recursive: true });
    const prefillStarted = nowMs();
    let loop = size > 0 ? await prefillStore(jadeDir, size, node) : 1_000;
    if (size > 0) copyFileSync(join(jadeDir, SqliteEventStore.fileName), join(storeDir, SqliteEventStore.fileName));
    const replay = await AmiReplay.start();
    const startStarted = nowMs();
    const jade = await startServer(jadeDir, replay);
    console.log(
      `\n-- ${fmt(size)} events already in the log (pre-filled in ${((startStarted - prefillStarted) / 1000).toFixed(1)} s; ` +
        `server start incl. first projection build ${((nowMs() - startStarted) / 1000).toFixed(1)} s) --`,
    );
    try {
      if (options.only.has('fast')) {
        const loops = Math.max(1, Math.round(options.events / framesPerLoop));
        // The store-only run goes first on its own copy of the log, while the server idles.
        const alone = options.only.has('no-alone') ? { events: 1, ms: Number.NaN, cpuMicros: Number.NaN } : await storeOnly(storeDir, loop, loops);
        const whole = await wholeServer(jade, replay, loop, loops, jadeDir);
        loop += loops;
        const aloneRate = (alone.events / alone.ms) * 1000;
        const wholeRate = (whole.events / whole.ms) * 1000;
        console.log(`  fast replay, ${fmt(whole.events)} AMI events (${load()}):`);
        const perEvent = (run: Run): string => `${(run.cpuMicros / run.events).toFixed(1)} µs CPU/event`;
        console.log(`    event store alone:              ${fmt(aloneRate).padStart(7)} events/s (${alone.ms.toFixed(0)} ms, ${perEvent(alone)})`);
        console.log(
          `    whole server, every projection: ${fmt(wholeRate).padStart(7)} events/s (${whole.ms.toFixed(0)} ms, ${perEvent(whole)}; all in the log after ${whole.appendedMs.toFixed(0)} ms; ${fmt(whole.events / whole.groups)} events per group commit)   ` +
            `ratio ${(wholeRate / aloneRate).toFixed(2)}   [goal >= 22,000/s]`,
        );
        // PostgreSQL once per run (issue 18): beside the first size's SQLite figure.
        if (first && !options.only.has('no-postgres')) await postgresFast(options, wholeRate);
      }
      if (options.only.has('paced')) {
        const run = await paced(jade, replay, loop, options);
        loop += Math.max(1, Math.round((options.rate * options.seconds) / framesPerLoop));
        console.log(`  paced ${fmt(options.rate)}/s, no clients, ${fmt(run.events)} AMI events: frame -> read model ${run.histogram.summary()}   [goal p99 <= 20 ms] (${load()})`);
        console.log(`    of which frame -> in the log: ${run.logged.summary()}`);
        console.log(`    garbage collection meanwhile (event loop stopped): ${run.gc.summary()}`);
      }
      if (options.only.has('realtime')) {
        await realtimeRun(jade, replay, loop, options);
        loop += Math.max(1, Math.round((options.rate * options.seconds) / framesPerLoop));
      }
    } finally {
      await jade.stop();
      replay.stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string', default: process.env.JADE_BENCH_SIZES ?? '10000,100000,1000000' },
      events: { type: 'string', default: '100000' },
      rate: { type: 'string', default: '2000' },
      seconds: { type: 'string', default: '10' },
      clients: { type: 'string', default: '200' },
      'client-procs': { type: 'string', default: '4' },
      client: { type: 'string', default: 'raw' },
      only: { type: 'string', default: 'fast,paced,realtime' },
    },
  });
  const options: Options = {
    events: Number(values.events),
    rate: Number(values.rate),
    seconds: Number(values.seconds),
    clients: Number(values.clients),
    clientProcs: Number(values['client-procs']),
    client: values.client === 'socketio' ? 'socketio' : 'raw',
    only: new Set(String(values.only).split(',')),
  };
  console.log(`recorded traffic: ${fmt(framesPerLoop)} frames per loop of both captures; ${load()}`);
  const sizes = String(values.sizes).split(',').map(Number);
  for (const [index, size] of sizes.entries()) await runSize(size, options, index === 0);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
