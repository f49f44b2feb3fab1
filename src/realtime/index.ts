import type { Server as HttpServer } from 'node:http';
import type { AuthUser } from '../auth/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ChangeFeed, ReadModelChange } from '../readmodels/index.js';
import type { PersonalTopicOwners } from '../auth/topic-permissions.js';
import { toRealtimeEvents, type RealtimeEvent } from './event-table.js';
import { Fanout, type FanoutStats } from './fanout.js';
import { startTokenSweep, type TokenState } from './session-sweep.js';
import { attachPlainWs } from './plain-ws.js';
import { attachSocketIo, socketIoPath } from './socketio.js';

/**
 * Realtime (ARCHITECTURE.md "Realtime contract", issue 4): every read-model change, as the manual's
 * event on the manual's topic with its log position, to socket.io clients (`/socket.io`) and to the
 * manual's plain WebSocket clients (`realtime.wsPath`), both on the API's HTTP server.
 */

export { catalogFamilies, publish, publishPersonal, realtimeTable, toRealtimeEvent, toRealtimeEvents, type RealtimeEvent, type RealtimeMapping, type RealtimeTable } from './event-table.js';
export type { CloseReason, ResyncNotice, SubscribeResult } from './connection.js';
export type { FanoutStats as RealtimeStats } from './fanout.js';
export type { AckResult, ClientToServerEvents, RealtimeError, ServerToClientEvents, WireEvent } from './socketio.js';
export { canonicalTopic, encodeTarget, publishTopic, topicMatches } from './topics.js';
export { socketIoPath };

export interface RealtimeOptions {
  readonly httpServer: HttpServer;
  /** The projection runner's change feed (`runner.changes`). */
  readonly changes: Pick<ChangeFeed<ReadModelChange>, 'on'>;
  readonly verifyToken: (token: string) => AuthUser | undefined;
  /**
   * Re-checks an open connection's token without counting it as a use (`auth.tokenState`): a token that
   * is logged out, revoked by a password change or idle too long closes its connections within a second.
   */
  readonly tokenState: (token: string) => TokenState;
  /** How often open connections' tokens are re-checked; default 250 ms. */
  readonly tokenCheckMs?: number;
  readonly config: Config['realtime'];
  readonly logger: Logger;
  /**
   * The read models' position when realtime attaches (`runner.position()`): changes before it were
   * never seen here, so a resume from before it is answered with `resync`. Default 0, which is only
   * right when the feed starts with an empty log.
   */
  readonly startPosition?: number;
  /** Replaces the event table's mapping (benchmarks, tests). */
  readonly toEvent?: (change: ReadModelChange) => RealtimeEvent | readonly RealtimeEvent[] | undefined;
  /** Who owns `/me/<collection>/<target>` topics (a person's chats), for subscribe checks. */
  readonly topicOwners?: PersonalTopicOwners;
}

export interface Realtime {
  /** Disconnects every client and stops listening to the feed. The HTTP server stays open (it is the caller's). */
  close(): Promise<void>;
  stats(): FanoutStats;
}

/** How long a disconnected client's socket may take to flush its last messages (the reason) before it is cut. */
const CLOSE_GRACE_MS = 1000;
function checkConfig(config: Config['realtime']): void {
  const problems: string[] = [];
  if (!Number.isFinite(config.tickMs) || config.tickMs < 0) problems.push('realtime.tickMs must be a number >= 0');
  if (!Number.isSafeInteger(config.resumeWindow) || config.resumeWindow < 0) problems.push('realtime.resumeWindow must be an integer >= 0');
  if (!Number.isSafeInteger(config.clientBufferLimit) || config.clientBufferLimit < 1) problems.push('realtime.clientBufferLimit must be an integer >= 1');
  if (!Number.isSafeInteger(config.maxTopicsPerClient) || config.maxTopicsPerClient < 1) problems.push('realtime.maxTopicsPerClient must be an integer >= 1');
  if (typeof config.wsPath !== 'string' || !config.wsPath.startsWith('/')) problems.push('realtime.wsPath must start with /');
  else if (config.wsPath.startsWith(socketIoPath)) problems.push(`realtime.wsPath must not be under socket.io's ${socketIoPath}`);
  if (problems.length > 0) throw new Error(`invalid realtime config: ${problems.join('; ')}`);
}

/**
 * Wiring (main.ts), after the runner is created and before or after the server listens:
 *   attachRealtime({ httpServer, changes: runner.changes, verifyToken: auth.verifyToken, tokenState: auth.tokenState, config: config.realtime,
 *                    logger, startPosition: runner.position() })
 * and `await realtime.close()` before closing the HTTP server.
 */
export function attachRealtime(options: RealtimeOptions): Realtime {
  checkConfig(options.config);
  const logger = options.logger.child({ module: 'realtime' });
  const fanout = new Fanout<ReadModelChange>({
    tickMs: options.config.tickMs,
    resumeWindow: options.config.resumeWindow,
    clientBufferLimit: options.config.clientBufferLimit,
    maxTopicsPerClient: options.config.maxTopicsPerClient,
    startPosition: options.startPosition ?? 0,
    toEvent: options.toEvent ?? ((change) => toRealtimeEvents(change)),
    ...(options.topicOwners ? { topicOwners: options.topicOwners } : {}),
    logger,
  });
  const offFeed = [
    options.changes.on('batch', (batch) => fanout.accept(batch.changes)),
    options.changes.on('position', (position) => fanout.advance(position)),
    options.changes.on('error', (error) => logger.error({ err: error }, 'realtime: the read models stopped; no events until they restart')),
  ];
  const common = { httpServer: options.httpServer, fanout, verifyToken: options.verifyToken, logger, closeGraceMs: CLOSE_GRACE_MS };
  const socketIo = attachSocketIo(common);
  const plainWs = attachPlainWs({ ...common, path: options.config.wsPath });
  logger.info({ socketIo: socketIoPath, ws: options.config.wsPath, tickMs: options.config.tickMs }, 'realtime attached');
  const stopTokenSweep = startTokenSweep(fanout, options.tokenState, options.tokenCheckMs);

  let closing: Promise<void> | undefined;
  return {
    stats: () => fanout.stats(),
    close() {
      closing ??= (async () => {
        stopTokenSweep();
        for (const off of offFeed) off();
        fanout.close();
        await Promise.all([socketIo.close(), plainWs.close()]);
      })();
      return closing;
    },
  };
}
