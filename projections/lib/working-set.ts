import type { ProjectionState, RowChange, TableRows } from './projection.js';

interface Slot {
  readonly table: string;
  readonly key: string;
  /** Whether the row existed before this event (decides create vs update, and whether a delete is news). */
  readonly existed: boolean;
  /** The row as read before this event: identity tells "unchanged" without a deep compare. */
  readonly original: object | null;
  row: object | null;
  /** The last non-null state, which a delete change carries. */
  last: object | undefined;
}

/**
 * The rows one event touches, read through and written back as one list of changes.
 * `ProjectionState` only sees changes already returned, so a handler that updates several rows of
 * several tables for one event (a call, its legs, its live state) reads its own writes from here and
 * emits at most one change per row, in the order the rows were first touched (deterministic).
 */
export class WorkingSet<TRows extends TableRows> {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly state: ProjectionState<TRows>) {}

  private slot<T extends keyof TRows & string>(table: T, key: string): Slot {
    const id = `${table}\u0000${key}`;
    let slot = this.slots.get(id);
    if (slot === undefined) {
      const row = this.state.get(table, key) ?? null;
      slot = { table, key, existed: row !== null, original: row, row, last: row ?? undefined };
      this.slots.set(id, slot);
    }
    return slot;
  }

  get<T extends keyof TRows & string>(table: T, key: string): TRows[T] | undefined {
    return (this.slot(table, key).row ?? undefined) as TRows[T] | undefined;
  }

  /** Stores `row`; passing the very object `get` returned is a no-op (no change is emitted for it). */
  put<T extends keyof TRows & string>(table: T, key: string, row: TRows[T]): void {
    const slot = this.slot(table, key);
    slot.row = row;
    slot.last = row;
  }

  delete<T extends keyof TRows & string>(table: T, key: string): void {
    this.slot(table, key).row = null;
  }

  changes(): RowChange<TRows>[] {
    const out: { table: string; op: 'create' | 'update' | 'delete'; key: string; row: object }[] = [];
    for (const slot of this.slots.values()) {
      if (slot.row === null) {
        if (slot.existed && slot.last !== undefined) out.push({ table: slot.table, op: 'delete', key: slot.key, row: slot.last });
      } else if (!slot.existed) {
        out.push({ table: slot.table, op: 'create', key: slot.key, row: slot.row });
      } else if (slot.row !== slot.original) {
        out.push({ table: slot.table, op: 'update', key: slot.key, row: slot.row });
      }
    }
    // Each entry names a table of TRows and carries that table's row type (put/delete are typed per table).
    return out as unknown as RowChange<TRows>[];
  }
}
