import type BetterSqlite3 from 'better-sqlite3';
import { projectionEventTypes, type ProjectionFaultData, type RecordedEvent } from '../events/index.js';
import { faultMessage } from './faults.js';
import { type AnyProjection, type AppliedChange, type ProjectionState, type RowChange, type TableRows } from '../../projections/lib/projection.js';
import type { RowStore } from './row-store.js';
import { ReactingRuntimes } from './reacting.js';

export type Applied = AppliedChange<TableRows, string>;

/** A projection bound to where its rows live, and how far it has applied the log. */
export interface ProjectionRuntime {
  readonly def: AnyProjection;
  readonly tables: ReadonlySet<string>;
  readonly state: ProjectionState<TableRows>;
  checkpoint: number;
}

export function bindProjection(def: AnyProjection, store: RowStore, checkpoint: number): ProjectionRuntime {
  return {
    def,
    tables: new Set(Object.keys(def.tables)),
    state: { get: (table, key) => store.get(table, key), all: (table) => store.all(table) },
    checkpoint,
  };
}

export interface ApplierOptions {
  /** Build change objects for the feed (the live runner); a rebuild into shadow tables does not need them. */
  readonly collect: boolean;
  /** Persists a projection's checkpoint inside the batch transaction; omitted for shadow rebuilds. */
  readonly saveCheckpoint?: (name: string, position: number, version: number) => void;
  /** Whether the log already holds the `ProjectionFault` of this (projection, position). */
  readonly isRecorded: (projection: string, position: number) => boolean;
}

/**
 * What a batch did. `committed: false`: some projection failed on an event whose fault is not in the log yet;
 * nothing was written (rows nor checkpoints): record `unrecorded`, then apply the batch again.
 */
export type ApplyOutcome =
  | { readonly committed: true; readonly changes: Applied[]; readonly faults: readonly ProjectionFaultData[] }
  | { readonly committed: false; readonly unrecorded: readonly ProjectionFaultData[] };

/** Thrown inside the slow path's transaction to roll the whole batch back. */
class UnrecordedFaults extends Error {
  constructor(readonly faults: readonly ProjectionFaultData[]) {
    super('projection faults not yet recorded');
  }
}

/**
 * SQLite failing as a database (disk full, I/O error, locked, read-only, corrupt) rather than refusing one
 * row: not a property of the event, so not a fault to skip; the batch fails whole and the runner stops.
 */
function isEnvironmentFailure(error: unknown): boolean {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^SQLITE_(IOERR|FULL|BUSY|LOCKED|NOMEM|CORRUPT|READONLY|CANTOPEN|NOTADB|PROTOCOL|INTERRUPT|PERM|AUTH)/.test(code);
}

/** Events no projection is given: jade's record of its projections' own faults (so recording one changes no read model). */
function isForProjections(event: RecordedEvent): boolean {
  return event.type !== projectionEventTypes.fault;
}

/**
 * Applies batches of events to a set of projections: all row changes and the checkpoints of one batch
 * in ONE SQLite transaction, so a crash or an error leaves either the whole batch or nothing.
 * Runs synchronously (better-sqlite3): no read or other write can interleave with a batch.
 *
 * No single event stops a projection. Fast path: the whole batch in one go (no per-event cost). If anything
 * in it throws, the batch is rolled back and applied again event by event, each (event, projection) pair's
 * writes in a savepoint of its own: a pair that throws (in `project`, or when SQLite refuses its rows) is
 * skipped for that projection alone and becomes a fault; every other pair of the batch is kept. Projections
 * are deterministic, so a rebuild or a replay after a crash skips exactly the same pairs.
 */
