import type { RecordedEvent } from '../events/index.js';
import type { LogFilter, LogSource } from '../eventstore/log-port.js';
import { redactData } from '../../projections/lib/redact.js';

/**
 * The log as a product feature (`GET /v1/events`, `jade events ...`): pages of filtered reads over the
 * log port (src/eventstore/log-port.ts), and the wire shape of one entry.
 */

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
