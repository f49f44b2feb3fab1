import type { RecordedEvent } from '../events/index.js';
import { redactData } from '../../projections/lib/redact.js';

/**
 * The log as a product feature (`GET /v1/events`, `jade events ...`): filtered, paged reads of the
 * global log. Two sources implement it: SQL over the SQLite file (sqlite-log.ts, the default store,
 * also opened read-only by the CLI beside a running server) and the event-store port for the others
 * (store-log.ts).
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

export interface LogQuery extends LogFilter {
  /** Inclusive; positions start at 1. */
  readonly fromPosition: number;
  /** Inclusive; default the head. */
  readonly toPosition?: number;
  readonly limit: number;
}

export interface LogPage {
  readonly events: RecordedEvent[];
  /** Where the next page starts (pass it as from_position); null when nothing follows. */
  readonly nextPosition: number | null;
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

/** Positions one log request may examine before answering with what it has and a `next_position`. */
export const scanBudget = 200_000;

/**
 * One page. A page may hold fewer than `limit` events (even none) with a non-null `nextPosition`
 * when the scan budget ran out: clients follow `next_position` until it is null.
 */
export async function queryLog(source: LogSource, query: LogQuery, budget = scanBudget): Promise<LogPage> {
  const head = await source.head();
  const from = Math.max(1, query.fromPosition);
  const to = Math.min(head, query.toPosition ?? head);
  if (from > to || query.limit <= 0) return { events: [], nextPosition: null };
  // One more than asked: it tells whether anything follows, and where the next page starts.
  const { events, resumeAt } = await source.scan(from, to, query, query.limit + 1, budget);
  if (events.length > query.limit) return { events: events.slice(0, query.limit), nextPosition: events[query.limit]!.position };
  return { events, nextPosition: resumeAt };
}

/** The wire shape of one log entry (ARCHITECTURE.md "Log API"), secrets masked. */
export interface WireEvent {
  readonly position: number;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: Record<string, unknown>;
  readonly recorded_at: string;
}

export function toWireEvent(event: RecordedEvent): WireEvent {
  return {
    position: event.position,
    stream: event.stream,
    revision: event.revision,
    type: event.type,
    data: redactData(event.data),
    metadata: redactData(event.metadata),
    recorded_at: event.recordedAt,
  };
}

/** In-memory twin of the SQL filter, for sources that read events first. */
export function matches(event: RecordedEvent, filter: LogFilter): boolean {
  if (filter.stream !== undefined && event.stream !== filter.stream) return false;
  if (filter.streamPrefix !== undefined && !event.stream.startsWith(filter.streamPrefix)) return false;
  if (filter.types !== undefined && filter.types.length > 0 && !filter.types.includes(event.type)) return false;
  if (filter.since !== undefined && event.recordedAt < filter.since) return false;
  if (filter.until !== undefined && event.recordedAt > filter.until) return false;
  return true;
}
