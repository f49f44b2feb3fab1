import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { EventMetadata, JadeEvent, RecordedEvent } from '../../events/index.js';
import { formatTimestamp } from '../../events/time.js';
import { assertAppendable } from '../append-rules.js';
import {
  ConcurrencyError,
  EventStoreUnavailableError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeOptions,
  type Subscription,
} from '../port.js';
import { SubscriptionSet } from '../pull-subscription.js';

/*
 * Positions on EventStoreDB.
 * Our `position` is the event's $all *commit position* as a Number. It is monotonic and unique per
 * event but NOT gap-free: it is a byte offset in the server's transaction log, so consecutive events
 * differ by their record size (and by system events, which are filtered out here). For events written
 * through gRPC appends (implicit transactions), the commit and prepare positions of an event are
 * equal, so the Number maps back to the server's {commit, prepare} pair exactly. Number is exact up
 * to 2^53 bytes (9 PB) of log.
 * Consequences for callers:
 *  - `readAll({fromPosition})` must get 1 (the start) or a position the store returned; `last + 1`
 *    is not an event boundary here. To page, fetch one event more and use its position as next.
 *  - `subscribeToAll({afterPosition})` takes a position the store returned (or 0).
 * The contract suite's gap-free assertions are switched off for this adapter (capability flag).
 *
 * Order: an EventStoreDB append touches one stream; concurrent appends over gRPC may commit in any
 * order. Jade's ingest relies on positions following append() call order, so appends go out one at a
 * time, in call order. That caps throughput at one round trip per append.
 */

export interface EsdbEventStoreOptions {
  /** An `esdb://` connection string. */
  readonly connectionString: string;
}

function toServerPosition(position: number): Position {
  const at = BigInt(position);
  return { commit: at, prepare: at };
}

function toServerExpected(expected: ExpectedRevision): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  return BigInt(expected);
}

function isSystem(stream: string, type: string): boolean {
  return stream.startsWith('$') || type.startsWith('$');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function decodePayload(value: unknown): Record<string, unknown> {
  if (isRecord(value)) return value;
  // Events jade did not write (binary, or JSON that is not an object) are kept, not dropped.
  if (value instanceof Uint8Array) return { binary: Buffer.from(value).toString('base64') };
  return value === undefined ? {} : { value };
}

type ServerEvent = NonNullable<ResolvedEvent['event']>;

function toRecorded(event: ServerEvent, fallbackPosition: bigint | undefined): RecordedEvent {
  const position = event.position?.commit ?? fallbackPosition;
  if (position === undefined) throw new Error(`event ${event.streamId}@${event.revision} came without a log position (EventStoreDB < 22.6?)`);
  return {
    position: Number(position),
    stream: event.streamId,
    revision: Number(event.revision),
    type: event.type,
    data: decodePayload(event.data),
    metadata: decodePayload(event.metadata) as EventMetadata,
    recordedAt: formatTimestamp(event.created),
  };
}

function fromAll(resolved: AllStreamResolvedEvent | ResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || isSystem(event.streamId, event.type)) return undefined;
  return toRecorded(event, resolved.commitPosition);
}

function isUnavailable(error: unknown): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError ||
    // Cluster discovery gives up with a plain Error before any gRPC call is made.
    (error instanceof Error && /discover/i.test(error.message))
  );
}

