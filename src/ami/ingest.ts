import { amiEventTypes, streams, type AmiFields, type AmiSnapshotData, type AmiSnapshotFailedData, type JadeEvent } from '../events/index.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { AmiSessionInfo } from './connection.js';
import { callIdOf } from './event-table.js';
import { frameText } from './frame-parser.js';

export interface AmiIngestOptions {
  readonly store: Pick<EventStore, 'append'>;
  /** This Asterisk's name: `pbx-<node>` and `metadata.node`. */
  readonly node: string;
  readonly logger: Logger;
  /**
   * Appends issued without waiting for the earlier ones to finish. The store assigns positions in call order,
   * so this keeps arrival order while letting the SQLite adapter group concurrent appends into one commit.
   */
  readonly maxInFlight?: number;
  /** Queued events above which `onBackpressure(true)` asks the link to stop reading; below `lowWaterMark`, `false`. */
  readonly highWaterMark?: number;
  readonly lowWaterMark?: number;
  readonly onBackpressure?: (paused: boolean) => void;
  /** Backoff of the retry of a failed append. */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

export interface AmiIngestStats {
  /** Events handed to the ingest (AMI events, raw frames, and jade's own link events). */
  readonly received: number;
  readonly appended: number;
  /** Waiting to be sent to the store, or being retried. */
  readonly queued: number;
  readonly inFlight: number;
  /** Append attempts that failed and were retried. */
  readonly retries: number;
  /** Events appended after a later one because their first append failed (see `recover`). */
  readonly reordered: number;
}

interface Entry {
  /** Arrival order. */
  readonly seq: number;
  stream: string;
  event: JadeEvent;
  /** Already turned into a raw frame once because the store refused the original as unstorable. */
  fallback: boolean;
}

/** Errors the store raises for input it can never accept (append-rules.ts): retrying cannot help. */
function isUnstorable(error: unknown): boolean {
  return error instanceof TypeError || error instanceof RangeError;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Appends everything the AMI link delivers to the event store, in arrival order, without losing any of it.
 *
 * Ordering: appends are issued in arrival order without awaiting each other (positions follow call order).
 * Failure: the first failed append stops new appends; once the in-flight ones settle, the failed ones are
 * retried one by one in arrival order, with backoff, forever, then normal flow resumes. Appends that were in
 * flight *after* a failed one may already have succeeded, so the retried event lands after them: the port
 * offers no cross-stream transaction to prevent that. The window is at most `maxInFlight` events and only
 * opens when the store fails; it is counted (`stats().reordered`) and logged as an error with the arrival
 * sequence numbers, so an audit can tell. Memory stays bounded by backpressure on the socket.
 */
export class AmiIngest {
  private readonly store: Pick<EventStore, 'append'>;
  private readonly log: Logger;
  private readonly pbxStream: string;
  private readonly maxInFlight: number;
  private readonly highWaterMark: number;
  private readonly lowWaterMark: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;

  private queue: Entry[] = [];
  private head = 0;
  private inFlight = 0;
  private seq = 0;
  private recovering = false;
  /** Set at shutdown when the store never came back: the retry loop stops. */
  private abandoned = false;
  private failed: Entry[] = [];
  /** Failed entries of the current recovery not yet appended. */
  private retryingLeft = 0;
  /** Highest arrival number appended so far: a failed entry below it has been overtaken. */
  private maxAppendedSeq = 0;
  private paused = false;
  private round: string | undefined;
  private idleWaiters: Array<() => void> = [];
  private counters = { received: 0, appended: 0, retries: 0, reordered: 0 };

  constructor(private readonly options: AmiIngestOptions) {
    this.store = options.store;
    this.log = options.logger.child({ component: 'ami-ingest', node: options.node });
    this.pbxStream = streams.pbx(options.node);
    this.maxInFlight = options.maxInFlight ?? 4096;
    this.highWaterMark = options.highWaterMark ?? 200_000;
    this.lowWaterMark = options.lowWaterMark ?? Math.floor(this.highWaterMark / 2);
    this.retryInitialMs = options.retryInitialMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 5000;
  }

  /** An AMI event: to `call-<linked id>` when the event table finds one, else `pbx-<node>`. */
  event(fields: AmiFields, receivedAt: string): void {
    const type = fields.Event ?? '';
    if (type === '' || type.startsWith('$')) {
      // Not a name any store accepts as a type (`$` is EventStoreDB's): keep the frame, as raw.
      this.raw(frameText(fields), `unusable event name ${JSON.stringify(type)}`, receivedAt);
      return;
    }
    const data: Record<string, string> = Object.create(null) as Record<string, string>;
    let timestamp: string | undefined;
    for (const name in fields) {
      if (name === 'Event') continue;
      if (name === 'Timestamp') timestamp = fields[name];
      else data[name] = fields[name]!;
    }
    const callId = callIdOf(type, fields);
    this.enqueue(callId === undefined ? this.pbxStream : streams.call(callId), {
      type,
      data,
      metadata: timestamp === undefined ? { node: this.options.node, receivedAt } : { node: this.options.node, receivedAt, timestamp },
    });
  }

  /** A frame that could not be parsed or classified, verbatim. */
  raw(text: string, reason: string, receivedAt: string): void {
    this.enqueue(this.pbxStream, this.rawEvent(text, reason, receivedAt));
  }

  /** The link logged in; `round` names this connection's resync round. */
  connected(info: AmiSessionInfo, round: string): void {
    this.round = round;
    this.enqueue(this.pbxStream, {
      type: amiEventTypes.connected,
      data: { round, amiVersion: info.amiVersion, host: info.host, port: info.port },
      metadata: { node: this.options.node, receivedAt: info.connectedAt },
    });
  }

  disconnected(reason: string, at: string): void {
    const data: Record<string, unknown> = this.round === undefined ? { reason } : { reason, round: this.round };
    this.round = undefined;
    this.enqueue(this.pbxStream, { type: amiEventTypes.disconnected, data, metadata: { node: this.options.node, receivedAt: at } });
  }

  /** One resync action's result; call it while the frame that completed it is dispatched (socket order). */
  snapshot(data: AmiSnapshotData, receivedAt: string): void {
    this.enqueue(this.pbxStream, {
      type: amiEventTypes.snapshot,
      data: data as unknown as Record<string, unknown>,
      metadata: { node: this.options.node, receivedAt },
    });
  }

  snapshotFailed(failure: AmiSnapshotFailedData, at: string): void {
    this.enqueue(this.pbxStream, {
      type: amiEventTypes.snapshotFailed,
      data: failure as unknown as Record<string, unknown>,
      metadata: { node: this.options.node, receivedAt: at },
    });
  }

  stats(): AmiIngestStats {
    return { ...this.counters, queued: this.queue.length - this.head + this.failed.length + this.retryingLeft, inFlight: this.inFlight };
  }

  /** Resolves once everything received so far is in the store (or `timeoutMs` passed: resolves false). */
  flush(timeoutMs = Infinity): Promise<boolean> {
    if (this.idle()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.idleWaiters = this.idleWaiters.filter((w) => w !== waiter);
            resolve(false);
          }, timeoutMs)
        : undefined;
      this.idleWaiters.push(waiter);
    });
  }

  /**
   * Gives up retrying failed appends (shutdown with a store that stays down): the retry loop ends at its next
   * attempt, so no timer keeps the process alive and nothing writes to a closed store. What was not stored is counted.
   */
  abandon(): number {
    this.abandoned = true;
    return this.retryingLeft + this.failed.length;
  }

  private rawEvent(text: string, reason: string, receivedAt: string): JadeEvent {
    return { type: amiEventTypes.raw, data: { raw: text, reason }, metadata: { node: this.options.node, receivedAt } };
  }

  private enqueue(stream: string, event: JadeEvent): void {
    this.counters.received++;
    this.queue.push({ seq: ++this.seq, stream, event, fallback: false });
    if (!this.paused && this.queue.length - this.head >= this.highWaterMark) {
      this.paused = true;
      this.log.warn({ queued: this.queue.length - this.head }, 'event store is behind; pausing AMI reads');
      this.options.onBackpressure?.(true);
    }
    this.pump();
  }

  private idle(): boolean {
    return this.queue.length === this.head && this.inFlight === 0 && !this.recovering && this.failed.length === 0;
  }

  private pump(): void {
    while (!this.recovering && this.inFlight < this.maxInFlight && this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
      this.head++;
      this.issue(entry);
    }
    // Reclaim the consumed prefix now and then instead of shifting on every append.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.queue.length - this.head <= this.lowWaterMark) {
      this.paused = false;
      this.log.info('event store caught up; resuming AMI reads');
      this.options.onBackpressure?.(false);
    }
    if (this.idle() && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private issue(entry: Entry): void {
    this.inFlight++;
    this.store.append(entry.stream, [entry.event]).then(
      () => {
        this.inFlight--;
        this.appended(entry);
        this.settled();
      },
      (error: unknown) => {
        this.inFlight--;
        // One line per outage, not one per in-flight append (thousands when the store goes away).
        if (!this.recovering) this.log.error({ err: error, stream: entry.stream, type: entry.event.type, seq: entry.seq }, 'event store append failed; will retry in order');
        this.recovering = true;
        this.failed.push(entry);
        this.settled();
      },
    );
  }

  private appended(entry: Entry): void {
    this.counters.appended++;
    if (entry.seq > this.maxAppendedSeq) this.maxAppendedSeq = entry.seq;
  }

  private settled(): void {
    if (!this.recovering) this.pump();
    else if (this.inFlight === 0) void this.recover();
  }

  /** Retries the failed appends one at a time, oldest first, until each succeeds; then resumes the flow. */
  private async recover(): Promise<void> {
    const retry = this.failed.sort((a, b) => a.seq - b.seq);
    this.failed = [];
    const overtaken = retry.filter((entry) => entry.seq < this.maxAppendedSeq);
    if (overtaken.length > 0) {
      this.counters.reordered += overtaken.length;
      this.log.error(
        { seqs: overtaken.map((entry) => entry.seq), overtakenBy: this.maxAppendedSeq },
        'appends in flight behind a failed one succeeded first: these events will be stored after later ones',
      );
    }
    let delay = this.retryInitialMs;
    this.retryingLeft = retry.length;
    for (const entry of retry) {
      for (;;) {
        await sleep(delay);
        if (this.abandoned) return;
        try {
          await this.store.append(entry.stream, [entry.event]);
          this.appended(entry);
          this.retryingLeft--;
          break;
        } catch (error) {
          this.counters.retries++;
          if (isUnstorable(error) && !entry.fallback) {
            // The store will never take it as it is; keep its content as a raw frame rather than lose it.
            this.log.error({ err: error, type: entry.event.type }, 'event refused by the store; storing it as a raw frame');
            entry.event = this.rawEvent(JSON.stringify(entry.event), `not storable as is: ${String(error)}`, String(entry.event.metadata.receivedAt ?? ''));
            entry.stream = this.pbxStream;
            entry.fallback = true;
            continue;
          }
          delay = Math.min(delay * 2, this.retryMaxMs);
          this.log.error({ err: error, seq: entry.seq, retryInMs: delay }, 'event store append failed again; retrying');
        }
      }
      delay = this.retryInitialMs;
    }
    this.recovering = false;
    this.log.info({ retried: retry.length }, 'event store appends recovered');
    this.pump();
  }
}
