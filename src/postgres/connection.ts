import pg from 'pg';

/**
 * Connections to PostgreSQL shared by the event store (and, later, anything else that needs a session of
 * its own, such as a lock held for as long as a connection lives): a pool for short statements, and
 * dedicated sessions that reconnect by themselves for what must outlive one statement (LISTEN).
 */

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

export interface PostgresConnectionOptions {
  /** `postgres://user:password@host:port/database`. */
  readonly connectionString: string;
  /** Pool size for statements (default 10). */
  readonly maxConnections?: number;
}

/** int8 (COUNT, BIGINT) comes back as a string by default; positions fit a double (2^53), so read them as numbers. */
const int8 = 20;
export const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

export function createPool(options: PostgresConnectionOptions): PgPool {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10, types: pgTypes });
  // An idle pooled connection that the server drops emits 'error' on the pool; the next checkout reconnects.
  pool.on('error', () => {});
  return pool;
}

/** Opens one connection outside any pool (the caller owns it until `end()`). */
export async function connectClient(connectionString: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, types: pgTypes });
  await client.connect();
  return client;
}

/** Runs `body` in one transaction on a pooled connection: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: PgPool, body: (client: PgClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

/**
 * PostgreSQL's SQLSTATE classes that say "the server or the link failed", not "this statement is wrong":
 * 08 connection exception, 53 insufficient resources, 57 operator intervention (shutdown), 58 system error.
 * Node's socket errors (ECONNREFUSED, ...) carry no SQLSTATE and count as unavailable too.
 */
export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== 'string') return /connection|terminat|ECONN|timeout/i.test(error.message);
  return /^(08|53|57|58)/.test(code) || code.startsWith('E');
}

export interface ListenerOptions {
  readonly connectionString: string;
  readonly channel: string;
  /** A notification's payload. */
  readonly onNotify: (payload: string) => void;
  /**
   * After every (re)connect, once LISTEN is in place: whatever was notified while disconnected is lost,
   * so the owner re-reads the state it follows here.
   */
  readonly onListening: () => void;
  /** Delay before a reconnect attempt (default 500 ms). */
  readonly retryMs?: number;
}

/**
 * A session that LISTENs on one channel and reconnects when its connection is lost, for as long as it is
 * not closed. Notifications arrive only for committed transactions, in commit order.
 */
export class NotificationListener {
  private client: pg.Client | undefined;
  /** The connection being opened or in use; errors of any other are stale. */
  private attempt: pg.Client | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly ready: Promise<void>;

  constructor(private readonly options: ListenerOptions) {
    this.ready = this.connect();
  }

  /** Resolves once the first LISTEN is in place (or failed, in which case it keeps retrying). */
  listening(): Promise<void> {
    return this.ready;
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.options.connectionString, types: pgTypes });
    this.attempt = client;
    client.on('notification', (message) => {
      if (message.channel === this.options.channel) this.options.onNotify(message.payload ?? '');
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.options.onListening();
  }

  private lost(client: pg.Client): void {
    client.removeAllListeners('end');
    client.end().catch(() => {});
    // A late error of a connection already replaced must not start a second session.
    if (client !== this.attempt) return;
    this.attempt = undefined;
    if (this.client === client) this.client = undefined;
    if (this.closed || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, this.options.retryMs ?? 500);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}

/** PostgreSQL identifier quoting (names come from code and config, never from requests). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
