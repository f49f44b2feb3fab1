/**
 * Outbound dialer benchmark: many running campaigns with large dial lists through the dialer's decision
 * loop, on the embedded SQLite event store and file-backed read models (production's path), with Asterisk
 * simulated by replaying recorded Asterisk 22 traffic (test/unit/outbound/dialer-traffic.ts: answered,
 * busy, unanswered, congested calls, about 15-30 AMI events each, appended as the AMI ingest would).
 *
 *   npx tsx bench/dialer.ts [campaigns=100] [entries=1000] [seconds=60]   (seconds 0: until every entry is finished)
 *
 * Every entry has one number, tried once (max_retry_cnt_1 1); a quarter of each kind. A decision is one
 * the dialer records: an entry taken and its dialing created (`dialed`), a dialing finalised (its end,
 * result line, entry released), a campaign status change. Prints throughput every 5 s, then totals and memory.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { ObResourceCommands } from '../src/outbound/commands.js';
import type { CommandDeps } from '../src/commands/command.js';
import { obStreams } from '../src/events/index.js';
import { SqliteEventStore } from '../src/eventstore/index.js';
import { silentLogger } from '../src/logger.js';
import { Dialer, ResultFile } from '../src/outbound/dialer/index.js';
import { decideDlCreate } from '../src/outbound/resources/index.js';
import { openReadModelDb, readModelDbPath } from '../src/readmodels/database.js';
import { createProjectionRunner } from '../src/readmodels/runner.js';
import { createReadModelSync } from '../src/readmodels/sync.js';
import { nowTimestamp } from '../src/events/time.js';
import { SimulatedAsterisk } from '../test/int/outbound/dialer-harness.js';

const campaigns = Number.parseInt(process.argv[2] ?? '100', 10);
const entries = Number.parseInt(process.argv[3] ?? '1000', 10);
const seconds = Number.parseInt(process.argv[4] ?? '60', 10);

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const fmtMillions = (n: number): string => `${(n / 1e6).toFixed(1)} M`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jade-bench-dialer-'));
  const store = await SqliteEventStore.open({ dataDir: dir });
  const readModels = await openReadModelDb(readModelDbPath(dir));
  const runner = createProjectionRunner({ store, readModels });
  await runner.start();
  const sync = createReadModelSync(runner);
  const resources = new ObResourceCommands({ store, db: readModels.db, readModels: sync, settleTimeoutMs: 60_000 });
  const ctx = resources.context({ uuid: 'bench', username: 'bench' });
  const asterisk = new SimulatedAsterisk(store, Date.now);
  asterisk.holdAnswered = false;

  // The lists: DlCreated appended straight to each entry's stream (as the API would, without its per-request wait).
  const setupStart = performance.now();
  const campaignIds: string[] = [];
  for (let c = 0; c < campaigns; c += 1) {
    const plan = await resources.plans.create(ctx, { tech_name: 'Local', trunk_name: 'customers', dial_mode: 1, dial_timeout: 5000, retry_delay: 0, max_retry_cnt_1: 1 });
    const dest = await resources.destinations.create(ctx, { type: 1, application: 'park' });
    const dlma = await resources.dlmas.create(ctx, { name: `bench ${c}` });
    const appends: Promise<unknown>[] = [];
    for (let e = 0; e < entries; e += 1) {
      const uuid = crypto.randomUUID();
      const number = `${(e % 4) + 1}${String(e % 1000).padStart(3, '0')}`;
      const events = decideDlCreate(undefined, { uuid, fields: { dlma_uuid: dlma.uuid, number_1: number }, dlma, now: nowTimestamp() });
      appends.push(store.append(obStreams.dl(uuid), events.map((event) => ({ type: event.type, data: { ...event.data } as Record<string, unknown>, metadata: {} })), 'no_stream'));
    }
    await Promise.all(appends);
    campaignIds.push((await resources.campaigns.create(ctx, { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid })).uuid);
  }
  await runner.waitForPosition(await store.headPosition(), 600_000);
  for (const uuid of campaignIds) await resources.campaigns.update(ctx, uuid, { status: 1 });
  console.log(`setup: ${campaigns} campaigns x ${entries} entries in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

  const commands: CommandDeps = { store, ami: asterisk, readModels: sync, logger: silentLogger(), settleTimeoutMs: 60_000 };
  const resultFile = new ResultFile(join(dir, 'outbound_result.json'));
  const dialer = new Dialer({ store, db: readModels.db, readModels: runner, resources, commands, resultFile, timezone: 'UTC', logger: silentLogger(), tickMs: 20, maxDialsPerTick: 10 });
  const startHead = await store.headPosition();
  const started = performance.now();
  let peakRss = 0;
  let peakHeap = 0;
  let peakHeapTotal = 0;
  let peakExternal = 0;
  await dialer.start();
  const total = campaigns * entries;
  let lastReport = started;
  let lastDecisions = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    // The simulated Asterisk records every action it receives (for the tests' assertions): about 1 KB per
    // dialing that would otherwise count as the dialer's memory here.
    asterisk.actions.length = 0;
    const memory = process.memoryUsage();
    peakRss = Math.max(peakRss, memory.rss);
    peakHeap = Math.max(peakHeap, memory.heapUsed);
    peakHeapTotal = Math.max(peakHeapTotal, memory.heapTotal);
    peakExternal = Math.max(peakExternal, memory.external);
    const now = performance.now();
    const { dialed, finalised, statusChanges } = dialer.stats;
    const decisions = dialed + finalised + statusChanges;
    if (now - lastReport >= 5000) {
      const rate = ((decisions - lastDecisions) / (now - lastReport)) * 1000;
      console.log(`${((now - started) / 1000).toFixed(0)} s: dialed ${dialed}, finalised ${finalised}, live ${dialer.liveCount()}, ${rate.toFixed(0)} decisions/s, rss ${mb(memory.rss)}, heap ${mb(memory.heapUsed)}/${mb(memory.heapTotal)}, external ${mb(memory.external)} (arrayBuffers ${mb(memory.arrayBuffers)}), outside V8 ${mb(memory.rss - memory.heapTotal - memory.external)}`);
      lastReport = now;
      lastDecisions = decisions;
    }
    // seconds 0: until every entry is finished.
    if (finalised >= total || (seconds > 0 && now - started > seconds * 1000)) break;
  }
  const elapsed = (performance.now() - started) / 1000;
  await dialer.stop();
  await asterisk.idle();
  const { dialed, finalised, statusChanges, ticks } = dialer.stats;
  const events = (await store.headPosition()) - startHead;
  console.log(`\n${campaigns} campaigns x ${entries} entries, ${elapsed.toFixed(1)} s${finalised < total ? ` (stopped at the ${seconds} s limit)` : ''}`);
  console.log(`dialings started ${dialed} (${(dialed / elapsed).toFixed(0)}/s), finalised ${finalised} (${(finalised / elapsed).toFixed(0)}/s), campaign status changes ${statusChanges}, ticks ${ticks}`);
  console.log(`decisions/s ${((dialed + finalised + statusChanges) / elapsed).toFixed(0)}; events appended ${events} (${(events / elapsed).toFixed(0)}/s, dialer + simulated Asterisk)`);
  if (finalised < total && finalised > 0) {
    // Why a full run takes long: every dialing is ~30 events through the whole pipeline (log, every projection).
    const perDialing = events / dialed;
    console.log(
      `not finished: ${total - finalised} entries left; at ${(finalised / elapsed).toFixed(0)} finished/s the whole ${campaigns} x ${entries} needs about ${((total / finalised) * elapsed / 60).toFixed(0)} min ` +
        `(${perDialing.toFixed(0)} events per dialing, ${fmtMillions(perDialing * total)} events in all); \`npx tsx bench/dialer.ts ${campaigns} ${entries} 0\` runs to the end`,
    );
  }
  console.log(`memory: peak rss ${mb(peakRss)}, peak heap ${mb(peakHeap)}; event store ${mb(statSync(join(dir, 'events.sqlite'), { throwIfNoEntry: false })?.size ?? 0)}`);
  console.log(`peak rss ${mb(peakRss)} against the goal of 400 MB (issue 17; 490 MB over the same 60 s before the row cache was bounded); peak heap total ${mb(peakHeapTotal)}, peak external ${mb(peakExternal)}; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  // With `node --expose-gc`: what stays on the heap once the run is over (the dialer holds only live dialings).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    console.log(`heap after the run, after GC: ${mb(process.memoryUsage().heapUsed)} (live dialings ${dialer.liveCount()})`);
    // Where it is: the simulated Asterisk's record of every action, then the projection runner's row caches.
    const heapNow = (): string => (gc(), mb(process.memoryUsage().heapUsed));
    const liveStore = (runner as unknown as { liveStore?: { discard(): void; cache?: Map<string, Map<string, unknown>> } }).liveStore;
    const cached = [...(liveStore?.cache?.entries() ?? [])].map(([table, rows]) => [table, rows.size] as const).filter(([, n]) => n > 1000);
    console.log(`  runner row cache: ${cached.map(([table, n]) => `${table} ${n}`).join(', ')}`);
    liveStore?.discard();
    console.log(`  after dropping the runner's row cache: ${heapNow()}`);
    // JADE_BENCH_HEAP_SNAPSHOT=<file>: what holds that heap (open in Chrome DevTools, Memory tab).
    const snapshotFile = process.env.JADE_BENCH_HEAP_SNAPSHOT;
    if (snapshotFile) console.log(`heap snapshot: ${writeHeapSnapshot(snapshotFile)}`);
  }
  await resultFile.close();
  await runner.stop();
  await store.close();
  await readModels.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
