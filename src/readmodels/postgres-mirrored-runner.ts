import type BetterSqlite3 from 'better-sqlite3';
import { LeaseLostError } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { inTransaction, quoteIdent, type PgPool } from '../postgres/connection.js';
import { ChangeFeed } from './change-feed.js';
import { RunnerStoppedError } from './errors.js';
import { storedPosition, writeMirrorJobs, type MirrorJob } from './postgres-mirror-write.js';
import type { ProjectionRunner, RebuildOptions, RebuildResult, RunnerStatus } from './runner.js';
import { PositionWaiters } from './waiters.js';

interface Change {
  readonly table: string;
  readonly key: string;
}

/**
 * `writer`: this node's commits are written to PostgreSQL (fenced by `epoch` when leadership is on).
 * `follower`: another node writes them; this one holds its own commits back until PostgreSQL has them.
 */
type Mode = { readonly kind: 'writer'; readonly epoch: number | undefined } | { readonly kind: 'follower' };

/** The runner as PostgreSQL sees it (see PostgresReadModelMirror for why), for a writer or a follower node. */
export class MirroredRunner<C> implements ProjectionRunner<C> {
  readonly changes: ChangeFeed<C>;
  private readonly waiters = new PositionWaiters();
  /** Writer: captured, not yet written. */
  private readonly queue: MirrorJob[] = [];
  /**
   * Follower: captured, not yet published because PostgreSQL does not hold their position yet. Also what a
   * promotion writes: every row these jobs touched, since PostgreSQL may hold none of them.
   */
  private held: MirrorJob[] = [];
  private readonly touched = new Map<string, Set<string>>();
  private readonly pendingChanges: C[] = [];
  private readonly selects = new Map<string, BetterSqlite3.Statement<[string], Record<string, unknown>>>();
  private readonly checkpointRows: BetterSqlite3.Statement<[], Record<string, unknown>>;
  private readonly offs: Array<() => void>;
  private mode: Mode;
  /** What has been published: PostgreSQL holds everything up to here. */
  private mirrored: number;
  /** Follower: the position PostgreSQL's read models are known to hold (the leader's notifications). */
  private shared = 0;
  private writing: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly runner: ProjectionRunner<C>,
    private readonly working: BetterSqlite3.Database,
    private readonly pool: PgPool,
    private readonly keys: ReadonlyMap<string, string>,
    private readonly logger: Logger,
    following: boolean,
  ) {
    this.changes = new ChangeFeed<C>((error) => logger.error({ err: error }, 'change-feed listener failed'));
    this.mirrored = runner.position();
    this.mode = following ? { kind: 'follower' } : { kind: 'writer', epoch: undefined };
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

  /** The working copy's current state of the given keys: rows to upsert, keys to delete. */
  private rowsOf(touched: ReadonlyMap<string, ReadonlySet<string>>): Pick<MirrorJob, 'upserts' | 'deletes'> {
    const upserts = new Map<string, Record<string, unknown>[]>();
    const deletes = new Map<string, string[]>();
    for (const [table, keys] of touched) {
      const select = this.select(table);
      for (const key of keys) {
        const row = select.get(key);
        if (row) upserts.set(table, [...(upserts.get(table) ?? []), row]);
        else deletes.set(table, [...(deletes.get(table) ?? []), key]);
      }
    }
    return { upserts, deletes };
  }

  private capture(position: number): void {
    const job: MirrorJob = { position, ...this.rowsOf(this.touched), checkpoints: this.checkpointRows.all(), changes: this.pendingChanges.splice(0) };
    this.touched.clear();
    if (this.mode.kind === 'writer') {
      this.queue.push(job);
      this.startWriter();
    } else {
      this.held.push(job);
      this.release();
    }
  }

  /** Follower: PostgreSQL holds `position` (the leader wrote it). */
  sharedReached(position: number): void {
    if (position <= this.shared) return;
    this.shared = position;
    if (this.mode.kind === 'follower') this.release();
  }

  /** Follower: publishes the held commits PostgreSQL now holds, in order. */
  private release(): void {
    let count = 0;
    while (count < this.held.length && this.held[count]!.position <= this.shared) count++;
    if (count === 0) return;
    for (const job of this.held.splice(0, count)) this.publish(job);
    this.waiters.settle(this.mirrored);
  }

  private publish(job: MirrorJob): void {
    this.mirrored = Math.max(this.mirrored, job.position);
    this.changes.publish(job.changes as C[], job.position);
  }

  /**
   * Becomes the writer under `epoch`: catches the working copy up to the log's head (the old leader can
   * append no more), then writes, fenced, every row the commits since PostgreSQL's position touched, with the
   * checkpoints, and publishes what it held. From then on every commit is written as it comes.
   */
  async lead(epoch: number, head: () => Promise<number>): Promise<void> {
    if (this.mode.kind === 'writer') return;
    await this.runner.waitForPosition(await head(), 60_000);
    const client = await this.pool.connect();
    let stored: number;
    try {
      stored = await storedPosition(client);
    } finally {
      client.release();
    }
    // Synchronous from here to the switch: no commit of the runner can fall between the rows read and the mode.
    const touched = new Map<string, Set<string>>();
    for (const job of this.held) {
      if (job.position <= stored) continue;
      for (const [table, rows] of job.upserts) for (const row of rows) add(touched, table, String(row[this.keys.get(table)!]));
      for (const [table, keys] of job.deletes) for (const key of keys) add(touched, table, key);
    }
    const checkpoints = this.checkpointRows.all();
    const catchUp: MirrorJob = { position: this.runner.position(), ...this.rowsOf(touched), checkpoints, changes: [] };
    const held = this.held.splice(0).map((job): MirrorJob => ({ position: job.position, upserts: new Map(), deletes: new Map(), checkpoints, changes: job.changes }));
    this.mode = { kind: 'writer', epoch };
    this.queue.unshift(...held, catchUp);
    this.logger.info({ epoch, from: stored, to: catchUp.position, rows: [...touched.values()].reduce((n, keys) => n + keys.size, 0) }, 'read models: writing as the leader');
    this.startWriter();
    await this.flushed();
  }

  /** Stops writing (another node leads): what was not written yet is held, for the leader to write. */
  follow(): void {
    if (this.mode.kind === 'follower') return;
    this.mode = { kind: 'follower' };
    this.held.push(...this.queue.splice(0));
  }

  private startWriter(): void {
    if (this.writing || this.failure || this.mode.kind !== 'writer') return;
    this.writing = this.writeQueued().finally(() => {
      this.writing = undefined;
      if (this.queue.length > 0) this.startWriter();
    });
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0 && !this.failure && this.mode.kind === 'writer') {
      const epoch = this.mode.epoch;
      // Everything queued goes in one transaction: later row states win, the last checkpoints are kept.
      const jobs = this.queue.splice(0);
      try {
        await inTransaction(this.pool, (client) => writeMirrorJobs(client, this.keys, jobs, epoch));
      } catch (cause) {
        // Refused by the fence, or this node was demoted meanwhile (its failure says nothing about PostgreSQL).
        if (cause instanceof LeaseLostError || this.mode.kind !== 'writer' || this.mode.epoch !== epoch) {
          // Fenced: another node leads now. These stay held (oldest first) for it to write; we follow.
          this.logger.warn({ err: cause }, 'read models: no longer the writer');
          this.mode = { kind: 'follower' };
          this.held = [...jobs, ...this.queue.splice(0), ...this.held].sort((a, b) => a.position - b.position);
          this.release();
          return;
        }
        const error = new Error(`read models: writing to PostgreSQL failed: ${String(cause)}`, { cause });
        this.failure = error;
        this.logger.error({ err: error }, 'read-model mirror stopped');
        this.waiters.rejectAll(new RunnerStoppedError('read-model mirror failed', { cause: error }));
        this.changes.fail(error);
        return;
      }
      for (const job of jobs) this.publish(job);
      this.waiters.settle(this.mirrored);
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

function add(touched: Map<string, Set<string>>, table: string, key: string): void {
  let keys = touched.get(table);
  if (!keys) touched.set(table, (keys = new Set()));
  keys.add(key);
}
