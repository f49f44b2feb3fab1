import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from '@koa/router';
import type { Context } from 'koa';

/**
 * The live dashboard (`/` and `/ui/...`): static files that `npm run build` bundles from ui/ into
 * dist/ui/ (scripts/build-ui.ts). Public, like any page: the page logs in through `POST /v1/admin/login` (or `/v1/manager/login` for a manager: ui/roles.ts)
 * and every call it makes afterwards carries the token, so serving it needs no authentication.
 *
 * Only plain file names found in the build folder are served (no sub-folders, no `..`), and the page may
 * talk to this origin only (Content-Security-Policy): it fetches nothing from anywhere else.
 */

export interface DashboardDeps {
  /** Where the build is, asked per request (a build made after start is served); defaultDashboardDir when absent. */
  readonly findDir?: () => string | undefined;
}

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Run from the sources (src/http/routes/) the build is <repo>/dist/ui; run compiled (dist/src/http/routes/)
 * it is dist/ui as well. The bundle's `app.js` marks a build (ui/ itself holds sources, not app.js).
 */
export function defaultDashboardDir(): string | undefined {
  return [join(here, '..', '..', '..', 'dist', 'ui'), join(here, '..', '..', '..', 'ui')].find((dir) => existsSync(join(dir, 'app.js')));
}

const contentTypes: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
};

const servableName = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(html|js|css|map|svg)$/;

const policy = [
  "default-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
  "script-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function dashboardRoutes(deps: DashboardDeps = {}): Router {
  const router = new Router();

  const serve = async (ctx: Context, name: string): Promise<void> => {
    const match = servableName.exec(name);
    const dir = (deps.findDir ?? defaultDashboardDir)();
    if (match === null) {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'not found';
      return;
    }
    if (dir === undefined) {
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'the dashboard is not built: run `npm run build` (it bundles ui/ into dist/ui/)';
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(join(dir, name));
    } catch {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = 'not found';
      return;
    }
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Content-Security-Policy', policy);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.type = contentTypes[match[1]!] ?? 'application/octet-stream';
    ctx.body = body;
  };

  router.get('/', (ctx) => serve(ctx, 'index.html'));
  router.get('/ui', (ctx) => serve(ctx, 'index.html'));
  router.get('/ui/:file', (ctx) => serve(ctx, String(ctx.params.file ?? '')));
  return router;
}
