/**
 * Point-in-time reads (issue 17 goal 3): `at=` latency and disk cost at 10 k, 100 k and 1 M events in the log.
 *
 *   npx tsx bench/point-in-time.ts [sizes=10000,100000,1000000] [everyEvents=2500] [reads=12]
 *
 * For each size: the recorded traffic (test/support/recorded-log.ts) is appended to a SQLite log in a temp dir
 * and projected into a file-backed read-model database in batches of 1,000 (as the live runner does), taking
 * a snapshot every `everyEvents` events as the server does (src/history/snapshots.ts). Then:
 *  - disk per event: the log + read models (today) against the same plus the snapshots kept; the bytes every
 *    snapshot wrote (the write amplification of the design) and, for the other design the issue names
 *    (system-versioned rows), a lower bound: one stored version per row change, its JSON size + two positions;
 *  - `at=` latency through ScratchReadModels (what the HTTP middleware calls) plus one read-model query:
 *    first read at random positions and at the worst one (just below a snapshot: the longest replay),
 *    then the same positions again (cached); and the same first read today (replay from 0, at the middle);
 *  - RSS while the reads run against RSS of a live read.
 * Prints the load average beside the figures: the machine is shared.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../src/eventstore/sqlite/sqlite-event-store.js';
import { ReadModelSnapshots, ScratchReadModels, snapshotDir } from '../src/history/index.js';
import { openReadModelDb, readModelDbPath, type ReadModelDb } from '../src/readmodels/database.js';
import { createProjectionRunner } from '../src/readmodels/runner.js';
import { fillLog } from '../test/support/recorded-log.js';

const sizes = (process.argv[2] ?? '10000,100000,1000000').split(',').map((n) => Number.parseInt(n, 10));
const everyEvents = Number.parseInt(process.argv[3] ?? '2500', 10);
const reads = Number.parseInt(process.argv[4] ?? '12', 10);
const batch = 1000;

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ms = (value: number): string => `${value.toFixed(0)} ms`;
const load = (): string => `load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
const fileSize = (path: string): number => statSync(path, { throwIfNoEntry: false })?.size ?? 0;
const dirSize = (dir: string): number => readdirSync(dir).reduce((sum, name) => sum + fileSize(join(dir, name)), 0);

/** What a route does with the read models: a page of channels and of calls. */
async function readPage(readModels: Pick<ReadModelDb, 'db'>): Promise<void> {
  await readModels.db.selectFrom('channels').selectAll().limit(100).execute();
  await readModels.db.selectFrom('calls').selectAll().limit(100).execute();
}

/** Deterministic positions, so two runs compare. */
function positions(head: number, count: number): number[] {
  let seed = 17;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return Array.from({ length: count }, () => 1 + Math.floor(next() * (head - 1)));
}

function summary(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `p50 ${ms(at(0.5))}, max ${ms(sorted.at(-1)!)}`;
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function measure(size: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jade-bench-pit-'));
  const store = await SqliteEventStore.open({ dataDir: dir });
  try {
    const head = await fillLog(store, size);
    const readModels = await openReadModelDb(readModelDbPath(dir));
    const runner = createProjectionRunner({ store, readModels });
    // Back to back (restFactor 0): the server rests between snapshots of a big database under a fast ingest.
    const snapshots = new ReadModelSnapshots({ dir: snapshotDir(dir), everyEvents, retain: Number.MAX_SAFE_INTEGER, restFactor: 0 });
    let changes = 0;
    let versionBytes = 0;
    // A version row: the row's JSON, valid_from and valid_to (8 bytes each), SQLite's record header (~2 bytes a column).
    runner.changes.on('change', (change) => {
      changes += 1;
      versionBytes += JSON.stringify(change.row).length + 16 + 2 * Object.keys(change.row).length;
    });
    let snapshotMs = 0;
    const projectStarted = performance.now();
    for (let at = 0; at < head; ) {
      at = await runner.catchUp(Math.min(head, at + batch));
      const started = performance.now();
      snapshots.onPosition(readModels.sqlite, at);
      await snapshots.idle();
      snapshotMs += performance.now() - started;
    }
    const projectMs = performance.now() - projectStarted;
    readModels.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const logBytes = fileSize(join(dir, SqliteEventStore.fileName));
    const readModelBytes = fileSize(readModelDbPath(dir));
    const snapshotBytes = dirSize(snapshotDir(dir));
    const perEvent = (bytes: number): string => `${Math.round(bytes / head).toLocaleString('en-US')} B/event`;

    console.log(`\n-- ${head.toLocaleString('en-US')} events (${load()})`);
    console.log(`projected in batches of ${batch}: ${ms(projectMs)}, of which snapshots ${ms(snapshotMs)} (${snapshots.stats().taken} taken, every ${everyEvents} events)`);
    console.log(`disk today (log + read models):              ${perEvent(logBytes + readModelBytes)}  (log ${mb(logBytes)}, read models ${mb(readModelBytes)})`);
    console.log(`disk with snapshots (all kept):              ${perEvent(logBytes + readModelBytes + snapshotBytes)}  (snapshots ${mb(snapshotBytes)}; retention bounds them at snapshotRetain x read models)`);
    console.log(`write amplification, snapshots:              ${perEvent(snapshots.stats().bytesWritten)} written`);
    console.log(`write amplification, system-versioned rows:  >= ${perEvent(versionBytes)} (estimate: ${changes.toLocaleString('en-US')} row changes, one version each, plus indexes)`);

    const livePeak = process.memoryUsage().rss;
    await readPage(readModels);
    const targets = positions(head, reads);
    // Worst case: the position just below a snapshot replays a whole interval from the one before.
    const worst = snapshots.list().length > 1 ? snapshots.list()[1]!.from - 1 : head;
    targets.push(worst);
    const scratch = new ScratchReadModels({ store, snapshots, workDir: join(dir, 'scratch'), capacity: 4 });
    let peakRss = 0;
    const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5);
    const read = async (position: number): Promise<void> => {
      const lease = await scratch.acquire(position);
      try {
        await readPage(lease);
      } finally {
        lease.release();
      }
    };
    const first: number[] = [];
    for (const position of targets) first.push(await timed(() => read(position)));
    const repeated: number[] = [];
    for (const position of targets.slice(-4)) repeated.push(await timed(() => read(position)));
    clearInterval(sample);
    await scratch.close();
    console.log(`at= first read, ${targets.length} positions:              ${summary(first)} (worst-case position ${worst.toLocaleString('en-US')}: ${ms(first.at(-1)!)})`);
    console.log(`at= repeated read (cached):                  ${summary(repeated)}`);
    console.log(`rss during at= reads: peak ${mb(peakRss)}; rss of the live read before them ${mb(livePeak)}`);

    // Today: no snapshot, the replay starts at 0 (the middle of the log: the figure the issue quotes).
    const today = new ScratchReadModels({ store });
    const middle = Math.floor(head / 2);
    const todayMs = await timed(async () => {
      const lease = await today.acquire(middle);
      await readPage(lease);
      lease.release();
    });
    await today.close();
    console.log(`compared with today (replay from 0 into :memory:) at ${middle.toLocaleString('en-US')}: ${ms(todayMs)} first read`);
    await readModels.close();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`point-in-time reads: snapshot every ${everyEvents} events; ${load()}`);
  for (const size of sizes) await measure(size);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
