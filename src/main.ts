import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { Middleware } from 'koa';
import type { Router } from '@koa/router';
import type { Kysely } from 'kysely';
import { resultFilePath, type Config } from './config.js';
import type { Logger } from './logger.js';
import { openEventStore, PostgresLogSource, SqliteEventStore, SqliteLogSource, StoreLogSource, type EventStore, type LogSource } from './eventstore/index.js';
import { startAmi, type AmiRuntime } from './ami/index.js';
import { startPjsipRefresh } from './ami/pjsip-refresh.js';
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
import type { Database } from './readmodels/database.js';
import { defaultProjections } from '../projections/index.js';
import { createAuth, type Auth, type AuthService } from './auth/index.js';
import type { ScryptParams } from './auth/password.js';
import { createHttpApp } from './http/app.js';
import { pointInTime } from './http/point-in-time.js';
import { healthRoutes, type HealthDeps } from './http/routes/health.js';
import { allLoginRoutes } from './http/routes/login.js';
import { adminInfoRoutes } from './http/routes/admin-info.js';
import { userRoutes } from './http/routes/users.js';
import { coreRoutes } from './http/routes/core.js';
import { queueRoutes } from './http/routes/queue.js';
import { parkRoutes } from './http/routes/park.js';
import { parkConfigRoutes } from './http/routes/park-config.js';
import { pjsipConfigRoutes } from './http/routes/pjsip-config.js';
import { dialplanConfigRoutes } from './http/routes/dialplan-config.js';
import { managerConfigRoutes } from './http/routes/manager-config.js';
import { queueConfigRoutes } from './http/routes/queue-config.js';
import { voicemailRoutes } from './http/routes/voicemail.js';
import { ConfigService } from './configfiles/service.js';
import { startConfigDrift } from './configfiles/drift.js';
import { managedFiles } from './configfiles/decide.js';
import { pjsipRoutes } from './http/routes/pjsip.js';
import { legacyRoutes } from './http/routes/legacy.js';
import { eventsRoutes, logPaths } from './http/routes/events.js';
import { callsRoutes } from './http/routes/calls.js';
import { commandsRoutes } from './http/routes/commands.js';
import { projectionsRoutes, type ProjectionsRouteDeps } from './http/routes/projections.js';
import type { CommandDeps } from './commands/command.js';
import { ObResourceCommands } from './outbound/commands.js';
import { outboundRoutes, type OutboundRouteDeps } from './http/routes/outbound.js';
import { ScratchReadModels } from './history/index.js';
import { Dialer, hangupDialing, ResultFile } from './outbound/dialer/index.js';
import { attachRealtime, type Realtime } from './realtime/index.js';
import { PeopleCommands } from './people/commands.js';
import { DpResourceCommands } from './dp/commands.js';
import { dpRoutes, type DpRouteDeps } from './http/routes/dp.js';
import { peopleRoutes, type PeopleRouteDeps } from './http/routes/people.js';
import { ChatCommands } from './commands/chat.js';
import { chatRoutes, type ChatRouteDeps } from './http/routes/chats.js';
import { chatOwnerQuery } from '../projections/chats.js';
import { getDpmaScript } from '../projections/dialplans.js';
import { DialplanRunner, recoverDialplanRuns } from './dialplans/index.js';

export interface Jade {
  readonly httpServer: Server;
  readonly port: number;
  readonly store: EventStore;
  readonly readModels: ReadModelDb;
  readonly runner: ProjectionRunner<ReadModelChange>;
  readonly ami: AmiRuntime;
  readonly auth: Auth;
  readonly realtime: Realtime;
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
  const store = await openEventStore({ ...config.eventstore, type: config.eventstore.type, dataDir: config.dataDir });
  shutdown.add(() => store.close());
  // On PostgreSQL the read models are shared by every node (src/readmodels/postgres-mirror.ts); else a SQLite file beside the log.
  const shared = config.eventstore.type === 'postgres' ? await openSharedReadModels(config.eventstore.postgresUrl, logger.child({ module: 'readmodels' })) : undefined;
  const readModels = shared?.readModels ?? (await openReadModelDb(inMemory ? ':memory:' : readModelDbPath(config.dataDir)));
  shutdown.add(() => readModels.close());
  const localRunner = createProjectionRunner({ store, readModels, logger: logger.child({ module: 'readmodels' }) });
  const runner = shared ? shared.follow(localRunner) : localRunner;
  shutdown.add(() => runner.stop());
  await runner.start();

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
  const scratch = new ScratchReadModels({
    store,
    maxBuilds: config.history.maxScratchBuilds,
    maxQueued: config.history.maxQueuedScratchBuilds,
    logger: logger.child({ module: 'point-in-time' }),
  });
  shutdown.add(() => scratch.close());

