import type { Positioned } from './window.js';

/** An event as published: its payload serialised once, at publish time, for every client and every resume. */
export interface PublishedEvent extends Positioned {
  readonly position: number;
  readonly topic: string;
  readonly event: string;
  /** `JSON.stringify(data)`. */
  readonly dataJson: string;
  /** Only these users may receive it (RealtimeEvent `audience`); absent: any matching subscriber. */
  readonly audience?: readonly string[];
}

/** May this user receive the event? (Its audience, when it has one.) */
export const visibleTo = (event: PublishedEvent, userUuid: string): boolean => event.audience === undefined || event.audience.includes(userUuid);

/** Turns a batch into one transport's wire form. Identity matters: it is the memo key. */
export type Encoder<T> = (events: readonly PublishedEvent[]) => T;

/**
 * Events that go out together, to every client of a subscription group. Each transport's encoding is
 * computed on first use and reused for every other client: encoding per client is what made fan-out
 * cost one full serialisation per subscriber (issue 4, item 4).
 */
export class Batch {
  private readonly encodings = new Map<Encoder<unknown>, unknown>();

  constructor(readonly events: readonly PublishedEvent[]) {}

  get size(): number {
    return this.events.length;
  }

  encoded<T>(encoder: Encoder<T>): T {
    if (this.encodings.has(encoder)) return this.encodings.get(encoder) as T;
    const value = encoder(this.events);
    this.encodings.set(encoder, value);
    return value;
  }
}

/**
 * Splits events into runs of about `max`, never splitting one log position: a client records the last
 * position it saw, and resumes after it, so it must never have seen only part of a position.
 */
export function chunkAtPositions<E extends Positioned>(events: readonly E[], max: number): E[][] {
  if (events.length <= max) return events.length === 0 ? [] : [events as E[]];
  const chunks: E[][] = [];
  let current: E[] = [];
  for (const event of events) {
    if (current.length >= max && current[current.length - 1]!.position !== event.position) {
      chunks.push(current);
      current = [];
    }
    current.push(event);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