export class Applier {
  private readonly fastTransaction: (events: readonly RecordedEvent[]) => Applied[];
  private readonly slowTransaction: (events: readonly RecordedEvent[]) => { changes: Applied[]; faults: ProjectionFaultData[] };
  /** Nested in the slow transaction, so better-sqlite3 runs it as a SAVEPOINT. */
  private readonly writePair: (changes: readonly RowChange<TableRows>[]) => void;
  private readonly reacting: ReactingRuntimes;

  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly store: RowStore,
    readonly runtimes: readonly ProjectionRuntime[],
    private readonly options: ApplierOptions,
  ) {
    this.reacting = new ReactingRuntimes(runtimes);
    this.fastTransaction = sqlite.transaction((events: readonly RecordedEvent[]) => this.applyFast(events));
    this.slowTransaction = sqlite.transaction((events: readonly RecordedEvent[]) => this.applyOneByOne(events));
    this.writePair = sqlite.transaction((changes: readonly RowChange<TableRows>[]) => {
      for (const change of changes) this.store.stage(change.table, change.key, change.op === 'delete' ? null : change.row);
      this.store.flush();
    });
  }

  /** Checkpoints advance only once the commit succeeded. Throws only when SQLite fails as a database. */
  apply(events: readonly RecordedEvent[]): ApplyOutcome {
    if (events.length === 0) return { committed: true, changes: [], faults: [] };
    let outcome: ApplyOutcome;
    try {
      outcome = { committed: true, changes: this.fastTransaction(events), faults: [] };
    } catch (error) {
      // Staged rows and the cache may hold what was rolled back.
      this.store.discard();
      if (isEnvironmentFailure(error)) throw error;
      try {
        outcome = { committed: true, ...this.slowTransaction(events) };
      } catch (slowError) {
        this.store.discard();
        if (slowError instanceof UnrecordedFaults) return { committed: false, unrecorded: slowError.faults };
        throw slowError;
      }
    }
    const last = events[events.length - 1]!.position;
    for (const runtime of this.runtimes) if (last > runtime.checkpoint) runtime.checkpoint = last;
    return outcome;
  }

  private applyFast(events: readonly RecordedEvent[]): Applied[] {
    const collect = this.options.collect;
    const out: Applied[] = [];
    for (const event of events) {
      if (!isForProjections(event)) continue;
      for (const runtime of this.reacting.of(event)) {
        if (event.position <= runtime.checkpoint) continue;
        const changes = runtime.def.project(runtime.state, event);
        assertOwned(runtime, changes);
        for (const change of changes) {
          this.store.stage(change.table, change.key, change.op === 'delete' ? null : change.row);
          if (collect) out.push({ ...change, projection: runtime.def.name, position: event.position });
        }
      }
    }
    this.store.flush();
    this.saveCheckpoints(events);
    return out;
  }

  private applyOneByOne(events: readonly RecordedEvent[]): { changes: Applied[]; faults: ProjectionFaultData[] } {
    const collect = this.options.collect;
    const out: Applied[] = [];
    const faults: ProjectionFaultData[] = [];
    for (const event of events) {
      if (!isForProjections(event)) continue;
      for (const runtime of this.reacting.of(event)) {
        if (event.position <= runtime.checkpoint) continue;
        try {
          const changes = runtime.def.project(runtime.state, event);
          assertOwned(runtime, changes);
          this.writePair(changes);
          if (collect) for (const change of changes) out.push({ ...change, projection: runtime.def.name, position: event.position });
        } catch (error) {
          // The savepoint rolled this pair's writes back; cached rows may still show them.
          this.store.discard();
          if (isEnvironmentFailure(error)) throw error;
          faults.push({
            projection: runtime.def.name,
            position: event.position,
            event_type: event.type,
            event_stream: event.stream,
            error: faultMessage(error),
            version: runtime.def.version,
          });
        }
      }
    }
    const unrecorded = faults.filter((fault) => !this.options.isRecorded(fault.projection, fault.position));
    if (unrecorded.length > 0) throw new UnrecordedFaults(unrecorded);
    this.saveCheckpoints(events);
    return { changes: out, faults };
  }

  private saveCheckpoints(events: readonly RecordedEvent[]): void {
    const saveCheckpoint = this.options.saveCheckpoint;
    if (!saveCheckpoint) return;
    const last = events[events.length - 1]!.position;
    for (const runtime of this.runtimes) {
      if (last > runtime.checkpoint) saveCheckpoint(runtime.def.name, last, runtime.def.version);
    }
  }
}

function assertOwned(runtime: ProjectionRuntime, changes: readonly RowChange<TableRows>[]): void {
  for (const change of changes) {
    if (!runtime.tables.has(change.table)) throw new Error(`wrote table ${change.table}, which it does not own`);
  }
}