  // Read before AMI starts, so the PJSIP follow-ups see the first snapshot round.
  const logHead = await store.headPosition();
  // Async-AGI dialplans: the runs a previous process left unfinished, found before AMI starts (no channel
  // snapshot of this process has dropped their sessions yet).
  const dialplanRecovery = await recoverDialplanRuns({ store, db: readModels.db, readModels: runner });
  const ami = startAmi({ config: config.ami, store, logger: logger.child({ module: 'ami' }) });
  shutdown.add(() => ami.stop());
  const pjsipRefresh = await startPjsipRefresh({ store, ami, logger: logger.child({ module: 'ami' }), afterPosition: logHead });
  shutdown.add(() => pjsipRefresh.stop());
  const commands: CommandDeps = {
    store,
    ami: ami.gateway,
    readModels: createReadModelSync(runner),
    logger: logger.child({ module: 'commands' }),
    settleTimeoutMs: config.commands.readYourWritesTimeoutMs,
  };

  // Asterisk's config files: writes as commands on config-<file> streams, drift checks on connect and on a timer.
  const configFiles = new ConfigService({ ...commands, logger: logger.child({ module: 'config' }), resnapshot: (names) => ami.resnapshot(names) });
  const drift = await startConfigDrift({
    service: configFiles,
    files: managedFiles,
    intervalMs: config.config.driftCheckSeconds * 1000,
    store,
    logger: logger.child({ module: 'config' }),
    afterPosition: logHead,
  });
  shutdown.add(() => drift.stop());

  // Outbound resources (plans, campaigns, dial lists, ...): event-sourced objects, decided without Asterisk.
  const obResources = new ObResourceCommands({ store, db: readModels.db, readModels: commands.readModels, settleTimeoutMs: commands.settleTimeoutMs });
  // The dialer: a process manager over the log (after the projection runner, which it reads; stopped before it).
  const resultFile = new ResultFile(resultFilePath(config));
  shutdown.add(() => resultFile.close());
  const dialer = new Dialer({
    store,
    db: readModels.db,
    readModels: runner,
    ami: ami.gateway,
    resources: obResources,
    commands: { ...commands, logger: logger.child({ module: 'dialer' }) },
    resultFile,
    timezone: config.outbound.timezone,
    logger: logger.child({ module: 'dialer' }),
    tickMs: config.outbound.tickMs,
    maxDialsPerTick: config.outbound.maxDialsPerTick,
    requestChannelSnapshot: () => ami.resnapshot(['CoreShowChannels']),
  });
  shutdown.add(() => dialer.stop());
  await dialer.start(logHead);
  // Async-AGI dialplans (`AGI(agi:async,jade_dialplan,<dpma>)`): a process manager over the log, like the dialer.
  const dialplanRunner = new DialplanRunner({
    store,
    db: readModels.db,
    readModels: runner,
    commands: { ...commands, logger: logger.child({ module: 'dialplans' }) },
    loadScript: (uuid) => getDpmaScript(readModels.db, uuid),
    logger: logger.child({ module: 'dialplans' }),
  });
  shutdown.add(() => dialplanRunner.stop());
  await dialplanRunner.start(logHead, dialplanRecovery);

  // Chats (/me/chats): rooms and messages on chat-<room> streams, decided without Asterisk.
  const chats = new ChatCommands({
    store,
    db: readModels.db,
    readModels: commands.readModels,
    settleTimeoutMs: commands.settleTimeoutMs,
    userExists: (uuid) => auth.service.userView(uuid) !== undefined,
  });
  const chatOwner = readModels.sqlite.prepare(chatOwnerQuery).pluck();
  const routers = buildRouters({
    chats: { db: readModels.db, chats },
    health: { ami: ami.gateway, store, projectionsPosition: () => runner.position(), projectionFaults: () => runner.status().faults },
    auth: auth.service,
    pbx: { db: readModels.db, commands, ami, configFiles },
    outbound: { db: readModels.db, commands: obResources, hangupDialing: (actor, uuid) => hangupDialing({ db: readModels.db, commands }, actor, uuid) },
    history: { db: readModels.db, store, log, runner, logger },
    dp: { db: readModels.db, commands: new DpResourceCommands({ store, db: readModels.db, readModels: commands.readModels, settleTimeoutMs: commands.settleTimeoutMs }) },
    people: {
      db: readModels.db,
      auth: auth.service,
      commands: new PeopleCommands({
        store,
        db: readModels.db,
        readModels: commands.readModels,
        settleTimeoutMs: commands.settleTimeoutMs,
        userExists: (uuid) => auth.service.userView(uuid) !== undefined,
      }),
    },
  });
  const app = createHttpApp({ logger, bodyLimitBytes: config.http.bodyLimitBytes, authenticate: auth.authenticate, beforeRoutes: [pointInTimeReads({ log, scratch })], routers });
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
  const port = (httpServer.address() as AddressInfo).port;
  logger.info({ port, dataDir: config.dataDir, eventstore: config.eventstore.type }, 'jade is serving');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= shutdown.run());
  return { httpServer, port, store, readModels, runner, ami, auth, realtime, stop };
}

