import { existsSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database, type Statement } from 'better-sqlite3';
import type { RecordedEvent } from '../../events/index.js';
import type { LogFilter, LogSource, ScanResult } from '../log-port.js';
import { SqliteEventStore } from './sqlite-event-store.js';
import { toRecorded, type EventRow } from './schema.js';

const columns = 'position, stream, revision, type, data, metadata, recorded_at';
/** Positions per SQL statement while scanning: large enough to amortise, small enough to stop early. */
const windowSize = 20_000;

/**
 * The log port (../log-port.ts) read straight from the SQLite event store's file, on a connection of its own opened
 * read-only. It never takes the data dir's lock (jade.lock): WAL mode lets readers run beside the
 * server's writer, so `jade events tail` works while a server holds the data dir, and the server's
 * own log API reads without going through the append queue. Filters run in SQL, so only matching
 * rows are parsed.
 */
export class SqliteLogSource implements LogSource {
  static open(dataDir: string): SqliteLogSource {
    const path = join(dataDir, SqliteEventStore.fileName);
    if (!existsSync(path)) throw new Error(`no event store at ${path}`);
    const db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    // The writer may hold a checkpoint lock for a moment; wait instead of failing the read.
    db.pragma('busy_timeout = 5000');
    return new SqliteLogSource(db);
  }

  private readonly statements = new Map<string, Statement<unknown[], EventRow>>();
  private readonly headStatement: Statement<[], number | null>;
  private readonly getStatement: Statement<[number], EventRow>;
  private readonly recordedAtStatement: Statement<[number], string | undefined>;

  private constructor(private readonly db: Database) {
    this.headStatement = db.prepare<[], number | null>('SELECT MAX(position) FROM events').pluck();
    this.getStatement = db.prepare<[number], EventRow>(`SELECT ${columns} FROM events WHERE position = ?`);
    this.recordedAtStatement = db.prepare<[number], string | undefined>('SELECT recorded_at FROM events WHERE position >= ? ORDER BY position LIMIT 1').pluck();
  }

  async head(): Promise<number> {
    return this.headStatement.get() ?? 0;
  }

  async get(position: number): Promise<RecordedEvent | undefined> {
    const row = this.getStatement.get(position);
    return row && toRecorded(row);
  }

  /**
   * recorded_at follows position (each append group takes one monotonic timestamp), so a time bound
   * is a position found by binary search over the primary key: ~20 point reads, no time index.
   * Should the clock have stepped back between two runs, the answer is still a position whose
   * neighbours bracket the time; the exact filter in `scan` keeps results inside the range.
   */
  async positionAt(timestamp: string): Promise<number> {
    return this.lastPosition((at) => at <= timestamp);
  }

  /** The last position whose recorded_at satisfies `earlyEnough` (true up to some position, false after), 0 if none. */
  private async lastPosition(earlyEnough: (recordedAt: string) => boolean): Promise<number> {
    let lo = 0;
    let hi = await this.head();
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const at = this.recordedAtStatement.get(mid);
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
    const { sql, params } = whereClause(filter);
    const events: RecordedEvent[] = [];
    if (filter.stream !== undefined) {
      // The (stream, revision) index finds a stream's events wherever they are: one statement, no budget.
      // Ordered by revision (= position order inside a stream) so SQLite walks that index, with no sort.
      const rows = this.statement(`stream:${sql}`, `SELECT ${columns} FROM events WHERE position BETWEEN ? AND ? AND ${sql} ORDER BY revision LIMIT ?`).all(start, end, ...params, limit);
      return { events: rows.map(toRecorded), resumeAt: null };
    }
    const statement = this.statement(`range:${sql}`, `SELECT ${columns} FROM events WHERE position BETWEEN ? AND ? AND ${sql} ORDER BY position LIMIT ?`);
    let at = start;
    while (at <= end && events.length < limit) {
      if (at - start >= budget) return { events, resumeAt: at };
      const windowEnd = Math.min(end, at + Math.min(windowSize, budget - (at - start)) - 1);
      for (const row of statement.all(at, windowEnd, ...params, limit - events.length)) events.push(toRecorded(row));
      at = windowEnd + 1;
    }
    return { events, resumeAt: null };
  }

  private statement(key: string, sql: string): Statement<unknown[], EventRow> {
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare<unknown[], EventRow>(sql);
      this.statements.set(key, statement);
    }
    return statement;
  }

  close(): void {
    this.db.close();
  }
}

function whereClause(filter: LogFilter): { sql: string; params: unknown[] } {
  const parts: string[] = ['1'];
  const params: unknown[] = [];
  if (filter.stream !== undefined) {
    parts.push('stream = ?');
    params.push(filter.stream);
  }
  if (filter.streamPrefix !== undefined) {
    parts.push('substr(stream, 1, ?) = ?');
    params.push(filter.streamPrefix.length, filter.streamPrefix);
  }
  if (filter.types !== undefined && filter.types.length > 0) {
    parts.push(`type IN (${filter.types.map(() => '?').join(', ')})`);
    params.push(...filter.types);
  }
  if (filter.since !== undefined) {
    parts.push('recorded_at >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    parts.push('recorded_at <= ?');
    params.push(filter.until);
  }
  return { sql: parts.join(' AND '), params };
}
