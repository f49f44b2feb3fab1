import type { RecordedEvent } from '../events/index.js';

/**
 * The second port onto the log, beside the event store's (port.ts): filtered reads of the global log
 * for the log API (`GET /v1/events`, `jade events ...`) and point-in-time reads. Two adapters implement it:
 * SQL over the SQLite file (sqlite/sqlite-log-source.ts, also opened read-only by the CLI beside a
 * running server) and the event-store port for the other stores (store-log-source.ts).
 */

export interface LogFilter {
  readonly stream?: string;
  readonly streamPrefix?: string;
  /** Any of these event types. */
  readonly types?: readonly string[];
  /** `recorded_at` bounds, inclusive, as canonical API timestamps (9 fraction digits, so text order = time order). */
  readonly since?: string;
  readonly until?: string;
}

export interface ScanResult {
  /** Matches in log order, at most the `limit` asked for. */
  readonly events: RecordedEvent[];
  /** The first position not examined, or null when the range was examined to its end. */
  readonly resumeAt: number | null;
}

export interface LogSource {
  /** The last position, 0 when empty. */
  head(): Promise<number>;
  get(position: number): Promise<RecordedEvent | undefined>;
  /**
   * Matches with `from <= position <= to`, in order, at most `limit`; examines at most about `budget`
   * positions, so one request never reads the whole log for a filter that matches little.
   */
  scan(from: number, to: number, filter: LogFilter, limit: number, budget: number): Promise<ScanResult>;
  /** The last position recorded at or before `timestamp` (canonical), 0 if none: a point-in-time read's target. */
  positionAt(timestamp: string): Promise<number>;
  close(): void;
}

/** In-memory twin of the SQL filter, for adapters that read events first. */
export function matchesFilter(event: RecordedEvent, filter: LogFilter): boolean {
  if (filter.stream !== undefined && event.stream !== filter.stream) return false;
  if (filter.streamPrefix !== undefined && !event.stream.startsWith(filter.streamPrefix)) return false;
  if (filter.types !== undefined && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  if (filter.since !== undefined && event.recordedAt < filter.since) return false;
  if (filter.until !== undefined && event.recordedAt > filter.until) return false;
  return true;
}
