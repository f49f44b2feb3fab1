import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import type { AuthUser } from '../auth/index.js';
import type { Logger } from '../logger.js';
import type { Batch } from './batch.js';
import type { CloseReason, Connection, ResyncNotice, SubscribeResult } from './connection.js';
import type { FanoutClientSide } from './fanout.js';
import { SubscribeRefusedError } from './subscriptions.js';
import { parseManualMessage, parseSubscribe, parseUnsubscribe, type ClientRequest } from './protocol.js';
import { socketIoEvents } from './wire.js';

/** socket.io's default path, which the HTTP auth gate lets through (src/auth/index.ts). */
export const socketIoPath = '/socket.io';

/** One item of the `events` message. */
export interface WireEvent {
  readonly position: number;
  readonly topic: string;
  readonly event: string;
  readonly data: unknown;
}

/** What a subscribe/unsubscribe acknowledgement carries (when the client asks for one). */
export type AckResult = SubscribeResult | { readonly topic: string } | { readonly error: string; readonly code?: RealtimeError['code'] };

/** A request the server refused, sent as the `error` event on that socket (the connection stays open). */
export interface RealtimeError {
  readonly code: SubscribeRefusedError['code'];
  readonly message: string;
  readonly topic: string;
}

export interface ServerToClientEvents {
  events: (events: WireEvent[]) => void;
  resync: (notice: ResyncNotice) => void;
  /** Sent just before the server disconnects the client, with why (slow consumer, shutdown, token revoked or expired). */
  closing: (reason: CloseReason) => void;
  /** A subscribe refused (no permission for the topic, too many topics); it names the topic. */
  error: (error: RealtimeError) => void;
}

export interface ClientToServerEvents {
  subscribe: (request: unknown, ack?: (result: AckResult) => void) => void;
  unsubscribe: (request: unknown, ack?: (result: AckResult) => void) => void;
  message: (request: unknown, ack?: (result: AckResult) => void) => void;
}

interface SocketData {
  user: AuthUser;
  token: string;
}

type JadeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type JadeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type WriteOptions = Parameters<JadeSocket['conn']['write']>[1];

export interface SocketIoOptions {
  readonly httpServer: HttpServer;
  readonly fanout: FanoutClientSide;
  readonly verifyToken: (token: string) => AuthUser | undefined;
  readonly logger: Logger;
  /** How long a disconnected client's transport may take to flush before it is cut. */
  readonly closeGraceMs: number;
}

/** The handshake's token: `auth: {authtoken}` (socket.io's way), or the query string (the manual's way). */
function handshakeToken(socket: JadeSocket): string | undefined {
  const auth: unknown = socket.handshake.auth;
  const fromAuth = typeof auth === 'object' && auth !== null ? (auth as { authtoken?: unknown }).authtoken : undefined;
  if (typeof fromAuth === 'string' && fromAuth !== '') return fromAuth;
  const fromQuery = socket.handshake.query.authtoken;
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : undefined;
}

/** An error the client receives as `connect_error`, with `data.statuscode` like the REST API's. */
function refusal(message: string): Error {
  return Object.assign(new Error(message), { data: { statuscode: 401, message } });
}

/** Cuts a client's transport without waiting for its buffer to drain (which a stuck client never does). */
function terminate(socket: JadeSocket): void {
  // engine.io's WebSocket transport keeps the `ws` socket as `socket`; polling has none and closes with the engine socket.
  const raw = (socket.conn.transport as unknown as { socket?: { terminate?: () => void } }).socket;
  if (typeof raw?.terminate === 'function') raw.terminate();
  else socket.conn.close(true);
}

class SocketIoConnection implements Connection {
  readonly transport = 'socket.io' as const;
  readonly id: string;

  constructor(
    private readonly socket: JadeSocket,
    private readonly closeGraceMs: number,
  ) {
    this.id = socket.id;
  }

