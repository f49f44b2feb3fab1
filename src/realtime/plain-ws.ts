import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { AuthUser } from '../auth/index.js';
import { errorEnvelope } from '../http/envelope.js';
import type { Logger } from '../logger.js';
import type { Batch } from './batch.js';
import type { CloseReason, Connection } from './connection.js';
import type { FanoutClientSide } from './fanout.js';
import { SubscribeRefusedError } from './subscriptions.js';
import { parseManualMessage } from './protocol.js';
import { manualFrames } from './wire.js';

/**
 * The manual's plain WebSocket protocol (40-events-websocket §3) for existing clients, on the same
 * HTTP server at `realtime.wsPath`: token in the query (`authtoken`), `{"type":"subscribe","topic":"/"}`
 * text frames in, one `{"<topic>": {"<event>": payload}}` text frame per event out. It has no
 * positions, so no resume; bad messages are ignored (and logged), as the catalog proposes.
 */

export interface PlainWsOptions {
  readonly httpServer: HttpServer;
  /** The path it answers upgrades on; every other upgrade (socket.io's) is left alone. */
  readonly path: string;
  readonly fanout: FanoutClientSide;
  readonly verifyToken: (token: string) => AuthUser | undefined;
  readonly logger: Logger;
  readonly closeGraceMs: number;
}

/**
 * 1008 "policy violation" for a client that cannot keep up; 1001 "going away" for shutdown (RFC 6455 §7.4.1);
 * 4401 (the application range, "401" inside it) when its token was revoked or expired: the reason text says which.
 */
const closeCodes: Readonly<Record<CloseReason['code'], number>> = { slow_consumer: 1008, shutdown: 1001, token_revoked: 4401, token_expired: 4401 };

function upgradeToken(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get('authtoken');
  if (fromQuery) return fromQuery;
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() || undefined : undefined;
}

/** Answers an upgrade with an HTTP error in the API's envelope, and closes the socket. */
function refuse(socket: Duplex, status: 401 | 503, message: string): void {
  const body = JSON.stringify(errorEnvelope(status, message));
  const reason = status === 401 ? 'Unauthorized' : 'Service Unavailable';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

class PlainWsConnection implements Connection {
  readonly transport = 'ws' as const;
  readonly id = randomUUID();

  constructor(
    private readonly ws: WebSocket,
    private readonly closeGraceMs: number,
  ) {}

  send(batch: Batch, written: () => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const frames = batch.encoded(manualFrames);
    const last = frames.length - 1;
    // ws calls back in order: the last frame's callback means the whole batch has left.
    for (let i = 0; i < last; i++) this.ws.send(frames[i]!, { binary: false });
    this.ws.send(frames[last]!, { binary: false }, () => written());
  }

  resync(): void {
    // Unreachable: this protocol carries no positions, so its clients never resume.
  }

  close(reason: CloseReason): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // A close reason is at most 123 bytes.
    this.ws.close(closeCodes[reason.code], reason.message.slice(0, 120));
    // The close frame waits behind whatever is queued; a stuck client never reads it.
    setTimeout(() => this.ws.terminate(), this.closeGraceMs).unref();
  }
}

export function attachPlainWs(options: PlainWsOptions): { close(): Promise<void> } {
  const { fanout, logger } = options;
  const path = options.path.replace(/\/+$/, '') || '/';
  // Clients only send subscription messages; compression would cost CPU per client per frame.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  let closing = false;

  const onConnection = (ws: WebSocket, user: AuthUser, token: string): void => {
    const connection = new PlainWsConnection(ws, options.closeGraceMs);
    const client = fanout.connect(connection, { user, token });
    const log = logger.child({ client: connection.id, user: user.username });
    log.debug('realtime: WebSocket client connected');
    ws.on('message', (data: RawData, isBinary: boolean) => {
      // The client's own messages keep its token alive (server pushes do not); a dead token is closed by the re-check.
      options.verifyToken(token);
      try {
        if (isBinary) throw new Error('binary frames are not part of the protocol');
        const request = parseManualMessage(Buffer.isBuffer(data) ? data : Buffer.from(data.toString()));
        // Subscribing twice is idempotent, unsubscribing what is not subscribed a no-op (fan-out semantics).
        const topic = request.type === 'subscribe' ? fanout.subscribe(client, request.topic).topic : fanout.unsubscribe(client, request.topic);
        log.debug({ request: request.type, topic }, 'realtime: subscription changed');
      } catch (error) {
        if (error instanceof SubscribeRefusedError) {
          // Not a topic frame (topics start with "/"), so a manual client that ignores unknown keys is unaffected.
          const refused = { code: error.code, message: error.message, topic: error.topic };
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ error: refused }));
          log.debug(refused, 'realtime: subscribe refused');
          return;
        }
        log.debug({ error: error instanceof Error ? error.message : String(error) }, 'realtime: WebSocket message ignored');
      }
    });
    ws.on('error', (error) => log.debug({ err: error }, 'realtime: WebSocket error'));
    ws.on('close', () => {
      fanout.disconnect(client);
      log.debug('realtime: WebSocket client disconnected');
    });
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if ((url.pathname.replace(/\/+$/, '') || '/') !== path) return;
    if (closing) return refuse(socket, 503, 'server shutting down');
    const token = upgradeToken(request, url);
    if (token === undefined) return refuse(socket, 401, 'authtoken required (query authtoken)');
    const user = options.verifyToken(token);
    if (!user) return refuse(socket, 401, 'invalid or expired authtoken');
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, user, token));
  };
  options.httpServer.on('upgrade', onUpgrade);

  return {
    async close() {
      closing = true;
      options.httpServer.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
