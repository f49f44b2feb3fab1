/**
 * Rebuild benchmark (issue 7): how fast every projection is replayed from the log, and what memory it takes.
 *
 *   npx tsx bench/rebuild.ts [events=1000000]
 *
 * The log is recorded real AMI traffic (test/fixtures/ami-capture-sandbox.txt and
 * ami-capture-asterisk22.txt: calls, queues, parking, AGI, PJSIP, list responses), looped until it
 * holds `events` events, every channel/call/bridge id suffixed per loop so the calls of one loop never
 * collide with another's, and filed exactly as the ingest files them (stream by the ingest's own event
 * table, Asterisk's `Timestamp` in the metadata). It lives in the SQLite event store in a temp dir
 * and is rebuilt into a file-backed read-model database (WAL), as `jade rebuild` does.
 *
 * Prints: the time to build the log; a full rebuild (every projection) in events/s with peak RSS and
 * heap; each history projection alone; the event store read alone (the share that is not projection
 * work); a point-in-time build (full replay into :memory:) and a step after it (copy + short replay).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteEventStore } from '../src/eventstore/sqlite/sqlite-event-store.js';
import { ScratchReadModels } from '../src/history/scratch.js';
import { openReadModelDb, readModelDbPath } from '../src/readmodels/database.js';
import { createProjectionRunner } from '../src/readmodels/runner.js';
import { fillLog, recorded } from '../test/support/recorded-log.js';

const target = Number.parseInt(process.argv[2] ?? '1000000', 10);
const fill = (store: SqliteEventStore): Promise<number> => fillLog(store, target);

interface Peak {
  rss: number;
  heap: number;
}

/** Samples memory while `work` runs: the peak is what a rebuild needs, not what it leaves behind. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; peak: Peak }> {
  const peak: Peak = { rss: 0, heap: 0 };
  const sample = (): void => {
    const usage = process.memoryUsage();
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heap = Math.max(peak.heap, usage.heapUsed);
  };
  const timer = setInterval(sample, 50);
  const started = performance.now();
  try {
    const result = await work();
    sample();
    return { result, ms: performance.now() - started, peak };
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const rate = (events: number, ms: number): string => `${Math.round((events / ms) * 1000).toLocaleString('en-US')} events/s`;

function line(label: string, events: number, ms: number, extra = ''): void {
  console.log(`${label.padEnd(46)} ${events.toLocaleString('en-US').padStart(10)} events ${(ms / 1000).toFixed(1).padStart(7)} s ${rate(events, ms).padStart(18)}  ${extra}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jade-bench-rebuild-'));
  const store = await SqliteEventStore.open({ dataDir: dir });
  try {
    const before = process.memoryUsage();
    const filled = await measured(() => fill(store));
    const head = filled.result;
    console.log(`log: ${head.toLocaleString('en-US')} events from ${recorded.length.toLocaleString('en-US')} recorded frames x ${Math.ceil(head / recorded.length)} loops, events.sqlite ${mb(statSync(join(dir, SqliteEventStore.fileName)).size)}`);
    line('build the log (append, fsync per group)', head, filled.ms);
    console.log(`memory before the rebuild: rss ${mb(process.memoryUsage().rss)} (at start ${mb(before.rss)})`);

    const readModels = await openReadModelDb(readModelDbPath(dir));
    const runner = createProjectionRunner({ store, readModels });
    const all = await measured(() => runner.rebuild());
    line(`rebuild all ${all.result.projections.length} projections`, all.result.events, all.ms, `peak rss ${mb(all.peak.rss)}, peak heap ${mb(all.peak.heap)}`);
    const count = (table: string): string => (readModels.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n.toLocaleString('en-US');
    console.log(`read models after: readmodels.sqlite ${mb(statSync(readModelDbPath(dir)).size)}; calls ${count('calls')}, call_legs ${count('call_legs')}, channels ${count('channels')} rows`);

    for (const name of ['calls', 'commands', 'channels']) {
      const one = await measured(() => runner.rebuild([name]));
      line(`rebuild ${name} alone`, one.result.events, one.ms, `peak rss ${mb(one.peak.rss)}`);
    }
    await readModels.close();

    const read = await measured(async () => {
      let at = 0;
      while (at < head) at = (await store.readAll({ fromPosition: at + 1, maxCount: 5000 })).at(-1)!.position;
      return at;
    });
    line('event store read alone (JSON parse, no projection)', read.result, read.ms);

    const scratch = new ScratchReadModels({ store });
    const middle = Math.floor(head / 2);
    const first = await measured(async () => (await scratch.acquire(middle)).release());
    line(`point in time at ${middle.toLocaleString('en-US')} (replay into :memory:)`, middle, first.ms, `peak rss ${mb(first.peak.rss)}`);
    const step = await measured(async () => (await scratch.acquire(middle + 1000)).release());
    console.log(`${'point in time 1,000 events later (copy + replay)'.padEnd(46)} ${(step.ms / 1000).toFixed(2).padStart(28)} s`);
    await scratch.close();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
