import { Router } from '@koa/router';
import { NotFoundError } from '../../events/errors.js';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import {
  getAor,
  getAuth,
  getContact,
  getEndpoint,
  getRegistration,
  listAors,
  listAuths,
  listContacts,
  listEndpoints,
  listRegistrations,
  toAorObject,
  toAuthObject,
  toContactObject,
  toEndpointObject,
  toRegistrationObject,
  type PjsipObject,
} from '../../../projections/pjsip/index.js';
import { reply } from '../envelope.js';
import { byNode, queryNode } from '../node-param.js';

import { readDb } from '../point-in-time.js';
import { pathParam } from '../body.js';

export interface PjsipRouteDeps {
  readonly db: Kysely<Database>;
}

interface Resource {
  /** Path segments serving it (the manual's admin page is titled `/auth` for `/auths`: both answer). */
  readonly paths: readonly string[];
  /** What a 404 calls one item. */
  readonly noun: string;
  list(db: Kysely<Database>): Promise<PjsipObject[]>;
  get(db: Kysely<Database>, key: string, node?: string): Promise<PjsipObject | undefined>;
}

const resource = <Row>(
  paths: readonly string[],
  noun: string,
  list: (db: Kysely<Database>) => Promise<Row[]>,
  get: (db: Kysely<Database>, key: string, node?: string) => Promise<Row | undefined>,
  toObject: (row: Row) => PjsipObject,
): Resource => ({
  paths,
  noun,
  list: async (db) => (await list(db)).map(toObject),
  get: async (db, key, node) => {
    const row = await get(db, key, node);
    return row && toObject(row);
  },
});

const resources: readonly Resource[] = [
  resource(['endpoints'], 'endpoint', listEndpoints, getEndpoint, toEndpointObject),
  resource(['aors'], 'AOR', listAors, getAor, toAorObject),
  resource(['auths', 'auth'], 'auth', listAuths, getAuth, toAuthObject),
  resource(['contacts'], 'contact', listContacts, getContact, toContactObject),
  resource(['registration_outbounds'], 'outbound registration', listRegistrations, getRegistration, toRegistrationObject),
];

/**
 * `/pjsip/...` and the manual's `/admin/pjsip/...` copies (catalog 70 §2, 20-admin "PJSIP"): read-only
 * live state from the pjsip read model (as of `at=` when given). `<detail>` is percent-decoded by the router, so a contact id is
 * sent as `pjagent-01%3B%40<hash>`.
 */
export function pjsipRoutes(deps: PjsipRouteDeps): Router {
  const router = new Router();
  const param = (ctx: Context): string => pathParam(ctx, 'key');
  for (const base of ['/pjsip', '/admin/pjsip']) {
    for (const item of resources) {
      for (const path of item.paths) {
        router.get(`${base}/${path}`, byNode({ summary: `PJSIP ${item.noun}s of every Asterisk box (node each)` }), async (ctx) => reply(ctx, { list: await item.list(readDb(ctx, deps.db)) }));
        router.get(`${base}/${path}/:key`, byNode({ summary: `A PJSIP ${item.noun} (node: when several boxes have it)` }), async (ctx) => {
          const found = await item.get(readDb(ctx, deps.db), param(ctx), queryNode(ctx));
          if (!found) throw new NotFoundError({ kind: item.noun, id: param(ctx) });
          reply(ctx, found);
        });
      }
    }
  }
  return router;
}
