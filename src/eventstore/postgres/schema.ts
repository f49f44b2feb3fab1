import type { RecordedEvent } from '../../events/index.js';

/**
 * The PostgreSQL log: the same columns as the SQLite store's (sqlite/schema.ts), so tools and the log API
 * read both alike. `position` is assigned by the appender under the append lock (never a sequence: a
 * sequence hands out numbers outside transactions, so a rolled-back append would leave a hole, and two
 * appenders could commit out of number order). data/metadata are text holding JSON, written by this store
 * from JSON.stringify, so what is read back is byte for byte what was written.
 */
export const ddl = `
CREATE TABLE IF NOT EXISTS events (
  position bigint PRIMARY KEY,
  stream text NOT NULL,
  revision integer NOT NULL,
  type text NOT NULL,
  data text NOT NULL,
  metadata text NOT NULL,
  recorded_at text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_revision ON events (stream, revision);
CREATE TABLE IF NOT EXISTS jade_leadership (
  id integer PRIMARY KEY CHECK (id = 1),
  epoch bigint NOT NULL,
  node text NOT NULL,
  advertise_url text NOT NULL,
  since text NOT NULL
);
INSERT INTO jade_leadership (id, epoch, node, advertise_url, since) VALUES (1, 0, '', '', '') ON CONFLICT (id) DO NOTHING;
`;

/**
 * `jade_leadership` (one row): who leads the nodes sharing this database, where it answers, and the fencing
 * epoch it leads under. A node that takes the leadership lock increments the epoch under the append lock
 * (src/cluster/postgres-leadership.ts); every append made by a leader carries the epoch it was made under and
 * is refused inside its transaction when the row holds another one (PostgresEventStore.fenced).
 */
export const leadershipTable = 'jade_leadership';

/** The transaction-scoped advisory lock every append takes first: appends, across every process on the database, one at a time. */
export { appendLockKey } from '../../postgres/lock-keys.js';

/** The NOTIFY channel that carries the last committed position of each append transaction. */
export const notifyChannel = 'jade_events';

export const columns = 'position, stream, revision, type, data, metadata, recorded_at';

export interface EventRow {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly recorded_at: string;
}

export function toRecorded(row: EventRow): RecordedEvent {
  return {
    position: Number(row.position),
    stream: row.stream,
    revision: row.revision,
    type: row.type,
    data: JSON.parse(row.data) as RecordedEvent['data'],
    metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
    recordedAt: row.recorded_at,
  };
}

/** PostgreSQL reads `LIMIT NULL` as "no limit". */
export function sqlLimit(maxCount: number | undefined): number | null {
  return maxCount === undefined || !Number.isFinite(maxCount) ? null : Math.max(0, Math.floor(maxCount));
}
