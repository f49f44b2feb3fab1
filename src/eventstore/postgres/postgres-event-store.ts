import type { JadeEvent, RecordedEvent } from '../../events/index.js';
import { nowTimestamp } from '../../events/time.js';
import { assertAppendable, checkExpectedRevision } from '../append-rules.js';
import {
  ConcurrencyError,
  EventStoreUnavailableError,
  LeaseLostError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type FenceableEventStore,
  type LeaseEpoch,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeOptions,
  type Subscription,
} from '../port.js';
import { HeadSignal, pullSubscription, SubscriptionSet } from '../pull-subscription.js';
import { createPool, inTransaction, isUnavailable, NotificationListener, type PgClient, type PgPool } from '../../postgres/connection.js';
import { appendLockKey, columns, ddl, leadershipTable, notifyChannel, sqlLimit, toRecorded, type EventRow } from './schema.js';

export interface PostgresEventStoreOptions {
  readonly connectionString: string;
  /** Most events written in one group-commit transaction (an append larger than this still goes alone). */
  readonly groupCommitMaxBatch?: number;
}

interface PendingAppend {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  /** Serialized at call time, so a bad payload fails its own append and never a group. */
  readonly rows: ReadonlyArray<{ readonly type: string; readonly data: string; readonly metadata: string }>;
  /** The leader's epoch this append was made under (fenced()); undefined: not fenced. */
  readonly epoch?: number;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: Error) => void;
}

type Outcome = { readonly result: AppendResult } | { readonly error: Error };

const defaultGroupCommitMaxBatch = 4096;

function toJson(stream: string, what: string, value: unknown): string {
  const json = JSON.stringify(value);
  if (typeof json !== 'string' || !json.startsWith('{')) throw new TypeError(`stream ${stream}: event ${what} must be a JSON object`);
  return json;
}

/**
 * PostgreSQL text cannot hold U+0000 (SQLite's can, and hostile AMI frames carry it into event types and the
 * ids streams are named by); there it becomes U+FFFD, so such an append is stored rather than failing its
 * whole group. data and metadata need nothing: JSON escapes it (\u0000).
 */
function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}

function unavailable(what: string, cause: unknown): EventStoreUnavailableError {
  return new EventStoreUnavailableError(`event store ${what} failed: ${String(cause)}`, { cause });
}

/**
 * The shared store: one `events` table in PostgreSQL that several jade processes may append to and follow.
 *
 * Gap-free positions as readers see them: every append transaction first takes one transaction-scoped
 * advisory lock (`pg_advisory_xact_lock`), then reads the last position, inserts after it and commits,
 * which releases the lock. So appends, from every process, are one at a time: position N+1 is assigned
 * only after the transaction that wrote N has committed (or rolled back, leaving no hole), and commits
 * happen in position order. A reader that sees N+1 therefore sees everything before it: it can never
 * skip a position that a slower transaction commits later, because there is no such transaction.
 * The cost is that appends do not overlap; group commit (below) keeps that cheap.
 *
 * Group commit: append() queues, and one writer loop per process writes everything queued so far (from the
 * current turn on, then during the previous transaction) in one transaction (positions in queue order, so in
 * the order of append() calls). A conflicting append is skipped inside its group without taking a position.
 *
 * Live subscriptions: the transaction ends with `pg_notify('jade_events', <last position>)`; PostgreSQL
 * delivers it on commit, so a LISTEN session (one per store, reconnecting) wakes subscriptions of every
 * process. After a reconnect the head is read again, so a notification lost meanwhile delays nothing.
 */
