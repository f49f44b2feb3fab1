import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { JadeEvent, RecordedEvent } from '../../events/index.js';
import { nowTimestamp } from '../../events/time.js';
import { assertAppendable, checkExpectedRevision } from '../append-rules.js';
import {
  EventStoreUnavailableError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeOptions,
  type Subscription,
} from '../port.js';
import { HeadSignal, pullSubscription, SubscriptionSet } from '../pull-subscription.js';
import { acquireDataDirLock, lockHolder, type DataDirLock } from './lock-file.js';
import { RecentEvents, type WrittenRow } from './recent-events.js';
import { migrate, prepareStatements, sqlLimit, toRecorded, type Statements } from './schema.js';
import { WriterThread, type AppendOutcome } from './writer-thread.js';

export interface SqliteEventStoreOptions {
  /** Created when missing; holds the database file and `jade.lock`, the OS-level lock on the dir. */
  readonly dataDir: string;
  /** Most events written in one group-commit transaction (an append larger than this still goes alone). */
  readonly groupCommitMaxBatch?: number;
}

export interface SqliteEventStoreStats {
  readonly groupsCommitted: number;
  readonly appendsCommitted: number;
  readonly eventsCommitted: number;
}

interface PendingAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  /** Serialized at call time, so a bad payload fails its own append and never a group. */
  readonly rows: ReadonlyArray<{ readonly type: string; readonly data: string; readonly metadata: string }>;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

const defaultGroupCommitMaxBatch = 4096;
/** Decoded events kept for live subscribers (recent-events.ts): a few group commits' worth. */
const recentEventsKept = 16_384;

function toJson(stream: string, what: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (typeof json !== 'string' || !json.startsWith('{')) throw new TypeError(`stream ${stream}: event ${what} must be a JSON object`);
  return json;
}

/**
 * The embedded default store: one SQLite file in WAL mode with synchronous=FULL, so an append
 * whose promise resolved has been fsync'd.
 *
 * Group commit: append() queues, and a flush is scheduled with setImmediate, after the current turn's
 * I/O callbacks. Everything queued by then shares one transaction and one fsync, written by the writer
 * thread (writer-thread.ts) while the event loop goes on; what is appended meanwhile forms the next group,
 * sent when this one is committed. One group in flight at a time, the queue FIFO, positions assigned in
 * queue order: positions follow the order of append() calls. Reads use this thread's own connection.
 */
export class SqliteEventStore implements EventStore {
  static readonly fileName = 'events.sqlite';

  /** Whether a live process (this one included) holds `dataDir`; a tool must not write beside it. */
  static isLocked(dataDir: string): boolean {
    return lockHolder(dataDir) !== undefined;
  }

  /** The recorded pid of the process holding `dataDir` (0 when unreadable), or undefined when none holds it. */
  static lockHolder(dataDir: string): number | undefined {
    return lockHolder(dataDir);
  }

  /** Opens (creating if needed) the store in `dataDir`; throws DataDirLockedError when another live process holds it. */
  static async open(options: SqliteEventStoreOptions): Promise<SqliteEventStore> {
    const maxBatch = options.groupCommitMaxBatch ?? defaultGroupCommitMaxBatch;
    if (!(Number.isSafeInteger(maxBatch) && maxBatch > 0)) throw new RangeError(`groupCommitMaxBatch must be a positive integer, got ${maxBatch}`);
    mkdirSync(options.dataDir, { recursive: true });
    const lock = acquireDataDirLock(options.dataDir);
    let db: Database | undefined;
    try {
      db = new BetterSqlite3(join(options.dataDir, SqliteEventStore.fileName));
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (mode !== 'wal') throw new Error(`event store: SQLite refused WAL mode (got ${String(mode)}) in ${options.dataDir}`);
      db.pragma('synchronous = FULL');
      // A read-only tool checkpointing the WAL can briefly hold a lock; wait rather than fail an append.
      db.pragma('busy_timeout = 5000');
      migrate(db);
      const writer = await WriterThread.start(join(options.dataDir, SqliteEventStore.fileName));
      return new SqliteEventStore(db, lock, prepareStatements(db), maxBatch, writer);
    } catch (error) {
      db?.close();
      lock.release();
      throw error;
    }
  }

  private readonly queue: PendingAppend[] = [];
  private readonly head: HeadSignal;
  private readonly subscriptions = new SubscriptionSet();
  private readonly recent = new RecentEvents(recentEventsKept);
  /** The group being written by the writer thread, settled once it is committed (or failed). */
  private inFlight: Promise<void> | undefined;
  private flushScheduled = false;
  private closed = false;
  private counters = { groupsCommitted: 0, appendsCommitted: 0, eventsCommitted: 0 };

  private constructor(
    private readonly db: Database,
    private readonly lock: DataDirLock,
    private readonly sql: Statements,
    private readonly maxBatch: number,
    private readonly writer: WriterThread,
  ) {
    this.head = new HeadSignal(sql.lastPosition.get() ?? 0);
  }

