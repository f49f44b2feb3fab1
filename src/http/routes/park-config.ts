import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import { getParkingLot } from '../../../projections/parking.js';
import type { ConfigService, ConfigWriteOptions } from '../../configfiles/service.js';
import { configFileRoutes, sectionWrites, written } from '../config-file-routes.js';
import { namedSectionBody, sectionOptions } from '../config-bodies.js';
import { accepts } from '../route-input.js';
import { pathParam } from '../body.js';

export interface ParkConfigRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
}

const file = 'res_parking.conf';
const module = 'res_parking';

/**
 * The config-file side of `/park` (catalog 70 §0, §1.3–1.7; 20-admin park configurations and cfg_parkinglots):
 * `res_parking.conf` through the generic factory (src/http/config-file-routes.ts), which serves setting,
 * settings, history, rollback and the admin pages without a reload, as the catalog says. Only the writes on
 * `/park/parkinglots` live here: they reload res_parking and answer once `/park/parkinglots` shows the change
 * (ARCHITECTURE.md / issue 12 "live objects follow"; the catalog's Proposed said no reload: see the README).
 */
export function parkConfigRoutes(deps: ParkConfigRouteDeps): Router {
  const router = configFileRoutes({ area: '/park', file, module, sections: [{ plural: 'parkinglots', kind: 'parking lot' }] }, deps);
  const lots = sectionWrites(deps.config, file, 'parking lot', 'parkinglot');

  /** Reload res_parking, take the Parkinglots snapshot again, wait until the lot is (or is not) listed. */
  const live = (name: string, present: boolean): ConfigWriteOptions => ({
    reload: module,
    refresh: ['Parkinglots'],
    settled: async () => ((await getParkingLot(deps.db, name)) !== undefined) === present,
  });
  const nameOf = (ctx: Context) => pathParam(ctx, 'name');
  const createInput = accepts({ summary: `Create a parking lot and reload`, body: namedSectionBody });
  const replaceInput = accepts({ summary: `Replace a parking lot and reload`, body: sectionOptions });

  router.post('/park/parkinglots', createInput, async (ctx) => {
    const { name, ...options } = createInput.body(ctx);
    written(ctx, await lots.create(ctx, name, options, live(String(name), true)));
  });
  router.put('/park/parkinglots/:name', replaceInput, async (ctx) => written(ctx, await lots.replace(ctx, nameOf(ctx), replaceInput.body(ctx), live(nameOf(ctx), true))));
  router.delete('/park/parkinglots/:name', async (ctx) => written(ctx, await lots.remove(ctx, nameOf(ctx), live(nameOf(ctx), false))));
  return router;
}
