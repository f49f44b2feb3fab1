import type { RecordedEvent } from '../events/index.js';
import { matchesFilter, type LogFilter, type LogSource, type ScanResult } from './log-port.js';
import type { EventStore } from './port.js';

const pageSize = 2000;

/**
 * The log port (log-port.ts) over the event-store port, for the stores other than SQLite (memory in tests, EventStoreDB).
 * It reads pages and filters in memory; EventStoreDB's positions are not dense (a `readAll` must start at
 * a position the store returned), so it pages by "the event after the last one seen", never by arithmetic.
 */
export class StoreLogSource implements LogSource {
  constructor(private readonly store: EventStore) {}

  head(): Promise<number> {
    return this.store.headPosition();
  }

  async get(position: number): Promise<RecordedEvent | undefined> {
    try {
      const [event] = await this.store.readAll({ fromPosition: position, maxCount: 1 });
      return event?.position === position ? event : undefined;
    } catch {
      // EventStoreDB refuses a position that is not an event boundary: no such event.
      return undefined;
    }
  }

  async positionAt(timestamp: string): Promise<number> {
    let last = 0;
    for await (const page of this.pages(1, Number.MAX_SAFE_INTEGER)) {
      for (const event of page) {
        if (event.recordedAt > timestamp) return last;
        last = event.position;
      }
    }
    return last;
  }

  async scan(from: number, to: number, filter: LogFilter, limit: number, budget: number): Promise<ScanResult> {
    if (filter.stream !== undefined) {
      // One stream (a call's): the store reads it directly, whatever the size of the global log.
      const inStream = (await this.store.readStream(filter.stream)).filter((event) => event.position >= from && event.position <= to && matchesFilter(event, filter));
      return { events: inStream.slice(0, limit), resumeAt: null };
    }
    const events: RecordedEvent[] = [];
    let examined = 0;
    for await (const page of this.pages(from, to)) {
      for (const event of page) {
        if (examined >= budget) return { events, resumeAt: event.position };
        examined += 1;
        if (!matchesFilter(event, filter)) continue;
        events.push(event);
        if (events.length >= limit) return { events, resumeAt: null };
      }
    }
    return { events, resumeAt: null };
  }

  /** Pages of events with `from <= position <= to`. */
  private async *pages(from: number, to: number): AsyncGenerator<RecordedEvent[]> {
    let next = from;
    for (;;) {
      // One extra event names where the next page starts (positions may not be dense).
      const page = await this.store.readAll({ fromPosition: next, maxCount: pageSize + 1 });
      const inRange = page.slice(0, pageSize).filter((event) => event.position >= from && event.position <= to);
      if (inRange.length > 0) yield inRange;
      const following = page[pageSize];
      if (following === undefined || following.position > to) return;
      next = following.position;
    }
  }

  close(): void {
    // The store belongs to the server; nothing of its own to release.
  }
}
