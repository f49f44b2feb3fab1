import type BetterSqlite3 from 'better-sqlite3';
import { createPool, inTransaction, quoteIdent, type PgClient, type PgPool } from '../postgres/connection.js';
import { silentLogger, type Logger } from '../logger.js';
import { ChangeFeed } from './change-feed.js';
import { RunnerStoppedError } from './errors.js';
import type { ProjectionRunner, RebuildOptions, RebuildResult, RunnerStatus } from './runner.js';
import { PositionWaiters } from './waiters.js';

/**
 * The read models on PostgreSQL, kept by the same runner as on SQLite.
 *
 * Why not the runner straight on PostgreSQL: projections are synchronous (`project(state, event)` reads
 * rows through `state.get`/`state.all` with no await), and so are the applier's batch transaction with its
 * per-event savepoints, the shadow tables of a rebuild and the checkpoints (all better-sqlite3). So the
 * runner keeps working on a private in-memory SQLite copy (its *working copy*), and this mirror makes
 * PostgreSQL follow it: after each committed batch it reads, synchronously and at once (nothing can run
 * between the commit and the change feed's listeners), the final state of every row the batch changed
 * and every checkpoint, and writes them to PostgreSQL in ONE transaction: rows and checkpoints together,
 * as on SQLite. Readers (REST, the dialer, read-your-writes) use PostgreSQL and wait for the mirror's
 * position, never the working copy's, so nobody is told about a change PostgreSQL does not hold yet.
 *
 * At start the working copy is loaded from PostgreSQL (rows and checkpoints, consistent with each other
 * since they were committed together), so a restart resumes from the last mirrored batch instead of
 * replaying the log. A rebuild's swap is mirrored like a batch: its changes are the row differences.
 */

export interface PostgresMirrorOptions {
  readonly connectionString: string;
  readonly logger?: Logger;
}

interface Job {
  readonly position: number;
  readonly upserts: ReadonlyMap<string, readonly Record<string, unknown>[]>;
  readonly deletes: ReadonlyMap<string, readonly string[]>;
  readonly checkpoints: readonly Record<string, unknown>[];
  readonly changes: readonly unknown[];
}

/** The transaction-scoped advisory lock of mirror writes ("jrm1" in ASCII), apart from the event store's. */
const mirrorLockKey = 0x6a726d31;

interface Change {
  readonly table: string;
  readonly key: string;
}

/** Every read-model table and its key column, as the migrations made them (one-column primary keys). */
async function tableKeys(pool: PgPool): Promise<Map<string, string>> {
  const result = await pool.query<{ table_name: string; column_name: string }>(`
    SELECT tc.table_name, kcu.column_name
    FROM information_schema.table_constraints tc
    JOIN information_schema.key_column_usage kcu ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
    WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() AND tc.table_name NOT LIKE 'kysely%'`);
  return new Map(result.rows.map((row) => [row.table_name, row.column_name]));
}

export class PostgresReadModelMirror {
  private readonly followers = new Set<{ close(): Promise<void> }>();

