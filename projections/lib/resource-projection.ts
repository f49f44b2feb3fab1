import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '../../src/events/index.js';
import type { Database } from '../database.js';
import type { StoredEvent } from './lifecycle.js';
import { defineProjection, type EventHandlers, type ProjectionDefinition, type RowChange } from './projection.js';

/**
 * The read model of a backend-owned resource (an outbound plan or campaign; people and configuration objects
 * next): one table, one row per live object, each the fold of its `<kind>-<uuid>` stream with the same
 * evolver the resource's deciders use. Declared, not written: `defineResourceProjection` builds the handlers
 * from the event types, `resourceReads` the list and get queries every such resource answers.
 */

/** One table named as the projection, keyed by the object's uuid. */
export type ResourceTables<TName extends string, O> = { readonly [T in TName]: O };

export interface ResourceProjectionSpec<TName extends string, O extends { readonly uuid: string }> {
  /** The projection's and its table's name (`ob_plans`). */
  readonly name: TName;
  readonly version: number;
  /** Every event type of the resource's streams that changes the object. */
  readonly events: readonly string[];
  readonly evolve: (state: O | undefined, event: StoredEvent) => O | undefined;
  /** Columns that hold JSON (objects in the row, TEXT in SQLite). */
  readonly json: readonly (keyof O & string)[];
  /**
   * Whether the object after this event still has a row. A soft-deleted object (or a finished dialing) leaves
   * the table with a `delete` carrying its last state, so realtime clients see what the DELETE answered.
   */
  readonly live: (object: O, event: StoredEvent) => boolean;
}

/** The uuid a resource event is about: every one carries it in `data.uuid`. */
export function eventUuid(event: StoredEvent): string | undefined {
  const data = event.data as { readonly uuid?: unknown } | null;
  return typeof data?.uuid === 'string' ? data.uuid : undefined;
}

export function defineResourceProjection<TName extends string, O extends { readonly uuid: string }>(
  spec: ResourceProjectionSpec<TName, O>,
): ProjectionDefinition<ResourceTables<TName, O>, TName> {
  type Change = RowChange<ResourceTables<TName, O>>;
  const change = (op: Change['op'], row: O): Change[] => [{ table: spec.name, op, key: row.uuid, row } as Change];
  const fold = (state: { get(table: TName, key: string): O | undefined }, event: RecordedEvent): Change[] => {
    const uuid = eventUuid(event);
    if (uuid === undefined) return [];
    const before = state.get(spec.name, uuid);
    const after = spec.evolve(before, event);
    if (after === undefined || after === before) return [];
    if (!spec.live(after, event)) return before === undefined ? [] : change('delete', after);
    return change(before === undefined ? 'create' : 'update', after);
  };
  const handles: EventHandlers<ResourceTables<TName, O>> = Object.fromEntries(spec.events.map((type) => [type, fold]));
  const tables = { [spec.name]: { key: 'uuid', json: spec.json } } as { readonly [T in TName]: { key: string; json: readonly string[] } };
  return defineProjection<ResourceTables<TName, O>, TName>({ name: spec.name, version: spec.version, tables, handles });
}

/** Stored shape (kysely) of a row whose JSON columns are TEXT. */
export type Stored<O, J extends keyof O> = { [K in keyof O]: K extends J ? string | null : O[K] };

/** A stored row back to the object: JSON columns parsed. */
export function parseJsonColumns<O, J extends keyof O>(stored: Stored<O, J>, columns: readonly J[]): O {
  const out: Record<string, unknown> = { ...stored };
  for (const column of columns) {
    const value = stored[column];
    out[column as string] = typeof value === 'string' ? (JSON.parse(value) as unknown) : null;
  }
  return out as O;
}

export interface ResourceReads<O> {
  /** Every live object, oldest first (then by uuid, so the order is total). */
  list(db: Kysely<Database>): Promise<O[]>;
  /** A live object, or undefined (never existed, or deleted). */
  get(db: Kysely<Database>, uuid: string): Promise<O | undefined>;
}

/** The list and get queries of a resource's table. */
export function resourceReads<O, J extends keyof O & string>(table: keyof Database & string, json: readonly J[]): ResourceReads<O> {
  const fromRow = (row: Stored<O, J>): O => parseJsonColumns(row, json);
  return {
    async list(db) {
      const { rows } = await sql<Stored<O, J>>`SELECT * FROM ${sql.table(table)} ORDER BY tm_create, uuid`.execute(db);
      return rows.map(fromRow);
    },
    async get(db, uuid) {
      const { rows } = await sql<Stored<O, J>>`SELECT * FROM ${sql.table(table)} WHERE uuid = ${uuid}`.execute(db);
      return rows[0] && fromRow(rows[0]);
    },
  };
}
