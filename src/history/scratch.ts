import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { EventStore } from '../eventstore/port.js';
import { silentLogger, type Logger } from '../logger.js';
import { openReadModelDb, type Database, type ReadModelDb } from '../readmodels/database.js';
import { Mutex } from '../readmodels/mutex.js';
import { createProjectionRunner } from '../readmodels/runner.js';

/** A read-model database as it was at one log position; `release()` when done reading. */
export interface ScratchLease {
  readonly db: Kysely<Database>;
  readonly position: number;
  release(): void;
}

export interface ScratchStats {
  readonly cached: readonly number[];
  readonly builds: number;
  /** Events replayed over all builds (a build from a cached earlier position replays only the difference). */
  readonly replayed: number;
}

interface Entry {
  readonly position: number;
  readonly ready: Promise<ReadModelDb>;
  users: number;
  evicted: boolean;
}

export interface ScratchOptions {
  readonly store: EventStore;
  /** Scratch databases kept (least recently used goes first). Each holds every read model as of its position. */
  readonly capacity?: number;
  readonly logger?: Logger;
}

/**
 * Point-in-time read models: the projections replayed into a `:memory:` database up to a position.
 * The log never changes, so a database built for position P is right forever: a few recent ones are
 * kept (LRU). A new position starts from a copy of the nearest cached earlier one (SQLite serialize,
 * a memcpy) and replays only the difference, so stepping forward through a call costs little.
 * Builds run one at a time: each replay holds a database of every read model in memory.
 */
export class ScratchReadModels {
  private readonly entries = new Map<number, Entry>();
  private readonly builds = new Mutex();
  private readonly capacity: number;
  private readonly logger: Logger;
  private counters = { builds: 0, replayed: 0 };
  private closed = false;

  constructor(private readonly options: ScratchOptions) {
    this.capacity = Math.max(1, options.capacity ?? 4);
    this.logger = options.logger ?? silentLogger();
  }

  /** The read models as of `position` (0 = before the first event). */
  async acquire(position: number): Promise<ScratchLease> {
    if (this.closed) throw new Error('scratch read models are closed');
    let entry = this.entries.get(position);
    if (entry) {
      // Most recently used last: Map iteration order is the LRU order.
      this.entries.delete(position);
      this.entries.set(position, entry);
    } else {
      entry = { position, ready: this.builds.run(() => this.build(position)), users: 0, evicted: false };
      this.entries.set(position, entry);
      entry.ready.catch(() => this.entries.get(position) === entry && this.entries.delete(position));
      this.evict();
    }
    entry.users += 1;
    let db: ReadModelDb;
    try {
      db = await entry.ready;
    } catch (error) {
      entry.users -= 1;
      throw error;
    }
    const held = entry;
    let released = false;
    return {
      db: db.db,
      position,
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.evicted && held.users === 0) void this.dispose(held);
      },
    };
  }

  stats(): ScratchStats {
    return { cached: [...this.entries.keys()], ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(entries.map((entry) => this.dispose(entry)));
  }

  private async build(position: number): Promise<ReadModelDb> {
    const started = Date.now();
    const readModels = (await this.copyNearestBelow(position)) ?? (await openReadModelDb(':memory:'));
    try {
      // A point-in-time read writes nothing to the log: it skips what the live run skipped, without recording it.
      const runner = createProjectionRunner({ store: this.options.store, readModels, recordFaults: false });
      const from = runner.position();
      await runner.catchUp(position);
      this.counters = { builds: this.counters.builds + 1, replayed: this.counters.replayed + (runner.position() - from) };
      this.logger.debug({ position, from, ms: Date.now() - started }, 'point-in-time read models built');
      return readModels;
    } catch (error) {
      await readModels.close();
      throw error;
    }
  }

  /** A copy of the cached database with the greatest position below `position`, if any. */
  private async copyNearestBelow(position: number): Promise<ReadModelDb | undefined> {
    let best: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.position < position && !entry.evicted && (best === undefined || entry.position > best.position)) best = entry;
    }
    if (!best) return undefined;
    // Held while copying, so an eviction meanwhile cannot close it under us.
    best.users += 1;
    try {
      // Builds are serialised, so an earlier entry has settled by now.
      return fromImage((await best.ready).sqlite.serialize());
    } catch {
      return undefined;
    } finally {
      best.users -= 1;
      if (best.evicted && best.users === 0) void this.dispose(best);
    }
  }

  private evict(): void {
    while (this.entries.size > this.capacity) {
      const [position, oldest] = this.entries.entries().next().value as [number, Entry];
      this.entries.delete(position);
      oldest.evicted = true;
      if (oldest.users === 0) void this.dispose(oldest);
    }
  }

  private async dispose(entry: Entry): Promise<void> {
    try {
      await (await entry.ready).close();
    } catch {
      // A build that failed has nothing to close.
    }
  }
}

/** A read-model database from a serialized copy: already migrated, so no migration runs. */
function fromImage(image: Buffer): ReadModelDb {
  const sqlite = new BetterSqlite3(image);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, sqlite, close: () => db.destroy() };
}