/** Maps the client's errors to the port's (exported for tests); anything else passes through unchanged. */
export function mapEsdbError(raw: unknown, append?: { stream: string; expected: ExpectedRevision }): Error {
  // Some calls reject with the raw gRPC error rather than the client's typed one.
  const error = raw instanceof Error ? convertToCommandError(raw) : raw;
  if (error instanceof WrongExpectedVersionError && append) {
    const actual = error.actualVersion;
    return new ConcurrencyError(append.stream, append.expected, actual === NO_STREAM ? 'no_stream' : Number(actual));
  }
  if (isUnavailable(error)) {
    return new EventStoreUnavailableError(`EventStoreDB: ${(error as Error).message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  /** The previous append's completion; each append starts after it so commits follow call order. */
  private appendTail: Promise<unknown> = Promise.resolve();
  private readonly subscriptions = new SubscriptionSet();

  constructor(options: EsdbEventStoreOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
  }

  append(stream: string, events: readonly JadeEvent[], expectedRevision: ExpectedRevision = 'any'): Promise<AppendResult> {
    try {
      assertAppendable(stream, events, expectedRevision);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const run = this.appendTail.then(() => this.appendNow(stream, events, expectedRevision));
    this.appendTail = run.catch(() => undefined);
    return run;
  }

  private async appendNow(stream: string, events: readonly JadeEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    let last: bigint;
    let writePosition: bigint | undefined;
    try {
      const result = await this.client.appendToStream(
        stream,
        events.map((event) => jsonEvent({ type: event.type, data: event.data, metadata: event.metadata })),
        { expectedRevision: toServerExpected(expected) },
      );
      last = result.nextExpectedRevision;
      writePosition = result.position?.commit;
    } catch (error) {
      throw mapEsdbError(error, { stream, expected });
    }
    const lastRevision = Number(last);
    const firstRevision = lastRevision - events.length + 1;
    // A one-event write's position is its event's; for more, the first event's is read back.
    if (events.length === 1 && writePosition !== undefined) {
      return { nextExpectedRevision: lastRevision, firstPosition: Number(writePosition), lastPosition: Number(writePosition) };
    }
    const [first] = await this.readStream(stream, { fromRevision: firstRevision, maxCount: 1 });
    const [final] = await this.readStream(stream, { direction: 'backwards', fromRevision: lastRevision, maxCount: 1 });
    if (!first || !final) throw new EventStoreUnavailableError(`EventStoreDB: stream ${stream} lost the events just appended`);
    return { nextExpectedRevision: lastRevision, firstPosition: first.position, lastPosition: final.position };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    if (options.maxCount === 0 || (backwards && options.fromRevision !== undefined && options.fromRevision < 0)) return [];
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(Math.max(0, options.fromRevision)),
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      });
      for await (const resolved of read) {
        if (resolved.event) out.push(toRecorded(resolved.event, resolved.commitPosition));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw mapEsdbError(error);
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? Number.POSITIVE_INFINITY;
    const out: RecordedEvent[] = [];
    if (maxCount <= 0) return out;
    const from = options.fromPosition ?? 1;
    try {
      // System events are filtered here, not by the server, so the read cannot stop at maxCount itself.
      const read = this.client.readAll({ direction: FORWARDS, fromPosition: from <= 1 ? START : toServerPosition(from) });
      for await (const resolved of read) {
        const event = fromAll(resolved);
        if (!event || event.position < from) continue;
        out.push(event);
        if (out.length >= maxCount) break;
      }
    } catch (error) {
      throw mapEsdbError(error);
    }
    return out;
  }

  async headPosition(): Promise<number> {
    try {
      for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END })) {
        const event = fromAll(resolved);
        if (event) return event.position;
      }
    } catch (error) {
      throw mapEsdbError(error);
    }
    return 0;
  }

  /** EventStoreDB's own catch-up subscription: it already switches to live without gap or duplicate. */
  subscribeToAll(options: SubscribeOptions): Subscription {
    const serverSubscription = this.client.subscribeToAll({
      fromPosition: options.afterPosition <= 0 ? START : toServerPosition(options.afterPosition),
      filter: excludeSystemEvents(),
    });
    let closed = false;
    const run = async (): Promise<void> => {
      // One event per batch: the client's stream hands events over singly.
      for await (const resolved of serverSubscription) {
        if (closed) return;
        const event = fromAll(resolved);
        if (event && event.position > options.afterPosition) await options.onEvents([event]);
      }
    };
    const done = run().catch((error: unknown) => {
      if (closed) return;
      closed = true;
      void serverSubscription.unsubscribe().catch(() => undefined);
      const failure = mapEsdbError(error);
      if (options.onError) options.onError(failure);
      else process.emitWarning(failure);
    });
    return this.subscriptions.add({
      close: async () => {
        if (closed) return done;
        closed = true;
        await serverSubscription.unsubscribe().catch(() => undefined);
        await done;
      },
    });
  }

  async close(): Promise<void> {
    await this.subscriptions.closeAll();
    await this.appendTail;
    await this.client.dispose();
  }
}
