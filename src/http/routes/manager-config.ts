import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import { getRegistration } from '../../../projections/pjsip/index.js';
import { maskedSecret } from '../../../projections/lib/redact.js';
import { NotFoundError } from '../../events/errors.js';
import { currentUser } from '../../auth/index.js';
import { checkSectionName, ConfigSectionExistsError } from '../../configfiles/decide.js';
import { findPjsipObject } from '../../configfiles/pjsip.js';
import { readTrunk, trunkFieldsOf, trunkNames, trunkTypes, withoutTrunk, withTrunk } from '../../configfiles/trunks.js';
import type { ConfigFile } from '../../configfiles/model.js';
import type { ConfigService } from '../../configfiles/service.js';
import { reply } from '../envelope.js';
import { versionOf, written } from '../config-file-routes.js';
import { trunkChangeBody, trunkCreateBody } from '../config-bodies.js';
import { accepts } from '../route-input.js';
import { pathParam } from '../body.js';
import { sdpRoutes } from './dialplan-config.js';
import { pjsipLive } from './pjsip-config.js';

export interface ManagerConfigRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
}

const file = 'pjsip.conf';
const trunkCreateInput = accepts({ summary: 'Add a trunk (endpoint, aor, auth, registration) and reload res_pjsip', body: trunkCreateBody });
const trunkChangeInput = accepts({ summary: 'Change a trunk and reload res_pjsip', body: trunkChangeBody });

/** The contexts `/manager/sdialplans` serves (catalog 30 Proposed: the manager variant keeps to jade-managed contexts). */
export const managedContext = (name: string): boolean => name.toLowerCase().startsWith('jade');

/**
 * `/manager/sdialplans[/<name>]` and `/manager/trunks[/<name>]` (catalog 30), both on the configuration mechanism
 * (src/configfiles/service.ts: every write a command in the log, optimistic `version`, minimal UpdateConfig diff).
 *
 * sdialplans: the sdps of extensions.conf (the same store and code as `/admin/dialplan/sdps`) limited to the
 * contexts named `jade…`; no write reloads the dialplan (`PUT /core/modules/pbx_config` does).
 *
 * trunks (src/configfiles/trunks.ts): the endpoint, aor, auth, registration and identify `[name]` of pjsip.conf
 * written together in one write; it reloads res_pjsip, takes the PJSIP snapshots again and answers once
 * /pjsip/endpoints and /pjsip/registration_outbounds show the trunk (or no longer do). Reads come from the file,
 * `status` from the live registration (`Unregistered` when Asterisk has none). The password is write-only:
 * `[redacted]` when one is set, never the value (the log API masks it too).
 */
export function managerConfigRoutes(deps: ManagerConfigRouteDeps): Router {
  const router = new Router();
  const { config, db } = deps;

  sdpRoutes(router, '/manager/sdialplans', config, {
    accepts: managedContext,
    refuse: 'a manager dialplan is a jade-managed context, named "jade…" (others: /admin/dialplan/sdps)',
  });

  const view = async (sections: ConfigFile, name: string) => {
    const { password, ...fields } = readTrunk(sections, name)!;
    const status = (await getRegistration(db, name))?.status ?? 'Unregistered';
    return { ...fields, ...(password === undefined ? {} : { password: maskedSecret }), status };
  };
  const missing = (name: string) => new NotFoundError({ kind: 'trunk', id: name }, `${file} has no trunk [${name}] (an endpoint and a registration of that name)`);
  const snapshots = (['endpoints', 'aors', 'auths', 'registration_outbounds'] as const).map((kind) => pjsipLive[kind].snapshot);
  const shown = async (name: string): Promise<[boolean, boolean]> => [
    (await pjsipLive.endpoints.get(db, name)) !== undefined,
    (await pjsipLive.registration_outbounds.get(db, name)) !== undefined,
  ];
  const write = (ctx: Context, operation: 'create' | 'update' | 'delete', name: string, options: unknown, apply: (current: ConfigFile) => ConfigFile) =>
    config.write(currentUser(ctx), file, { operation: `trunk.${operation}`, section: name, options, apply }, {
      version: versionOf(ctx),
      reload: 'res_pjsip',
      refresh: snapshots,
      settled: async () => {
        const [endpoint, registration] = await shown(name);
        return operation === 'delete' ? !endpoint && !registration : endpoint && registration;
      },
    });

  router.get('/manager/trunks', async (ctx) => {
    const { sections } = await config.read(file);
    reply(ctx, { list: await Promise.all(trunkNames(sections).map((name) => view(sections, name))) });
  });
  router.get('/manager/trunks/:name', async (ctx) => {
    const name = checkSectionName(pathParam(ctx, 'name'), 'name', 'trunk');
    const { sections, version } = await config.read(file);
    if (readTrunk(sections, name) === undefined) throw missing(name);
    if (version !== null) ctx.set('ETag', `"${version}"`);
    reply(ctx, await view(sections, name));
  });
  router.post('/manager/trunks', trunkCreateInput, async (ctx) => {
    const body = trunkCreateInput.body(ctx);
    const name = checkSectionName(body.name, 'name', 'trunk');
    const fields = trunkFieldsOf(body);
    // Checked before anything is recorded (withTrunk checks again on the file as Asterisk has it).
    withTrunk([], name, fields);
    written(ctx, await write(ctx, 'create', name, fields, (current) => {
      // Any object of the name (an agent's endpoint, say) makes it taken: a trunk would merge into it.
      if (trunkTypes.some((type) => findPjsipObject(current, name, type) >= 0)) throw new ConfigSectionExistsError(file, name);
      return withTrunk(current, name, fields);
    }));
  });
  router.put('/manager/trunks/:name', trunkChangeInput, async (ctx) => {
    const name = checkSectionName(pathParam(ctx, 'name'), 'name', 'trunk');
    const fields = trunkFieldsOf(trunkChangeInput.body(ctx));
    written(ctx, await write(ctx, 'update', name, fields, (current) => {
      if (readTrunk(current, name) === undefined) throw missing(name);
      return withTrunk(current, name, fields);
    }));
  });
  router.delete('/manager/trunks/:name', async (ctx) => {
    const name = checkSectionName(pathParam(ctx, 'name'), 'name', 'trunk');
    written(ctx, await write(ctx, 'delete', name, undefined, (current) => {
      if (readTrunk(current, name) === undefined) throw missing(name);
      return withoutTrunk(current, name);
    }));
  });
  return router;
}
