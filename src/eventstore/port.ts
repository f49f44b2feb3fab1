import type { JadeEvent, RecordedEvent } from '../events/index.js';

/**
 * Expected state of a stream before an append:
 * `any` skips the check, `no_stream` requires the stream not to exist,
 * a number requires the stream's last revision to be exactly that.
 */
export type ExpectedRevision = 'any' | 'no_stream' | number;

export interface AppendResult {
  /** Revision of the last appended event in its stream. */
  readonly nextExpectedRevision: number;
  /** Global position of the first and last appended events. */
  readonly firstPosition: number;
  readonly lastPosition: number;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; for backwards reads the highest revision to return. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Inclusive. Positions start at 1. */
  readonly fromPosition?: number;
  readonly maxCount?: number;
}

export interface SubscribeOptions {
  /** Deliver events with position strictly greater than this (0 = from the start). */
  readonly afterPosition: number;
  /** Called with consecutive batches, in log order; the next batch waits for the returned promise. */
  readonly onEvents: (events: readonly RecordedEvent[]) => Promise<void> | void;
  /** Called once if the subscription stops on an error (the handler's or the store's). */
  readonly onError?: (error: Error) => void;
  readonly batchSize?: number;
}

export interface Subscription {
  /** Stops delivery; resolves once no handler call is in flight. */
  close(): Promise<void>;
}

/** The one event-store contract every adapter honours (test/int/eventstore/contract.ts). */
export interface EventStore {
  append(stream: string, events: readonly JadeEvent[], expectedRevision?: ExpectedRevision): Promise<AppendResult>;
  /** Events of one stream; an unknown stream reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** The global log, forwards. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up from `afterPosition`, then live, with no gap and no duplicate at the switch. */
  subscribeToAll(options: SubscribeOptions): Subscription;
  /** Position of the last appended event, 0 when empty. */
  headPosition(): Promise<number>;
  close(): Promise<void>;
}

/** An append's expected revision did not match the stream. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

/** The store could not be reached or failed; the append did not happen (or its outcome is unknown). */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
}

/**
 * The leader's lease an append is made under: the fencing epoch this process holds now, or undefined when it
 * holds none. A store that supports fencing reads it when the append is made and checks it again inside the
 * append's transaction.
 */
export type LeaseEpoch = () => number | undefined;

/**
 * The append was made under a leader's lease that is no longer current (another node took the leadership,
 * or this one lost its lock): nothing was appended. Two leaders never both act on Asterisk or the dialer.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/** A store whose appends can be fenced by a leader's lease (PostgreSQL). */
export interface FenceableEventStore extends EventStore {
  /** The store as the holder of `lease` appends to it: each append refused once the lease is over. */
  fenced(lease: LeaseEpoch): EventStore;
}
