import type { RecordedEvent } from '../../events/index.js';
import { createPool, type PgPool } from '../../postgres/connection.js';
import type { LogFilter, LogSource, ScanResult } from '../log-port.js';
import { columns, toRecorded, type EventRow } from './schema.js';

/** Positions per statement while scanning: large enough to amortise, small enough to stop early. */
const windowSize = 20_000;

/**
 * The log port (../log-port.ts) as SQL over the PostgreSQL `events` table, on a small pool of its own:
 * filters run in PostgreSQL, so only matching rows travel and are parsed, and a time bound is found by
 * binary search over the primary key (recorded_at never goes back along the log: the appender takes
 * the later of its clock and the last row's), as in the SQLite twin (../sqlite/sqlite-log-source.ts).
 */
export class PostgresLogSource implements LogSource {
  static open(connectionString: string): PostgresLogSource {
    return new PostgresLogSource(createPool({ connectionString, maxConnections: 2 }));
  }

  private constructor(private readonly pool: PgPool) {}

  async head(): Promise<number> {
    const { rows } = await this.pool.query<{ head: number }>('SELECT COALESCE(MAX(position), 0)::bigint AS head FROM events');
    return Number(rows[0]!.head);
  }

  async get(position: number): Promise<RecordedEvent | undefined> {
    const { rows } = await this.pool.query<EventRow>(`SELECT ${columns} FROM events WHERE position = $1`, [position]);
    return rows[0] && toRecorded(rows[0]);
  }

  async positionAt(timestamp: string): Promise<number> {
    return this.lastPosition((at) => at <= timestamp);
  }

  /** The last position whose recorded_at satisfies `earlyEnough` (true up to some position, false after), 0 if none. */
  private async lastPosition(earlyEnough: (recordedAt: string) => boolean): Promise<number> {
    let lo = 0;
    let hi = await this.head();
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const { rows } = await this.pool.query<{ recorded_at: string }>('SELECT recorded_at FROM events WHERE position >= $1 ORDER BY position LIMIT 1', [mid]);
      const at = rows[0]?.recorded_at;
      if (at !== undefined && earlyEnough(at)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  async scan(from: number, to: number, filter: LogFilter, limit: number, budget: number): Promise<ScanResult> {
    let start = from;
    let end = to;
    if (filter.since !== undefined) {
      const since = filter.since;
      start = Math.max(start, (await this.lastPosition((at) => at < since)) + 1);
    }
    if (filter.until !== undefined) end = Math.min(end, await this.positionAt(filter.until));
    const where = whereClause(filter, 3);
    if (filter.stream !== undefined) {
      // The (stream, revision) index finds a stream's events wherever they are: one statement, no budget.
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${columns} FROM events WHERE position BETWEEN $1 AND $2 AND ${where.sql} ORDER BY revision LIMIT $${where.next}`,
        [start, end, ...where.params, limit],
      );
      return { events: rows.map(toRecorded), resumeAt: null };
    }
    const events: RecordedEvent[] = [];
    let at = start;
    while (at <= end && events.length < limit) {
      if (at - start >= budget) return { events, resumeAt: at };
      const windowEnd = Math.min(end, at + Math.min(windowSize, budget - (at - start)) - 1);
      const { rows } = await this.pool.query<EventRow>(
        `SELECT ${columns} FROM events WHERE position BETWEEN $1 AND $2 AND ${where.sql} ORDER BY position LIMIT $${where.next}`,
        [at, windowEnd, ...where.params, limit - events.length],
      );
      for (const row of rows) events.push(toRecorded(row));
      at = windowEnd + 1;
    }
    return { events, resumeAt: null };
  }

  close(): void {
    void this.pool.end();
  }
}

/** The filter as SQL with numbered parameters from `$first`; `next` is the number after the last one. */
function whereClause(filter: LogFilter, first: number): { sql: string; params: unknown[]; next: number } {
  const parts: string[] = ['TRUE'];
  const params: unknown[] = [];
  const param = (value: unknown): string => `$${first + params.push(value) - 1}`;
  if (filter.stream !== undefined) parts.push(`stream = ${param(filter.stream)}`);
  if (filter.streamPrefix !== undefined) parts.push(`left(stream, ${param(filter.streamPrefix.length)}) = ${param(filter.streamPrefix)}`);
  if (filter.types !== undefined && filter.types.length > 0) parts.push(`type = ANY(${param([...filter.types])}::text[])`);
  if (filter.since !== undefined) parts.push(`recorded_at >= ${param(filter.since)}`);
  if (filter.until !== undefined) parts.push(`recorded_at <= ${param(filter.until)}`);
  return { sql: parts.join(' AND '), params, next: first + params.length };
}
