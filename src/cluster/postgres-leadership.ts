import pg from 'pg';
import type { LeaseEpoch } from '../eventstore/port.js';
import { nowTimestamp } from '../events/time.js';
import type { Logger } from '../logger.js';
import { appendLockKey, leadershipLockKey, mirrorLockKey } from '../postgres/lock-keys.js';
import { pgTypes } from '../postgres/connection.js';
import { RoleListeners, type LeaderInfo, type Leadership, type LeadershipView } from './leadership.js';

export interface PostgresLeadershipOptions {
  readonly connectionString: string;
  /** This node's id (read when asked: it may derive from the port the HTTP server got). */
  readonly node: () => string;
  /** Published in jade_leadership for followers to forward to; read when the leadership is taken. */
  readonly advertiseUrl: () => string;
  /** How often a follower tries the lock (and re-reads who leads), and a leader proves its session alive. */
  readonly retryMs: number;
  /**
   * The lock session's `idle_session_timeout`: PostgreSQL ends a session silent for this long, releasing its
   * lock, so a leader hung without dying (stopped, partitioned) loses the leadership after it. A leader that
   * sees no answer to its heartbeat within this long gives the leadership up itself.
   */
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}

interface LeadershipRow {
  readonly epoch: number;
  readonly node: string;
  readonly advertise_url: string;
  readonly since: string;
}

/**
 * The leadership of the nodes sharing one PostgreSQL database: a session advisory lock held on a connection of
 * this object's own. Whoever holds it leads; PostgreSQL releases it when that session ends (the process died,
 * its connection was terminated or timed out), and a follower trying every `retryMs` takes it.
 *
 * Fencing: taking the lock is followed by one transaction that takes the append and mirror locks and
 * increments `jade_leadership.epoch`; the leader's appends and mirror writes carry that epoch and are
 * refused in their own transactions once it changed. So an old leader that has not noticed yet cannot add
 * to the log or the read models after the new one looked at them.
 *
 * Losing the lock connection demotes at once (synchronously, in the connection's error/end event), before
 * any further append of this process can be made under the old epoch.
 */
export class PostgresLeadership implements Leadership {
  private readonly listeners = new RoleListeners();
  private client: pg.Client | undefined;
  private epoch: number | undefined;
  private lastEpoch = 0;
  private leader: LeaderInfo | null = null;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  /** After a resignation: no lock attempt before this time (ms since the epoch). */
  private quietUntil = 0;

  readonly lease: LeaseEpoch = () => this.epoch;

  constructor(private readonly options: PostgresLeadershipOptions) {}

  view(): LeadershipView {
    return { role: this.epoch === undefined ? 'follower' : 'leader', node: this.options.node(), epoch: this.epoch ?? this.lastEpoch, leader: this.leader };
  }

