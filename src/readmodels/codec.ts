import type { TableSpec } from '../../projections/lib/projection.js';

/** A row as the runner handles it without its type: column name -> value. */
export type LooseRow = Readonly<Record<string, unknown>>;

/**
 * Between a projection's rows (objects in JSON columns) and SQLite values (TEXT for JSON).
 * The column list comes from the table itself (PRAGMA table_info), so the migration stays the one
 * definition of the schema; a row key the table lacks is an error, not silently dropped data.
 */
export class TableCodec {
  readonly json: ReadonlySet<string>;
  private readonly columnSet: ReadonlySet<string>;

  constructor(
    readonly table: string,
    readonly spec: TableSpec,
    readonly columns: readonly string[],
  ) {
    this.json = new Set(spec.json ?? []);
    this.columnSet = new Set(columns);
    if (!this.columnSet.has(spec.key)) throw new Error(`table ${table}: key column ${spec.key} does not exist`);
    for (const name of this.json) if (!this.columnSet.has(name)) throw new Error(`table ${table}: JSON column ${name} does not exist`);
  }

  /** Values in column order, for a prepared INSERT. */
  encode(row: LooseRow): unknown[] {
    for (const key in row) if (!this.columnSet.has(key)) throw new Error(`table ${this.table} has no column ${key}`);
    return this.columns.map((column) => {
      const value = row[column];
      if (value === undefined || value === null) return null;
      if (this.json.has(column)) return JSON.stringify(value);
      if (typeof value === 'boolean') return value ? 1 : 0;
      return value;
    });
  }

  decode(stored: Readonly<Record<string, unknown>>): LooseRow {
    const row: Record<string, unknown> = {};
    for (const column of this.columns) {
      const value = stored[column];
      row[column] = this.json.has(column) && typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
    }
    return row;
  }

  keyOf(row: LooseRow): string {
    return String(row[this.spec.key]);
  }
}

/** SQLite identifier quoting (table and column names come from code and the schema, never from input). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
