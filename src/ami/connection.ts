import type { AmiNodeConfig } from '../config.js';
import type { AmiFields } from '../events/index.js';
import type { Logger } from '../logger.js';
import { nowTimestamp } from '../events/time.js';
import { ActionDispatch, type ActionWriter, type InOrderOptions } from './action-dispatch.js';
import * as amiActions from './actions.js';
import { frameText, splitRepeated, type AmiFrame } from './frame-parser.js';
import { AmiUnsafeValueError, isAmiSafe, type AmiCommandResult, type AmiConnectionState, type AmiGateway, type AmiListResult, type AmiAction } from './port.js';
import { reconnectDelay } from './reconnect-delay.js';
import { AmiSession, type SessionEnding } from './session.js';

/** A box's link settings as configured (its `node` names streams, not the link), plus what tests replace. */
export interface AmiConnectionOptions extends Omit<AmiNodeConfig, 'node'> {
  readonly logger: Logger;
  /** Jitter source, replaceable in tests. */
  readonly random?: () => number;
}

/** What the link knows about the Asterisk it logged in to. */
export interface AmiSessionInfo {
  /** From the `Asterisk Call Manager/x.y.z` greeting. */
  readonly amiVersion: string;
  readonly host: string;
  readonly port: number;
  readonly connectedAt: string;
}

/**
 * Receives what arrives on the link, synchronously and in socket order (the ingest relies on this order).
 * Frames that answer an action (responses, list items, `...Complete`) are not passed here.
 */
export interface AmiLinkListener {
  /** Logged in; called before any frame that followed the login response is delivered. */
  connected(info: AmiSessionInfo): void;
  event(fields: AmiFields, receivedAt: string): void;
  /** A frame that is not a well-formed event and answers no pending action, verbatim. */
  raw(text: string, reason: string, receivedAt: string): void;
  /** The logged-in link ended (once per connected session). */
  disconnected(reason: string, at: string): void;
}

/** A `Command` answer: Asterisk 22 sends each output line as its own `Output:` header. */
function commandResult(response: AmiFields): AmiCommandResult {
  const { Output: output, ...rest } = response;
  return { response: rest, output: splitRepeated(output) };
}

/** Between sessions: every action is refused as never sent. */
const noSession: ActionWriter = { canWrite: () => false, write: () => undefined };

/**
 * The AMI link: one session at a time (session.ts: socket, login, keepalive), reconnect forever with capped
 * exponential backoff, the routing of what arrives (answers to action-dispatch.ts, the rest to the listener),
 * and the `AmiGateway` action API. Implemented on `node:net` with jade's own frame parser instead of asterisk-ami-client: the
 * library's parser is ~20x slower than ingest needs, keeps only the last of repeated headers (every `Output:`
 * line but one is lost), drops frames that share a TCP chunk with the login response, has no EventList
 * collection, does not validate values and detects no dead link (see the commit message and bench/ami-ingest.ts).
 */
