import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { Middleware } from 'koa';
import type { Router } from '@koa/router';
import { parseListenAddress, resultFilePath, type Config } from './config.js';
import type { Logger } from './logger.js';
import { openEventStore, PostgresEventStore, PostgresLogSource, SqliteEventStore, SqliteLogSource, StoreLogSource, type EventStore, type LogSource } from './eventstore/index.js';
import { AmiSeat } from './ami/index.js';
import { SystemNameCollisionError } from './ami/nodes.js';
import {
  createProjectionRunner,
  openReadModelDb,
  readModelDbPath,
  type ProjectionRunner,
  type ReadModelChange,
  type ReadModelDb,
} from './readmodels/index.js';
import { createReadModelSync } from './readmodels/sync.js';
import { openSharedReadModels } from './readmodels/postgres-database.js';
import { createAuth, type Auth } from './auth/index.js';
import type { ScryptParams } from './auth/password.js';
import { createHttpApp } from './http/app.js';
import { pointInTime } from './http/point-in-time.js';
import { VoicemailSpool } from './voicemail/spool.js';
import { ConfigService } from './configfiles/service.js';
import { logPaths } from './http/routes/events.js';
import { buildRouters } from './http/routes/index.js';
// Tests build parts of the app from the same assembly.
export { authRouters, buildRouters, historyRouters, type HistoryRouterParts, type PbxRouterParts, type RouterParts } from './http/routes/index.js';
import type { CommandDeps } from './commands/command.js';
import { ObResourceCommands } from './outbound/commands.js';
import { openPointInTime, ReadModelSnapshots, snapshotDir, type ScratchReadModels } from './history/index.js';
import { hangupDialing, ResultFile } from './outbound/dialer/index.js';
import { attachRealtime, type Realtime } from './realtime/index.js';
import { PeopleCommands } from './people/commands.js';
import { DpResourceCommands } from './dp/commands.js';
import { ChatCommands } from './commands/chat.js';
import { chatOwnerQuery } from '../projections/chats.js';
import { countLog, JadeMetrics, listenMetrics, timedAppends } from './metrics/index.js';
import { clusterIdentity, createLeadership, LeaderSeat, startLeaderDuties, type Leadership } from './cluster/index.js';
import { leaderForward } from './http/leader-forward.js';
import { rebuildShared } from './cluster/offline-rebuild.js';

export interface Jade {
  readonly httpServer: Server;
  readonly port: number;
  readonly store: EventStore;
  readonly readModels: ReadModelDb;
  readonly runner: ProjectionRunner<ReadModelChange>;
  /** The AMI runtime while this node leads (always, alone on its store); unseated on a follower. */
  readonly ami: AmiSeat;
  /** Which node leads the ones sharing this store (src/cluster/). */
  readonly leadership: Leadership;
  readonly auth: Auth;
  readonly realtime: Realtime;
  /** The HTTP API's routers, as the app tries them (the OpenAPI document describes exactly these). */
  readonly routers: readonly Router[];
  /** The token-less scrape port of `metrics.listen`, when configured. */
  readonly metricsPort?: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Tests: a cheaper password hash. */
  readonly scrypt?: ScryptParams;
  /** Tests: where a generated admin password is printed. */
  readonly print?: (line: string) => void;
}

/**
 * Stops what has started, last started first. Filled as each part starts, so a start that fails half-way
 * undoes exactly what it did (no AMI link reconnecting behind a failed listen, no data-dir lock left held).
 */
class Shutdown {
  private readonly steps: Array<() => Promise<void> | void> = [];

