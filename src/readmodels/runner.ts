import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type BetterSqlite3 from 'better-sqlite3';
import type { RecordedEvent } from '../events/index.js';
import type { EventStore, Subscription } from '../eventstore/port.js';
import { silentLogger, type Logger } from '../logger.js';
import { Applier, bindProjection, type Applied, type ProjectionRuntime } from './applier.js';
import { CheckpointTable } from './checkpoints.js';
import { ChangeFeed } from './change-feed.js';
import type { ReadModelDb } from './database.js';
import { RebuildInProgressError, RunnerStoppedError, UnknownProjectionError } from './errors.js';
import { FaultRecorder } from './fault-recorder.js';
import type { FaultReport } from './faults.js';
import { readLogPages } from './log-pages.js';
import { Mutex } from '../mutex.js';
import type { AnyProjection, ChangeOf } from '../../projections/lib/projection.js';
import { defaultProjections, type ReadModelChange } from '../../projections/index.js';
import { ShadowBuild } from './rebuild.js';
import { RowStore } from './row-store.js';
import { dropShadowTables } from './shadow.js';
import { PositionWaiters } from './waiters.js';

export type RunnerState = 'idle' | 'running' | 'failed' | 'stopped';

export interface RunnerStatus {
  readonly state: RunnerState;
  /** The log position every projection has applied. */
  readonly position: number;
  readonly rebuilding: boolean;
  /** Where a running rebuild stands (absent when none runs): what `jade rebuild --server` polls for its progress. */
  readonly rebuild?: RebuildProgress;
  readonly error?: string;
  /** Events projections skipped because they threw on them (each recorded as `ProjectionFault`). */
  readonly faults: FaultReport;
}

export interface RebuildProgress {
  readonly projections: readonly string[];
  /** Last position replayed into the new tables. */
  readonly position: number;
  /** Position the replay runs to before the swap. */
  readonly target: number;
}

export interface RebuildOptions {
  readonly onProgress?: (progress: RebuildProgress) => void;
}

export interface RebuildResult {
  readonly projections: readonly string[];
  /** The position the rebuilt tables reflect (the live position at the swap). */
  readonly position: number;
  /** Events replayed. */
  readonly events: number;
  /** Changes emitted at the swap (rows that differ between the old and the rebuilt tables). */
  readonly changes: number;
}

export interface ProjectionRunner<C> {
  /** Every committed row change, in order. */
  readonly changes: ChangeFeed<C>;
  /** Subscribes to the log from the stored checkpoint. Rebuilds first any projection whose version changed or that has never run. */
  start(): Promise<void>;
  /** Stops after the batch in flight (which commits or rolls back whole). */
  stop(): Promise<void>;
  /** The log position all projections have applied (health; `waitForPosition`). */
  position(): number;
  /** Each projection's own checkpoint (metrics: per-projection position and lag). */
  projectionPositions(): readonly { readonly name: string; readonly position: number }[];
  status(): RunnerStatus;
  /** Resolves once every projection has applied `position`; rejects with ReadModelTimeoutError, or RunnerStoppedError if the runner failed. */
  waitForPosition(position: number, timeoutMs: number): Promise<void>;
  /**
   * Without subscribing: applies the log up to `toPosition` (default: the head) and returns the position
   * reached. For tools and scratch databases (point-in-time reads, benchmarks).
   */
  catchUp(toPosition?: number): Promise<number>;
  /** Replays projections (default: all) from position 0 into fresh tables and swaps them in. */
  rebuild(names?: readonly string[], options?: RebuildOptions): Promise<RebuildResult>;
}

export interface RunnerOptions {
  readonly store: EventStore;
  readonly readModels: Pick<ReadModelDb, 'sqlite'>;
  readonly logger?: Logger;
  /** Events per live batch (one transaction each). */
  readonly batchSize?: number;
  /** Events per read while rebuilding or catching up. */
  readonly pageSize?: number;
  /**
   * Append a `ProjectionFault` for each skipped (projection, event) not yet in the log (default true).
   * Off for throwaway runners (point-in-time scratch builds): they skip the same events but write nothing.
   */
  readonly recordFaults?: boolean;
}

/**
 * One subscription to the global log feeds every projection (each skips what its own checkpoint already
 * covers). Live batches, catch-up and the end of a rebuild run one at a time under a mutex; each batch is
 * one synchronous SQLite transaction (rows + checkpoints), and the change feed hears of it only after the
 * commit.
 *
 * No single event stops a projection: one that throws on an event skips it (see Applier) and the skip is
 * recorded in the log before the batch commits (fault-recorder.ts), so the tables never silently disagree
 * with the log. Only a failing database or event store stops the runner (status `failed`, feed `error`).
 *
 * This class is the lifecycle and the order of steps; the shadow tables of a rebuild (rebuild.ts), the
 * checkpoints table (checkpoints.ts), the waiters (waiters.ts) and the paged log reads (log-pages.ts)
 * are their own modules.
 */
