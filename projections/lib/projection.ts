import type { RecordedEvent } from '../../src/events/index.js';

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

/** What one event type does to a projection's rows. Must be deterministic: time comes from the event (event-time.ts), never the clock. */
// Method syntax makes the parameter bivariant, as `project` is: the runner holds every projection as AnyProjection.
export type EventHandler<TRows extends TableRows> = {
  handle(state: ProjectionState<TRows>, event: RecordedEvent): readonly RowChange<TRows>[];
}['handle'];

/** Event type (`Hangup`, `AmiSnapshot`, `PlanCreated`) -> its handler: the one place that answers "who reacts to X?". */
export type EventHandlers<TRows extends TableRows> = { readonly [eventType: string]: EventHandler<TRows> };

/** A projection as its file declares it. */
export interface ProjectionSpec<TRows extends TableRows, TName extends string = string> {
  readonly name: TName;
  /**
   * Bump when a handler changes meaning: the runner then rebuilds this projection from the log on start,
   * so stored rows always equal what the current code would derive (migrations only change the schema).
   */
  readonly version: number;
  readonly tables: { readonly [T in keyof TRows & string]: TableSpec };

  /** The events this projection reacts to, by type; the runner never hands it any other. */
  readonly handles: EventHandlers<TRows>;
  /**
   * Stream families whose event types are open-ended (`command-`: `<Type>Requested` for every command type;
   * `call-`: whatever Asterisk reports about a channel), by stream-name prefix. A type in `handles` wins.
   */
  readonly handlesStreams?: EventHandlers<TRows>;
}

export interface ProjectionDefinition<TRows extends TableRows, TName extends string = string> {
  readonly name: TName;
  /**
   * Bump when a handler changes meaning: the runner then rebuilds this projection from the log on start,
   * so stored rows always equal what the current code would derive (migrations only change the schema).
   */
  readonly version: number;
  readonly tables: { readonly [T in keyof TRows & string]: TableSpec };

  /**
   * What the projection declared it reacts to (event types; stream prefixes), for the runner's skip and the
   * README's table; `project` does the dispatch.
   */
  readonly handles: DeclaredNames;
  readonly handlesStreams?: DeclaredNames;
  /** Dispatches on `handles`, then `handlesStreams` (nothing for an event it does not name). */
  project(state: ProjectionState<TRows>, event: RecordedEvent): readonly RowChange<TRows>[];
}

/** The shape the runner handles without knowing row types. */
export type AnyProjection = ProjectionDefinition<TableRows, string>;

/** The applied-change type of one projection definition. */
export type ChangeOf<P> = P extends ProjectionDefinition<infer TRows, infer TName> ? AppliedChange<TRows, TName> : never;

/** Keys are what counts; the handlers stay typed inside the projection's own `project`. */
export type DeclaredNames = { readonly [name: string]: unknown };

const own = (map: object, key: string): boolean => Object.prototype.hasOwnProperty.call(map, key);

/** The handler a declaration names for this event, if any. Own properties only: a type `constructor` must not reach Object.prototype. */
function handlerFor<H>(
  handles: { readonly [name: string]: H },
  handlesStreams: { readonly [prefix: string]: H } | undefined,
  event: Pick<RecordedEvent, 'type' | 'stream'>,
): H | undefined {
  if (own(handles, event.type)) return handles[event.type];
  if (handlesStreams === undefined) return undefined;
  for (const prefix of Object.keys(handlesStreams)) if (event.stream.startsWith(prefix)) return handlesStreams[prefix];
  return undefined;
}

/** Builds the runner's definition from the declaration; keeps a projection's literal name and row types. */
export function defineProjection<TRows extends TableRows, TName extends string>(
  spec: ProjectionSpec<TRows, TName> | ProjectionDefinition<TRows, TName>,
): ProjectionDefinition<TRows, TName> {
  // A definition wrapped again (as tests do to inject a fault) dispatches itself; its declared names still drive the skip.
  if ('project' in spec) return spec;
  return {
    ...spec,
    project(state, event) {
      const handler = handlerFor(spec.handles, spec.handlesStreams, event);
      return handler === undefined ? [] : handler(state, event);
    },
  };
}

/** Whether a projection reacts to this event at all (the runner skips it otherwise). */
export function reactsTo(definition: Pick<ProjectionDefinition<TableRows>, 'handles' | 'handlesStreams'>, event: Pick<RecordedEvent, 'type' | 'stream'>): boolean {
  return handlerFor(definition.handles, definition.handlesStreams, event) !== undefined;
}
