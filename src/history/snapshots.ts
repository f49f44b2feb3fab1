import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { migrations } from '../../migrations/index.js';
import { defaultProjections } from '../../projections/index.js';
import { silentLogger, type Logger } from '../logger.js';

/**
 * Persisted snapshots of the read-model database (issue 17 goal 3), so a point-in-time read restores the
 * nearest snapshot at or below its position and replays at most `everyEvents` events, instead of the whole
 * log from 0.
 *
 * A snapshot is `VACUUM INTO` a new file, run in a worker thread on a connection of its own: one read
 * transaction over the WAL database, so the copy is one committed state of the runner (rows and projection
 * checkpoints are written in the same transaction), made without blocking the event loop or the runner's
 * commits. Its position is read from the copy's own checkpoints. It is written under a temporary name and
 * renamed when complete, so a crash never leaves a half snapshot that a restart would use.
 *
 * The file name carries a fingerprint of the schema (latest migration) and of every projection's version: a
 * snapshot made before a migration or a projection change is deleted on open and never used. `jade rebuild`
 * drops them all (`dropAll`). Retention keeps at most `retain` files, thinning where snapshots lie closest
 * together, so disk stays bounded while the whole log stays covered (older positions with coarser steps).
 */

export interface Snapshot {
  readonly path: string;
  /** Every projection in the copy has applied the log at least this far: replay starts here. */
  readonly from: number;
  /** ...and no projection further than this: the copy serves any position >= it. */
  readonly upTo: number;
  readonly bytes: number;
}

export interface SnapshotOptions {
  /** `<dataDir>/snapshots`. */
  readonly dir: string;
  /** Take a snapshot once the live read models are this many events past the last one (`history.snapshotEveryEvents`). */
  readonly everyEvents: number;
  /** Snapshot files kept (`history.snapshotRetain`). */
  readonly retain: number;
  /**
   * After a snapshot that took T ms, none starts before `restFactor` x T ms have passed (default 4): under a
   * fast ingest a big database is not copied back to back, so the worker takes at most 1/(1 + restFactor) of a
   * core; snapshots then lie further apart than `everyEvents`. 0: back to back (benchmarks, tests).
   */
  readonly restFactor?: number;
  readonly logger?: Logger;
  /** Test seam: the schema/projection fingerprint. */
  readonly fingerprint?: string;
}

export interface SnapshotCounters {
  readonly taken: number;
  /** Bytes of every snapshot written (including ones retention removed since): the write amplification. */
  readonly bytesWritten: number;
}

const namePattern = /^readmodels-(\d+)-(\d+)-([0-9a-f]+)\.sqlite$/;

/** Which schema and which projection code a snapshot was made by. */
export function schemaFingerprint(): string {
  const latestMigration = Object.keys(migrations).sort().at(-1) ?? '';
  const versions = defaultProjections.map((def) => `${def.name}:${def.version}`).sort();
  return createHash('sha256').update([latestMigration, ...versions].join('\n')).digest('hex').slice(0, 12);
}

/** `<dataDir>/snapshots`. */
export function snapshotDir(dataDir: string): string {
  return join(dataDir, 'snapshots');
}

export class ReadModelSnapshots {
  private snapshots: Snapshot[] = [];
  private readonly fingerprint: string;
  private readonly logger: Logger;
  private taking: Promise<Snapshot | undefined> | undefined;
  private counters = { taken: 0, bytesWritten: 0 };
  /** Wall clock (ms) before which no snapshot starts (see `restFactor`). */
  private restUntil = 0;

  constructor(private readonly options: SnapshotOptions) {
    this.fingerprint = options.fingerprint ?? schemaFingerprint();
    this.logger = options.logger ?? silentLogger();
    mkdirSync(options.dir, { recursive: true });
    this.load();
  }

  /** Snapshots on disk, oldest first. */
  list(): readonly Snapshot[] {
    return this.snapshots;
  }

  stats(): SnapshotCounters {
    return this.counters;
  }

  /** The snapshot that serves `position` with the least replay, if any. */
  nearest(position: number): Snapshot | undefined {
    let best: Snapshot | undefined;
    for (const snapshot of this.snapshots) if (snapshot.upTo <= position && (best === undefined || snapshot.from > best.from)) best = snapshot;
    return best;
  }

  /**
   * The live read models reached `position` (change feed `position`): takes a snapshot when it is
   * `everyEvents` past the newest one. Returns at once; one snapshot at a time.
   */
  onPosition(source: Pick<BetterSqlite3.Database, 'name'>, position: number): void {
    if (this.taking || this.options.everyEvents <= 0 || Date.now() < this.restUntil) return;
    const newest = this.snapshots.at(-1)?.from ?? 0;
    if (position - newest < this.options.everyEvents) return;
    void this.take(source);
  }

