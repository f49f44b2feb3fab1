import type BetterSqlite3 from 'better-sqlite3';
import { quoteIdent, type LooseRow, type TableCodec } from './codec.js';
import type { ChangeOp } from '../../projections/lib/projection.js';
import { jsonEqual } from '../../projections/lib/rows.js';

/**
 * Rebuild by shadow tables: a rebuild fills `<table>__rebuild` (same schema, read from sqlite_master)
 * while the live table keeps serving reads and live events; then one transaction swaps them.
 * Readers therefore see either the old complete table or the new complete one, never a half-built one,
 * and nothing blocks reads for the length of a replay.
 */

const suffix = '__rebuild';

export function shadowName(table: string): string {
  return `${table}${suffix}`;
}

function tableSql(sqlite: BetterSqlite3.Database, table: string): string {
  const row = sqlite.prepare<[string], { sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table);
  if (!row) throw new Error(`read-model table ${table} does not exist`);
  return row.sql;
}

function indexSql(sqlite: BetterSqlite3.Database, table: string): string[] {
  return sqlite
    .prepare<[string], { sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name`)
    .all(table)
    .map((row) => row.sql);
}

/** Leftovers of a rebuild that was interrupted (crash, error) are dropped before anything else. */
export function dropShadowTables(sqlite: BetterSqlite3.Database): void {
  const names = sqlite
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)
    .all()
    .map((row) => row.name)
    .filter((name) => name.endsWith(suffix));
  for (const name of names) sqlite.exec(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
}

/**
 * Empty shadow tables with the live tables' definitions. Indexes are left out: they are built once at
 * the swap, which is cheaper than maintaining them through a whole replay.
 */
export function createShadowTables(sqlite: BetterSqlite3.Database, tables: readonly string[]): void {
  for (const table of tables) {
    const definition = tableSql(sqlite, table).replace(/^(\s*create\s+table\s+)("(?:[^"]|"")+"|`[^`]+`|\[[^\]]+\]|\S+)/i, `$1${quoteIdent(shadowName(table))}`);
    sqlite.exec(`DROP TABLE IF EXISTS ${quoteIdent(shadowName(table))}`);
    sqlite.exec(definition);
  }
}

export interface TableDiff {
  readonly op: ChangeOp;
  readonly key: string;
  readonly row: LooseRow;
}

/**
 * What a reader of `table` sees change when the shadow replaces it: creates and updates in the new
 * table's key order, then deletes in the old table's. A rebuild that reproduces the live rows yields [].
 */
export function diffShadow(sqlite: BetterSqlite3.Database, table: string, codec: TableCodec): TableDiff[] {
  const key = quoteIdent(codec.spec.key);
  const read = (name: string): LooseRow[] =>
    sqlite
      .prepare<[], Record<string, unknown>>(`SELECT * FROM ${quoteIdent(name)} ORDER BY ${key}`)
      .all()
      .map((stored) => codec.decode(stored));
  const before = new Map(read(table).map((row) => [codec.keyOf(row), row]));
  const diff: TableDiff[] = [];
  for (const row of read(shadowName(table))) {
    const id = codec.keyOf(row);
    const old = before.get(id);
    if (old === undefined) diff.push({ op: 'create', key: id, row });
    else if (!jsonEqual(old, row)) diff.push({ op: 'update', key: id, row });
    before.delete(id);
  }
  for (const [id, row] of before) diff.push({ op: 'delete', key: id, row });
  return diff;
}

/** Replaces the live table by its shadow, indexes included. Call inside a transaction. */
export function swapShadowTable(sqlite: BetterSqlite3.Database, table: string): void {
  const indexes = indexSql(sqlite, table);
  sqlite.exec(`DROP TABLE ${quoteIdent(table)}`);
  sqlite.exec(`ALTER TABLE ${quoteIdent(shadowName(table))} RENAME TO ${quoteIdent(table)}`);
  for (const statement of indexes) sqlite.exec(statement);
}
