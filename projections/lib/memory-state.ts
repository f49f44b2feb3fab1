import type { RecordedEvent } from '../../src/events/index.js';
import type { AppliedChange, ProjectionDefinition, ProjectionState, TableRows } from './projection.js';

/**
 * A projection driven in memory, without SQLite: for unit tests of `project`, and for tools that want a
 * projection's result over a few events. Rows are kept exactly as the projection returned them.
 * `all()` orders keys by JS string order, which equals SQLite's for ASCII keys (Asterisk ids, module names).
 */
export class MemoryProjection<TRows extends TableRows, TName extends string> {
  private readonly tables = new Map<string, Map<string, TRows[keyof TRows & string]>>();
  readonly state: ProjectionState<TRows>;

  constructor(readonly definition: ProjectionDefinition<TRows, TName>) {
    for (const table of Object.keys(definition.tables)) this.tables.set(table, new Map());
    this.state = {
      get: (table, key) => this.table(table).get(key) as TRows[typeof table] | undefined,
      all: (table) => [...this.table(table).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row as TRows[typeof table]),
    };
  }

  private table(name: string): Map<string, TRows[keyof TRows & string]> {
    const table = this.tables.get(name);
    if (!table) throw new Error(`projection ${this.definition.name} has no table ${name}`);
    return table;
  }

  /** Applies events in order; returns the changes they caused, as the runner would emit them. */
  apply(events: readonly RecordedEvent[]): AppliedChange<TRows, TName>[] {
    const out: AppliedChange<TRows, TName>[] = [];
    for (const event of events) {
      for (const change of this.definition.project(this.state, event)) {
        const table = this.table(change.table);
        if (change.op === 'delete') table.delete(change.key);
        else table.set(change.key, change.row);
        out.push({ ...change, projection: this.definition.name, position: event.position });
      }
    }
    return out;
  }

  rows<T extends keyof TRows & string>(table: T): TRows[T][] {
    return [...this.state.all(table)];
  }

  row<T extends keyof TRows & string>(table: T, key: string): TRows[T] | undefined {
    return this.state.get(table, key);
  }
}
