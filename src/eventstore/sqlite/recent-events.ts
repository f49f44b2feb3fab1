import type { RecordedEvent } from '../../events/index.js';
import { toRecorded, type EventRow } from './schema.js';

/** What the store wrote for one event, as it wrote it: the row it inserted (data and metadata as their JSON text). */
export type WrittenRow = EventRow;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/**
 * The last committed events, decoded once and frozen, for the store's live subscriptions.
 *
 * Why: every live subscriber (projection runner, dialer, dialplans, auth directory, PJSIP refresh, config drift)
 * used to read each new page back from SQLite and JSON.parse it for itself: six reads and twelve parses per
 * event on the ingest path. Subscribers that keep up now share one decoded copy (frozen, so no subscriber can
 * change what another one sees); one that falls behind the window reads SQLite as before.
 * Contiguous by construction: rows are added only after their commit, in position order, and a failed write
 * empties the window (the file, not this memory, says what is committed then).
 */
export class RecentEvents {
  private events: RecordedEvent[] = [];

  constructor(private readonly capacity: number) {}

  /** After a commit: the rows it wrote, in position order. */
  committed(rows: readonly WrittenRow[]): void {
    if (rows.length === 0) return;
    const first = rows[0]!.position;
    const last = this.events[this.events.length - 1];
    if (last !== undefined && last.position + 1 !== first) this.events = [];
    for (const row of rows) {
      this.events.push(deepFreeze(toRecorded(row)));
    }
    // Trimmed in steps, so the copy is amortised over `capacity` commits' worth of events.
    if (this.events.length > 2 * this.capacity) this.events = this.events.slice(this.events.length - this.capacity);
  }

  clear(): void {
    this.events = [];
  }

  /** Events from `fromPosition` on (at most `maxCount`), or undefined when the window does not start early enough. */
  page(fromPosition: number, maxCount: number): RecordedEvent[] | undefined {
    const first = this.events[0];
    if (first === undefined || fromPosition < first.position) return undefined;
    const offset = fromPosition - first.position;
    if (offset > this.events.length) return undefined;
    return this.events.slice(offset, offset + maxCount);
  }
}