export class AmiConnection implements AmiGateway {
  private readonly dispatch: ActionDispatch;
  private readonly log: Logger;
  private readonly random: () => number;
  private listener: AmiLinkListener | undefined;
  private session: AmiSession | undefined;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private since: string | null = null;
  private lastEventAt: string | null = null;
  private readingPaused = false;
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: AmiConnectionOptions) {
    // Checked once here: an unsafe credential is a configuration error, not something to retry forever.
    if (!isAmiSafe(options.username)) throw new AmiUnsafeValueError('ami.username');
    if (!isAmiSafe(options.secret)) throw new AmiUnsafeValueError('ami.secret');
    this.log = options.logger.child({ component: 'ami', host: options.host, port: options.port });
    this.random = options.random ?? Math.random;
    this.dispatch = new ActionDispatch(options.actionTimeoutMs);
  }

  /** One listener (the ingest). Set it before `start()` so no frame is missed. */
  listen(listener: AmiLinkListener): void {
    this.listener = listener;
  }

  /** Starts connecting in the background; returns at once (jade serves while it waits for Asterisk). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = undefined;
    this.connect();
  }

  /** Logs off and closes; no reconnect afterwards. Resolves once the socket is closed. */
  stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const session = this.session;
    if (session === undefined || session.isClosed) return Promise.resolve();
    this.stopped ??= session.end();
    return this.stopped;
  }

  state(): AmiConnectionState {
    return { connected: this.session?.isUp ?? false, since: this.since, lastEventAt: this.lastEventAt };
  }

  /** Stops reading the socket (ingest backpressure): Asterisk buffers, then drops us, and resync reconciles. */
  pauseReading(): void {
    this.readingPaused = true;
    this.session?.pauseReading();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.session?.resumeReading();
  }

  action(action: AmiAction, options: InOrderOptions<AmiFields> = {}): Promise<AmiFields> {
    return this.dispatch.single(this.session ?? noSession, action, options);
  }

  listAction(action: AmiAction, options: InOrderOptions<AmiListResult> = {}): Promise<AmiListResult> {
    return this.dispatch.list(this.session ?? noSession, action, options);
  }

  command(command: string, options: InOrderOptions<AmiCommandResult> = {}): Promise<AmiCommandResult> {
    const onResult = options.onResult;
    return this.action(amiActions.command({ command }), {
      timeoutMs: options.timeoutMs,
      onResult: onResult && ((response) => onResult(commandResult(response))),
      onError: options.onError,
    }).then(commandResult);
  }

  private connect(): void {
    const { host, port, username, secret, keepaliveMs, actionTimeoutMs } = this.options;
    this.session = new AmiSession(
      { host, port, username, secret, keepaliveMs, loginTimeoutMs: actionTimeoutMs, readingPaused: this.readingPaused, log: this.log, dispatch: this.dispatch },
      {
        frame: (frame, receivedAt) => this.route(frame, receivedAt),
        up: (session) => this.loggedIn(session),
        closed: (session, ending) => this.onClose(session, ending),
      },
    );
  }

  private route(frame: AmiFrame, receivedAt: string): void {
    switch (frame.kind) {
      case 'greeting':
        // The session's own business; one left in the parser at close means nothing.
        return;
      case 'malformed':
        this.log.warn({ reason: frame.reason, bytes: frame.raw.length }, 'malformed AMI frame, stored raw');
        this.listener?.raw(frame.raw, frame.reason, receivedAt);
        return;
      case 'response':
        this.onResponse(frame.fields, receivedAt);
        return;
      case 'event':
        this.onEvent(frame.fields, receivedAt);
        return;
    }
  }

  private onResponse(fields: AmiFields, receivedAt: string): void {
    const { claim, lateFor } = this.dispatch.routeResponse(fields);
    if (claim === 'claimed') return;
    // A late answer (its action timed out) or a stray one still says what Asterisk did: keep it for the audit.
    const actionId = fields.ActionID;
    const reason = claim === 'late' ? `answer to ${lateFor ?? 'an action'} (ActionID ${actionId ?? ''}) after it timed out` : 'response to no pending action';
    this.log.warn({ actionId, response: fields.Response, message: fields.Message }, reason);
    this.listener?.raw(frameText(fields), reason, receivedAt);
  }

  private onEvent(fields: AmiFields, receivedAt: string): void {
    this.lastEventAt = receivedAt;
    if (fields.ActionID !== undefined) {
      const claim = this.dispatch.routeEvent(fields);
      if (claim === 'claimed') return;
      if (claim === 'late') {
        // Items of a list that timed out: a query's answer nobody reads, not something that happened.
        this.log.debug({ actionId: fields.ActionID, event: fields.Event }, 'dropped item of a timed-out list action');
        return;
      }
    }
    this.listener?.event(fields, receivedAt);
  }

  private loggedIn(session: AmiSession): void {
    this.attempt = 0;
    const connectedAt = nowTimestamp();
    this.since = connectedAt;
    this.log.info({ amiVersion: session.amiVersion, username: this.options.username }, 'AMI connected');
    this.listener?.connected({ amiVersion: session.amiVersion, host: this.options.host, port: this.options.port, connectedAt });
  }

  private onClose(session: AmiSession, { wasUp, reason, at, leftover }: SessionEnding): void {
    if (this.session === session) this.session = undefined;
    for (const frame of leftover) this.route(frame, at);
    this.dispatch.linkLost(reason);

    if (wasUp) {
      this.since = at;
      this.log.warn({ reason }, 'AMI disconnected');
      this.listener?.disconnected(reason, at);
    } else {
      this.since ??= at;
    }
    if (this.running) this.scheduleReconnect(wasUp, reason);
  }

  private scheduleReconnect(wasUp: boolean, reason: string): void {
    const delay = reconnectDelay(this.attempt, this.options.reconnectInitialMs, this.options.reconnectMaxMs, this.random);
    this.attempt++;
    const logged = { reason, attempt: this.attempt, retryInMs: delay };
    // Waiting is normal (Asterisk not up yet): say so at the first failure and now and then, not every attempt.
    if (wasUp || this.attempt === 1) this.log.info(logged, 'waiting for Asterisk AMI');
    else if (this.attempt % 20 === 0) this.log.info(logged, 'still waiting for Asterisk AMI');
    else this.log.debug(logged, 'AMI connect attempt failed');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.running) this.connect();
    }, delay);
  }
}