  add(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

/** The composition root: the only place that picks adapters and wires the parts together. */
export async function startJade(config: Config, logger: Logger, options: StartOptions = {}): Promise<Jade> {
  const shutdown = new Shutdown();
  try {
    return await compose(config, logger, options, shutdown);
  } catch (error) {
    await shutdown.run().catch((cleanupError: unknown) => logger.error({ err: cleanupError }, 'cleanup after a failed start failed'));
    throw error;
  }
}

async function compose(config: Config, logger: Logger, options: StartOptions, shutdown: Shutdown): Promise<Jade> {
  const inMemory = config.eventstore.type === 'memory';
  if (!inMemory) mkdirSync(config.dataDir, { recursive: true });
  const metrics = new JadeMetrics();
  const opened = await openEventStore({ ...config.eventstore, type: config.eventstore.type, dataDir: config.dataDir });
  const store = timedAppends(opened, (s) => metrics.observeAppend(s));
  shutdown.add(() => store.close());
  // The leader's appends (commands, AMI, dialer, dialplans) are fenced on PostgreSQL: refused once another node leads.
  let port = config.http.port;
  const identity = clusterIdentity(config, () => port);
  const leadership = createLeadership(config, identity, logger.child({ module: 'cluster' }));
  const leaderStore = opened instanceof PostgresEventStore ? timedAppends(opened.fenced(leadership.lease), (s) => metrics.observeAppend(s)) : store;
  // On PostgreSQL the read models are shared by every node (src/readmodels/postgres-mirror.ts); else a SQLite file beside the log.
  const shared = config.eventstore.type === 'postgres' ? await openSharedReadModels(config.eventstore.postgresUrl, logger.child({ module: 'readmodels' })) : undefined;
  const readModels = shared?.readModels ?? (await openReadModelDb(inMemory ? ':memory:' : readModelDbPath(config.dataDir)));
  shutdown.add(() => readModels.close());
  const localRunner = createProjectionRunner({ store, readModels, logger: logger.child({ module: 'readmodels' }) });
  // With nodes sharing PostgreSQL only the leader writes the read models; every node keeps its own change feed.
  const mirrored = shared?.follow(localRunner, { following: true });
  const runner = mirrored ?? localRunner;
  shutdown.add(() => runner.stop());
  await runner.start();
  const logCount = countLog(store, metrics, await store.headPosition(), logger.child({ module: 'metrics' }));
  shutdown.add(() => logCount.close());

  const auth = createAuth({ store, config, logger, scrypt: options.scrypt, print: options.print });
  shutdown.add(() => auth.stop());
  await auth.start();
  // The log port: SQL over the SQLite file on a read-only connection of its own (filters run in SQLite), else the store.
  const log: LogSource =
    config.eventstore.type === 'sqlite'
      ? SqliteLogSource.open(config.dataDir)
      : config.eventstore.type === 'postgres'
        ? PostgresLogSource.open(config.eventstore.postgresUrl)
        : new StoreLogSource(store);
  shutdown.add(() => log.close());
  // Point-in-time reads start from snapshots of the live read models (taken as the runner advances).
  const pointInTime = openPointInTime({ store, dataDir: inMemory ? undefined : config.dataDir, live: readModels.sqlite, changes: runner.changes, settings: config.history, logger: logger.child({ module: 'point-in-time' }) });
  const { scratch } = pointInTime;
  shutdown.add(() => pointInTime.close());

  // Every Asterisk box's links, seated while this node leads (src/cluster/duties.ts starts them).
  const amiSeat = new AmiSeat(config.ami.nodes.map((box) => box.node));
  // The voicemail spool is the one place jade reads Asterisk's disk (src/voicemail/spool.ts); unset: 503 on /voicemail/vms.
  const voicemailSpool = config.voicemail.spoolDir === '' ? undefined : new VoicemailSpool(config.voicemail.spoolDir);
  const commands: CommandDeps = {
    store: leaderStore,
    ami: amiSeat.gateway,
    nodes: amiSeat.nodes,
    readModels: createReadModelSync(runner),
    logger: logger.child({ module: 'commands' }),
    settleTimeoutMs: config.commands.readYourWritesTimeoutMs,
  };

  // Asterisk's config files: writes as commands on config-<file> streams (drift checks are a leader duty).
  const configFiles = new ConfigService({ ...commands, logger: logger.child({ module: 'config' }), resnapshot: (names) => amiSeat.resnapshot(names) });
  // Outbound resources (plans, campaigns, dial lists, ...): event-sourced objects, decided without Asterisk.
  const obResources = new ObResourceCommands({ store: leaderStore, db: readModels.db, readModels: commands.readModels, settleTimeoutMs: commands.settleTimeoutMs, nodes: amiSeat.names });
  const resultFile = new ResultFile(resultFilePath(config));
  shutdown.add(() => resultFile.close());

  // Chats (/me/chats): rooms and messages on chat-<room> streams, decided without Asterisk.
  const chats = new ChatCommands({
    store: leaderStore,
    db: readModels.db,
    readModels: commands.readModels,
    settleTimeoutMs: commands.settleTimeoutMs,
    userExists: (uuid) => auth.service.userView(uuid) !== undefined,
  });
  const chatOwner = readModels.sqlite.prepare(chatOwnerQuery).pluck();
  const routers = buildRouters({
    chats: { db: readModels.db, chats },
    health: { ami: amiSeat, nodes: () => amiSeat.statuses(), store, projectionsPosition: () => runner.position(), projectionFaults: () => runner.status().faults, cluster: () => leadership.view() },
    auth: auth.service,
    pbx: { db: readModels.db, commands, ami: amiSeat, configFiles, voicemailSpool },
    outbound: { db: readModels.db, commands: obResources, hangupDialing: (actor, uuid) => hangupDialing({ db: readModels.db, commands }, actor, uuid) },
    history: { db: readModels.db, store, log, runner: pointInTime.dropSnapshotsAfterRebuild(runner), logger },
    metrics,
    dp: { db: readModels.db, commands: new DpResourceCommands({ store: leaderStore, db: readModels.db, readModels: commands.readModels, settleTimeoutMs: commands.settleTimeoutMs }) },
    people: {
      db: readModels.db,
      auth: auth.service,
      commands: new PeopleCommands({
        store: leaderStore,
        db: readModels.db,
        readModels: commands.readModels,
        settleTimeoutMs: commands.settleTimeoutMs,
        userExists: (uuid) => auth.service.userView(uuid) !== undefined,
      }),
    },
  });
  const observeRequest = metrics.observeHttp.bind(metrics);
  // A follower passes commands to the leader, and answers once it has caught up with what they appended.
  const forward = leaderForward({
    leadership,
    applied: () => ({ readModels: runner.position(), users: auth.service.directory.position }),
    caughtUp: async (positions, timeoutMs) => {
      await Promise.all([runner.waitForPosition(positions.readModels, timeoutMs), auth.service.directory.waitForPosition(positions.users, timeoutMs)]);
    },
    forwardTimeoutMs: config.cluster.forwardTimeoutMs,
    settleTimeoutMs: config.commands.readYourWritesTimeoutMs,
    logger: logger.child({ module: 'cluster' }),
  });
  const app = createHttpApp({ logger, bodyLimitBytes: config.http.bodyLimitBytes, authenticate: auth.authenticate, front: [forward], beforeRoutes: [pointInTimeReads({ log, scratch })], routers, observeRequest });
  const httpServer = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.http.port, config.http.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  shutdown.add(
    () =>
      new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      }),
  );
  // Every read-model change goes out as the manual's topic event; no read model publishes by another path.
  const realtime = attachRealtime({
    httpServer,
    changes: runner.changes,
    verifyToken: auth.verifyToken,
    tokenState: auth.tokenState,
    config: config.realtime,
    logger: logger.child({ module: 'realtime' }),
    startPosition: runner.position(),
    // A person's own topics: `/me/chats/<uuid>` only for that chat's member.
    topicOwners: { chats: (uuid) => chatOwner.get(uuid) as string | undefined },
  });
  shutdown.add(() => realtime.close());
  const projections = { projectionPositions: () => runner.projectionPositions(), faultCount: () => runner.status().faults.count };
  metrics.attach({
    ami: () => amiSeat.statuses(),
    headPosition: () => store.headPosition(),
    projections,
    realtime: () => realtime.stats(),
    cluster: () => leadership.view(),
  });
  const metricsAddress = parseListenAddress(config.metrics.listen);
  const metricsServer = metricsAddress && (await listenMetrics(metricsAddress, () => metrics.render()));
  if (metricsServer) shutdown.add(() => metricsServer.close());
  port = (httpServer.address() as AddressInfo).port;
  // The leader's duties, while this node leads: at once when it is alone, else whenever it takes over.
  const seat = new LeaderSeat({
    leadership,
    takeReadModels: async (epoch) => mirrored?.lead(epoch, () => store.headPosition()),
    demoted: () => {
      amiSeat.unseat();
      mirrored?.follow();
    },
    startDuties: () => startLeaderDuties({ config, logger, store: leaderStore, readModels, runner, amiSeat, commands, configFiles, obResources, resultFile, voicemailSpool }),
    isFatal: (error) => error instanceof SystemNameCollisionError,
    logger: logger.child({ module: 'cluster' }),
  });
  shutdown.add(() => seat.stop());
  await seat.start();
  logger.info({ port, dataDir: config.dataDir, eventstore: config.eventstore.type, role: leadership.view().role }, 'jade is serving');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= shutdown.run());
  return { httpServer, port, store, readModels, runner, ami: amiSeat, leadership, auth, realtime, routers, metricsPort: metricsServer?.port, stop };
}

