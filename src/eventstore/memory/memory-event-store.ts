import type { JadeEvent, RecordedEvent } from '../../events/index.js';
import { nowTimestamp } from '../../events/time.js';
import { assertAppendable, checkExpectedRevision } from '../append-rules.js';
import {
  EventStoreUnavailableError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeOptions,
  type Subscription,
} from '../port.js';
import { HeadSignal, pullSubscription, SubscriptionSet } from '../pull-subscription.js';

/**
 * The event store in memory, for unit tests. Same contract as the durable adapters:
 * an append commits synchronously at call time, so positions follow call order.
 */
export class MemoryEventStore implements EventStore {
  /** Index 0 holds position 1. */
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly head = new HeadSignal(0);
  private readonly subscriptions = new SubscriptionSet();
  private closed = false;

  append(stream: string, events: readonly JadeEvent[], expectedRevision: ExpectedRevision = 'any'): Promise<AppendResult> {
    try {
      return Promise.resolve(this.commit(stream, events, expectedRevision));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private commit(stream: string, events: readonly JadeEvent[], expected: ExpectedRevision): AppendResult {
    if (this.closed) throw new EventStoreUnavailableError('event store is closed');
    assertAppendable(stream, events, expected);
    const existing = this.streams.get(stream) ?? [];
    const current = existing.length - 1;
    checkExpectedRevision(stream, expected, current < 0 ? undefined : current);
    const recordedAt = nowTimestamp();
    const firstPosition = this.log.length + 1;
    // Cloned so a caller mutating its objects afterwards cannot rewrite history (the durable stores serialize).
    const recorded = events.map(
      (event, index): RecordedEvent => ({
        type: event.type,
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata),
        position: firstPosition + index,
        stream,
        revision: current + 1 + index,
        recordedAt,
      }),
    );
    if (existing.length === 0) this.streams.set(stream, existing);
    // A loop, not push(...recorded): spreading a very large batch overflows the call stack.
    for (const event of recorded) {
      this.log.push(event);
      existing.push(event);
    }
    this.head.advance(this.log.length);
    return { nextExpectedRevision: current + events.length, firstPosition, lastPosition: this.log.length };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const events = this.streams.get(stream) ?? [];
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    if (options.direction === 'backwards') {
      const from = Math.min(options.fromRevision ?? events.length - 1, events.length - 1);
      return events.slice(Math.max(0, from + 1 - maxCount), from + 1).reverse().map(copy);
    }
    const from = Math.max(0, options.fromRevision ?? 0);
    return events.slice(from, from + maxCount).map(copy);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.page(options.fromPosition ?? 1, options.maxCount ?? Number.POSITIVE_INFINITY);
  }

  private page(fromPosition: number, maxCount: number): RecordedEvent[] {
    const from = Math.max(0, fromPosition - 1);
    return this.log.slice(from, from + maxCount).map(copy);
  }

  subscribeToAll(options: SubscribeOptions): Subscription {
    return this.subscriptions.add(pullSubscription(async (from, max) => this.page(from, max), this.head, options));
  }

  async headPosition(): Promise<number> {
    return this.head.position;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.subscriptions.closeAll();
  }
}

function copy(event: RecordedEvent): RecordedEvent {
  return { ...event, data: structuredClone(event.data), metadata: structuredClone(event.metadata) };
}
