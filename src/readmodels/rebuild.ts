import type BetterSqlite3 from 'better-sqlite3';
import { Applier, bindProjection, type Applied, type ProjectionRuntime } from './applier.js';
import { RowStore } from './row-store.js';
import { createShadowTables, diffShadow, dropShadowTables, shadowName, swapShadowTable } from './shadow.js';

/**
 * The tables of a rebuild: the chosen projections replayed from position 0 into shadow tables beside the
 * live ones (which keep serving reads and live batches meanwhile), then swapped in at one position in one
 * transaction, emitting as changes only the rows that differ. The runner decides when (outside and then
 * under its lock); this file is how.
 */
export class ShadowBuild {
  /** Feeds the shadow tables; the same decisions as the live run: the same pairs are skipped, and their faults are already recorded. */
  readonly applier: Applier;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly targets: readonly ProjectionRuntime[],
    isRecorded: (projection: string, position: number) => boolean,
  ) {
    dropShadowTables(sqlite);
    createShadowTables(
      sqlite,
      targets.flatMap((runtime) => [...runtime.tables]),
    );
    const shadowStore = new RowStore(
      sqlite,
      targets.flatMap((runtime) => Object.entries(runtime.def.tables).map(([table, spec]) => ({ table, spec, physical: shadowName(table) }))),
    );
    const shadow = targets.map((runtime) => bindProjection(runtime.def, shadowStore, 0));
    this.applier = new Applier(sqlite, shadowStore, shadow, { collect: false, isRecorded });
  }

  /**
   * In one transaction: the row differences as changes at `target`, the shadow tables in place of the live
   * ones, and each projection's checkpoint at `target` with its current version. The caller then drops the
   * live store's cached rows (they describe the replaced tables).
   */
  swap(liveStore: RowStore, target: number, saveCheckpoint: (name: string, position: number, version: number) => void): Applied[] {
    return this.sqlite.transaction(() => {
      const out: Applied[] = [];
      for (const runtime of this.targets) {
        for (const table of runtime.tables) {
          for (const diff of diffShadow(this.sqlite, table, liveStore.codec(table))) {
            out.push({ projection: runtime.def.name, table, op: diff.op, key: diff.key, row: diff.row, position: target });
          }
          swapShadowTable(this.sqlite, table);
        }
        saveCheckpoint(runtime.def.name, target, runtime.def.version);
      }
      return out;
    })();
  }
}
