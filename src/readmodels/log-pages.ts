import type { RecordedEvent } from '../events/index.js';
import type { EventStore } from '../eventstore/port.js';

/**
 * Reads the log in pages from `after` up to `target` and hands each page over; returns the last position
 * handled. Pages bound the memory of a catch-up or a rebuild over a long log, and each is awaited before
 * the next is read, so a slow apply is never buried under pages read ahead.
 */
export async function readLogPages(
  store: Pick<EventStore, 'readAll'>,
  pageSize: number,
  after: number,
  target: number,
  apply: (events: readonly RecordedEvent[]) => Promise<void>,
): Promise<number> {
  let at = after;
  while (at < target) {
    const page = await store.readAll({ fromPosition: at + 1, maxCount: Math.min(pageSize, target - at) });
    const events = page.filter((event) => event.position <= target);
    if (events.length === 0) break;
    await apply(events);
    at = events[events.length - 1]!.position;
  }
  return at;
}
