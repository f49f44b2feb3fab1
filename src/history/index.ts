import type { Context, Next } from 'koa';
import type { Router } from '@koa/router';
import type { Config } from '../config.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { ProjectionRunner } from '../readmodels/runner.js';
import type { ReadModelDb } from '../readmodels/database.js';
import { defaultProjections } from '../../projections/index.js';
import { pointInTime } from '../http/point-in-time.js';
import { callsRoutes } from '../http/routes/calls.js';
import { commandsRoutes } from '../http/routes/commands.js';
import { eventsRoutes, logPaths } from '../http/routes/events.js';
import { projectionsRoutes } from '../http/routes/projections.js';
import type { LogSource } from './log.js';
import { ScratchReadModels } from './scratch.js';
import { SqliteLogSource } from './sqlite-log.js';
import { StoreLogSource } from './store-log.js';

export { queryLog, toWireEvent, type LogPage, type LogQuery, type LogSource, type WireEvent } from './log.js';
export { ScratchReadModels } from './scratch.js';
export { SqliteLogSource } from './sqlite-log.js';
export { StoreLogSource } from './store-log.js';

type Middleware = (ctx: Context, next: Next) => Promise<void>;

export interface HistoryDeps {
  readonly config: Pick<Config, 'dataDir' | 'eventstore' | 'history'>;
  readonly store: EventStore;
  readonly readModels: ReadModelDb;
  readonly runner: Pick<ProjectionRunner<unknown>, 'rebuild' | 'status'>;
  readonly logger: Logger;
  /** Tests: the log the routes and `at=` read (default: SQL over the SQLite file, or the store). */
  readonly log?: LogSource;
}

export interface History {
  /** `/events`, `/calls`, `/commands`, `/admin/projections`. */
  readonly routers: readonly Router[];
  /** Resolves `at=` for the routes after it; runs behind authentication, so only a known caller can make us replay. */
  readonly pointInTime: Middleware;
  readonly scratch: ScratchReadModels;
  stop(): Promise<void>;
}

/**
 * Authenticated paths whose `at=` selects no read models: the log caps its range with it; the rest read none.
 * (Public paths, `/ping`, `/health`, login, need no entry: point-in-time.ts ignores `at` without a user.)
 */
const ownsAt = (path: string): boolean =>
  logPaths(path) || path.startsWith('/admin/login') || path.startsWith('/admin/info') || path.startsWith('/admin/projections');

/** Wires the log API, call history, command audit, replay and point-in-time reads for main.ts. */
export function startHistory(deps: HistoryDeps): History {
  // The SQLite store is read through SQL on a read-only connection of its own: filters run in SQLite.
  const log: LogSource =
    deps.log ?? (deps.config.eventstore.type === 'sqlite' ? SqliteLogSource.open(deps.config.dataDir) : new StoreLogSource(deps.store));
  const scratch = new ScratchReadModels({
    store: deps.store,
    maxBuilds: deps.config.history.maxScratchBuilds,
    maxQueued: deps.config.history.maxQueuedScratchBuilds,
    logger: deps.logger.child({ module: 'point-in-time' }),
  });
  const atMiddleware = pointInTime({ log, scratch, ownsAt });
  const db = deps.readModels.db;
  return {
    routers: [
      eventsRoutes({ log }),
      callsRoutes({ db, store: deps.store }),
      commandsRoutes({ db }),
      projectionsRoutes({ runner: deps.runner, names: defaultProjections.map((p) => p.name), logger: deps.logger.child({ module: 'rebuild' }) }),
    ],
    pointInTime: atMiddleware,
    scratch,
    async stop() {
      await scratch.close();
      log.close();
    },
  };
}
