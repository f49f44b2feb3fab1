import { Router } from '@koa/router';
import { z } from 'zod';
import type { Logger } from '../../logger.js';
import type { RebuildProgress, RebuildResult, RunnerStatus } from '../../readmodels/index.js';
import { reply } from '../envelope.js';
import { badRequest } from '../errors.js';
import { accepts } from '../route-input.js';

export interface ProjectionsRouteDeps {
  readonly runner: {
    rebuild(names?: readonly string[], options?: { onProgress?: (progress: RebuildProgress) => void }): Promise<RebuildResult>;
    status(): RunnerStatus;
  };
  /** Every projection's name, for the listing and for a 400 that says what exists. */
  readonly names: readonly string[];
  readonly logger: Logger;
}

const rebuildBody = z.object({ name: z.string().min(1, 'must not be empty').optional() });
const rebuildInput = accepts({ summary: 'Rebuild one projection (or all) on the running server', body: rebuildBody });

/** How often a running rebuild logs its progress. */
const progressEveryMs = 2000;

/**
 * Replay on a running server (ARCHITECTURE.md "Rebuild"): `POST /admin/projections/rebuild {name?}`
 * rebuilds one projection or all of them into shadow tables while reads and live events continue,
 * swaps them in, and answers with what was replayed. Progress goes to the log as it runs.
 */
export function projectionsRoutes(deps: ProjectionsRouteDeps): Router {
  const router = new Router();

  // The status carries `faults`: per projection, how many events it skipped (ProjectionFault) and the latest ones;
  // while a rebuild runs, `rebuild: {projections, position, target}` (what `jade rebuild --server` shows).
  router.get('/admin/projections', (ctx) => {
    reply(ctx, { ...deps.runner.status(), projections: [...deps.names] });
  });

  router.post('/admin/projections/rebuild', rebuildInput, async (ctx) => {
    const { name } = rebuildInput.body(ctx);
    if (name !== undefined && !deps.names.includes(name)) throw badRequest(`name: unknown projection ${name} (one of ${deps.names.join(', ')})`);
    const started = Date.now();
    let lastLog = started;
    const onProgress = (progress: RebuildProgress): void => {
      if (Date.now() - lastLog < progressEveryMs) return;
      lastLog = Date.now();
      deps.logger.info({ ...progress }, 'rebuild in progress');
    };
    // A rebuild already running (409) or an unknown name (400) goes on to the error table.
    const result = await deps.runner.rebuild(name === undefined ? undefined : [name], { onProgress });
    reply(ctx, { ...result, duration_ms: Date.now() - started });
  });

  return router;
}
