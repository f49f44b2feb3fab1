import Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import type { Router } from '@koa/router';
import type { Logger } from '../logger.js';
import { errorMiddleware } from './error-middleware.js';
import { jsonBody } from './body.js';
import { cors } from './cors.js';

export interface HttpAppOptions {
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
  /** Runs before every route; decides itself which routes are public. */
  readonly authenticate: Middleware;
  /** Run before the version alias and authentication, the request untouched (forwarding to the leader). */
  readonly front?: readonly Middleware[];
  /** Run after authentication and before the routes (point-in-time resolution). */
  readonly beforeRoutes?: readonly Middleware[];
  /** One router per URL area, with unversioned paths (`/core/channels`). */
  readonly routers: readonly Router[];
  /** Hears every answered request: the route pattern that matched (`unmatched` when none), never the raw URL. */
  readonly observeRequest?: (method: string, route: string, status: number, seconds: number) => void;
}

/** Times each request to its final status (outside the error middleware, which sets the status of a failure). */
function observed(observe: NonNullable<HttpAppOptions['observeRequest']>): Middleware {
  return async function observeRequest(ctx: Context, next: Next): Promise<void> {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // @koa/router leaves the pattern it matched on the context (`/core/channels/:id`): bounded label values.
      const matched: unknown = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      observe(ctx.method, typeof matched === 'string' ? matched : 'unmatched', ctx.status, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}

/**
 * `/v1/x` and the manual's unversioned `/x` are the same handlers: strip the version once,
 * here, so each router declares its paths a single time.
 */
async function versionAlias(ctx: Context, next: Next): Promise<void> {
  if (ctx.path === '/v1' || ctx.path.startsWith('/v1/')) ctx.path = ctx.path.slice(3) || '/';
  await next();
}

export function createHttpApp(options: HttpAppOptions): Koa {
  const app = new Koa();
  app.proxy = false;
  if (options.observeRequest) app.use(observed(options.observeRequest));
  app.use(errorMiddleware(options.logger));
  app.use(cors);
  for (const middleware of options.front ?? []) app.use(middleware);
  app.use(versionAlias);
  // Authenticate first: an anonymous client must not make us read a body.
  app.use(options.authenticate);
  app.use(jsonBody(options.bodyLimitBytes));
  for (const middleware of options.beforeRoutes ?? []) app.use(middleware);
  for (const router of options.routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  // Koa would log every thrown error itself; the error middleware already did.
  app.silent = true;
  return app;
}
