import type Koa from 'koa';
import type { Router } from '@koa/router';
import type { Auth } from '../../src/auth/index.js';
import type { Config } from '../../src/config.js';
import type { EventStore, LogSource } from '../../src/eventstore/index.js';
import { ScratchReadModels } from '../../src/history/index.js';
import { createHttpApp } from '../../src/http/app.js';
import { healthRoutes, type HealthDeps } from '../../src/http/routes/health.js';
import type { Logger } from '../../src/logger.js';
import { authRouters, historyRouters, pointInTimeReads, type HistoryRouterParts } from '../../src/main.js';

/**
 * A part of jade's HTTP app wired as src/main.ts wires it (its router builders, its point-in-time
 * middleware, the auth gate), for tests that serve only some areas: health, auth, history.
 */
export interface TestAppParts {
  readonly logger: Logger;
  readonly bodyLimitBytes?: number;
  readonly auth: Auth;
  readonly health?: HealthDeps;
  readonly history?: TestHistory;
}

/** History's parts as main.ts makes them: the log port, scratch read models for `at=`, and what its routes read. */
export interface TestHistory extends HistoryRouterParts {
  readonly scratch: ScratchReadModels;
  stop(): Promise<void>;
}

/** The health deps of a jade whose AMI never connected and whose projections are at 0. */
export function offlineHealth(store: Pick<EventStore, 'headPosition'>): HealthDeps {
  return { ami: { state: () => ({ connected: false, since: null, lastEventAt: null }) }, store, projectionsPosition: () => 0 };
}

export function testHistory(
  parts: Omit<HistoryRouterParts, 'store'> & { readonly store: EventStore; readonly config: Pick<Config, 'history'> },
): TestHistory {
  const scratch = new ScratchReadModels({
    store: parts.store,
    maxBuilds: parts.config.history.maxScratchBuilds,
    maxQueued: parts.config.history.maxQueuedScratchBuilds,
    logger: parts.logger.child({ module: 'point-in-time' }),
  });
  const log: LogSource = parts.log;
  return {
    ...parts,
    scratch,
    async stop() {
      await scratch.close();
      log.close();
    },
  };
}

export function testHttpApp(parts: TestAppParts): Koa {
  // main.ts's buildRouters order: health, auth, ..., history.
  const routers: Router[] = [
    ...(parts.health ? [healthRoutes(parts.health)] : []),
    ...authRouters(parts.auth.service),
    ...(parts.history ? historyRouters(parts.history) : []),
  ];
  return createHttpApp({
    logger: parts.logger,
    bodyLimitBytes: parts.bodyLimitBytes ?? 1024 * 1024,
    authenticate: parts.auth.authenticate,
    beforeRoutes: parts.history ? [pointInTimeReads(parts.history)] : [],
    routers,
  });
}
