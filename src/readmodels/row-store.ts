import type BetterSqlite3 from 'better-sqlite3';
import { quoteIdent, TableCodec, type LooseRow } from './codec.js';
import type { TableSpec } from '../../projections/lib/projection.js';

export interface TableBindingSpec {
  /** The table name projections use. */
  readonly table: string;
  readonly spec: TableSpec;
  /** Where the rows physically live; differs from `table` while a rebuild fills a shadow table. */
  readonly physical?: string;
}

interface Binding {
  readonly codec: TableCodec;
  readonly select: BetterSqlite3.Statement<[string], Record<string, unknown>>;
  readonly selectAll: BetterSqlite3.Statement<[], Record<string, unknown>>;
  readonly upsert: BetterSqlite3.Statement<unknown[]>;
  readonly remove: BetterSqlite3.Statement<[string]>;
}

/**
 * Rows (or known absences) cached per table. Bounded well below a table's size: the cache serves the keys a
 * burst of events touches again (a call's channels), and decoded rows weigh 1-3 KB each, so 50,000 per table
 * over a dozen busy tables held hundreds of MB of heap in a long dialer run (issue 17 goal 4).
 */
const DEFAULT_CACHED_PER_TABLE = 5_000;

/** Pending or cached state of one key: a row, or null for "known absent". */
type Slot = LooseRow | null;

/**
 * Rows of a set of tables, read and written synchronously inside the runner's batch transaction.
 *
 * Writes are staged per key and flushed once per batch, so a channel touched by ten events of a batch
 * costs one UPSERT, not ten. Reads go staged -> cache -> SQLite. The cache (bounded, negative entries
 * included, because most events concern keys another projection owns) survives batches; the runner is
 * the only writer of these tables, so it stays true until a rollback, which drops it.
 */
export class RowStore {
  private readonly bindings = new Map<string, Binding>();
  private readonly cache = new Map<string, Map<string, Slot>>();
  private readonly pending = new Map<string, Map<string, Slot>>();

  constructor(
    sqlite: BetterSqlite3.Database,
    tables: readonly TableBindingSpec[],
    private readonly maxCachedPerTable = DEFAULT_CACHED_PER_TABLE,
  ) {
    for (const { table, spec, physical = table } of tables) {
      const info = sqlite.prepare<[string], { name: string }>(`SELECT name FROM pragma_table_info(?) ORDER BY cid`).all(physical);
      if (info.length === 0) throw new Error(`read-model table ${physical} does not exist (migrations not run?)`);
      const codec = new TableCodec(table, spec, info.map((column) => column.name));
      const t = quoteIdent(physical);
      const key = quoteIdent(spec.key);
      const columns = codec.columns.map(quoteIdent);
      const updates = columns.filter((column) => column !== key).map((column) => `${column} = excluded.${column}`);
      this.bindings.set(table, {
        codec,
        select: sqlite.prepare(`SELECT * FROM ${t} WHERE ${key} = ?`),
        selectAll: sqlite.prepare(`SELECT * FROM ${t} ORDER BY ${key}`),
        upsert: sqlite.prepare(
          `INSERT INTO ${t} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})` +
            (updates.length > 0 ? ` ON CONFLICT (${key}) DO UPDATE SET ${updates.join(', ')}` : ` ON CONFLICT (${key}) DO NOTHING`),
        ),
        remove: sqlite.prepare(`DELETE FROM ${t} WHERE ${key} = ?`),
      });
      this.cache.set(table, new Map());
      this.pending.set(table, new Map());
    }
  }

  private binding(table: string): Binding {
    const binding = this.bindings.get(table);
    if (!binding) throw new Error(`no read-model table ${table} in this store`);
    return binding;
  }

  codec(table: string): TableCodec {
    return this.binding(table).codec;
  }

  get(table: string, key: string): LooseRow | undefined {
    const staged = this.pending.get(table)?.get(key);
    if (staged !== undefined) return staged ?? undefined;
    const cache = this.cache.get(table)!;
    const cached = cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const binding = this.binding(table);
    const stored = binding.select.get(key);
    const row = stored ? binding.codec.decode(stored) : null;
    if (cache.size >= this.maxCachedPerTable) cache.clear();
    cache.set(key, row);
    return row ?? undefined;
  }

  /**
   * Every row, ordered by key. Flushes this table's staged writes first so SQLite holds its whole truth;
   * only this table's: flushing every table here (a projection asks for `all` on many events) wrote the
   * batch's other rows once per such event instead of once per batch.
   */
  all(table: string): LooseRow[] {
    this.flushTable(table);
    const binding = this.binding(table);
    return binding.selectAll.all().map((stored) => binding.codec.decode(stored));
  }

  /** `row` is any projection row: plain objects whose keys are the table's columns (checked by the codec at flush). */
  stage(table: string, key: string, row: object | null): void {
    this.binding(table);
    this.pending.get(table)!.set(key, row as LooseRow | null);
  }

  /** Writes staged rows; call inside the batch transaction. */
  flush(): void {
    for (const table of this.pending.keys()) this.flushTable(table);
  }

  private flushTable(table: string): void {
    const staged = this.pending.get(table);
    if (staged === undefined || staged.size === 0) return;
    const binding = this.bindings.get(table)!;
    const cache = this.cache.get(table)!;
    for (const [key, row] of staged) {
      if (row === null) binding.remove.run(key);
      else binding.upsert.run(...binding.codec.encode(row));
      if (cache.size >= this.maxCachedPerTable) cache.clear();
      cache.set(key, row);
    }
    staged.clear();
  }

  /** After a rollback: nothing staged or cached can be trusted any more. */
  discard(): void {
    for (const staged of this.pending.values()) staged.clear();
    for (const cache of this.cache.values()) cache.clear();
  }
}