  /** Connects and reads the tables' keys; the tables must be migrated (openPostgresReadModelDb). */
  static async open(options: PostgresMirrorOptions): Promise<PostgresReadModelMirror> {
    const pool = createPool({ connectionString: options.connectionString, maxConnections: 2 });
    try {
      return new PostgresReadModelMirror(pool, await tableKeys(pool), options.logger ?? silentLogger());
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  }

  private constructor(
    private readonly pool: PgPool,
    private readonly keys: ReadonlyMap<string, string>,
    private readonly logger: Logger,
  ) {}

  /** Copies every read-model table (checkpoints included) from PostgreSQL into the working copy. */
  async load(working: BetterSqlite3.Database): Promise<void> {
    // Only the read models' tables: the event store's `events` may share the database.
    const local = new Set(working.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((row) => row.name));
    for (const table of this.keys.keys()) {
      if (!local.has(table)) continue;
      const { rows } = await this.pool.query<Record<string, unknown>>(`SELECT * FROM ${quoteIdent(table)}`);
      if (rows.length === 0) continue;
      const columns = Object.keys(rows[0]!);
      const insert = working.prepare(`INSERT OR REPLACE INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      working.transaction(() => {
        for (const row of rows) insert.run(...columns.map((column) => row[column] ?? null));
      })();
    }
  }

  /** The runner, seen through PostgreSQL: its position, waits and change feed follow the mirrored commits. */
  follow<C>(runner: ProjectionRunner<C>, working: BetterSqlite3.Database): ProjectionRunner<C> & { close(): Promise<void> } {
    const follower = new MirroredRunner<C>(runner, working, this.pool, this.keys, this.logger);
    this.followers.add(follower);
    return follower;
  }

  /** Stops following (what is captured is still written) and closes the connections. */
  async close(): Promise<void> {
    for (const follower of this.followers) await follower.close();
    this.followers.clear();
    await this.pool.end();
  }
}

class MirroredRunner<C> implements ProjectionRunner<C> {
  readonly changes: ChangeFeed<C>;
  private readonly waiters = new PositionWaiters();
  private readonly queue: Job[] = [];
  private readonly touched = new Map<string, Set<string>>();
  private readonly pendingChanges: C[] = [];
  private readonly selects = new Map<string, BetterSqlite3.Statement<[string], Record<string, unknown>>>();
  private readonly checkpointRows: BetterSqlite3.Statement<[], Record<string, unknown>>;
  private readonly offs: Array<() => void>;
  private mirrored: number;
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly runner: ProjectionRunner<C>,
    private readonly working: BetterSqlite3.Database,
    private readonly pool: PgPool,
    private readonly keys: ReadonlyMap<string, string>,
    private readonly logger: Logger,
  ) {
    this.changes = new ChangeFeed<C>((error) => logger.error({ err: error }, 'change-feed listener failed'));
    this.mirrored = runner.position();
    this.checkpointRows = working.prepare('SELECT * FROM projection_checkpoints');
    this.offs = [
      runner.changes.on('batch', (batch) => {
        for (const change of batch.changes) {
          const { table, key } = change as unknown as Change;
          let keys = this.touched.get(table);
          if (!keys) this.touched.set(table, (keys = new Set()));
          keys.add(key);
          this.pendingChanges.push(change);
        }
      }),
      // Every commit ends with its position event: the working copy holds exactly that commit now.
      runner.changes.on('position', (position) => this.capture(position)),
      // What the runner committed before it failed is still mirrored: waiters up to there resolve, the rest are told.
      runner.changes.on('error', (error) => {
        void this.drained().then(() => {
          this.waiters.settle(this.mirrored);
          this.waiters.rejectAll(new RunnerStoppedError('projection runner failed', { cause: error }));
          this.changes.fail(error);
        });
      }),
    ];
  }

  private select(table: string): BetterSqlite3.Statement<[string], Record<string, unknown>> {
    let statement = this.selects.get(table);
    if (!statement) {
      const key = this.keys.get(table);
      if (key === undefined) throw new Error(`read-model table ${table} is not in PostgreSQL (migrations not run?)`);
      statement = this.working.prepare(`SELECT * FROM ${quoteIdent(table)} WHERE ${quoteIdent(key)} = ?`);
      this.selects.set(table, statement);
    }
    return statement;
  }

  private capture(position: number): void {
    const upserts = new Map<string, Record<string, unknown>[]>();
    const deletes = new Map<string, string[]>();
    for (const [table, keys] of this.touched) {
      const select = this.select(table);
      for (const key of keys) {
        const row = select.get(key);
        if (row) upserts.set(table, [...(upserts.get(table) ?? []), row]);
        else deletes.set(table, [...(deletes.get(table) ?? []), key]);
      }
    }
    this.touched.clear();
    const changes = this.pendingChanges.splice(0);
    this.queue.push({ position, upserts, deletes, checkpoints: this.checkpointRows.all(), changes });
    this.startWriter();
  }

  private startWriter(): void {
    if (this.writing || this.failure) return;
    this.writing = this.writeQueued().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.startWriter();
    });
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0 && !this.failure) {
      // Everything queued goes in one transaction: later row states win, the last checkpoints are kept.
      const jobs = this.queue.splice(0);
      try {
        await inTransaction(this.pool, (client) => this.write(client, jobs));
      } catch (cause) {
        const error = new Error(`read models: writing to PostgreSQL failed: ${String(cause)}`, { cause });
        this.failure = error;
        this.logger.error({ err: error }, 'read-model mirror stopped');
        this.waiters.rejectAll(new RunnerStoppedError('read-model mirror failed', { cause: error }));
        this.changes.fail(error);
        return;
      }
      for (const job of jobs) {
        this.mirrored = Math.max(this.mirrored, job.position);
        this.changes.publish(job.changes as C[], job.position);
      }
      this.waiters.settle(this.mirrored);
    }
  }

  private async write(client: PgClient, jobs: readonly Job[]): Promise<void> {
    // Two runners on one database (two nodes, until only a leader runs one) must not let the one behind
    // overwrite newer rows: mirrors write one at a time, and a mirror behind what PostgreSQL holds skips.
    await client.query('SELECT pg_advisory_xact_lock($1)', [mirrorLockKey]);
    const stored = await client.query<{ position: number }>('SELECT COALESCE(MAX(position), 0)::bigint AS position FROM projection_checkpoints');
    if (Number(stored.rows[0]!.position) > jobs[jobs.length - 1]!.position) return;
    // The final state per key across the jobs: a later job's row or delete replaces an earlier one.
    const final = new Map<string, Map<string, Record<string, unknown> | null>>();
    const slot = (table: string): Map<string, Record<string, unknown> | null> => {
      let rows = final.get(table);
      if (!rows) final.set(table, (rows = new Map()));
      return rows;
    };
    for (const job of jobs) {
      for (const [table, rows] of job.upserts) {
        const key = this.keys.get(table)!;
        for (const row of rows) slot(table).set(String(row[key]), row);
      }
      for (const [table, keys] of job.deletes) for (const key of keys) slot(table).set(key, null);
    }
    const checkpoints = jobs[jobs.length - 1]!.checkpoints;
    if (checkpoints.length > 0) slot('projection_checkpoints');
    for (const row of checkpoints) slot('projection_checkpoints').set(String(row['name']), row);
    for (const [table, rows] of final) {
      const key = this.keys.get(table)!;
      const removed = [...rows].filter(([, row]) => row === null).map(([id]) => id);
      if (removed.length > 0) await client.query(`DELETE FROM ${quoteIdent(table)} WHERE ${quoteIdent(key)} = ANY($1::text[])`, [removed]);
      const kept = [...rows.values()].filter((row): row is Record<string, unknown> => row !== null);
      for (let i = 0; i < kept.length; i += 500) await upsert(client, table, key, kept.slice(i, i + 500));
    }
  }

  position(): number {
    return this.mirrored;
  }

  /** Each projection's own position on the working copy, capped at what PostgreSQL holds. */
  projectionPositions(): readonly { readonly name: string; readonly position: number }[] {
    return this.runner.projectionPositions().map((p) => ({ name: p.name, position: Math.min(p.position, this.mirrored) }));
  }

  status(): RunnerStatus {
    const inner = this.runner.status();
    return {
      ...inner,
      position: this.mirrored,
      ...(this.failure ? { state: 'failed' as const, error: this.failure.message } : {}),
    };
  }

  async start(): Promise<void> {
    await this.runner.start();
    await this.flushed();
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    await this.flushed();
    this.waiters.rejectAll(new RunnerStoppedError('projection runner stopped'));
  }

  async waitForPosition(position: number, timeoutMs: number): Promise<void> {
    if (this.mirrored >= position) return;
    if (this.failure) throw new RunnerStoppedError('read-model mirror failed', { cause: this.failure });
    const state = this.runner.status().state;
    if (state === 'failed' || state === 'stopped') {
      await this.drained();
      if (this.mirrored >= position) return;
      return this.runner.waitForPosition(position, 0);
    }
    return this.waiters.wait(position, timeoutMs, () => this.mirrored);
  }

  async catchUp(toPosition?: number): Promise<number> {
    const reached = await this.runner.catchUp(toPosition);
    await this.flushed();
    return reached;
  }

  async rebuild(names?: readonly string[], options?: RebuildOptions): Promise<RebuildResult> {
    const result = await this.runner.rebuild(names, options);
    await this.flushed();
    return result;
  }

  /** Resolves once everything captured so far is written or the mirror failed; never rejects. */
  private async drained(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Resolves once everything captured so far is in PostgreSQL (or the mirror failed). */
  private async flushed(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.failure) throw this.failure;
  }

  /** Stops listening to the runner and waits for the writes in flight; the pool belongs to the mirror. */
  async close(): Promise<void> {
    for (const off of this.offs) off();
    while (this.writing) await this.writing;
  }
}

async function upsert(client: PgClient, table: string, key: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  const columns = Object.keys(rows[0]!);
  const values: unknown[] = [];
  const tuples = rows.map((row) => `(${columns.map((column) => `$${values.push(forPostgres(row[column]))}`).join(', ')})`);
  const updates = columns.filter((column) => column !== key).map((column) => `${quoteIdent(column)} = excluded.${quoteIdent(column)}`);
  await client.query(
    `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${quoteIdent(key)}) DO ${
      updates.length > 0 ? `UPDATE SET ${updates.join(', ')}` : 'NOTHING'
    }`,
    values,
  );
}

/**
 * PostgreSQL text cannot hold U+0000, which SQLite stores and hostile AMI frames do carry: it becomes U+FFFD
 * (the replacement character) in PostgreSQL, where a NUL would fail the whole batch and stop the mirror.
 */
function forPostgres(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' && value.includes('\u0000') ? value.replace(/\u0000/g, '\uFFFD') : value;
}
