import { randomUUID } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import type { AmiFields } from '../events/index.js';
import type { Logger } from '../logger.js';
import { nowTimestamp } from '../events/time.js';
import { encodeAction } from './action-encoder.js';
import { AmiFrameParser, frameText, splitRepeated, type AmiFrame } from './frame-parser.js';
import { PendingActions, type FrameClaim } from './pending-actions.js';
import {
  AmiLinkLostError,
  AmiNotConnectedError,
  AmiTimeoutError,
  AmiUnsafeValueError,
  isAmiSafe,
  type ActionOptions,
  type AmiAction,
  type AmiCommandResult,
  type AmiConnectionState,
  type AmiGateway,
  type AmiListResult,
} from './port.js';

export interface AmiConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  /** A Ping goes out this often; no answer before the next one means the link is dead. */
  readonly keepaliveMs: number;
  readonly actionTimeoutMs: number;
  readonly reconnectInitialMs: number;
  readonly reconnectMaxMs: number;
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

/**
 * Hooks called synchronously while the frame that settles the action is dispatched, before any later frame of
 * the socket is delivered: what they record lands at the exact point of the event sequence where Asterisk
 * answered. (A promise continuation runs too late: the rest of the chunk is dispatched first.)
 */
export interface InOrderOptions<T> extends ActionOptions {
  readonly onResult?: (result: T) => void;
  readonly onError?: (error: Error) => void;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): doubling from `initialMs`, capped at `maxMs`, with "equal
 * jitter" (half fixed, half random) so many jade instances restarting together do not hammer Asterisk in step,
 * while the delay never exceeds the cap.
 */
export function reconnectDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

type Phase = 'greeting' | 'login' | 'up' | 'closed';

/** One TCP connection attempt and, if login succeeds, the session on it. */
interface Session {
  readonly socket: Socket;
  readonly parser: AmiFrameParser;
  phase: Phase;
  amiVersion: string;
  closeReason: string | undefined;
  loginTimer: NodeJS.Timeout | undefined;
  keepaliveTimer: NodeJS.Timeout | undefined;
  pingOutstanding: boolean;
  /** Bytes arrived since the last keepalive tick: a link that delivers is alive, whatever its Pong's place in the backlog. */
  receivedSinceTick: boolean;
}

/** A `Command` answer: Asterisk 22 sends each output line as its own `Output:` header. */
function commandResult(response: AmiFields): AmiCommandResult {
  const { Output: output, ...rest } = response;
  return { response: rest, output: splitRepeated(output) };
}

/**
 * The AMI link: login, keepalive, reconnect forever with capped exponential backoff, and the `AmiGateway`
 * action API. Implemented on `node:net` with jade's own frame parser instead of asterisk-ami-client: the
 * library's parser is ~20x slower than ingest needs, keeps only the last of repeated headers (every `Output:`
 * line but one is lost), drops frames that share a TCP chunk with the login response, has no EventList
 * collection, does not validate values and detects no dead link (see the commit message and bench/ami-ingest.ts).
 */
export class AmiConnection implements AmiGateway {
  private readonly pending = new PendingActions();
  private readonly log: Logger;
  private readonly random: () => number;
  private listener: AmiLinkListener | undefined;
  private session: Session | undefined;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private since: string | null = null;
  private lastEventAt: string | null = null;
  private readingPaused = false;
  private stopped: Promise<void> | undefined;
  private idCounter = 0;
  private readonly idPrefix = `jade-${randomUUID().slice(0, 8)}-`;

  constructor(private readonly options: AmiConnectionOptions) {
    // Checked once here: an unsafe credential is a configuration error, not something to retry forever.
    if (!isAmiSafe(options.username)) throw new AmiUnsafeValueError('ami.username');
    if (!isAmiSafe(options.secret)) throw new AmiUnsafeValueError('ami.secret');
    this.log = options.logger.child({ component: 'ami', host: options.host, port: options.port });
    this.random = options.random ?? Math.random;
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
    if (session === undefined || session.phase === 'closed') return Promise.resolve();
    this.stopped ??= new Promise<void>((resolve) => {
      session.socket.once('close', () => resolve());
      session.closeReason ??= 'stopped';
      if (session.phase === 'up') {
        // Polite logoff, but do not wait on Asterisk for it: the socket is destroyed shortly after regardless.
        // Registered so its `Response: Goodbye` is recognised rather than stored as a stray answer.
        const logoff = encodeAction({ Action: 'Logoff' }, () => this.nextId());
        this.pending.add(logoff.actionId, { kind: 'single', name: 'Logoff', resolve: () => undefined, reject: () => undefined });
        session.socket.write(logoff.text);
        session.socket.end();
        setTimeout(() => session.socket.destroy(), 500).unref();
      } else {
        session.socket.destroy();
      }
    });
    return this.stopped;
  }

