/**
 * The resume window: the last N published events, by log position, so a client that reconnects with
 * the last position it saw gets what it missed (ARCHITECTURE.md, "Realtime contract").
 *
 * A ring buffer: pushing is O(1) and never reallocates once full; finding where a resume starts is a
 * binary search (positions never decrease: the feed is in log order, and a rebuild's corrections carry
 * the position the read models had reached).
 */

export interface Positioned {
  readonly position: number;
}

export type Since<E> =
  | { readonly ok: true; readonly events: readonly E[] }
  | { readonly ok: false; readonly reason: 'expired' | 'ahead' };

export class ResumeWindow<E extends Positioned> {
  private readonly ring: E[] = [];
  private start = 0;
  private size = 0;
  /** Every event after this position is still here (or was never published). */
  private floor: number;
  /** The position the read models have reached (with or without changes). */
  private head: number;

  /** `startPosition`: where the feed starts; events up to it were never seen by this window. */
  constructor(
    private readonly capacity: number,
    startPosition: number,
  ) {
    this.floor = startPosition;
    this.head = startPosition;
  }

  get length(): number {
    return this.size;
  }

  /** The oldest position a client can resume from. */
  get oldestResumable(): number {
    return this.floor;
  }

  get headPosition(): number {
    return this.head;
  }

  /** The read models reached `position` (commits without changes count too). */
  advance(position: number): void {
    if (position > this.head) this.head = position;
  }

  push(event: E): void {
    this.advance(event.position);
    if (this.capacity === 0) {
      this.floor = Math.max(this.floor, event.position);
      return;
    }
    if (this.size < this.capacity) {
      this.ring.push(event);
      this.size++;
      return;
    }
    // Full: the oldest goes, and with it the ability to resume from before its position. A client that
    // saw that position whole (the claim a position makes) still resumes exactly from it.
    const evicted = this.ring[this.start]!;
    this.floor = Math.max(this.floor, evicted.position);
    this.ring[this.start] = event;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The retained events after `position` that `keep` accepts, oldest first; not ok when the window cannot answer exactly. */
  since(position: number, keep: (event: E) => boolean = () => true): Since<E> {
    if (position < this.floor) return { ok: false, reason: 'expired' };
    // A position this server never reached: another server's, or a log that was reset. Guessing would lose events.
    if (position > this.head) return { ok: false, reason: 'ahead' };
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.at(mid).position <= position) low = mid + 1;
      else high = mid;
    }
    const events: E[] = [];
    for (let i = low; i < this.size; i++) {
      const event = this.at(i);
      if (keep(event)) events.push(event);
    }
    return { ok: true, events };
  }

  private at(index: number): E {
    return this.ring[(this.start + index) % this.ring.length]!;
  }
}
