import type BetterSqlite3 from 'better-sqlite3';

export interface StoredCheckpoint {
  readonly position: number;
  readonly version: number;
}

/**
 * `projection_checkpoints`: how far each projection has applied the log, and with which version of its
 * code. The remembered copy is what was read at construction, plus what a rebuild swapped in: it answers
 * start()'s "did this projection's version change?", which live batches (saving only positions of the
 * same version) never change the answer to.
 */
export class CheckpointTable {
  private readonly stored: Map<string, StoredCheckpoint>;
  private readonly upsert: BetterSqlite3.Statement<[string, number, number]>;

  constructor(sqlite: BetterSqlite3.Database) {
    this.stored = new Map(
      sqlite
        .prepare<[], { name: string; position: number; version: number }>('SELECT name, position, version FROM projection_checkpoints')
        .all()
        .map((row) => [row.name, { position: row.position, version: row.version }]),
    );
    this.upsert = sqlite.prepare(
      'INSERT INTO projection_checkpoints (name, position, version) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position, version = excluded.version',
    );
  }

  get(name: string): StoredCheckpoint | undefined {
    return this.stored.get(name);
  }

  /** Writes the row, inside the caller's transaction. */
  readonly save = (name: string, position: number, version: number): void => {
    this.upsert.run(name, position, version);
  };

  /** After a rebuild's swap committed: the projection now stands at `checkpoint` with its current version. */
  remember(name: string, checkpoint: StoredCheckpoint): void {
    this.stored.set(name, checkpoint);
  }
}