  state(): AmiConnectionState {
    return { connected: this.session?.phase === 'up', since: this.since, lastEventAt: this.lastEventAt };
  }

  /** Stops reading the socket (ingest backpressure): Asterisk buffers, then drops us, and resync reconciles. */
  pauseReading(): void {
    this.readingPaused = true;
    this.session?.socket.pause();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.session?.socket.resume();
  }

  action(action: AmiAction, options: InOrderOptions<AmiFields> = {}): Promise<AmiFields> {
    return this.request(action, options, (id, name, resolve, reject) =>
      this.pending.add(id, { kind: 'single', name, resolve, reject }),
    );
  }

  listAction(action: AmiAction, options: InOrderOptions<AmiListResult> = {}): Promise<AmiListResult> {
    return this.request(action, options, (id, name, resolve, reject) =>
      this.pending.add(id, { kind: 'list', name, resolve, reject }),
    );
  }

  command(command: string, options: InOrderOptions<AmiCommandResult> = {}): Promise<AmiCommandResult> {
    const onResult = options.onResult;
    return this.action(
      { Action: 'Command', Command: command },
      { timeoutMs: options.timeoutMs, onResult: onResult && ((response) => onResult(commandResult(response))), onError: options.onError },
    ).then(commandResult);
  }

  private request<T>(
    action: AmiAction,
    options: InOrderOptions<T>,
    register: (actionId: string, name: string, resolve: (value: T) => void, reject: (error: Error) => void) => void,
  ): Promise<T> {
    let encoded;
    try {
      // Validation first: an unsafe value is the caller's mistake whether or not Asterisk is up.
      encoded = encodeAction(action, () => this.nextId());
    } catch (error) {
      return Promise.reject(error);
    }
    const session = this.session;
    // A destroyed socket whose close event is still pending would swallow the write: that action was never sent.
    if (session === undefined || session.phase !== 'up' || session.socket.destroyed || !session.socket.writable) return Promise.reject(new AmiNotConnectedError());
    if (this.pending.has(encoded.actionId)) {
      return Promise.reject(new Error(`ActionID ${encoded.actionId} is already waiting for an answer`));
    }
    const { name, actionId, text } = encoded;
    const timeoutMs = options.timeoutMs ?? this.options.actionTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.abandon(actionId);
        const error = new AmiTimeoutError(name, timeoutMs);
        options.onError?.(error);
        reject(error);
      }, timeoutMs);
      register(
        actionId,
        name,
        (value) => {
          clearTimeout(timer);
          options.onResult?.(value);
          resolve(value);
        },
        (error) => {
          clearTimeout(timer);
          options.onError?.(error);
          reject(error);
        },
      );
      session.socket.write(text);
    });
  }

  private nextId(): string {
    return `${this.idPrefix}${++this.idCounter}`;
  }

  private connect(): void {
    const { host, port } = this.options;
    const socket = createConnection({ host, port });
    socket.setNoDelay(true);
    const session: Session = {
      socket,
      parser: new AmiFrameParser(),
      phase: 'greeting',
      amiVersion: '',
      closeReason: undefined,
      loginTimer: undefined,
      keepaliveTimer: undefined,
      pingOutstanding: false,
      receivedSinceTick: false,
    };
    this.session = session;
    if (this.readingPaused) socket.pause();
    // Covers TCP connect, greeting and login: a port that accepts but never speaks AMI must not hang us.
    session.loginTimer = setTimeout(
      () => this.fail(session, `not logged in within ${this.options.actionTimeoutMs} ms (greeting or login answer missing)`),
      this.options.actionTimeoutMs,
    );
    socket.on('data', (chunk: Buffer) => this.onData(session, chunk));
    socket.on('error', (error: Error) => {
      session.closeReason ??= error.message;
    });
    socket.on('close', () => this.onClose(session));
  }

  private fail(session: Session, reason: string): void {
    session.closeReason ??= reason;
    session.socket.destroy();
  }

  private onData(session: Session, chunk: Buffer): void {
    session.receivedSinceTick = true;
    if (session.phase === 'closed') return;
    // One clock read per chunk: every frame of a chunk was received at the same moment.
    const receivedAt = nowTimestamp();
    const frames = session.parser.push(chunk);
    for (const frame of frames) {
      this.dispatch(session, frame, receivedAt);
      // A frame can end the session (login rejected): what follows it on a dead session is not delivered.
      if (session.socket.destroyed) break;
    }
  }

  private dispatch(session: Session, frame: AmiFrame, receivedAt: string): void {
    switch (frame.kind) {
      case 'greeting':
        if (session.phase === 'greeting') {
          session.amiVersion = frame.version;
          this.login(session);
        }
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
    const claim: FrameClaim = this.pending.response(fields);
    if (claim === 'claimed') return;
    // A late answer (its action timed out) or a stray one still says what Asterisk did: keep it for the audit.
    const actionId = fields.ActionID;
    const action = actionId === undefined ? undefined : this.pending.abandonedName(actionId);
    const reason = claim === 'late' ? `answer to ${action ?? 'an action'} (ActionID ${actionId ?? ''}) after it timed out` : 'response to no pending action';
    this.log.warn({ actionId, response: fields.Response, message: fields.Message }, reason);
    this.listener?.raw(frameText(fields), reason, receivedAt);
  }

  private onEvent(fields: AmiFields, receivedAt: string): void {
    this.lastEventAt = receivedAt;
    if (fields.ActionID !== undefined) {
      const claim = this.pending.event(fields);
      if (claim === 'claimed') return;
      if (claim === 'late') {
        // Items of a list that timed out: a query's answer nobody reads, not something that happened.
        this.log.debug({ actionId: fields.ActionID, event: fields.Event }, 'dropped item of a timed-out list action');
        return;
      }
    }
    this.listener?.event(fields, receivedAt);
  }

  private login(session: Session): void {
    session.phase = 'login';
    const { username, secret } = this.options;
    const encoded = encodeAction({ Action: 'Login', Username: username, Secret: secret }, () => this.nextId());
    this.pending.add(encoded.actionId, {
      kind: 'single',
      name: 'Login',
      resolve: () => this.loggedIn(session),
      reject: (error) => {
        this.log.error({ username, reason: error.message }, 'AMI login rejected; check ami.username / ami.secret and manager.conf');
        this.fail(session, `login rejected: ${error.message}`);
      },
    });
    // The frame holds the secret: it is written, never logged.
    session.socket.write(encoded.text);
  }

  private loggedIn(session: Session): void {
    if (session.phase !== 'login') return;
    clearTimeout(session.loginTimer);
    session.phase = 'up';
    this.attempt = 0;
    const connectedAt = nowTimestamp();
    this.since = connectedAt;
    this.log.info({ amiVersion: session.amiVersion, username: this.options.username }, 'AMI connected');
    session.keepaliveTimer = setInterval(() => this.keepalive(session), this.options.keepaliveMs);
    this.listener?.connected({ amiVersion: session.amiVersion, host: this.options.host, port: this.options.port, connectedAt });
  }

  private keepalive(session: Session): void {
    // While we hold reads back on purpose, Asterisk's Pong sits unread in the socket: not a dead link.
    if (this.readingPaused || session.phase !== 'up') return;
    // After a backpressure pause the Pong may still sit behind events we are now reading: data is proof enough.
    const delivered = session.receivedSinceTick;
    session.receivedSinceTick = false;
    if (session.pingOutstanding && delivered) return;
    if (session.pingOutstanding) {
      this.fail(session, `no answer to Ping within ${this.options.keepaliveMs} ms`);
      return;
    }
    session.pingOutstanding = true;
    const encoded = encodeAction({ Action: 'Ping' }, () => this.nextId());
    this.pending.add(encoded.actionId, {
      kind: 'single',
      name: 'Ping',
      resolve: () => {
        session.pingOutstanding = false;
      },
      // A Ping that fails is answered by the link closing; nothing more to do.
      reject: () => undefined,
    });
    session.socket.write(encoded.text);
  }

  private onClose(session: Session): void {
    if (session.phase === 'closed') return;
    const wasUp = session.phase === 'up';
    session.phase = 'closed';
    clearTimeout(session.loginTimer);
    clearInterval(session.keepaliveTimer);
    if (this.session === session) this.session = undefined;
    const at = nowTimestamp();
    const reason = session.closeReason ?? (wasUp ? 'connection closed by Asterisk' : 'connection closed before login');
    for (const frame of session.parser.end()) this.dispatch(session, frame, at);
    // Everything pending was written (request() writes right after registering): Asterisk may have acted on it.
    this.pending.failAll((name) => new AmiLinkLostError(name, reason));

    if (wasUp) {
      this.since = at;
      this.log.warn({ reason }, 'AMI disconnected');
      this.listener?.disconnected(reason, at);
    } else {
      this.since ??= at;
    }
    if (!this.running) return;

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
