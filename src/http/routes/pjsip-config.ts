import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import { getAor, getAuth, getEndpoint, getRegistration } from '../../../projections/pjsip/index.js';
import { NotFoundError } from '../../events/errors.js';
import { currentUser } from '../../auth/index.js';
import { checkSectionName, ConfigSectionExistsError } from '../../configfiles/decide.js';
import { findPjsipObject, pjsipObjectLines, pjsipObjectTypes, withPjsipObject, type PjsipObjectKind } from '../../configfiles/pjsip.js';
import type { ConfigFile } from '../../configfiles/model.js';
import type { ConfigService } from '../../configfiles/service.js';
import { configFileRoutes, versionOf, written } from '../config-file-routes.js';
import { namedSectionBody, sectionOptions } from '../config-bodies.js';
import { accepts } from '../route-input.js';
import { pathParam } from '../body.js';

export interface PjsipConfigRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
}

const file = 'pjsip.conf';

/** The live read model of each kind (filled by the PJSIPShow* snapshots) and the snapshot that refills it. */
export const pjsipLive: Record<PjsipObjectKind, { readonly noun: string; readonly snapshot: string; readonly get: (db: Kysely<Database>, name: string) => Promise<unknown> }> = {
  endpoints: { noun: 'endpoint', snapshot: 'PJSIPShowEndpoints', get: getEndpoint },
  aors: { noun: 'AOR', snapshot: 'PJSIPShowAors', get: getAor },
  auths: { noun: 'auth', snapshot: 'PJSIPShowAuths', get: getAuth },
  registration_outbounds: { noun: 'outbound registration', snapshot: 'PJSIPShowRegistrationsOutbound', get: getRegistration },
};

/**
 * Writes of PJSIP objects in pjsip.conf (issue 12): `POST /pjsip/<kind>` `{name, ...options}`, `PUT|DELETE
 * /pjsip/<kind>/<name>` for endpoints, aors, auths and registration_outbounds (the reads are pjsip.ts). The
 * object is the category `[name]` whose `type=` is the kind's, so an endpoint, its aor and its auth may share
 * a name. Every write reloads res_pjsip, takes the kind's PJSIPShow* snapshot again and answers once the read
 * model lists the object (or no longer does). The answer is the envelope alone: an auth's password is never
 * echoed (the log keeps it, the log API masks it: projections/lib/redact.ts).
 */
export function pjsipConfigRoutes(deps: PjsipConfigRouteDeps): Router {
  // `/admin/pjsip/configurations[/<name>]` from the factory. No `/pjsip/setting`: §0 JSON merges same-named
  // categories (an endpoint, its aor and its auth), so writing it back would destroy pjsip.conf.
  const router = configFileRoutes({ area: '/pjsip', file, module: 'res_pjsip', setting: false }, deps);
  const { config, db } = deps;

  for (const kind of Object.keys(pjsipObjectTypes) as PjsipObjectKind[]) {
    const type = pjsipObjectTypes[kind];
    const { noun, snapshot, get } = pjsipLive[kind];
    const write = (ctx: Context, operation: 'create' | 'update' | 'delete', name: string, options: unknown, apply: (current: ConfigFile) => ConfigFile) =>
      config.write(currentUser(ctx), file, { operation: `pjsip.${type}.${operation}`, section: name, options, apply }, {
        version: versionOf(ctx),
        reload: 'res_pjsip',
        // An endpoint's detail (PJSIPShowEndpoint) follows its list snapshot (src/ami/pjsip-refresh.ts).
        refresh: [snapshot],
        settled: async () => ((await get(db, name)) !== undefined) === (operation !== 'delete'),
      });
    const missing = (name: string) => new NotFoundError({ kind: noun, id: name }, `${file} has no [${name}] with type=${type}`);

    const createInput = accepts({ summary: `Create a ${noun} and reload res_pjsip`, body: namedSectionBody });
    const replaceInput = accepts({ summary: `Replace a ${noun} and reload res_pjsip`, body: sectionOptions });
    router.post(`/pjsip/${kind}`, createInput, async (ctx) => {
      const { name: rawName, ...options } = createInput.body(ctx);
      const name = checkSectionName(rawName, 'name', noun);
      const lines = pjsipObjectLines(name, type, options);
      written(ctx, await write(ctx, 'create', name, options, (current) => {
        if (findPjsipObject(current, name, type) >= 0) throw new ConfigSectionExistsError(file, name);
        return withPjsipObject(current, name, type, lines);
      }));
    });
    router.put(`/pjsip/${kind}/:name`, replaceInput, async (ctx) => {
      const name = checkSectionName(pathParam(ctx, 'name'), 'name', noun);
      const options = replaceInput.body(ctx);
      const lines = pjsipObjectLines(name, type, options);
      written(ctx, await write(ctx, 'update', name, options, (current) => {
        if (findPjsipObject(current, name, type) < 0) throw missing(name);
        return withPjsipObject(current, name, type, lines);
      }));
    });
    router.delete(`/pjsip/${kind}/:name`, async (ctx) => {
      const name = checkSectionName(pathParam(ctx, 'name'), 'name', noun);
      written(ctx, await write(ctx, 'delete', name, undefined, (current) => {
        if (findPjsipObject(current, name, type) < 0) throw missing(name);
        return withPjsipObject(current, name, type, undefined);
      }));
    });
  }
  return router;
}