class Runner<C> implements ProjectionRunner<C> {
  readonly changes: ChangeFeed<C>;
  private readonly sqlite: BetterSqlite3.Database;
  private readonly store: EventStore;
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly pageSize: number;
  private readonly liveStore: RowStore;
  private readonly runtimes: ProjectionRuntime[];
  private readonly applier: Applier;
  private readonly checkpoints: CheckpointTable;
  private readonly lock = new Mutex();
  private readonly waiters = new PositionWaiters();
  private readonly faults: FaultRecorder;
  private subscription: Subscription | undefined;
  private state: RunnerState = 'idle';
  private failure: Error | undefined;
  private rebuilding = false;
  private rebuildProgress: RebuildProgress | undefined;

  constructor(options: RunnerOptions, projections: readonly AnyProjection[]) {
    this.sqlite = options.readModels.sqlite;
    this.store = options.store;
    this.logger = options.logger ?? silentLogger();
    this.batchSize = options.batchSize ?? 1000;
    this.pageSize = options.pageSize ?? 5000;
    this.changes = new ChangeFeed<C>((error) => this.logger.error({ err: error }, 'change-feed listener failed'));

    const tables = projections.flatMap((def) => Object.entries(def.tables).map(([table, spec]) => ({ table, spec, owner: def.name })));
    assertUnique(projections.map((def) => def.name), 'projection');
    assertUnique(tables.map((t) => t.table), 'table');
    this.liveStore = new RowStore(this.sqlite, tables);

    this.checkpoints = new CheckpointTable(this.sqlite);
    this.runtimes = projections.map((def) => bindProjection(def, this.liveStore, this.checkpoints.get(def.name)?.position ?? 0));
    this.faults = new FaultRecorder(
      this.store,
      this.logger,
      options.recordFaults ?? true,
      this.runtimes.map((runtime) => runtime.def.name),
    );
    this.applier = new Applier(this.sqlite, this.liveStore, this.runtimes, {
      collect: true,
      saveCheckpoint: this.checkpoints.save,
      isRecorded: this.faults.isRecorded,
    });
  }

