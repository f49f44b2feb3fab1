import { randomUUID } from 'node:crypto';
import type { AmiNodeConfig } from '../config.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { AmiConnection, type AmiSessionInfo } from './connection.js';
import { AmiIngest, type AmiIngestStats } from './ingest.js';
import type { AmiGateway } from './port.js';
import { runResync, type ResyncReport } from './resync.js';
import { snapshotActions, type SnapshotSpec } from './snapshots.js';

export { AmiConnection, type AmiConnectionOptions, type AmiLinkListener, type AmiSessionInfo } from './connection.js';
export type { InOrderOptions } from './action-dispatch.js';
export { reconnectDelay } from './reconnect-delay.js';
export { AmiIngest, type AmiIngestOptions, type AmiIngestStats } from './ingest.js';
export { amiEventTable, callIdOf, type EventHandling } from './event-table.js';
export { snapshotActions, type SnapshotSpec } from './snapshots.js';
export type { ResyncReport } from './resync.js';
export * from './port.js';
export { AmiSeat, AmiNotHereError } from './seat.js';

export interface StartAmiOptions {
  readonly config: AmiNodeConfig;
  readonly store: Pick<EventStore, 'append'>;
  readonly logger: Logger;
  /** Per snapshot action; a CoreShowChannels of thousands of channels takes longer than a command. Default 30 s. */
  readonly snapshotTimeoutMs?: number;
  /** Replaces the snapshot table (tests, benchmarks). */
  readonly snapshots?: readonly SnapshotSpec[];
  /** Called after each resync round (tests, metrics). */
  readonly onResync?: (report: ResyncReport) => void;
  /** How long to wait for Asterisk's FullyBooted after a login before taking snapshots anyway. Default 10 s. */
  readonly bootWaitMs?: number;
  /** Passed to the ingest (tests, benchmarks). */
  readonly maxInFlight?: number;
  /**
   * Called after each login, once `AmiConnected` is queued (nodes.ts checks the box's systemname then). A promise
   * holds that login's resync round until it settles; `false` skips it (the link is being refused).
   */
  readonly onConnected?: (info: AmiSessionInfo) => Promise<boolean> | void;
}

export interface AmiRuntime {
  /** For command handlers and health. */
  readonly gateway: AmiGateway;
  readonly connection: AmiConnection;
  readonly ingest: AmiIngest;
  stats(): AmiIngestStats;
  /**
   * Runs the named snapshot actions now and records them like a resync round, so a command whose effect
   * Asterisk announces with no event (a module list after load/unload) still reaches the read models.
   */
  resnapshot(names: readonly string[]): Promise<ResyncReport>;
  /** Logs off, records `AmiDisconnected`, and waits (bounded) until everything received is in the store. */
  stop(options?: { readonly flushTimeoutMs?: number }): Promise<void>;
}

/**
 * Wires the AMI link to the ingest and the resync: every frame of the link goes to the store in socket order,
 * and every (re)connect records `AmiConnected` then one snapshot per action of `snapshots.ts`.
 * Returns at once: the link connects (and keeps reconnecting) in the background.
 */
export function startAmi(options: StartAmiOptions): AmiRuntime {
  const { config, store } = options;
  const logger = options.logger.child({ node: config.node });
  const specs = options.snapshots ?? snapshotActions;
  const connection = new AmiConnection({ ...config, logger });
  const ingest = new AmiIngest({
    store,
    node: config.node,
    logger,
    maxInFlight: options.maxInFlight,
    onBackpressure: (paused) => (paused ? connection.pauseReading() : connection.resumeReading()),
  });

  // Asterisk accepts AMI logins before its modules have loaded; a QueueStatus asked then fails and the round
  // would miss queues. It sends FullyBooted at login when booted, and again once booting ends: resync after it.
  let awaitingBoot: { readonly round: string; readonly timer: NodeJS.Timeout } | undefined;
  // The current login's check (onConnected); none: the round starts at once, in the FullyBooted handler.
  let admitted: Promise<boolean> | undefined;
  const resync = (round: string): void => {
    if (awaitingBoot?.round === round) {
      clearTimeout(awaitingBoot.timer);
      awaitingBoot = undefined;
    }
    const run = (): Promise<ResyncReport> => runResync(connection, ingest, specs, { round, timeoutMs: options.snapshotTimeoutMs ?? 30_000, logger });
    void (admitted === undefined ? run() : admitted.then((ok) => (ok ? run() : undefined))).then(
      (report) => report && options.onResync?.(report),
      (error: unknown) => logger.error({ err: error, round }, 'AMI resync crashed'),
    );
  };

  connection.listen({
    connected: (info) => {
      const round = randomUUID();
      ingest.connected(info, round);
      if (awaitingBoot) clearTimeout(awaitingBoot.timer);
      const timer = setTimeout(() => {
        logger.warn({ round }, 'no FullyBooted from Asterisk: taking snapshots anyway');
        resync(round);
      }, options.bootWaitMs ?? 10_000);
      awaitingBoot = { round, timer };
      admitted = options.onConnected?.(info) ?? undefined;
    },
    event: (fields, receivedAt) => {
      ingest.event(fields, receivedAt);
      if (fields.Event === 'FullyBooted' && awaitingBoot) resync(awaitingBoot.round);
    },
    raw: (text, reason, receivedAt) => ingest.raw(text, reason, receivedAt),
    disconnected: (reason, at) => {
      if (awaitingBoot) clearTimeout(awaitingBoot.timer);
      awaitingBoot = undefined;
      ingest.disconnected(reason, at);
    },
  });
  logger.info({ host: config.host, port: config.port, username: config.username }, 'connecting to Asterisk AMI');
  connection.start();

  return {
    gateway: connection,
    connection,
    ingest,
    stats: () => ingest.stats(),
    resnapshot(names) {
      const chosen = specs.filter((spec) => names.includes(spec.name));
      return runResync(connection, ingest, chosen, { round: randomUUID(), timeoutMs: options.snapshotTimeoutMs ?? 30_000, logger });
    },
    async stop(stopOptions = {}) {
      if (awaitingBoot) clearTimeout(awaitingBoot.timer);
      awaitingBoot = undefined;
      await connection.stop();
      const flushed = await ingest.flush(stopOptions.flushTimeoutMs ?? 10_000);
      if (!flushed) {
        const lost = ingest.abandon();
        logger.error({ ...ingest.stats(), lost }, 'stopped before every AMI event reached the event store');
      }
    },
  };
}