export class PostgresEventStore implements FenceableEventStore {
  /** Connects, creates the table when missing and reads the head. */
  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const maxBatch = options.groupCommitMaxBatch ?? defaultGroupCommitMaxBatch;
    if (!(Number.isSafeInteger(maxBatch) && maxBatch > 0)) throw new RangeError(`groupCommitMaxBatch must be a positive integer, got ${maxBatch}`);
    const pool = createPool({ connectionString: options.connectionString });
    try {
      // Under the append lock: two processes opening a fresh database at once must not both create the table.
      await inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [appendLockKey]);
        await client.query(ddl);
      });
      const head = await readHead(pool);
      const store = new PostgresEventStore(pool, options.connectionString, maxBatch, head);
      await store.listener.listening();
      return store;
    } catch (error) {
      await pool.end().catch(() => {});
      throw isUnavailable(error) ? unavailable('open', error) : error;
    }
  }

  private readonly queue: PendingAppend[] = [];
  private readonly head: HeadSignal;
  private readonly subscriptions = new SubscriptionSet();
  private readonly listener: NotificationListener;
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly pool: PgPool,
    connectionString: string,
    private readonly maxBatch: number,
    head: number,
  ) {
    this.head = new HeadSignal(head);
    this.listener = new NotificationListener({
      connectionString,
      channel: notifyChannel,
      onNotify: (payload) => {
        const position = Number(payload);
        if (Number.isSafeInteger(position)) this.head.advance(position);
      },
      onListening: () => {
        readHead(this.pool).then(
          (position) => this.head.advance(position),
          () => {},
        );
      },
    });
  }

  append(stream: string, events: readonly JadeEvent[], expectedRevision: ExpectedRevision = 'any'): Promise<AppendResult> {
    return this.enqueue(stream, events, expectedRevision, undefined);
  }

  /**
   * This store as a leader appends to it: each append carries the epoch `lease` names when it is made (none:
   * refused at once) and is refused inside its transaction, with nothing appended, when `jade_leadership`
   * holds another epoch by then. The epoch changes only under the append lock, so every append of an old
   * leader that committed precedes the new leader's first look at the log, and none commits after it.
   */
  fenced(lease: LeaseEpoch): EventStore {
    return {
      append: (stream, events, expectedRevision = 'any') => {
        const epoch = lease();
        if (epoch === undefined) return Promise.reject(new LeaseLostError('this node does not hold the leadership: append refused'));
        return this.enqueue(stream, events, expectedRevision, epoch);
      },
      readStream: (stream, options) => this.readStream(stream, options),
      readAll: (options) => this.readAll(options),
      subscribeToAll: (options) => this.subscribeToAll(options),
      headPosition: () => this.headPosition(),
      close: () => this.close(),
    };
  }

  private enqueue(stream: string, events: readonly JadeEvent[], expectedRevision: ExpectedRevision, epoch: number | undefined): Promise<AppendResult> {
    try {
      this.assertOpen();
      assertAppendable(stream, events, expectedRevision);
      stream = withoutNul(stream);
      const rows = events.map((event) => ({
        type: withoutNul(event.type),
        data: toJson(stream, 'data', event.data),
        metadata: toJson(stream, 'metadata', event.metadata),
      }));
      return new Promise<AppendResult>((resolve, reject) => {
        this.queue.push({ stream, expected: expectedRevision, rows, ...(epoch === undefined ? {} : { epoch }), resolve, reject });
        this.startWriter();
      });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * One writer loop at a time. An append queued between the loop's last look at the queue and its end
   * (a resolved caller appending again at once) would find `writing` still set: the loop restarts for it.
   */
  private startWriter(): void {
    if (this.writing) return;
    // The first group waits for the end of the current turn (setImmediate), as SQLite's does: everything
    // appended in one turn shares a transaction and one recorded_at.
    this.writing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.writeQueued()).finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.startWriter();
    });
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.takeGroup();
      let outcomes: Outcome[];
      try {
        outcomes = await inTransaction(this.pool, (client) => this.insertGroup(client, group));
      } catch (cause) {
        // Rolled back, or (a COMMIT whose answer was lost) unknown: either way the callers cannot count on it.
        const error = unavailable('write', cause);
        for (const pending of group) pending.reject(error);
        continue;
      }
      let last = 0;
      group.forEach((pending, index) => {
        const outcome = outcomes[index]!;
        if ('result' in outcome) {
          last = Math.max(last, outcome.result.lastPosition);
          pending.resolve(outcome.result);
        } else pending.reject(outcome.error);
      });
      if (last > 0) this.head.advance(last);
    }
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

  /** Inside the group's transaction: lock, read where the log and the streams stand, insert, notify. */
  private async insertGroup(client: PgClient, group: readonly PendingAppend[]): Promise<Outcome[]> {
    await client.query('SELECT pg_advisory_xact_lock($1)', [appendLockKey]);
    const last = await client.query<{ position: number; recorded_at: string }>('SELECT position, recorded_at FROM events ORDER BY position DESC LIMIT 1');
    const streams = [...new Set(group.map((pending) => pending.stream))];
    const current = await client.query<{ stream: string; revision: number }>(
      'SELECT stream, MAX(revision) AS revision FROM events WHERE stream = ANY($1::text[]) GROUP BY stream',
      [streams],
    );
    const revisions = new Map<string, number | undefined>(current.rows.map((row) => [row.stream, row.revision]));
    // Read under the append lock, which the epoch's increment takes too: the epoch cannot change until we commit.
    const epoch = group.some((pending) => pending.epoch !== undefined)
      ? Number((await client.query<{ epoch: number }>(`SELECT epoch FROM ${leadershipTable} WHERE id = 1`)).rows[0]?.epoch ?? 0)
      : undefined;
    // Another process's clock may run ahead of ours: recorded_at never goes back along the log.
    const now = nowTimestamp();
    const previous = last.rows[0]?.recorded_at;
    const recordedAt = previous !== undefined && previous > now ? previous : now;
    let position = (last.rows[0]?.position ?? 0) + 1;
    const insert = { position: [] as number[], stream: [] as string[], revision: [] as number[], type: [] as string[], data: [] as string[], metadata: [] as string[] };
    const outcomes = group.map((pending): Outcome => {
      if (pending.epoch !== undefined && pending.epoch !== epoch) {
        return { error: new LeaseLostError(`leadership epoch ${pending.epoch} is over (now ${String(epoch)}): append refused`) };
      }
      const revision = revisions.get(pending.stream);
      try {
        checkExpectedRevision(pending.stream, pending.expected, revision);
      } catch (error) {
        return { error: error as ConcurrencyError };
      }
      const firstPosition = position;
      let next = revision ?? -1;
      for (const row of pending.rows) {
        insert.position.push(position++);
        insert.stream.push(pending.stream);
        insert.revision.push(++next);
        insert.type.push(row.type);
        insert.data.push(row.data);
        insert.metadata.push(row.metadata);
      }
      revisions.set(pending.stream, next);
      return { result: { nextExpectedRevision: next, firstPosition, lastPosition: position - 1 } };
    });
    if (insert.position.length > 0) {
      await client.query(
        `INSERT INTO events (${columns})
         SELECT p, s, r, t, d, m, $7 FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[]) AS u(p, s, r, t, d, m)`,
        [insert.position, insert.stream, insert.revision, insert.type, insert.data, insert.metadata, recordedAt],
      );
      await client.query('SELECT pg_notify($1, $2)', [notifyChannel, String(position - 1)]);
    }
    return outcomes;
  }

  private assertOpen(): void {
    if (this.closed) throw new EventStoreUnavailableError('event store is closed');
  }

  private async query<R extends object>(text: string, values: readonly unknown[]): Promise<R[]> {
    this.assertOpen();
    try {
      return (await this.pool.query<R>(text, [...values])).rows;
    } catch (error) {
      throw unavailable('read', error);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = sqlLimit(options.maxCount);
    const rows =
      options.direction === 'backwards'
        ? await this.query<EventRow>(`SELECT ${columns} FROM events WHERE stream = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`, [
            stream,
            Math.min(options.fromRevision ?? 2 ** 31 - 1, 2 ** 31 - 1),
            limit,
          ])
        : await this.query<EventRow>(`SELECT ${columns} FROM events WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`, [
            stream,
            options.fromRevision ?? 0,
            limit,
          ]);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.page(options.fromPosition ?? 1, sqlLimit(options.maxCount));
  }

  private async page(fromPosition: number, limit: number | null): Promise<RecordedEvent[]> {
    const rows = await this.query<EventRow>(`SELECT ${columns} FROM events WHERE position >= $1 ORDER BY position LIMIT $2`, [fromPosition, limit]);
    return rows.map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return this.subscriptions.add(pullSubscription((from, max) => this.page(from, max), this.head, options));
  }

  /** Read from the table, not the last notification: another process may have appended a moment ago. */
  async headPosition(): Promise<number> {
    this.assertOpen();
    let position: number;
    try {
      position = await readHead(this.pool);
    } catch (error) {
      throw unavailable('read', error);
    }
    this.head.advance(position);
    return position;
  }

  /** Writes what is already queued, stops subscriptions, the LISTEN session and the pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.writing;
    await this.subscriptions.closeAll();
    await this.listener.close();
    await this.pool.end();
  }
}

async function readHead(pool: PgPool): Promise<number> {
  const result = await pool.query<{ head: number }>('SELECT COALESCE(MAX(position), 0)::bigint AS head FROM events');
  return Number(result.rows[0]!.head);
}
