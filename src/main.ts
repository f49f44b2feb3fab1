import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import type { Router } from '@koa/router';
import { resultFilePath, type Config } from './config.js';
import type { Logger } from './logger.js';
import { openEventStore, SqliteEventStore, type EventStore } from './eventstore/index.js';
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
import { createAuth, type Auth } from './auth/index.js';
import type { ScryptParams } from './auth/password.js';
import { createHttpApp } from './http/app.js';
import { healthRoutes } from './http/routes/health.js';
import { coreRoutes } from './http/routes/core.js';
import { queueRoutes } from './http/routes/queue.js';
import { parkRoutes } from './http/routes/park.js';
import { pjsipRoutes } from './http/routes/pjsip.js';
import { legacyRoutes } from './http/routes/legacy.js';
import type { CommandDeps } from './commands/command.js';
import { ObResourceCommands } from './outbound/commands.js';
import { outboundRoutes } from './http/routes/outbound.js';
import { startHistory } from './history/index.js';
import { Dialer, hangupDialing, ResultFile } from './outbound/dialer/index.js';
import { attachRealtime, type Realtime } from './realtime/index.js';

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
  const readModels = await openReadModelDb(inMemory ? ':memory:' : readModelDbPath(config.dataDir));
  shutdown.add(() => readModels.close());
  const runner = createProjectionRunner({ store, readModels, logger: logger.child({ module: 'readmodels' }) });
  shutdown.add(() => runner.stop());
  await runner.start();

  const auth = createAuth({ store, config, logger, scrypt: options.scrypt, print: options.print });
  shutdown.add(() => auth.stop());
  await auth.start();
  // Log API, call history, command audit, replay and point-in-time reads.
  const history = startHistory({ config, store, readModels, runner, logger });
  shutdown.add(() => history.stop());

  // Read before AMI starts, so the PJSIP follow-ups see the first snapshot round.
  const logHead = await store.headPosition();
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

  const routers: Router[] = [
    healthRoutes({ ami: ami.gateway, store, projectionsPosition: () => runner.position(), projectionFaults: () => runner.status().faults }),
    ...auth.routers,
    coreRoutes({ db: readModels.db, commands, ami }),
    queueRoutes({ db: readModels.db, commands }),
    outboundRoutes({ db: readModels.db, commands: obResources, hangupDialing: (actor, uuid) => hangupDialing({ db: readModels.db, commands }, actor, uuid) }),
    ...history.routers,
    parkRoutes({ db: readModels.db, commands }),
    pjsipRoutes({ db: readModels.db }),
    legacyRoutes({ db: readModels.db }),
  ];
  const app = createHttpApp({ logger, bodyLimitBytes: config.http.bodyLimitBytes, authenticate: auth.authenticate, beforeRoutes: [history.pointInTime], routers });
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
  });
  shutdown.add(() => realtime.close());
  const port = (httpServer.address() as AddressInfo).port;
  logger.info({ port, dataDir: config.dataDir, eventstore: config.eventstore.type }, 'jade is serving');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= shutdown.run());
  return { httpServer, port, store, readModels, runner, ami, auth, realtime, stop };
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
