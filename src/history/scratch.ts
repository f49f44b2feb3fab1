import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { EventStore } from '../eventstore/port.js';
import { silentLogger, type Logger } from '../logger.js';
import { openReadModelDb, type Database, type ReadModelDb } from '../readmodels/database.js';
import { createProjectionRunner } from '../readmodels/runner.js';
import { ScratchFiles } from './scratch-files.js';
import type { ReadModelSnapshots } from './snapshots.js';

/** A read-model database as it was at one log position; `release()` when done reading. */
export interface ScratchLease {
  readonly db: Kysely<Database>;
  /** The same database, for tools and tests that read it whole. */
  readonly sqlite: BetterSqlite3.Database;
  readonly position: number;
  release(): void;
}

export interface ScratchStats {
  readonly cached: readonly number[];
  readonly builds: number;
  /** Events replayed over all builds (a build from a cached earlier position replays only the difference). */
  readonly replayed: number;
  /** Builds that started from a persisted snapshot. */
  readonly fromSnapshot: number;
}

interface Entry {
  readonly position: number;
  readonly ready: Promise<ReadModelDb>;
  users: number;
  evicted: boolean;
  /** Its build finished (well): only such an entry is copied from, so no build waits on another. */
  built: boolean;
}

/**
 * Every build slot is taken and the queue is full: the caller should come back later
 * (the HTTP layer answers 503 with `Retry-After`).
 */
export class ScratchBusyError extends Error {
  override readonly name = 'ScratchBusyError';
  constructor(
    readonly building: number,
    readonly queued: number,
  ) {
    super(`too many point-in-time reads are being prepared (${building} building, ${queued} waiting); retry shortly`);
  }
}

/** Events replayed between two yields to the event loop: a few milliseconds of work, so a build never stalls other requests. */
const DEFAULT_SLICE_EVENTS = 200;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface ScratchOptions {
  readonly store: EventStore;
  /** Scratch databases kept (least recently used goes first). Each holds every read model as of its position. */
  readonly capacity?: number;
  /** Builds running at once (`history.maxScratchBuilds`, default 2). */
  readonly maxBuilds?: number;
  /** Builds waiting for a slot (`history.maxQueuedScratchBuilds`, default 8); beyond it `acquire` throws ScratchBusyError. */
  readonly maxQueued?: number;
  /** Events replayed between yields to the event loop. */
  readonly sliceEvents?: number;
  /** Persisted snapshots of the live read models: a build starts from the nearest one at or below its position. */
  readonly snapshots?: ReadModelSnapshots;
  /** Directory for the scratch databases (`<dataDir>/scratch`); without one they are `:memory:`. */
  readonly workDir?: string;
  readonly logger?: Logger;
}

/**
 * Point-in-time read models: the projections replayed into a scratch database up to a position.
 * The log never changes, so a database built for position P is right forever: a few recent ones are
 * kept (LRU). A new position starts from a copy of the nearest persisted snapshot of the live read models
 * at or below it (snapshots.ts: one every `snapshotEveryEvents`) or of a nearer cached build, and replays
 * only the difference, so no read replays more than about one snapshot interval. With a `workDir` the
 * scratch databases are files (only SQLite's page cache in memory); without one, `:memory:`.
 * Builds are capped (each holds a database of every read model in memory and costs CPU in
 * proportion to the log): at most `maxBuilds` run, at most `maxQueued` wait, and any further position
 * is refused with ScratchBusyError at once rather than piling up. A request for a position already
 * built or being built shares that build and takes no slot. A build replays in slices and yields to
 * the event loop between them, so other requests are served while it runs.
 */
export class ScratchReadModels {
  private readonly entries = new Map<number, Entry>();
  private readonly capacity: number;
  private readonly maxBuilds: number;
  private readonly maxQueued: number;
  private readonly sliceEvents: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly logger: Logger;
  private counters = { builds: 0, replayed: 0, fromSnapshot: 0 };
  private readonly files: ScratchFiles;
  /**
   * An empty, migrated read-model database, serialized. Migrating a fresh database runs synchronously for
   * 50-150 ms (every table's DDL through better-sqlite3), which would stall every other request at each
   * build; so it is done once, by the first build that starts from nothing (with snapshots, only a read
   * before the first one), and each such build starts from a copy (a memcpy).
   */
  private emptyImage: Promise<Buffer> | undefined;
  private closed = false;

