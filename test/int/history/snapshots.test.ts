import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { SqliteEventStore } from '../../../src/eventstore/sqlite/sqlite-event-store.js';
import { openPointInTime, ReadModelSnapshots, ScratchReadModels, snapshotDir } from '../../../src/history/index.js';
import { loadConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { rebuildOffline } from '../../../src/main.js';
import { openReadModelDb, readModelDbPath, type ReadModelDb } from '../../../src/readmodels/database.js';
import { createProjectionRunner } from '../../../src/readmodels/runner.js';
import { fillLog, recorded } from '../../support/recorded-log.js';

/** Every read-model row, table by table, in a stable order (schema bookkeeping left out). */
function dump(sqlite: BetterSqlite3.Database): Record<string, string[]> {
  const tables = sqlite
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' ORDER BY name")
    .all()
    .map((row) => row.name);
  return Object.fromEntries(tables.map((table) => [table, sqlite.prepare(`SELECT * FROM "${table}"`).all().map((row) => JSON.stringify(row)).sort()]));
}

/** Deterministic "random" positions in 1..head. */
function positions(head: number, count: number): number[] {
  let seed = 7;
  return Array.from({ length: count }, () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return 1 + Math.floor((seed / 2147483648) * (head - 1));
  });
}

describe('point-in-time reads from persisted snapshots', function () {
  this.timeout(120_000);
  let dir: string;
  let store: SqliteEventStore;
  let live: ReadModelDb;
  let head: number;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jade-int-snapshots-'));
    store = await SqliteEventStore.open({ dataDir: dir });
    // Two loops of the recorded Asterisk traffic: calls, queues, parking, AGI, PJSIP.
    head = await fillLog(store, 2 * recorded.length);
    live = await openReadModelDb(readModelDbPath(dir));
  });

  afterEach(async () => {
    await live.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Projects the log in batches of 100 as the live runner does, offering a snapshot after each. */
  async function projectTaking(snapshots: ReadModelSnapshots): Promise<void> {
    const runner = createProjectionRunner({ store, readModels: live });
    for (let at = 0; at < head; ) {
      at = await runner.catchUp(Math.min(head, at + 100));
      snapshots.onPosition(live.sqlite, at);
      await snapshots.idle();
    }
  }

  it('answers at random positions exactly as a replay from 0 does', async () => {
    const snapshots = new ReadModelSnapshots({ dir: snapshotDir(dir), everyEvents: 500, retain: 100, restFactor: 0 });
    await projectTaking(snapshots);
    expect(snapshots.list().length).to.be.at.least(Math.floor(head / 500) - 1);
    const restored = new ScratchReadModels({ store, snapshots, workDir: join(dir, 'scratch'), capacity: 2 });
    const fromZero = new ScratchReadModels({ store, capacity: 1 });
    // The random ones, a snapshot's own position and the one just below it (the longest replay).
    const second = snapshots.list()[1]!.from;
    for (const position of [...positions(head, 8), second, second - 1, head]) {
      const a = await restored.acquire(position);
      const b = await fromZero.acquire(position);
      const expected = dump(b.sqlite);
      expect(Object.keys(expected).length, 'tables compared').to.be.greaterThan(20);
      expect(dump(a.sqlite), `at ${position}`).to.deep.equal(expected);
      a.release();
      b.release();
    }
    // Builds started from snapshots: far fewer events replayed than from 0.
    expect(restored.stats().fromSnapshot).to.be.greaterThan(0);
    expect(restored.stats().replayed).to.be.lessThan(fromZero.stats().replayed / 4);
    await restored.close();
    await fromZero.close();
    expect(readdirSync(join(dir, 'scratch')), 'scratch files removed on close').to.deep.equal([]);
  });

  it('keeps snapshots across a restart, and deletes those of another schema or projection version', async () => {
    const first = new ReadModelSnapshots({ dir: snapshotDir(dir), everyEvents: 1000, retain: 100, restFactor: 0 });
    await projectTaking(first);
    const kept = first.list().map((snapshot) => snapshot.path);
    expect(kept.length).to.be.greaterThan(2);
    expect(new ReadModelSnapshots({ dir: snapshotDir(dir), everyEvents: 1000, retain: 100, restFactor: 0 }).list().map((snapshot) => snapshot.path)).to.deep.equal(kept);
    const migrated = new ReadModelSnapshots({ dir: snapshotDir(dir), everyEvents: 1000, retain: 100, fingerprint: 'aaaaaaaaaaaa' });
    expect(migrated.list()).to.deep.equal([]);
    expect(kept.some((path) => existsSync(path)), 'old snapshots deleted').to.equal(false);
  });

  it('bounds the files kept, thinning the closest together and keeping the newest', async () => {
    const snapshots = new ReadModelSnapshots({ dir: snapshotDir(dir), everyEvents: 500, retain: 4, restFactor: 0 });
    await projectTaking(snapshots);
    const kept = snapshots.list();
    expect(kept).to.have.length(4);
    expect(readdirSync(snapshotDir(dir))).to.have.length(4);
    expect(kept.at(-1)!.from).to.be.at.least(head - 600);
    expect(snapshots.stats().taken).to.be.greaterThan(4);
    // Spread over the log rather than bunched at its end.
    expect(kept[0]!.from).to.be.lessThan(head / 2);
  });

  it('rests after a snapshot before starting the next (restFactor x its duration)', async () => {
    const runner = createProjectionRunner({ store, readModels: live });
    const snapshots = new ReadModelSnapshots({ dir: snapshotDir(dir), everyEvents: 100, retain: 10, restFactor: 10_000 });
    snapshots.onPosition(live.sqlite, await runner.catchUp(1000));
    await snapshots.idle();
    expect(snapshots.list()).to.have.length(1);
    // 1,000 more events, well past everyEvents: still resting (a copy takes milliseconds, the rest 10,000 times that).
    snapshots.onPosition(live.sqlite, await runner.catchUp(2000));
    await snapshots.idle();
    expect(snapshots.list()).to.have.length(1);
  });

  it('drops every snapshot after a rebuild through the server', async () => {
    const runner = createProjectionRunner({ store, readModels: live });
    await runner.catchUp();
    const pointInTime = openPointInTime({
      store,
      dataDir: dir,
      live: live.sqlite,
      changes: runner.changes,
      settings: { maxScratchBuilds: 1, maxQueuedScratchBuilds: 1, snapshotEveryEvents: 100, snapshotRetain: 10 },
      logger: silentLogger(),
    });
    await pointInTime.snapshots!.take(live.sqlite);
    expect(pointInTime.snapshots!.list()).to.have.length(1);
    await pointInTime.dropSnapshotsAfterRebuild(runner).rebuild(['channels']);
    expect(pointInTime.snapshots!.list()).to.deep.equal([]);
    expect(readdirSync(snapshotDir(dir))).to.deep.equal([]);
    await pointInTime.close();
  });

  it('drops every snapshot on `jade rebuild` (offline)', async () => {
    const snapshots = new ReadModelSnapshots({ dir: snapshotDir(dir), everyEvents: 1000, retain: 100, restFactor: 0 });
    await projectTaking(snapshots);
    expect(snapshots.list().length).to.be.greaterThan(0);
    // The offline rebuild refuses while a server holds the data dir: this test's store is that holder.
    await live.close();
    await store.close();
    const config = loadConfig({ env: { NODE_ENV: 'test' }, overrides: { dataDir: dir } });
    expect(await rebuildOffline(config, silentLogger(), { projection: 'channels' })).to.equal(0);
    expect(readdirSync(snapshotDir(dir))).to.deep.equal([]);
    store = await SqliteEventStore.open({ dataDir: dir });
    live = await openReadModelDb(readModelDbPath(dir));
  });
});
