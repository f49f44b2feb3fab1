import { jsonEqual } from './rows.js';
import type { ProjectionState, RowChange, TableRows } from './projection.js';

/**
 * Row changes as most handlers make them: "make this row so" (nothing when it already is), and "a list
 * snapshot is the whole truth of a table" (upsert what it lists, delete what it no longer lists).
 */

type Table<TRows extends TableRows> = keyof TRows & string;

/** Tables whose rows carry `tm_update`, the time of their last change. */
export type StampedTable<TRows extends TableRows> = {
  [T in Table<TRows>]: TRows[T] extends { readonly tm_update: string } ? T : never;
}[Table<TRows>];

/** A row without its `tm_update` (what a handler decides; the time is the event's). */
export type Unstamped<Row> = Omit<Row, 'tm_update'>;

function change<TRows extends TableRows, T extends Table<TRows>>(table: T, op: 'create' | 'update' | 'delete', key: string, row: TRows[T]): RowChange<TRows> {
  // RowChange is a union over tables; `table` and `row` are tied by T, which the compiler cannot correlate.
  return { table, op, key, row } as unknown as RowChange<TRows>;
}

/** `create` when there is no row, `update` when it differs (JSON columns compared by value), else nothing. */
export function upsert<TRows extends TableRows, T extends Table<TRows>>(state: ProjectionState<TRows>, table: T, key: string, next: TRows[T]): RowChange<TRows>[] {
  const existing = state.get(table, key);
  if (existing !== undefined && jsonEqual(existing, next)) return [];
  return [change<TRows, T>(table, existing === undefined ? 'create' : 'update', key, next)];
}

const withoutStamp = (row: object): object => {
  const { tm_update: _, ...rest } = row as { tm_update?: unknown };
  return rest;
};

/**
 * `upsert` for a stamped row: `tm_update` does not count as a difference, and a change carries `time` there
 * (in place when `next` has the column, so the row keeps its column order).
 */
export function upsertStamped<TRows extends TableRows, T extends StampedTable<TRows>>(
  state: ProjectionState<TRows>,
  table: T,
  key: string,
  next: Unstamped<TRows[T]>,
  time: string,
): RowChange<TRows>[] {
  const existing = state.get(table, key);
  if (existing !== undefined && jsonEqual(withoutStamp(existing), withoutStamp(next))) return [];
  const row = { ...next, tm_update: time } as unknown as TRows[T];
  return [change<TRows, T>(table, existing === undefined ? 'create' : 'update', key, row)];
}

/** A delete of every row of `table` whose key is not in `listed`; each carries the row as it was. */
export function deleteUnlisted<TRows extends TableRows, T extends Table<TRows>>(
  state: ProjectionState<TRows>,
  table: T,
  keyOf: (row: TRows[T]) => string,
  listed: ReadonlySet<string>,
): RowChange<TRows>[] {
  const changes: RowChange<TRows>[] = [];
  for (const row of state.all(table)) {
    const key = keyOf(row);
    if (!listed.has(key)) changes.push(change<TRows, T>(table, 'delete', key, row));
  }
  return changes;
}

export interface ListReconcile<TRows extends TableRows, T extends Table<TRows>, Item> {
  readonly items: readonly Item[];
  /** The row key an item is about; undefined to skip it. An item whose key came earlier in the list is skipped. */
  itemKey(item: Item): string | undefined;
  /** The changes one listed item makes. */
  apply(item: Item, key: string): readonly RowChange<TRows>[];
  rowKey(row: TRows[T]): string;
}

/** A list snapshot as the whole truth of `table`: each listed item applied once, in list order, then the unlisted rows deleted. */
export function reconcileList<TRows extends TableRows, T extends Table<TRows>, Item>(
  state: ProjectionState<TRows>,
  table: T,
  list: ListReconcile<TRows, T, Item>,
): RowChange<TRows>[] {
  const changes: RowChange<TRows>[] = [];
  const listed = new Set<string>();
  for (const item of list.items) {
    const key = list.itemKey(item);
    if (key === undefined || listed.has(key)) continue;
    listed.add(key);
    changes.push(...list.apply(item, key));
  }
  return [...changes, ...deleteUnlisted(state, table, (row) => list.rowKey(row), listed)];
}