  constructor(private readonly options: ScratchOptions) {
    this.capacity = Math.max(1, options.capacity ?? 4);
    this.maxBuilds = Math.max(1, options.maxBuilds ?? 2);
    this.maxQueued = Math.max(0, options.maxQueued ?? 8);
    this.sliceEvents = Math.max(1, options.sliceEvents ?? DEFAULT_SLICE_EVENTS);
    this.logger = options.logger ?? silentLogger();
    this.files = new ScratchFiles(options.workDir);
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
      if (this.running >= this.maxBuilds && this.waiting.length >= this.maxQueued) throw new ScratchBusyError(this.running, this.waiting.length);
      const created: Entry = { position, ready: this.inSlot(() => this.build(position)), users: 0, evicted: false, built: false };
      entry = created;
      this.entries.set(position, created);
      created.ready.then(
        () => (created.built = true),
        () => this.entries.get(position) === created && this.entries.delete(position),
      );
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
      sqlite: db.sqlite,
      position,
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.evicted && held.users === 0) void this.dispose(held);
      },
    };
  }

  /** Runs `work` in a build slot, waiting in the queue for one if all are taken. */
  private async inSlot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.maxBuilds) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter (running stays the same), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
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
    const readModels = await this.startingPoint(position);
    try {
      // A point-in-time read writes nothing to the log: it skips what the live run skipped, without recording it.
      const runner = createProjectionRunner({ store: this.options.store, readModels, recordFaults: false });
      const from = runner.position();
      for (let at = from; at < position; ) {
        if (this.closed) throw new Error('scratch read models are closed');
        const reached = await runner.catchUp(Math.min(position, at + this.sliceEvents));
        // The log ends before `position` (it cannot: resolveAt checked), so stop rather than spin.
        if (reached <= at) break;
        at = reached;
        await yieldToEventLoop();
      }
      this.counters = { ...this.counters, builds: this.counters.builds + 1, replayed: this.counters.replayed + (runner.position() - from) };
      this.logger.debug({ position, from, ms: Date.now() - started }, 'point-in-time read models built');
      return readModels;
    } catch (error) {
      await readModels.close();
      throw error;
    }
  }

  /** The copy to replay into: of the nearest persisted snapshot or cached build below `position`, else the empty database. */
  private async startingPoint(position: number): Promise<ReadModelDb> {
    const snapshot = this.options.snapshots?.nearest(position);
    const cached = await this.copyNearestBelow(position, snapshot?.from ?? 0);
    if (cached) return cached;
    if (snapshot) {
      try {
        const restored = await this.files.fromSnapshot(snapshot.path);
        this.counters = { ...this.counters, fromSnapshot: this.counters.fromSnapshot + 1 };
        return restored;
      } catch (error) {
        // Removed by retention meanwhile, say: replay from further back instead.
        this.logger.warn({ err: error, snapshot: snapshot.path }, 'point-in-time snapshot unreadable');
      }
    }
    // A failure is reported by this build; the next one tries again.
    this.emptyImage ??= migratedImage().catch((error: unknown) => {
      this.emptyImage = undefined;
      throw error;
    });
    return this.files.fromImage(await this.emptyImage);
  }

  /** A copy of the cached database with the greatest position below `position` and above `above`, if any. */
  private async copyNearestBelow(position: number, above: number): Promise<ReadModelDb | undefined> {
    let best: Entry | undefined;
    for (const entry of this.entries.values()) {
      if (entry.position < position && entry.position > above && entry.built && !entry.evicted && (best === undefined || entry.position > best.position)) best = entry;
    }
    if (!best) return undefined;
    // Held while copying, so an eviction meanwhile cannot close it under us.
    best.users += 1;
    try {
      // `built`: settled, so this does not wait.
      return await this.files.fromDatabase(await best.ready);
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

async function migratedImage(): Promise<Buffer> {
  const empty = await openReadModelDb(':memory:');
  try {
    return empty.sqlite.serialize();
  } finally {
    await empty.close();
  }
}