  append(stream: string, events: readonly JadeEvent[], expectedRevision: ExpectedRevision = 'any'): Promise<AppendResult> {
    try {
      this.assertOpen();
      assertAppendable(stream, events, expectedRevision);
      const rows = events.map((event) => ({
        type: event.type,
        data: toJson(stream, 'data', event.data),
        metadata: toJson(stream, 'metadata', event.metadata),
      }));
      return new Promise<AppendResult>((resolve, reject) => {
        this.queue.push({ stream, expected: expectedRevision, rows, resolve, reject });
        this.scheduleFlush();
      });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushGroup();
    });
  }

  private takeGroup(): PendingAppend[] {
    let count = 0;
    let take = 0;
    while (take < this.queue.length && (take === 0 || count + this.queue[take]!.rows.length <= this.maxBatch)) {
      count += this.queue[take]!.rows.length;
      take++;
    }
    return this.queue.splice(0, take);
  }

  /** Sends the next group to the writer, unless one is in flight (its end sends the next). */
  private flushGroup(): void {
    if (this.inFlight) return;
    const group = this.takeGroup();
    if (group.length === 0) return;
    // The group's rows are kept for `recent` only while someone subscribes (a store without subscribers decodes nothing).
    const keepWritten = this.subscriptions.size > 0;
    if (!keepWritten) this.recent.clear();
    const recordedAt = nowTimestamp();
    this.inFlight = this.writer.write(group.map(({ stream, expected, rows }) => ({ stream, expected, rows })), recordedAt).then(
      (outcomes) => this.committed(group, outcomes, recordedAt, keepWritten),
      (cause: unknown) => {
        this.recent.clear();
        const error = new EventStoreUnavailableError(`event store write failed: ${String(cause)}`, { cause });
        for (const pending of group) pending.reject(error);
      },
    ).finally(() => {
      this.inFlight = undefined;
      // After the appends' own continuations (which may append more): they join the next group.
      if (this.queue.length > 0) this.scheduleFlush();
    });
  }

  /** The group is committed: the recent window, then the head, then the appenders, in position order. */
  private committed(group: readonly PendingAppend[], outcomes: readonly AppendOutcome[], recordedAt: string, keepWritten: boolean): void {
    const written: WrittenRow[] = [];
    let appends = 0;
    let events = 0;
    let last = 0;
    group.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if ('conflict' in outcome) return;
      appends++;
      events += pending.rows.length;
      last = outcome.last;
      if (!keepWritten) return;
      let revision = outcome.revision - pending.rows.length;
      let position = outcome.first;
      for (const row of pending.rows) {
        written.push({ position: position++, stream: pending.stream, revision: ++revision, type: row.type, data: row.data, metadata: row.metadata, recorded_at: recordedAt });
      }
    });
    this.counters = {
      groupsCommitted: this.counters.groupsCommitted + 1,
      appendsCommitted: this.counters.appendsCommitted + appends,
      eventsCommitted: this.counters.eventsCommitted + events,
    };
    this.recent.committed(written);
    if (events > 0) this.head.advance(last);
    group.forEach((pending, index) => {
      const outcome = outcomes[index]!;
      if ('conflict' in outcome) {
        try {
          checkExpectedRevision(pending.stream, pending.expected, outcome.conflict ?? undefined);
          pending.reject(new Error(`stream ${pending.stream}: the writer refused an append whose expected revision holds`));
        } catch (error) {
          pending.reject(error as Error);
        }
      } else {
        pending.resolve({ nextExpectedRevision: outcome.revision, firstPosition: outcome.first, lastPosition: outcome.last });
      }
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('event store is closed');
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = sqlLimit(options.maxCount);
    const rows =
      options.direction === 'backwards'
        ? this.sql.readBackwards.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
        : this.sql.readForwards.all(stream, options.fromRevision ?? 0, limit);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.page(options.fromPosition ?? 1, sqlLimit(options.maxCount));
  }

  private page(fromPosition: number, limit: number): RecordedEvent[] {
    this.assertOpen();
    return this.sql.readAll.all(fromPosition, limit).map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    // Live subscribers share the decoded recent events; one catching up from further back reads the file.
    return this.subscriptions.add(pullSubscription(async (from, max) => this.recent.page(from, max) ?? this.page(from, max), this.head, options));
  }

  async headPosition(): Promise<number> {
    return this.head.position;
  }

  /** Counters for benchmarks and metrics: how well appends are being grouped. */
  stats(): SqliteEventStoreStats {
    return { ...this.counters };
  }

  /** Writes what is already queued, stops subscriptions, closes the file and releases the data dir. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.inFlight || this.queue.length > 0) {
      this.flushGroup();
      await this.inFlight;
    }
    await this.subscriptions.closeAll();
    await this.writer.close();
    this.db.close();
    this.lock.release();
  }
}
