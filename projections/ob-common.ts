import type { Lifecycle, StoredEvent } from '../src/outbound/resources/common.js';

/**
 * What the outbound projections share: an object stream folded into one row with the resource's own
 * evolver (the one its deciders use), and JSON columns read back from SQLite.
 */

export type ObjectChange<T extends string, O> =
  | { readonly table: T; readonly op: 'create' | 'update' | 'delete'; readonly key: string; readonly row: O };

/**
 * The row change one event causes: a new live object is created, a changed one updated, a soft-deleted one
 * leaves the table (a `delete` carrying its last state, `in_use` 0 and `tm_delete` set, so realtime clients
 * see what the DELETE answered). Deleted objects stay in the log only: every query reads live objects.
 */
export function foldObject<T extends string, O extends Lifecycle>(
  table: T,
  before: O | undefined,
  event: StoredEvent,
  evolve: (state: O | undefined, event: StoredEvent) => O | undefined,
): ObjectChange<T, O>[] {
  const after = evolve(before, event);
  if (after === undefined || after === before) return [];
  if (after.in_use !== 1) return before === undefined ? [] : [{ table, op: 'delete', key: after.uuid, row: after }];
  return [{ table, op: before === undefined ? 'create' : 'update', key: after.uuid, row: after }];
}

/** The uuid an outbound event is about: every one carries it in `data.uuid`. */
export function eventUuid(event: StoredEvent): string | undefined {
  const data = event.data as { readonly uuid?: unknown } | null;
  return typeof data?.uuid === 'string' ? data.uuid : undefined;
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
