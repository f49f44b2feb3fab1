/**
 * Projection replay benchmark: the recorded Asterisk 22 traffic, looped (ids made unique per loop so
 * every loop creates and hangs up its own channels), applied through the projection runner into a
 * file-backed SQLite read-model database (WAL), as in production.
 *
 *   npx tsx bench/projection-replay.ts [events=200000]
 *
 * Prints events/s for: the live path (subscription -> batches -> one transaction each, change feed
 * with a listener), a rebuild (replay into shadow tables + swap), the event store read alone (the
 * share of the above that is not the runner), and one upsert through kysely vs a prepared statement
 * (why the hot loop does not go through kysely).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChannelsTable } from '../projections/channels.js';
import type { JadeEvent, RecordedEvent } from '../src/events/index.js';
import type { EventStore, ReadAllOptions } from '../src/eventstore/port.js';
import { MemoryEventStore } from '../src/eventstore/memory/memory-event-store.js';
import { openReadModelDb, readModelDbPath } from '../src/readmodels/database.js';
import { defaultProjections } from '../projections/index.js';
import { createProjectionRunner } from '../src/readmodels/runner.js';
import { framesToEvents, loadCaptureFrames } from '../test/unit/projections/support/ami-capture.js';

const target = Number.parseInt(process.argv[2] ?? '200000', 10);

/** One loop of the capture with every channel/call id suffixed, so loops do not collide. */
function loopEvents(loop: number): { stream: string; event: JadeEvent }[] {
  const frames = loadCaptureFrames().map((frame) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(frame)) {
      out[key] = /(Uniqueid|Linkedid)$/.test(key) && value !== '' ? `${value}.${loop}` : value;
    }
    return out;
  });
  return framesToEvents(frames, { startMs: Date.UTC(2026, 0, 1) + loop * 60_000, stepMs: 1 });
}

/** Just enough of the store port for catch-up and rebuild: pages of a preloaded array, no copying. */
class ArrayLog implements EventStore {
  constructor(private readonly events: readonly RecordedEvent[]) {}
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = (options.fromPosition ?? 1) - 1;
    return this.events.slice(from, from + (options.maxCount ?? this.events.length));
  }
  async headPosition(): Promise<number> {
    return this.events.length;
  }
  append(): Promise<never> {
    throw new Error('read-only');
  }
  /** The runner reads its recorded faults (`projection-<name>` streams) at start; a recorded capture has none. */
  async readStream(stream: string): Promise<RecordedEvent[]> {
    return this.events.filter((event) => event.stream === stream);
  }
  subscribeToAll(): never {
    throw new Error('not needed');
  }
  async close(): Promise<void> {}
}

async function fill(store: MemoryEventStore): Promise<number> {
  let head = 0;
  for (let loop = 0; head < target; loop += 1) {
    const events = loopEvents(loop).slice(0, target - head);
    // Consecutive events of one stream go in one append (as the ingest's group commit would).
    for (let i = 0; i < events.length; ) {
      let j = i + 1;
      while (j < events.length && events[j]!.stream === events[i]!.stream) j += 1;
      head = (await store.append(events[i]!.stream, events.slice(i, j).map((e) => e.event))).lastPosition;
      i = j;
    }
  }
  return head;
}

function report(label: string, events: number, ms: number): void {
  console.log(`${label.padEnd(44)} ${String(events).padStart(8)} events ${ms.toFixed(0).padStart(7)} ms ${Math.round((events / ms) * 1000).toLocaleString('en-US').padStart(10)} events/s`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jade-bench-'));
  const store = new MemoryEventStore();
  try {
    const head = await fill(store);
    console.log(`log: ${head} events (recorded capture looped); read models: ${readModelDbPath(dir)} (WAL)`);

    let started = performance.now();
    for (let at = 0; at < head; at += 5000) await store.readAll({ fromPosition: at + 1, maxCount: 5000 });
    report('event store read alone (memory adapter)', head, performance.now() - started);

    const readModels = await openReadModelDb(readModelDbPath(dir));
    // Checkpoints at 0 of the current versions: start() takes the live path instead of rebuilding first.
    const seed = readModels.sqlite.prepare('INSERT INTO projection_checkpoints (name, position, version) VALUES (?, 0, ?)');
    for (const projection of defaultProjections) seed.run(projection.name, projection.version);
    const runner = createProjectionRunner({ store, readModels });
    let changes = 0;
    runner.changes.on('batch', (batch) => {
      changes += batch.changes.length;
    });
    started = performance.now();
    await runner.start();
    await runner.waitForPosition(head, 600_000);
    report('live: subscription + runner + SQLite + feed', head, performance.now() - started);
    console.log(`  ${changes} row changes emitted`);

    let result = await runner.rebuild();
    for (let round = 1; round <= 2; round += 1) {
      started = performance.now();
      result = await runner.rebuild();
      report(`rebuild #${round}: all projections (shadow + swap)`, result.events, performance.now() - started);
    }
    console.log(`  ${result.changes} changes at the swap (0 = rebuilt tables equal the live ones)`);
    await runner.stop();

    // The runner alone: the same events from an array (no store copies), into a fresh database.
    const log = new ArrayLog(await store.readAll());
    mkdirSync(join(dir, 'isolated'));
    const isolated = await openReadModelDb(readModelDbPath(join(dir, 'isolated')));
    const alone = createProjectionRunner({ store: log, readModels: isolated });
    started = performance.now();
    await alone.catchUp();
    report('runner alone: catch-up from an array', head, performance.now() - started);
    started = performance.now();
    const again = await alone.rebuild();
    report('runner alone: rebuild from an array', again.events, performance.now() - started);
    await isolated.close();

    // One row, 20,000 upserts: the cost per write of each path.
    const row = readModels.sqlite.prepare('SELECT * FROM channels LIMIT 1').get() as Record<string, unknown> | undefined;
    if (row) {
      const columns = Object.keys(row);
      const upsert = readModels.sqlite.prepare(
        `INSERT INTO channels (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ON CONFLICT (row_key) DO UPDATE SET tm_update = excluded.tm_update`,
      );
      const n = 20_000;
      started = performance.now();
      readModels.sqlite.transaction(() => {
        for (let i = 0; i < n; i += 1) upsert.run(...columns.map((c) => row[c]));
      })();
      report('upsert: better-sqlite3 prepared statement', n, performance.now() - started);
      const values = row as unknown as ChannelsTable & { node: string; row_key: string };
      started = performance.now();
      await readModels.db.transaction().execute(async (trx) => {
        for (let i = 0; i < n; i += 1) {
          await trx.insertInto('channels').values(values).onConflict((oc) => oc.column('row_key').doUpdateSet({ tm_update: values.tm_update })).execute();
        }
      });
      report('upsert: kysely (compile + async per row)', n, performance.now() - started);
    }
    await readModels.close();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
