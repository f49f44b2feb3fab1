import { createConnection, type Socket } from 'node:net';
import type { Logger } from '../logger.js';
import { nowTimestamp } from '../events/time.js';
import type { ActionDispatch, ActionWriter } from './action-dispatch.js';
import * as amiActions from './actions.js';
import { AmiFrameParser, type AmiFrame } from './frame-parser.js';

export interface AmiSessionOptions {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly secret: string;
  /** A Ping goes out this often; no answer before the next one means the link is dead. */
  readonly keepaliveMs: number;
  /** Covers TCP connect, greeting and login. */
  readonly loginTimeoutMs: number;
  /** Start with reads held back (the ingest is still applying backpressure from the last session). */
  readonly readingPaused: boolean;
  readonly log: Logger;
  /** Where Login, Ping and Logoff are registered, so their answers are recognised. */
  readonly dispatch: ActionDispatch;
}

/** How a session ended. */
export interface SessionEnding {
  readonly wasUp: boolean;
  readonly reason: string;
  readonly at: string;
  /** What the parser still held (an unfinished frame), to be dispatched like any other. */
  readonly leftover: readonly AmiFrame[];
}

export interface AmiSessionHandlers {
  /** Every frame but the greeting, synchronously and in socket order. */
  frame(frame: AmiFrame, receivedAt: string): void;
  /** Login accepted; called before any frame that followed the login response. */
  up(session: AmiSession): void;
  /** The socket closed (once). */
  closed(session: AmiSession, ending: SessionEnding): void;
}

type Phase = 'greeting' | 'login' | 'up' | 'closed';

/**
 * One TCP connection attempt and, if login succeeds, the AMI session on it: greeting, login (bounded by a
 * timer), keepalive Pings, and the polite Logoff. Reconnecting is the connection's business: a session ends once.
 */
export class AmiSession implements ActionWriter {
  private readonly socket: Socket;
  private readonly parser = new AmiFrameParser();
  private phase: Phase = 'greeting';
  private version = '';
  private closeReason: string | undefined;
  private readonly loginTimer: NodeJS.Timeout;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pingOutstanding = false;
  /** Bytes arrived since the last keepalive tick: a link that delivers is alive, whatever its Pong's place in the backlog. */
  private receivedSinceTick = false;
  private readingPaused: boolean;

  constructor(
    private readonly options: AmiSessionOptions,
    private readonly handlers: AmiSessionHandlers,
  ) {
    const { host, port } = options;
    this.readingPaused = options.readingPaused;
    this.socket = createConnection({ host, port });
    this.socket.setNoDelay(true);
    if (this.readingPaused) this.socket.pause();
    // A port that accepts but never speaks AMI must not hang us.
    this.loginTimer = setTimeout(
      () => this.fail(`not logged in within ${options.loginTimeoutMs} ms (greeting or login answer missing)`),
      options.loginTimeoutMs,
    );
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (error: Error) => {
      this.closeReason ??= error.message;
    });
    this.socket.on('close', () => this.onClose());
  }

  /** From the `Asterisk Call Manager/x.y.z` greeting. */
  get amiVersion(): string {
    return this.version;
  }

  get isUp(): boolean {
    return this.phase === 'up';
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  canWrite(): boolean {
    return this.phase === 'up' && !this.socket.destroyed && this.socket.writable;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Stops reading the socket (ingest backpressure): Asterisk buffers, then drops us, and resync reconciles. */
  pauseReading(): void {
    this.readingPaused = true;
    this.socket.pause();
  }

  resumeReading(): void {
    this.readingPaused = false;
    this.socket.resume();
  }

  /** Logs off (when logged in) and closes; resolves once the socket is closed. */
  end(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.closeReason ??= 'stopped';
      if (this.phase === 'up') {
        // Polite logoff, but do not wait on Asterisk for it: the socket is destroyed shortly after regardless.
        this.options.dispatch.sendSessionAction(this, amiActions.logoff(), { resolve: () => undefined, reject: () => undefined });
        this.socket.end();
        setTimeout(() => this.socket.destroy(), 500).unref();
      } else {
        this.socket.destroy();
      }
    });
  }

  private fail(reason: string): void {
    this.closeReason ??= reason;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.receivedSinceTick = true;
    if (this.phase === 'closed') return;
    // One clock read per chunk: every frame of a chunk was received at the same moment.
    const receivedAt = nowTimestamp();
    for (const frame of this.parser.push(chunk)) {
      if (frame.kind === 'greeting') {
        if (this.phase === 'greeting') {
          this.version = frame.version;
          this.login();
        }
      } else {
        this.handlers.frame(frame, receivedAt);
      }
      // A frame can end the session (login rejected): what follows it on a dead session is not delivered.
      if (this.socket.destroyed) break;
    }
  }

  private login(): void {
    this.phase = 'login';
    const { username, secret, log } = this.options;
    // The frame holds the secret: it is written, never logged.
    this.options.dispatch.sendSessionAction(this, amiActions.login({ username, secret }), {
      resolve: () => this.loggedIn(),
      reject: (error) => {
        log.error({ username, reason: error.message }, 'AMI login rejected; check ami.username / ami.secret and manager.conf');
        this.fail(`login rejected: ${error.message}`);
      },
    });
  }

  private loggedIn(): void {
    if (this.phase !== 'login') return;
    clearTimeout(this.loginTimer);
    this.phase = 'up';
    this.keepaliveTimer = setInterval(() => this.keepalive(), this.options.keepaliveMs);
    this.handlers.up(this);
  }

  private keepalive(): void {
    // While we hold reads back on purpose, Asterisk's Pong sits unread in the socket: not a dead link.
    if (this.readingPaused || this.phase !== 'up') return;
    // After a backpressure pause the Pong may still sit behind events we are now reading: data is proof enough.
    const delivered = this.receivedSinceTick;
    this.receivedSinceTick = false;
    if (this.pingOutstanding && delivered) return;
    if (this.pingOutstanding) {
      this.fail(`no answer to Ping within ${this.options.keepaliveMs} ms`);
      return;
    }
    this.pingOutstanding = true;
    this.options.dispatch.sendSessionAction(this, amiActions.ping(), {
      resolve: () => {
        this.pingOutstanding = false;
      },
      // A Ping that fails is answered by the link closing; nothing more to do.
      reject: () => undefined,
    });
  }

  private onClose(): void {
    if (this.phase === 'closed') return;
    const wasUp = this.phase === 'up';
    this.phase = 'closed';
    clearTimeout(this.loginTimer);
    clearInterval(this.keepaliveTimer);
    const reason = this.closeReason ?? (wasUp ? 'connection closed by Asterisk' : 'connection closed before login');
    this.handlers.closed(this, { wasUp, reason, at: nowTimestamp(), leftover: this.parser.end() });
  }
}