  send(batch: Batch, written: () => void): void {
    const conn = this.socket.conn;
    if (conn.readyState !== 'open') return;
    const packet = batch.encoded(socketIoEvents);
    // Straight to engine.io with the pre-encoded packet (socket.io's broadcast does the same internally),
    // because only engine.io's write reports when the bytes have left: that is what counts unsent events.
    const options = (packet.wsPreEncodedFrame ? { wsPreEncodedFrame: packet.wsPreEncodedFrame } : {}) as WriteOptions;
    conn.write(packet.data, options, () => written());
  }

  resync(notice: ResyncNotice): void {
    this.socket.emit('resync', notice);
  }

  close(reason: CloseReason): void {
    if (this.socket.disconnected) return;
    this.socket.emit('closing', reason);
    this.socket.disconnect(true);
    setTimeout(() => terminate(this.socket), this.closeGraceMs).unref();
  }
}

/** socket.io on the HTTP server: token-checked handshake, subscribe/unsubscribe, delivery through the fan-out. */
export function attachSocketIo(options: SocketIoOptions): { readonly io: JadeServer; close(): Promise<void> } {
  const { fanout, logger } = options;
  let closing = false;
  const io: JadeServer = new Server(options.httpServer, {
    path: socketIoPath,
    serveClient: false,
    // Clients only send subscription messages.
    maxHttpBufferSize: 64 * 1024,
    // Token auth, no cookies: any origin, like the REST API's CORS.
    cors: { origin: '*' },
  });

  io.use((socket, next) => {
    if (closing) return next(refusal('server shutting down'));
    const token = handshakeToken(socket);
    if (token === undefined) return next(refusal('authtoken required: pass auth {authtoken} or query authtoken'));
    const user = options.verifyToken(token);
    if (!user) return next(refusal('invalid or expired authtoken'));
    socket.data.user = user;
    socket.data.token = token;
    next();
  });

  io.on('connection', (socket) => {
    const client = fanout.connect(new SocketIoConnection(socket, options.closeGraceMs), { user: socket.data.user, token: socket.data.token });
    const log = logger.child({ client: socket.id, user: socket.data.user.username });
    log.debug('realtime: socket.io client connected');

    const handle = (what: string, parse: (arg: unknown) => ClientRequest) => (arg: unknown, ack?: (result: AckResult) => void) => {
      let result: AckResult;
      // The client's own messages keep its token alive (server pushes do not); a dead token is closed by the re-check.
      options.verifyToken(socket.data.token);
      try {
        const request = parse(arg);
        result = request.type === 'subscribe' ? fanout.subscribe(client, request.topic, request.position) : { topic: fanout.unsubscribe(client, request.topic) };
        log.debug({ request: what, ...result }, 'realtime: subscription changed');
      } catch (error) {
        if (error instanceof SubscribeRefusedError) {
          const refused: RealtimeError = { code: error.code, message: error.message, topic: error.topic };
          socket.emit('error', refused);
          log.debug({ request: what, ...refused }, 'realtime: subscribe refused');
          if (typeof ack === 'function') ack({ error: error.message, code: error.code });
          return;
        }
        // A malformed request is the client's mistake: say so if it asked for an answer, keep the connection.
        const message = error instanceof Error ? error.message : String(error);
        log.debug({ request: what, error: message }, 'realtime: request ignored');
        result = { error: message };
      }
      if (typeof ack === 'function') ack(result);
    };
    socket.on('subscribe', handle('subscribe', parseSubscribe));
    socket.on('unsubscribe', handle('unsubscribe', parseUnsubscribe));
    socket.on('message', handle('message', parseManualMessage));
    socket.on('disconnect', (reason) => {
      fanout.disconnect(client);
      log.debug({ reason }, 'realtime: socket.io client disconnected');
    });
  });

  return {
    io,
    async close() {
      closing = true;
      // Not io.close(): that would also close the HTTP server, which belongs to the caller.
      io.engine.close();
    },
  };
}
