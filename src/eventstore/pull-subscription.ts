import type { RecordedEvent } from '../events/index.js';
import type { SubscribeOptions, Subscription } from './port.js';

/**
 * The last committed position, and a way to sleep until it moves.
 * In-process only: the adapters that use it are the sole writers of their log.
 */
export class HeadSignal {
  private readonly waiters = new Set<() => void>();

  constructor(private head: number) {}

  get position(): number {
    return this.head;
  }

  /** Call after the events up to `position` are committed and readable. */
  advance(position: number): void {
    if (position <= this.head) return;
    this.head = position;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** `ready` resolves once the head is beyond `position`, or on `cancel()`. */
  waitBeyond(position: number): { readonly ready: Promise<void>; cancel(): void } {
    if (this.head > position) return { ready: Promise.resolve(), cancel: () => {} };
    let wake!: () => void;
    const ready = new Promise<void>((resolve) => {
      wake = resolve;
    });
    this.waiters.add(wake);
    return {
      ready,
      cancel: () => {
        this.waiters.delete(wake);
        wake();
      },
    };
  }
}

export type PageReader = (fromPosition: number, maxCount: number) => Promise<readonly RecordedEvent[]>;

const defaultBatchSize = 500;

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Catch-up and live are one loop: read the next page after the last delivered position,
 * and when there is none, sleep until the head moves. Events committed while a page is being
 * delivered are simply on the next page, so the switch to live has no gap and no duplicate.
 * close() waits for the handler in flight, so a handler must not await its own subscription's close().
 */
export function pullSubscription(read: PageReader, head: HeadSignal, options: SubscribeOptions): Subscription {
  const batchSize = options.batchSize ?? defaultBatchSize;
  if (!(Number.isSafeInteger(batchSize) && batchSize > 0)) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  let closed = false;
  let cancelWait = (): void => {};

  const run = async (): Promise<void> => {
    let last = options.afterPosition;
    while (!closed) {
      // Taken before the read: anything committed after this wakes the wait below, anything before is in the page.
      const seenHead = head.position;
      const page = await read(last + 1, batchSize);
      if (closed) return;
      if (page.length === 0) {
        const wait = head.waitBeyond(seenHead);
        cancelWait = wait.cancel;
        await wait.ready;
        continue;
      }
      await options.onEvents(page);
      last = page[page.length - 1]!.position;
    }
  };

  const done = run().catch((error: unknown) => {
    if (closed) return;
    closed = true;
    const failure = asError(error);
    // Without onError a failed projection would stop silently; a warning at least reaches stderr.
    if (options.onError) options.onError(failure);
    else process.emitWarning(failure);
  });

  return {
    async close(): Promise<void> {
      closed = true;
      cancelWait();
      await done;
    },
  };
}

/** Tracks open subscriptions so a store's close() can stop them before releasing its resources. */
export class SubscriptionSet {
  private readonly open = new Set<Subscription>();

  get size(): number {
    return this.open.size;
  }

  add(subscription: Subscription): Subscription {
    const tracked: Subscription = {
      close: async () => {
        this.open.delete(tracked);
        await subscription.close();
      },
    };
    this.open.add(tracked);
    return tracked;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((subscription) => subscription.close()));
  }
}
