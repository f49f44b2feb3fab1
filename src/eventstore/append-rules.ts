import type { JadeEvent } from '../events/index.js';
import { ConcurrencyError, type ExpectedRevision } from './port.js';

/** Rejects what no adapter can store, before anything is queued or sent. */
export function assertAppendable(stream: string, events: readonly JadeEvent[], expected: ExpectedRevision): void {
  if (typeof stream !== 'string' || stream === '') throw new TypeError('append needs a stream name');
  // A `$` prefix is EventStoreDB's system namespace; keeping it out everywhere keeps the adapters interchangeable.
  if (stream.startsWith('$')) throw new TypeError(`stream ${stream}: names starting with $ are reserved`);
  // An empty append has no position to report, and would hide a caller's bug.
  if (events.length === 0) throw new RangeError(`stream ${stream}: append needs at least one event`);
  if (typeof expected === 'number' && !(Number.isSafeInteger(expected) && expected >= 0)) {
    throw new RangeError(`stream ${stream}: expected revision must be any, no_stream or a revision >= 0, got ${expected}`);
  }
  for (const event of events) {
    if (typeof event.type !== 'string' || event.type === '') throw new TypeError(`stream ${stream}: every event needs a type`);
    if (event.type.startsWith('$')) throw new TypeError(`stream ${stream}: event types starting with $ are reserved`);
  }
}

/**
 * Throws the typed conflict when `expected` does not hold.
 * `current` is the stream's last revision, undefined when the stream does not exist.
 */
export function checkExpectedRevision(stream: string, expected: ExpectedRevision, current: number | undefined): void {
  if (expected === 'any') return;
  if (expected === 'no_stream' ? current === undefined : current === expected) return;
  throw new ConcurrencyError(stream, expected, current ?? 'no_stream');
}