  onChange(listener: (view: LeadershipView) => void): () => void {
    return this.listeners.add(listener);
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, this.options.retryMs);
  }

  private tick(): Promise<void> {
    this.ticking ??= this.round()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, 'leadership round failed'))
      .finally(() => {
        this.ticking = undefined;
        this.schedule();
      });
    return this.ticking;
  }

  /** One round: connect if needed; a leader proves its session alive, a follower tries the lock. */
  private async round(): Promise<void> {
    const client = this.client ?? (await this.connect());
    if (!client || this.stopped) return;
    if (this.epoch !== undefined) {
      await this.withTimeout(client, client.query('SELECT 1'), 'heartbeat');
      return;
    }
    if (Date.now() < this.quietUntil) return this.readLeader(client);
    const { rows } = await this.withTimeout(client, client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [leadershipLockKey]), 'lock attempt');
    if (rows[0]?.got === true) await this.take(client);
    else await this.readLeader(client);
  }

  private async connect(): Promise<pg.Client | undefined> {
    const client = new pg.Client({ connectionString: this.options.connectionString, types: pgTypes, keepAlive: true, keepAliveInitialDelayMillis: 1000 });
    client.on('error', (error) => this.lost(client, `lock connection failed: ${error.message}`));
    client.on('end', () => this.lost(client, 'lock connection ended'));
    try {
      await client.connect();
      const seconds = Math.max(1, Math.ceil(this.options.sessionTimeoutMs / 1000));
      // The server ends this session when it falls silent (a hung leader) and probes the link of a vanished one.
      await client.query(`SET idle_session_timeout = ${Math.max(1000, Math.round(this.options.sessionTimeoutMs))}`);
      await client.query(`SET tcp_keepalives_idle = ${seconds}; SET tcp_keepalives_interval = 1; SET tcp_keepalives_count = 3`);
    } catch (error) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      this.options.logger.warn({ err: error }, 'leadership: cannot reach PostgreSQL; retrying');
      return undefined;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return undefined;
    }
    this.client = client;
    return client;
  }

  /** Holding the lock: a new epoch, published with this node's address, under the append and mirror locks. */
  private async take(client: pg.Client): Promise<void> {
    const since = nowTimestamp();
    let row: LeadershipRow | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1), pg_advisory_xact_lock($2)', [appendLockKey, mirrorLockKey]);
      ({ rows: [row] } = await client.query<LeadershipRow>(
        'UPDATE jade_leadership SET epoch = epoch + 1, node = $1, advertise_url = $2, since = $3 WHERE id = 1 RETURNING epoch, node, advertise_url, since',
        [this.options.node(), this.options.advertiseUrl(), since],
      ));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      // Holding the lock without an epoch would block every other node: give it back.
      await client.query('SELECT pg_advisory_unlock($1)', [leadershipLockKey]).catch(() => {});
      throw error;
    }
    if (!row || this.client !== client) return;
    this.epoch = Number(row.epoch);
    this.lastEpoch = this.epoch;
    this.leader = { node: row.node, url: row.advertise_url, since: row.since };
    this.options.logger.info({ epoch: this.epoch, node: this.options.node() }, 'took the leadership');
    this.tell();
  }

  private async readLeader(client: pg.Client): Promise<void> {
    const { rows } = await client.query<LeadershipRow>('SELECT epoch, node, advertise_url, since FROM jade_leadership WHERE id = 1');
    const row = rows[0];
    if (!row) return;
    this.lastEpoch = Number(row.epoch);
    this.leader = row.node === '' ? null : { node: row.node, url: row.advertise_url, since: row.since };
  }

  /** A statement that does not answer within the session timeout counts as a lost connection. */
  private async withTimeout<T>(client: pg.Client, query: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.lost(client, `${what} got no answer within ${this.options.sessionTimeoutMs} ms`);
        reject(new Error(`leadership ${what} timed out`));
      }, this.options.sessionTimeoutMs);
    });
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the lock session (releasing the lock, demoting at once) and leaves the lock to others for five rounds. */
  resign(): void {
    this.quietUntil = Date.now() + 5 * this.options.retryMs;
    if (this.client) this.lost(this.client, 'resigned');
  }

  /** The lock connection is gone: so is the lock (PostgreSQL drops it with the session), and with it the lead. */
  private lost(client: pg.Client, reason: string): void {
    if (client !== this.client) return;
    this.client = undefined;
    client.removeAllListeners('end');
    client.end().catch(() => {});
    if (this.epoch === undefined) return;
    // Whatever took the session may still ail this node: the followers (trying every retryMs) go first.
    this.quietUntil = Math.max(this.quietUntil, Date.now() + 2 * this.options.retryMs);
    this.options.logger.warn({ epoch: this.epoch, reason }, 'lost the leadership');
    this.epoch = undefined;
    this.leader = null;
    this.tell();
  }

  private tell(): void {
    this.listeners.tell(this.view(), (error) => this.options.logger.error({ err: error }, 'a leadership listener failed'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.ticking;
    const client = this.client;
    if (!client) return;
    const leading = this.epoch !== undefined;
    this.client = undefined;
    this.epoch = undefined;
    if (leading) {
      this.leader = null;
      this.tell();
    }
    client.removeAllListeners('end');
    // Ending the session releases the lock: a follower takes it on its next try.
    await client.end().catch(() => {});
  }
}
