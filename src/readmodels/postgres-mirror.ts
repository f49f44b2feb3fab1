import type BetterSqlite3 from 'better-sqlite3';
import { createPool, NotificationListener, quoteIdent, type PgPool } from '../postgres/connection.js';
import { silentLogger, type Logger } from '../logger.js';
import { MirroredRunner } from './postgres-mirrored-runner.js';
import { mirrorNotifyChannel, storedPosition } from './postgres-mirror-write.js';
import type { ProjectionRunner } from './runner.js';

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
 *
 * Several nodes (src/cluster/): only the leader writes (`following` runners start as followers and write
 * once lead() is called, fenced by the leadership epoch). A follower runs its runner on its own working copy
 * all the same, for its own change feed (realtime on every node), but publishes each commit only once
 * PostgreSQL holds its position (the writer NOTIFYs `jade_readmodels` with it), so what its readers see in
 * PostgreSQL is never behind what its feed announced. A follower that becomes the leader writes every row its
 * held commits touched beyond what PostgreSQL holds, then writes as it goes.
 */

export interface PostgresMirrorOptions {
  readonly connectionString: string;
  readonly logger?: Logger;
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

export interface FollowOptions {
  /** Start as a follower (leadership on): write nothing until lead(). Default false: write every commit. */
  readonly following?: boolean;
}

export class PostgresReadModelMirror {
  private readonly followers = new Set<MirroredRunner<unknown>>();
  private listener: NotificationListener | undefined;

  /** Connects and reads the tables' keys; the tables must be migrated (openPostgresReadModelDb). */
  static async open(options: PostgresMirrorOptions): Promise<PostgresReadModelMirror> {
    const pool = createPool({ connectionString: options.connectionString, maxConnections: 2 });
    try {
      return new PostgresReadModelMirror(pool, options.connectionString, await tableKeys(pool), options.logger ?? silentLogger());
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  }

  private constructor(
    private readonly pool: PgPool,
    private readonly connectionString: string,
    private readonly keys: ReadonlyMap<string, string>,
    private readonly logger: Logger,
  ) {}

  /**
   * Copies every read-model table (checkpoints included) from PostgreSQL into the working copy, in one
   * snapshot (REPEATABLE READ): a writer committing meanwhile cannot make rows and checkpoints disagree.
   */
  async load(working: BetterSqlite3.Database): Promise<void> {
    // Only the read models' tables: the event store's `events` may share the database.
    const local = new Set(working.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((row) => row.name));
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      for (const table of this.keys.keys()) {
        if (!local.has(table)) continue;
        const { rows } = await client.query<Record<string, unknown>>(`SELECT * FROM ${quoteIdent(table)}`);
        if (rows.length === 0) continue;
        const columns = Object.keys(rows[0]!);
        const insert = working.prepare(`INSERT OR REPLACE INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        working.transaction(() => {
          for (const row of rows) insert.run(...columns.map((column) => row[column] ?? null));
        })();
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
  }

  /** The runner, seen through PostgreSQL: its position, waits and change feed follow the mirrored commits. */
  follow<C>(runner: ProjectionRunner<C>, working: BetterSqlite3.Database, options: FollowOptions = {}): MirroredRunner<C> {
    const follower = new MirroredRunner<C>(runner, working, this.pool, this.keys, this.logger, options.following ?? false);
    this.followers.add(follower as MirroredRunner<unknown>);
    if (options.following) this.listen();
    return follower;
  }

  /** Hears the writer's positions (and re-reads PostgreSQL's after each reconnect, a notification may be lost). */
  private listen(): void {
    if (this.listener) return;
    const reached = (position: number): void => {
      for (const follower of this.followers) follower.sharedReached(position);
    };
    this.listener = new NotificationListener({
      connectionString: this.connectionString,
      channel: mirrorNotifyChannel,
      onNotify: (payload) => {
        const position = Number(payload);
        if (Number.isSafeInteger(position)) reached(position);
      },
      onListening: () => {
        storedPosition(this.pool).then(reached, () => {});
      },
    });
  }

  /** Stops following (what is captured is still written) and closes the connections. */
  async close(): Promise<void> {
    await this.listener?.close();
    for (const follower of this.followers) await follower.close();
    this.followers.clear();
    await this.pool.end();
  }
}
