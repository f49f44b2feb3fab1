/**
 * A real listening HTTP server with realtime attached, fed by a ChangeFeed the test publishes to,
 * and real socket.io and `ws` clients.
 */
import { createServer, type Server } from 'node:http';
import { pino } from 'pino';
import type { AddressInfo } from 'node:net';
import { io as connectSocketIo, type Socket as ClientSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { AuthUser } from '../../../src/auth/index.js';
import type { Config } from '../../../src/config.js';
import { silentLogger, type Logger } from '../../../src/logger.js';
import { ChangeFeed, type ReadModelChange } from '../../../src/readmodels/index.js';
import {
  attachRealtime,
  type AckResult,
  type ClientToServerEvents,
  type Realtime,
  type ResyncNotice,
  type ServerToClientEvents,
  type WireEvent,
} from '../../../src/realtime/index.js';

export const validToken = 'token-valid';
export const expiredToken = 'token-expired';
const user: AuthUser = { uuid: 'u-1', username: 'admin', permissions: ['admin'] };

export interface TestRealtime {
  readonly url: string;
  readonly server: Server;
  readonly feed: ChangeFeed<ReadModelChange>;
  readonly realtime: Realtime;
  /** Publishes one commit's changes, as the runner does after a commit. */
  commit(changes: readonly ReadModelChange[], position?: number): void;
  close(): Promise<void>;
}

export const testRealtimeConfig: Config['realtime'] = { wsPath: '/ws', tickMs: 5, resumeWindow: 1000, clientBufferLimit: 10_000, maxTopicsPerClient: 256 };

export async function startRealtime(
  config: Partial<Config['realtime']> = {},
  options: {
    startPosition?: number;
    logger?: Logger;
    verifyToken?: (token: string) => AuthUser | undefined;
    tokenState?: (token: string) => 'live' | 'expired' | 'revoked';
  } = {},
): Promise<TestRealtime> {
  const server = createServer((_request, response) => {
    response.statusCode = 404;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const feed = new ChangeFeed<ReadModelChange>();
  const realtime = attachRealtime({
    httpServer: server,
    changes: feed,
    // The expired token is one the auth module no longer accepts: to realtime, the same as unknown.
    verifyToken: options.verifyToken ?? ((token) => (token === validToken ? user : undefined)),
    tokenState: options.tokenState ?? ((token) => (token === validToken ? 'live' : 'revoked')),
    config: { ...testRealtimeConfig, ...config },
    logger: options.logger ?? silentLogger(),
    startPosition: options.startPosition,
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    feed,
    realtime,
    commit(changes, position) {
      feed.publish(changes, position ?? Math.max(0, ...changes.map((change) => change.position)));
    },
    async close() {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type IoClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

/** A socket.io client that records every `events` message and `resync` notice. */
export interface Recorder {
  readonly socket: IoClient;
  /** One entry per `events` message. */
  readonly messages: WireEvent[][];
  readonly resyncs: ResyncNotice[];
  events(): WireEvent[];
  /** Resolves once at least `count` events have arrived (all of them). */
  waitForEvents(count: number, timeoutMs?: number): Promise<WireEvent[]>;
  subscribe(request: unknown): Promise<AckResult>;
  close(): void;
}

export interface IoOptions {
  readonly token?: string;
  /** How the token is passed: socket.io's `auth` (default) or the query string. */
  readonly via?: 'auth' | 'query';
  /** Default websocket only (fast, deterministic); `['polling', 'websocket']` tests the upgrade path. */
  readonly transports?: ('polling' | 'websocket')[];
}

export function ioClient(url: string, options: IoOptions = {}): IoClient {
  const token = options.token ?? validToken;
  return connectSocketIo(url, {
    transports: options.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    ...(options.via === 'query' ? { query: { authtoken: token } } : { auth: { authtoken: token } }),
  });
}

/** Connects; rejects with the server's connect_error. */
export function connected(socket: IoClient): Promise<IoClient> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => reject(error));
  });
}

export async function recorder(url: string, options: IoOptions = {}): Promise<Recorder> {
  const socket = await connected(ioClient(url, options));
  const messages: WireEvent[][] = [];
  const resyncs: ResyncNotice[] = [];
  let wake: () => void = () => undefined;
  socket.on('events', (events) => {
    messages.push(events);
    wake();
  });
  socket.on('resync', (notice) => {
    resyncs.push(notice);
    wake();
  });
  const events = () => messages.flat();
  return {
    socket,
    messages,
    resyncs,
    events,
    waitForEvents: (count, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} events, got ${events().length}`)), timeoutMs);
        const check = () => {
          if (events().length < count) return;
          clearTimeout(timer);
          wake = () => undefined;
          resolve(events());
        };
        wake = check;
        check();
      }),
    subscribe: (request) => socket.emitWithAck('subscribe', request),
    close: () => socket.disconnect(),
  };
}

/** A plain WebSocket client that records every frame, parsed. */
export interface WsRecorder {
  readonly ws: WebSocket;
  readonly frames: unknown[];
  send(message: unknown): void;
  waitForFrames(count: number, timeoutMs?: number): Promise<unknown[]>;
  close(): void;
}

/** `token` null: no token at all. */
export function wsUrl(url: string, path = '/ws', token: string | null = validToken): string {
  const base = url.replace(/^http/, 'ws') + path;
  return token === null ? base : `${base}?authtoken=${encodeURIComponent(token)}`;
}

export async function wsRecorder(url: string, token: string | null = validToken, path = '/ws'): Promise<WsRecorder> {
  const ws = new WebSocket(wsUrl(url, path, token));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const frames: unknown[] = [];
  let wake: () => void = () => undefined;
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()));
    wake();
  });
  return {
    ws,
    frames,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    waitForFrames: (count, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} frames, got ${frames.length}`)), timeoutMs);
        const check = () => {
          if (frames.length < count) return;
          clearTimeout(timer);
          wake = () => undefined;
          resolve(frames);
        };
        wake = check;
        check();
      }),
    close: () => ws.close(),
  };
}

/** A logger that keeps every line (parsed), for asserting what the server said. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Enough ticks for the fan-out to have published anything queued. */
export const settle = (ticks = 6) => sleep(testRealtimeConfig.tickMs * ticks + 20);
