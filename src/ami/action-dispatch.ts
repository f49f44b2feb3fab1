import { randomUUID } from 'node:crypto';
import type { AmiFields } from '../events/index.js';
import { encodeAction } from './action-encoder.js';
import { PendingActions, type FrameClaim } from './pending-actions.js';
import { AmiLinkLostError, AmiNotConnectedError, AmiTimeoutError, type ActionOptions, type AmiAction, type AmiListResult } from './port.js';

/**
 * Hooks called synchronously while the frame that settles the action is dispatched, before any later frame of
 * the socket is delivered: what they record lands at the exact point of the event sequence where Asterisk
 * answered. (A promise continuation runs too late: the rest of the chunk is dispatched first.)
 */
export interface InOrderOptions<T> extends ActionOptions {
  readonly onResult?: (result: T) => void;
  readonly onError?: (error: Error) => void;
}

/** Where an action is written: the logged-in session, if there is one. */
export interface ActionWriter {
  /** False when a written action would be lost: no session, not logged in, or a destroyed socket whose close is still pending. */
  canWrite(): boolean;
  write(text: string): void;
}

/** What a response frame was, for the connection to decide whether the audit keeps it. */
export interface ResponseRouting {
  readonly claim: FrameClaim;
  /** The timed-out action a late answer belongs to, when still remembered. */
  readonly lateFor: string | undefined;
}

/**
 * Sending actions and matching Asterisk's answers to them: ActionIDs, timeouts, the in-order hooks, and the
 * failure of everything pending when the link drops. Knows nothing of sockets or sessions beyond `ActionWriter`.
 */
export class ActionDispatch {
  private readonly pending = new PendingActions();
  private idCounter = 0;
  private readonly idPrefix = `jade-${randomUUID().slice(0, 8)}-`;

  constructor(private readonly defaultTimeoutMs: number) {}

  /** An action answered by one `Response` frame. */
  single(writer: ActionWriter, action: AmiAction, options: InOrderOptions<AmiFields>): Promise<AmiFields> {
    return this.request(writer, action, options, (id, name, settle) => this.pending.add(id, { kind: 'single', name, ...settle }));
  }

  /** A list action, collected into one result. */
  list(writer: ActionWriter, action: AmiAction, options: InOrderOptions<AmiListResult>): Promise<AmiListResult> {
    return this.request(writer, action, options, (id, name, settle) => this.pending.add(id, { kind: 'list', name, ...settle }));
  }

  /** A caller's action (a command, a resync): rejected at once when not writable, timed out, hooks in order. */
  private request<T>(
    writer: ActionWriter,
    action: AmiAction,
    options: InOrderOptions<T>,
    register: (actionId: string, name: string, settle: Settle<T>) => void,
  ): Promise<T> {
    let encoded;
    try {
      // Validation first: an unsafe value is the caller's mistake whether or not Asterisk is up.
      encoded = encodeAction(action, () => this.nextId());
    } catch (error) {
      return Promise.reject(error);
    }
    if (!writer.canWrite()) return Promise.reject(new AmiNotConnectedError());
    if (this.pending.has(encoded.actionId)) {
      return Promise.reject(new Error(`ActionID ${encoded.actionId} is already waiting for an answer`));
    }
    const { name, actionId, text } = encoded;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.abandon(actionId);
        const error = new AmiTimeoutError(name, timeoutMs);
        options.onError?.(error);
        reject(error);
      }, timeoutMs);
      register(actionId, name, {
        resolve: (value) => {
          clearTimeout(timer);
          options.onResult?.(value);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          options.onError?.(error);
          reject(error);
        },
      });
      writer.write(text);
    });
  }

  /**
   * One of the session's own actions (Login, Ping, Logoff): no timeout of its own (the session has its login
   * timer and keepalive), registered so its answer is recognised rather than stored as a stray response.
   */
  sendSessionAction(writer: Pick<ActionWriter, 'write'>, action: AmiAction, settle: Settle<AmiFields>): void {
    const encoded = encodeAction(action, () => this.nextId());
    this.pending.add(encoded.actionId, { kind: 'single', name: encoded.name, ...settle });
    writer.write(encoded.text);
  }

  /** A `Response` frame. */
  routeResponse(fields: AmiFields): ResponseRouting {
    const claim = this.pending.response(fields);
    const actionId = fields.ActionID;
    const lateFor = claim === 'claimed' || actionId === undefined ? undefined : this.pending.abandonedName(actionId);
    return { claim, lateFor };
  }

  /** An event frame that carries an ActionID. */
  routeEvent(fields: AmiFields): FrameClaim {
    return this.pending.event(fields);
  }

  /** The link dropped: everything pending was written (send() writes right after registering), so Asterisk may have acted on it. */
  linkLost(reason: string): void {
    this.pending.failAll((name) => new AmiLinkLostError(name, reason));
  }

  private nextId(): string {
    return `${this.idPrefix}${++this.idCounter}`;
  }
}

export interface Settle<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
}
