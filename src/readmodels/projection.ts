import type { RecordedEvent } from '../events/index.js';

/**
 * The contract between a projection (a pure function of the log) and the runner that stores its rows.
 * A projection never touches SQLite: it reads current rows through `ProjectionState` and returns
 * the row changes an event causes; the runner applies them and emits them on the change feed.
 */

export type ChangeOp = 'create' | 'update' | 'delete';

/** Rows are plain JSON-able objects keyed by their table's key column. */
export type RowShape = object;

/** A projection's tables: table name -> row type. */
export type TableRows = { readonly [table: string]: RowShape };

/** One row change as a projection returns it. `row` is the row after the change, or the last state for `delete`. */
export type RowChange<TRows extends TableRows> = {
  readonly [T in keyof TRows & string]: {
    readonly table: T;
    readonly op: ChangeOp;
    readonly key: string;
    readonly row: TRows[T];
  };
}[keyof TRows & string];

/** A change as the runner emits it after commit: which projection, and the log position that caused it. */
export type AppliedChange<TRows extends TableRows, TName extends string> = RowChange<TRows> & {
  readonly projection: TName;
  readonly position: number;
};

/** Read access to the projection's own current rows (including changes already returned for earlier events of the same batch). */
export interface ProjectionState<TRows extends TableRows> {
  get<T extends keyof TRows & string>(table: T, key: string): TRows[T] | undefined;
  /** Every row of the table, ordered by key (so reconcile output is deterministic). */
  all<T extends keyof TRows & string>(table: T): readonly TRows[T][];
}

/** How a table is stored: its key column, and which columns hold JSON (objects in the row, TEXT in SQLite). */
export interface TableSpec {
  readonly key: string;
  readonly json?: readonly string[];
}

export interface ProjectionDefinition<TRows extends TableRows, TName extends string = string> {
  readonly name: TName;
  /**
   * Bump when `project` changes meaning: the runner then rebuilds this projection from the log on start,
   * so stored rows always equal what the current code would derive (migrations only change the schema).
   */
  readonly version: number;
  readonly tables: { readonly [T in keyof TRows & string]: TableSpec };
  /** Must be deterministic: time comes from the event (see event-time.ts), never from the clock. */
  project(state: ProjectionState<TRows>, event: RecordedEvent): readonly RowChange<TRows>[];
}

/** The shape the runner handles without knowing row types. */
export type AnyProjection = ProjectionDefinition<TableRows, string>;

/** The applied-change type of one projection definition. */
export type ChangeOf<P> = P extends ProjectionDefinition<infer TRows, infer TName> ? AppliedChange<TRows, TName> : never;

/** Identity with inference: keeps a projection's literal name and row types. */
export function defineProjection<TRows extends TableRows, TName extends string>(
  definition: ProjectionDefinition<TRows, TName>,
): ProjectionDefinition<TRows, TName> {
  return definition;
}
