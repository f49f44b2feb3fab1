/**
 * JSON columns: objects and lists in a row, TEXT in SQLite. A table names them once (`jsonColumns`): the
 * runner writes them from its TableSpec `json` list, and queries read them back through `fromStored`.
 */

/** A row as kysely sees its table: the JSON columns `K` as TEXT (nullable where the row's value is). */
export type Stored<Row, K extends keyof Row> = {
  [P in keyof Row]: P extends K ? (null extends Row[P] ? string | null : string) : Row[P];
};

export interface JsonColumns<Row, K extends keyof Row & string> {
  /** For the table's TableSpec `json`. */
  readonly names: readonly K[];
  /** The row of a stored one: each JSON column parsed, in place (the column order stays the table's). */
  fromStored(stored: Stored<Row, K>): Row;
}

export function jsonColumns<Row, K extends keyof Row & string>(names: readonly K[]): JsonColumns<Row, K> {
  return {
    names,
    fromStored(stored) {
      const out: Record<string, unknown> = { ...stored };
      for (const column of names) {
        const text = out[column];
        if (typeof text === 'string') out[column] = JSON.parse(text) as unknown;
      }
      return out as Row;
    },
  };
}
