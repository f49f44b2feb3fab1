import type { Database, Statement } from 'better-sqlite3';
import type { RecordedEvent } from '../../events/index.js';

/** Bumped when the table layout changes; a newer file is refused rather than misread. */
export const schemaVersion = 1;

/**
 * `position` is an INTEGER PRIMARY KEY (the rowid) assigned by the store inside the group's
 * transaction, not AUTOINCREMENT, so a rolled-back or rejected append never leaves a gap.
 * data/metadata are declared TEXT, not JSON: an unknown type name gets NUMERIC affinity in SQLite.
 * The unique (stream, revision) index also serves every by-stream lookup (its leading column),
 * so a separate index on stream alone would only cost write time.
 */
const ddl = `
CREATE TABLE IF NOT EXISTS events (
  position INTEGER PRIMARY KEY,
  stream TEXT NOT NULL,
  revision INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  metadata TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream, revision);
`;

export interface EventRow {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly recorded_at: string;
}

type InsertParams = [position: number, stream: string, revision: number, type: string, data: string, metadata: string, recordedAt: string];

export interface Statements {
  readonly insert: Statement<InsertParams>;
  readonly lastRevision: Statement<[stream: string], number | null>;
  readonly lastPosition: Statement<[], number | null>;
  readonly readAll: Statement<[fromPosition: number, limit: number], EventRow>;
  readonly readForwards: Statement<[stream: string, fromRevision: number, limit: number], EventRow>;
  readonly readBackwards: Statement<[stream: string, fromRevision: number, limit: number], EventRow>;
}

const columns = 'position, stream, revision, type, data, metadata, recorded_at';

export function migrate(db: Database): void {
  const version = db.pragma('user_version', { simple: true });
  if (typeof version !== 'number' || version > schemaVersion) {
    throw new Error(`event store schema version ${String(version)} is newer than this jade understands (${schemaVersion})`);
  }
  db.exec(ddl);
  db.pragma(`user_version = ${schemaVersion}`);
}

export function prepareStatements(db: Database): Statements {
  return {
    insert: db.prepare<InsertParams>(`INSERT INTO events (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
    lastRevision: db.prepare<[string], number | null>('SELECT MAX(revision) FROM events WHERE stream = ?').pluck(),
    lastPosition: db.prepare<[], number | null>('SELECT MAX(position) FROM events').pluck(),
    readAll: db.prepare<[number, number], EventRow>(`SELECT ${columns} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
    readForwards: db.prepare<[string, number, number], EventRow>(
      `SELECT ${columns} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
    ),
    readBackwards: db.prepare<[string, number, number], EventRow>(
      `SELECT ${columns} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    ),
  };
}

export function toRecorded(row: EventRow): RecordedEvent {
  return {
    position: row.position,
    stream: row.stream,
    revision: row.revision,
    type: row.type,
    // Written by this store from JSON.stringify of objects, so the shape holds.
    data: JSON.parse(row.data) as RecordedEvent['data'],
    metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
    recordedAt: row.recorded_at,
  };
}

/** SQLite reads a negative LIMIT as "no limit". */
export function sqlLimit(maxCount: number | undefined): number {
  return maxCount === undefined || !Number.isFinite(maxCount) ? -1 : Math.max(0, Math.floor(maxCount));
}
