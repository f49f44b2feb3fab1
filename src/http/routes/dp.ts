import { Router } from '@koa/router';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../../projections/database.js';
import { getDialplan, getDpma, listDialplans, listDpmas } from '../../../projections/dialplans.js';
import type { Actor } from '../../commands/command.js';
import type { DpResourceCommands } from '../../dp/commands.js';
import { dpmaOnError } from '../../events/index.js';
import { amiSafeString } from '../body.js';
import { noOptions, resourceRoutes } from '../resource-routes.js';

/**
 * Async dialplans (issue 14): `/dp/dpmas`, `/dp/dialplans` (catalog 60-core-dialplan §9-12) and the admin
 * family `/admin/dialplan/adpmas`, `/admin/dialplan/adps` (20-admin), the same objects with the same fields
 * under two names. Creates answer with the created object (the catalog's Proposed superset); PUT is a partial
 * merge; a `uuid` in a body is ignored (unknown fields are dropped). `command` is sent to Asterisk when a call
 * runs the script, so a CR, LF or NUL in it is refused now. Roles: `/dp` admin and manager, `/admin` admin
 * only (src/auth/permissions.ts).
 */

export interface DpRouteDeps {
  readonly db: Kysely<Database>;
  readonly commands: DpResourceCommands;
}

/** Stored only; never sent to Asterisk. */
const text = z.string().nullable();
const uuidRef = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a uuid');
const sequence = z.number().int().min(-2_147_483_648).max(2_147_483_647);
const onError = z.enum(dpmaOnError, { errorMap: () => ({ message: `must be one of ${dpmaOnError.join(', ')}` }) });
/** An AGI command line (`EXEC Playback beep`): sent as the AGI action's `Command`. */
const command = amiSafeString.nullable();

const dpmaBody = z.object({ name: text.optional(), detail: text.optional(), on_error: onError.optional() });
const dialplanFields = { name: text.optional(), detail: text.optional(), command: command.optional() };
const dialplanCreateBody = z.object({ dpma_uuid: uuidRef, sequence, ...dialplanFields });
const dialplanUpdateBody = z.object({ dpma_uuid: uuidRef.optional(), sequence: sequence.optional(), ...dialplanFields });

export function dpRoutes(deps: DpRouteDeps): Router {
  const router = new Router();
  const { db, commands } = deps;
  const common = { db, context: (actor: Actor) => commands.context(actor), deleteQuery: noOptions };
  const families = [
    { dpmas: '/dp/dpmas', dialplans: '/dp/dialplans', dpma: 'dpma', dialplan: 'dialplan' },
    { dpmas: '/admin/dialplan/adpmas', dialplans: '/admin/dialplan/adps', dpma: 'adpma', dialplan: 'adp' },
  ];
  for (const family of families) {
    resourceRoutes(router, {
      ...common,
      path: family.dpmas,
      what: family.dpma,
      schema: { create: dpmaBody, update: dpmaBody },
      commands: commands.dpmas,
      queries: { list: listDpmas, get: getDpma },
    });
    resourceRoutes(router, {
      ...common,
      path: family.dialplans,
      what: family.dialplan,
      schema: { create: dialplanCreateBody, update: dialplanUpdateBody },
      commands: commands.dialplans,
      queries: { list: listDialplans, get: getDialplan },
    });
  }
  return router;
}
