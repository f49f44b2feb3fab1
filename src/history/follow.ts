import type { RecordedEvent } from '../events/index.js';
import type { LogFilter, LogSource } from '../eventstore/log-port.js';

export interface FollowOptions {
  /** First position to deliver. */
  readonly from: number;
  /** Last position to deliver: read up to it (or the head) once and return (export). Without it, follow the log as it grows (tail). */
  readonly to?: number;
  readonly filter: LogFilter;
  /** Called with each batch of matches, in log order; the next read waits for it (backpressure). */
  readonly onEvents: (events: readonly RecordedEvent[]) => Promise<void> | void;
  /** How often to look for new events once caught up. */
  readonly pollMs?: number;
  /** Called after each read with the next position to read and the last one this pass reads to (progress). */
  readonly onScanned?: (next: number, end: number) => void;
  /** Stops following (tail) at the next poll. */
  readonly signal?: AbortSignal;
}

const batch = 1000;

/**
 * Reads the log from a position, in order, and (without `to`) keeps reading as it grows. Polling, not a
 * subscription: the reader may be another process than the writer (a CLI beside a server), which no
 * in-process head signal can wake. Returns the next position it would have read.
 */
export async function followLog(source: LogSource, options: FollowOptions): Promise<number> {
  let at = options.from;
  const pollMs = options.pollMs ?? 250;
  while (!options.signal?.aborted) {
    const head = await source.head();
    const end = Math.min(head, options.to ?? head);
    while (at <= end && !options.signal?.aborted) {
      const { events, resumeAt } = await source.scan(at, end, options.filter, batch, Number.MAX_SAFE_INTEGER);
      if (events.length > 0) await options.onEvents(events);
      // A full batch may have more after it; otherwise the scan examined the range to `end` (or `resumeAt`).
      at = events.length === batch ? events[events.length - 1]!.position + 1 : (resumeAt ?? end + 1);
      options.onScanned?.(at, end);
    }
    // An export reads what the log holds now, up to `to`; only a tail waits for more.
    if (options.to !== undefined) break;
    await sleep(pollMs, options.signal);
  }
  return at;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