  /** Copies `source` (the live read-model database file) now; resolves with the snapshot, or undefined if it failed. */
  take(source: Pick<BetterSqlite3.Database, 'name'>): Promise<Snapshot | undefined> {
    if (this.taking) return this.taking;
    const started = Date.now();
    const work = this.copy(source).finally(() => {
      this.taking = undefined;
      this.restUntil = Date.now() + (this.options.restFactor ?? 4) * (Date.now() - started);
    });
    this.taking = work;
    return work;
  }

  /** Resolves once a snapshot in progress is complete (shutdown, tests). */
  async idle(): Promise<void> {
    await this.taking;
  }

  /** Deletes every snapshot: the read models were rebuilt, so copies of the old tables must not be used. */
  async dropAll(): Promise<void> {
    await this.idle();
    for (const snapshot of this.snapshots) rmSync(snapshot.path, { force: true });
    this.snapshots = [];
  }

  private async copy(source: Pick<BetterSqlite3.Database, 'name'>): Promise<Snapshot | undefined> {
    const temporary = join(this.options.dir, `.taking-${process.pid}-${Date.now()}.sqlite`);
    try {
      await vacuumInto(source.name, temporary);
      const { from, upTo } = checkpointRange(temporary);
      const path = join(this.options.dir, `readmodels-${from}-${upTo}-${this.fingerprint}.sqlite`);
      if (this.snapshots.some((snapshot) => snapshot.path === path)) {
        rmSync(temporary, { force: true });
        return undefined;
      }
      renameSync(temporary, path);
      const snapshot: Snapshot = { path, from, upTo, bytes: statSync(path).size };
      this.snapshots = [...this.snapshots, snapshot].sort((a, b) => a.from - b.from);
      this.counters = { taken: this.counters.taken + 1, bytesWritten: this.counters.bytesWritten + snapshot.bytes };
      this.retain();
      this.logger.debug({ position: from, bytes: snapshot.bytes }, 'read-model snapshot taken');
      return snapshot;
    } catch (error) {
      rmSync(temporary, { force: true });
      this.logger.warn({ err: error }, 'read-model snapshot failed');
      return undefined;
    }
  }

  /** Over `retain`: drops the snapshot whose removal leaves the smallest gap (the newest always stays). */
  private retain(): void {
    const limit = Math.max(1, this.options.retain);
    while (this.snapshots.length > limit) {
      let drop = 0;
      let smallest = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.snapshots.length - 1; i += 1) {
        const gap = this.snapshots[i + 1]!.from - (i === 0 ? 0 : this.snapshots[i - 1]!.from);
        if (gap < smallest) {
          smallest = gap;
          drop = i;
        }
      }
      rmSync(this.snapshots[drop]!.path, { force: true });
      this.snapshots = this.snapshots.filter((_, index) => index !== drop);
    }
  }

  /** Reads the directory: keeps this schema's snapshots, deletes other schemas' and unfinished copies. */
  private load(): void {
    const found: Snapshot[] = [];
    for (const name of readdirSync(this.options.dir)) {
      const path = join(this.options.dir, name);
      const match = namePattern.exec(name);
      if (match && match[3] === this.fingerprint) found.push({ path, from: Number(match[1]), upTo: Number(match[2]), bytes: statSync(path).size });
      else if (match || name.startsWith('.taking-')) rmSync(path, { force: true });
    }
    this.snapshots = found.sort((a, b) => a.from - b.from);
    this.retain();
  }
}

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

/** Plain JavaScript (evaluated, so the same under tsx and from dist/): one VACUUM INTO on its own connection. */
const vacuumWorker = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.source, { fileMustExist: true });
try {
  db.pragma('busy_timeout = 5000');
  db.prepare('VACUUM INTO ?').run(workerData.target);
} finally {
  db.close();
}
parentPort.postMessage('done');
`;

function vacuumInto(source: string, target: string): Promise<void> {
  if (source === ':memory:' || source === '') return Promise.reject(new Error('snapshots need a file-backed read-model database'));
  return new Promise((resolve, reject) => {
    const worker = new Worker(vacuumWorker, { eval: true, execArgv: [], workerData: { driver, source, target } });
    worker.once('message', () => resolve());
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`snapshot worker exited with ${code}`))));
  });
}

/** The lowest and highest projection checkpoint in a read-model database file (made a plain, non-WAL file on the way). */
function checkpointRange(path: string): { from: number; upTo: number } {
  const sqlite = new BetterSqlite3(path);
  try {
    // The copy inherits the live database's WAL mode; a snapshot is one self-contained file.
    sqlite.pragma('journal_mode = DELETE');
    const row = sqlite.prepare<[], { low: number | null; high: number | null }>('SELECT min(position) AS low, max(position) AS high FROM projection_checkpoints').get();
    return { from: row?.low ?? 0, upTo: row?.high ?? 0 };
  } finally {
    sqlite.close();
  }
}