/** The service objects the routers are built from, each made once by compose() (or by a test). */
export interface RouterParts {
  readonly health: HealthDeps;
  readonly auth: AuthService;
  readonly pbx: PbxRouterParts;
  readonly outbound: OutboundRouteDeps;
  readonly history: HistoryRouterParts;
  /** Contacts, buddies, /me (issue 13 P2); optional so a test may build the routers without it. */
  readonly people?: PeopleRouteDeps;
  /** `/me/chats`; absent in tests that build routers without it. */
  readonly chats?: ChatRouteDeps;
  /** Async dialplans (issue 14): `/dp/...` and `/admin/dialplan/adp[ma]s`; optional like people. */
  readonly dp?: DpRouteDeps;
}

export interface PbxRouterParts {
  readonly db: Kysely<Database>;
  readonly commands: CommandDeps;
  readonly ami: AmiRuntime;
  readonly configFiles: ConfigService;
}

export interface HistoryRouterParts {
  readonly db: Kysely<Database>;
  readonly store: Pick<EventStore, 'readStream'>;
  readonly log: LogSource;
  readonly runner: ProjectionsRouteDeps['runner'];
  readonly logger: Logger;
}

/** Every router of the API, one per URL area, in the order the app tries them. */
export function buildRouters(parts: RouterParts): Router[] {
  const { db, commands } = parts.pbx;
  return [
    healthRoutes(parts.health),
    ...authRouters(parts.auth),
    coreRoutes({ db, commands, ami: parts.pbx.ami }),
    queueRoutes({ db, commands }),
    queueConfigRoutes({ db, config: parts.pbx.configFiles }),
    voicemailRoutes({ db, config: parts.pbx.configFiles }),
    outboundRoutes(parts.outbound),
    ...historyRouters(parts.history),
    parkConfigRoutes({ db, config: parts.pbx.configFiles }),
    parkRoutes({ db, commands }),
    pjsipConfigRoutes({ db, config: parts.pbx.configFiles }),
    dialplanConfigRoutes({ db, config: parts.pbx.configFiles }),
    managerConfigRoutes({ db, config: parts.pbx.configFiles }),
    pjsipRoutes({ db }),
    legacyRoutes({ db }),
    ...(parts.people ? [peopleRoutes(parts.people)] : []),
    ...(parts.chats ? [chatRoutes(parts.chats)] : []),
    ...(parts.dp ? [dpRoutes(parts.dp)] : []),
  ];
}

/** `/admin/login`, `/manager/login`, `/me/login`, `/admin/info`, and the users: `/admin/user/*`, `/manager/users`. */
export function authRouters(auth: AuthService): Router[] {
  return [...allLoginRoutes(auth), adminInfoRoutes(auth), userRoutes(auth)];
}

/** Log API, call history, command audit and replay: `/events`, `/calls`, `/commands`, `/admin/projections`. */
export function historyRouters(parts: HistoryRouterParts): Router[] {
  return [
    eventsRoutes({ log: parts.log }),
    callsRoutes({ db: parts.db, store: parts.store }),
    commandsRoutes({ db: parts.db }),
    projectionsRoutes({ runner: parts.runner, names: defaultProjections.map((p) => p.name), logger: parts.logger.child({ module: 'rebuild' }) }),
  ];
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
  if (config.eventstore.type === 'postgres') {
    // Shared read models: a rebuild beside the running nodes' runners would race them; a node does it in place.
    process.stderr.write('jade rebuild: on PostgreSQL the read models are shared by the nodes; ask one: jade rebuild --server\n');
    return 1;
  }
  const store = await openEventStore({ ...config.eventstore, dataDir: config.dataDir });
  const readModels = await openReadModelDb(readModelDbPath(config.dataDir));
  const runner = createProjectionRunner({ store, readModels, logger });
  try {
    const started = Date.now();
    const result = await runner.rebuild(options.projection === undefined ? undefined : [options.projection], {
      onProgress: (p) => process.stderr.write(`\rrebuild ${p.projections.join(',')}: ${p.position}/${p.target}`),
    });
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`\nrebuilt ${result.projections.join(', ')} to position ${result.position}: ${result.events} events in ${seconds.toFixed(1)} s\n`);
    return 0;
  } finally {
    await runner.stop();
    await store.close();
    await readModels.close();
  }
}
