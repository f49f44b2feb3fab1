import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import { getQueue, listMembers } from '../../../projections/queues/index.js';
import type { ConfigService, ConfigWriteOptions } from '../../configfiles/service.js';
import { configFileRoutes, sectionWrites, written } from '../config-file-routes.js';
import { namedSectionBody, sectionOptions } from '../config-bodies.js';
import { accepts } from '../route-input.js';
import { pathParam } from '../body.js';

export interface QueueConfigRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
}

const file = 'queues.conf';
const module = 'app_queue';

/** The locations of `member` values (`> Local/a@b,0,name` → `Local/a@b`), as QueueStatus reports them. */
function memberLocations(options: Record<string, unknown>): string[] | undefined {
  const raw = options.member;
  if (raw === undefined) return undefined;
  const values = Array.isArray(raw) ? raw : [raw];
  return values.map((v) => String(v).replace(/^>/, '').split(',')[0]!.trim()).sort();
}

/**
 * The config-file side of `/queue` (catalog 70 §0, §3.5–3.9; 20-admin queue configurations and cfg_queues):
 * `queues.conf` through the generic factory (setting, settings, history, rollback, admin pages: no reload).
 * The writes on `/queue/queues` (and `/admin/queue/queues`) replace or remove a section, reload app_queue,
 * take the QueueStatus/QueueSummary snapshots again and answer once `/queue/queues` shows the change (the
 * same decision as `/park/parkinglots`, README). The GET routes stay in queue.ts (runtime, from AMI).
 */
export function queueConfigRoutes(deps: QueueConfigRouteDeps): Router {
  const router = configFileRoutes({ area: '/queue', file, module, sections: [{ plural: 'queues', kind: 'queue' }] }, deps);
  const queues = sectionWrites(deps.config, file, 'queue', 'queue');

  /** Reload app_queue, snapshot again, wait until the queue is (or is not) listed with the strategy and members asked. */
  const live = (name: string, options: Record<string, unknown> | undefined): ConfigWriteOptions => ({
    reload: module,
    refresh: ['QueueStatus', 'QueueSummary'],
    settled: async () => {
      const queue = await getQueue(deps.db, name);
      if (options === undefined) return queue === undefined;
      if (queue === undefined) return false;
      if (typeof options.strategy === 'string' && queue.strategy !== options.strategy.replace(/^>/, '').trim()) return false;
      const wanted = memberLocations(options);
      if (wanted === undefined) return true;
      const members = (await listMembers(deps.db, name)).map((m) => m.location).sort();
      return JSON.stringify(members) === JSON.stringify(wanted);
    },
  });
  const nameOf = (ctx: Context) => pathParam(ctx, 'name');
  const createInput = accepts({ summary: `Create a queue and reload`, body: namedSectionBody });
  const replaceInput = accepts({ summary: `Replace a queue and reload`, body: sectionOptions });

  for (const base of ['/queue', '/admin/queue']) {
    router.post(`${base}/queues`, createInput, async (ctx) => {
      const { name, ...options } = createInput.body(ctx);
      written(ctx, await queues.create(ctx, name, options, live(String(name), options)));
    });
    router.put(`${base}/queues/:name`, replaceInput, async (ctx) => written(ctx, await queues.replace(ctx, nameOf(ctx), replaceInput.body(ctx), live(nameOf(ctx), replaceInput.body(ctx)))));
    router.delete(`${base}/queues/:name`, async (ctx) => written(ctx, await queues.remove(ctx, nameOf(ctx), live(nameOf(ctx), undefined))));
  }
  return router;
}