  position(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const runtime of this.runtimes) if (runtime.checkpoint < min) min = runtime.checkpoint;
    return Number.isFinite(min) ? min : 0;
  }

  projectionPositions(): readonly { readonly name: string; readonly position: number }[] {
    return this.runtimes.map((runtime) => ({ name: runtime.def.name, position: runtime.checkpoint }));
  }

  status(): RunnerStatus {
    return {
      state: this.state,
      position: this.position(),
      rebuilding: this.rebuilding,
      ...(this.rebuildProgress ? { rebuild: this.rebuildProgress } : {}),
      ...(this.failure ? { error: this.failure.message } : {}),
      faults: this.faults.report(),
    };
  }

  async start(): Promise<void> {
    if (this.state === 'running') throw new Error('projection runner already running');
    await this.faults.load();
    dropShadowTables(this.sqlite);
    // A projection whose code changed meaning, or that never ran over a non-empty log, is built by
    // replay into fresh tables rather than shown half-built while a live catch-up fills it.
    const stale = this.runtimes
      .filter((runtime) => this.checkpoints.get(runtime.def.name)?.version !== runtime.def.version)
      .map((runtime) => runtime.def.name);
    if (stale.length > 0 && (await this.store.headPosition()) > 0) {
      this.logger.info({ projections: stale }, 'rebuilding projections before start');
      await this.rebuild(stale);
    }
    this.failure = undefined;
    this.state = 'running';
    this.subscription = this.store.subscribeToAll({
      afterPosition: this.position(),
      batchSize: this.batchSize,
      onEvents: (events) => this.lock.run(() => this.applyLive(events)),
      onError: (error) => this.fail(error),
    });
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    if (this.state === 'running') this.state = 'stopped';
    await subscription?.close();
    this.waiters.rejectAll(new RunnerStoppedError('projection runner stopped'));
  }

  waitForPosition(position: number, timeoutMs: number): Promise<void> {
    if (this.position() >= position) return Promise.resolve();
    if (this.state === 'failed') return Promise.reject(new RunnerStoppedError('projection runner failed', { cause: this.failure }));
    if (this.state === 'stopped') return Promise.reject(new RunnerStoppedError('projection runner stopped'));
    return this.waiters.wait(position, timeoutMs, () => this.position());
  }

  async catchUp(toPosition?: number): Promise<number> {
    if (this.state === 'running') throw new Error('catchUp() is for a runner that is not subscribed; it is running');
    await this.faults.load();
    return this.lock.run(async () => {
      const target = toPosition ?? (await this.store.headPosition());
      await this.replay(this.position(), target, async (events) => {
        const changes = await this.faults.apply(this.applier, events);
        if (changes) this.committed(changes, events);
      });
      return this.position();
    });
  }

  async rebuild(names?: readonly string[], options: RebuildOptions = {}): Promise<RebuildResult> {
    if (this.rebuilding) throw new RebuildInProgressError();
    const targets = this.select(names);
    const projections = targets.map((runtime) => runtime.def.name);
    this.rebuilding = true;
    try {
      await this.faults.load();
      const shadow = new ShadowBuild(this.sqlite, targets, this.faults.isRecorded);
      let replayed = 0;
      let at = 0;
      const replayTo = async (target: number): Promise<void> => {
        this.rebuildProgress = { projections, position: at, target };
        at = await this.replay(at, target, async (events) => {
          await this.faults.apply(shadow.applier, events);
          replayed += events.length;
          this.rebuildProgress = { projections, position: events[events.length - 1]!.position, target };
          options.onProgress?.(this.rebuildProgress);
          // A synchronous store (SQLite) never gives the event loop back by itself: let requests (a progress
          // poll, live reads) and live batches in between pages, or the server stands still until the swap.
          await yieldToEventLoop();
        });
      };

      // Bulk of the replay outside the lock: live batches keep flowing into the live tables meanwhile.
      await replayTo(this.state === 'running' ? this.position() : await this.store.headPosition());
      return await this.lock.run(async () => {
        // Under the lock the live position stands still: replay the few events since, then swap.
        const target = this.state === 'running' ? this.position() : Math.max(at, await this.store.headPosition());
        await replayTo(target);
        const changes = shadow.swap(this.liveStore, target, this.checkpoints.save);
        this.liveStore.discard();
        for (const runtime of targets) {
          runtime.checkpoint = target;
          this.checkpoints.remember(runtime.def.name, { position: target, version: runtime.def.version });
        }
        this.changes.publish(changes as unknown as C[], this.position());
        this.waiters.settle(this.position());
        this.logger.info({ projections, position: target, events: replayed, changes: changes.length }, 'projections rebuilt');
        return { projections, position: target, events: replayed, changes: changes.length };
      });
    } catch (error) {
      dropShadowTables(this.sqlite);
      throw error;
    } finally {
      this.rebuilding = false;
      this.rebuildProgress = undefined;
    }
  }

  private replay(after: number, target: number, apply: (events: readonly RecordedEvent[]) => Promise<void>): Promise<number> {
    return readLogPages(this.store, this.pageSize, after, target, apply);
  }

  private applyLive(events: readonly RecordedEvent[]): Promise<void> | void {
    // A batch delivered after stop() was asked for is left for the next start (its checkpoint is not advanced).
    if (this.state !== 'running') return;
    const applied = this.faults.apply(this.applier, events, () => this.state === 'running');
    // The usual case stays synchronous: no await between the commit and the feed hearing of it.
    if (Array.isArray(applied)) return this.committed(applied, events);
    return applied.then((changes) => {
      if (changes) this.committed(changes, events);
    });
  }

  private committed(changes: readonly Applied[], events: readonly RecordedEvent[]): void {
    if (events.length === 0) return;
    this.changes.publish(changes as unknown as C[], this.position());
    this.waiters.settle(this.position());
  }

  private fail(error: Error): void {
    this.state = 'failed';
    this.failure = error;
    this.subscription = undefined;
    this.logger.error({ err: error, position: this.position() }, 'projection runner stopped on an error');
    this.waiters.rejectAll(new RunnerStoppedError('projection runner failed', { cause: error }));
    this.changes.fail(error);
  }

  private select(names: readonly string[] | undefined): ProjectionRuntime[] {
    if (names === undefined) return [...this.runtimes];
    return [...new Set(names)].map((name) => {
      const runtime = this.runtimes.find((candidate) => candidate.def.name === name);
      if (!runtime) throw new UnknownProjectionError(name);
      return runtime;
    });
  }
}

function assertUnique(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new Error(`duplicate ${what} ${name}`);
    seen.add(name);
  }
}

/** The runner over every read model (`registry.ts`). */
export function createProjectionRunner(options: RunnerOptions): ProjectionRunner<ReadModelChange>;
/** The runner over a chosen set of projections (tests, tools). */
export function createProjectionRunner<P extends readonly AnyProjection[]>(
  options: RunnerOptions & { readonly projections: P },
): ProjectionRunner<ChangeOf<P[number]>>;
export function createProjectionRunner(
  options: RunnerOptions & { readonly projections?: readonly AnyProjection[] },
): ProjectionRunner<unknown> {
  return new Runner<unknown>(options, options.projections ?? defaultProjections);
}
