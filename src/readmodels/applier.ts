import type BetterSqlite3 from 'better-sqlite3';
import type { RecordedEvent } from '../events/index.js';
import { ProjectionError } from './errors.js';
import type { AnyProjection, AppliedChange, ProjectionState, TableRows } from './projection.js';
import type { RowStore } from './row-store.js';

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
}

/**
 * Applies batches of events to a set of projections: all row changes and the checkpoints of one batch
 * in ONE SQLite transaction, so a crash or an error leaves either the whole batch or nothing.
 * Runs synchronously (better-sqlite3): no read or other write can interleave with a batch.
 */
export class Applier {
  private readonly transaction: (events: readonly RecordedEvent[]) => Applied[];

  constructor(
    sqlite: BetterSqlite3.Database,
    private readonly store: RowStore,
    readonly runtimes: readonly ProjectionRuntime[],
    private readonly options: ApplierOptions,
  ) {
    this.transaction = sqlite.transaction((events: readonly RecordedEvent[]) => this.applyInTransaction(events));
  }

  /** Returns the changes (empty unless `collect`); checkpoints advance only once the commit succeeded. */
  apply(events: readonly RecordedEvent[]): Applied[] {
    if (events.length === 0) return [];
    let changes: Applied[];
    try {
      changes = this.transaction(events);
    } catch (error) {
      // Staged rows and the cache may hold what was rolled back.
      this.store.discard();
      throw error;
    }
    const last = events[events.length - 1]!.position;
    for (const runtime of this.runtimes) if (last > runtime.checkpoint) runtime.checkpoint = last;
    return changes;
  }

  private applyInTransaction(events: readonly RecordedEvent[]): Applied[] {
    const { collect, saveCheckpoint } = this.options;
    const out: Applied[] = [];
    for (const event of events) {
      for (const runtime of this.runtimes) {
        if (event.position <= runtime.checkpoint) continue;
        let changes;
        try {
          changes = runtime.def.project(runtime.state, event);
        } catch (error) {
          throw new ProjectionError(runtime.def.name, event.position, event.type, error);
        }
        for (const change of changes) {
          if (!runtime.tables.has(change.table)) {
            throw new ProjectionError(runtime.def.name, event.position, event.type, new Error(`wrote table ${change.table}, which it does not own`));
          }
          this.store.stage(change.table, change.key, change.op === 'delete' ? null : change.row);
          if (collect) out.push({ ...change, projection: runtime.def.name, position: event.position });
        }
      }
    }
    this.store.flush();
    if (saveCheckpoint) {
      const last = events[events.length - 1]!.position;
      for (const runtime of this.runtimes) {
        if (last > runtime.checkpoint) saveCheckpoint(runtime.def.name, last, runtime.def.version);
      }
    }
    return out;
  }
}