/**
 * Authenticated paths whose `at=` selects no read models: the log caps its range with it; the rest read none.
 * (Public paths, `/ping`, `/health`, login, need no entry: point-in-time.ts ignores `at` without a user.)
 */
const ownsAt = (path: string): boolean =>
  logPaths(path) || path.startsWith('/admin/login') || path.startsWith('/admin/info') || path.startsWith('/admin/projections');

/** Resolves `at=` for the routes after it; runs behind authentication, so only a known caller can make us replay. */
export function pointInTimeReads(parts: { readonly log: LogSource; readonly scratch: ScratchReadModels }): Middleware {
  return pointInTime({ log: parts.log, scratch: parts.scratch, ownsAt });
}

export interface OfflineRebuildOptions {
  readonly projection?: string;
  /** Told how far the replay is (events done of a total), and when it is over. */
  readonly progress?: { update(done: number, total: number): void; finish(): void };
}

/** `jade rebuild`: replays projections from the log into the data dir's read-model database. */
export async function rebuildOffline(config: Config, logger: Logger, options: OfflineRebuildOptions): Promise<number> {
  const holder = config.eventstore.type === 'sqlite' ? SqliteEventStore.lockHolder(config.dataDir) : undefined;
  if (holder !== undefined) {
    process.stderr.write(
      `jade rebuild: a server (pid ${holder === 0 ? 'unknown' : holder}) holds ${config.dataDir}; stop it, or ask it: jade rebuild --server (POST /v1/admin/projections/rebuild)\n`,
    );
    return 1;
  }
  // Shared read models: only the leader writes them, so the rebuild leads (or refuses while a node does).
  if (config.eventstore.type === 'postgres') {
    const url = config.eventstore.postgresUrl;
    return rebuildShared(config, logger, () => PostgresEventStore.open({ connectionString: url, groupCommitMaxBatch: config.eventstore.groupCommitMaxBatch }), options);
  }
  const store = await openEventStore({ ...config.eventstore, dataDir: config.dataDir });
  const readModels = await openReadModelDb(readModelDbPath(config.dataDir));
  const runner = createProjectionRunner({ store, readModels, logger });
  try {
    const started = Date.now();
    const result = await runner.rebuild(options.projection === undefined ? undefined : [options.projection], { onProgress: (p) => options.progress?.update(p.position, p.target) });
    options.progress?.finish();
    // Snapshots copied the old tables: dropped; the server takes new ones as the log grows.
    if (config.eventstore.type !== 'memory') await new ReadModelSnapshots({ dir: snapshotDir(config.dataDir), everyEvents: 0, retain: config.history.snapshotRetain }).dropAll();
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`rebuilt ${result.projections.join(', ')} to position ${result.position}: ${result.events} events in ${seconds.toFixed(1)} s\n`);
    return 0;
  } finally {
    await runner.stop();
    await store.close();
    await readModels.close();
  }
}
