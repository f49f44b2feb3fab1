import { Router } from '@koa/router';
import { NotFoundError } from '../../events/errors.js';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import { getChannelJson, listChannelsJson } from '../../../projections/channels.js';
import { getAgiJson, listAgisJson } from '../../../projections/agis.js';
import { getModule, listModulesJson } from '../../../projections/modules.js';
import { getSystem, listSystems } from '../../../projections/systems.js';
import { changeModule, hangupChannel, originate, sendAgiCommand, type CoreCommandDeps, type ModuleOperation, type ModuleSnapshots } from '../../commands/core.js';
import type { CommandDeps } from '../../commands/command.js';
import { currentUser } from '../../auth/index.js';
import { reply, replyRawResult } from '../envelope.js';

import { amiSafeString, nonEmptyAmiString, pathParam } from '../body.js';
import { byNode, nodeQuery, queryNode } from '../node-param.js';
import { accepts } from '../route-input.js';
import { readDb, readNow } from '../point-in-time.js';

export interface CoreRouteDeps {
  readonly db: Kysely<Database>;
  readonly commands: CommandDeps;
  readonly ami: ModuleSnapshots;
}

const variableName = z.string().regex(/^[A-Za-z0-9_.()-]+$/, 'variable names are letters, digits and _ . ( ) -');

const originateBody = z
  .object({
    channel: nonEmptyAmiString,
    context: nonEmptyAmiString.optional(),
    exten: nonEmptyAmiString.optional(),
    priority: z.union([z.number().int().positive(), nonEmptyAmiString]).transform(String).optional(),
    application: nonEmptyAmiString.optional(),
    data: amiSafeString.optional(),
    caller_id: amiSafeString.optional(),
    timeout: z.number().int().positive().max(86_400_000).optional(),
    variables: z.record(variableName, amiSafeString).optional(),
    account_code: amiSafeString.optional(),
    node: z.string().min(1).optional().describe('the Asterisk box to call from (ami.nodes[].node); required when several are configured'),
  })
  .superRefine((body, ctx) => {
    if (body.application === undefined && body.exten === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['exten'], message: 'exten (with context) or application is required' });
    }
    if (body.application !== undefined && body.exten !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['application'], message: 'give either exten or application, not both' });
    }
  });

const agiCommandBody = z.object({ command: nonEmptyAmiString });

const originateInput = accepts({ summary: 'Originate a call (audited command)', body: originateBody });
const agiCommandInput = accepts({ summary: 'Send an AGI command to an async-AGI session (over its box\'s link)', body: agiCommandBody, query: nodeQuery });

const list = (json: string): string => `{"list":${json}}`;

/**
 * `/core/...` and the manual's older `/admin/core/...` copies: the same handlers on both prefixes.
 * Reads answer from the read models (as of `at=` when given: point-in-time.ts); writes go through the audited command path.
 */
export function coreRoutes(deps: CoreRouteDeps): Router {
  const router = new Router();
  const commands: CoreCommandDeps = { ...deps.commands, db: deps.db, snapshots: deps.ami };

  for (const base of ['/core', '/admin/core']) {
    router.get(`${base}/channels`, byNode({ summary: 'Live channels, on every Asterisk box or one (node)' }), async (ctx) => replyRawResult(ctx, list(await listChannelsJson(readDb(ctx, deps.db), readNow(ctx)))));
    router.post(`${base}/channels`, originateInput, async (ctx) => {
      const body = originateInput.body(ctx);
      const outcome = await originate(commands, currentUser(ctx), body);
      reply(ctx, outcome.result);
    });
    router.get(`${base}/channels/:id`, byNode({ summary: 'A live channel' }), async (ctx) => {
      const json = await getChannelJson(readDb(ctx, deps.db), pathParam(ctx, 'id'), readNow(ctx), queryNode(ctx));
      if (json === undefined) throw new NotFoundError({ kind: 'channel', id: pathParam(ctx, 'id') }, `no channel with unique_id ${pathParam(ctx, 'id')}`);
      replyRawResult(ctx, json);
    });
    router.delete(`${base}/channels/:id`, byNode({ summary: 'Hang up a channel (audited; over the link of its box)' }), async (ctx) => {
      const outcome = await hangupChannel(commands, currentUser(ctx), pathParam(ctx, 'id'), 'Hangup', queryNode(ctx));
      if (!outcome) throw new NotFoundError({ kind: 'channel', id: pathParam(ctx, 'id') }, `no channel with unique_id ${pathParam(ctx, 'id')}`);
      reply(ctx);
    });

    router.get(`${base}/agis`, byNode({ summary: 'Active async-AGI sessions' }), async (ctx) => replyRawResult(ctx, list(await listAgisJson(readDb(ctx, deps.db)))));
    router.get(`${base}/agis/:id`, byNode({ summary: 'An async-AGI session' }), async (ctx) => {
      const json = await getAgiJson(readDb(ctx, deps.db), pathParam(ctx, 'id'), queryNode(ctx));
      if (json === undefined) throw new NotFoundError({ kind: 'AGI session', id: pathParam(ctx, 'id') }, `no AGI session with unique_id ${pathParam(ctx, 'id')}`);
      replyRawResult(ctx, json);
    });
    router.post(`${base}/agis/:id`, agiCommandInput, async (ctx) => {
      const body = agiCommandInput.body(ctx);
      const outcome = await sendAgiCommand(commands, currentUser(ctx), pathParam(ctx, 'id'), body.command, queryNode(ctx));
      if (!outcome) throw new NotFoundError({ kind: 'AGI session', id: pathParam(ctx, 'id') }, `no AGI session with unique_id ${pathParam(ctx, 'id')}`);
      reply(ctx, outcome.result);
    });
    router.delete(`${base}/agis/:id`, byNode({ summary: 'Hang up an async-AGI session\'s channel (audited)' }), async (ctx) => {
      const outcome = await hangupChannel(commands, currentUser(ctx), pathParam(ctx, 'id'), 'AgiHangup', queryNode(ctx));
      if (!outcome) throw new NotFoundError({ kind: 'AGI session', id: pathParam(ctx, 'id') }, `no AGI session with unique_id ${pathParam(ctx, 'id')}`);
      reply(ctx);
    });

    router.get(`${base}/modules`, byNode({ summary: 'Modules of every Asterisk box (node each)' }), async (ctx) => replyRawResult(ctx, list(await listModulesJson(readDb(ctx, deps.db)))));
    router.get(`${base}/modules/:name`, byNode({ summary: 'A module (node: when several boxes have it)' }), async (ctx) => {
      const row = await getModule(readDb(ctx, deps.db), pathParam(ctx, 'name'), queryNode(ctx));
      if (!row) throw new NotFoundError({ kind: 'module', id: pathParam(ctx, 'name') });
      reply(ctx, row);
    });
    const moduleOperation = (operation: ModuleOperation) => async (ctx: Context) => {
      await changeModule(commands, currentUser(ctx), pathParam(ctx, 'name'), operation, queryNode(ctx));
      reply(ctx);
    };
    router.post(`${base}/modules/:name`, byNode({ summary: 'Load a module (audited; node: required with several boxes)' }), moduleOperation('load'));
    router.put(`${base}/modules/:name`, byNode({ summary: 'Reload a module (audited; node: required with several boxes)' }), moduleOperation('reload'));
    router.delete(`${base}/modules/:name`, byNode({ summary: 'Unload a module (audited; node: required with several boxes)' }), moduleOperation('unload'));
    // No name at all (`/core/modules/`) is a bad name too: the same 400 naming the field, not "no route".
    const noName = (operation: ModuleOperation) => async (ctx: Context) => {
      await changeModule(commands, currentUser(ctx), '', operation);
    };
    router.post(`${base}/modules`, noName('load'));
    router.put(`${base}/modules`, noName('reload'));
    router.delete(`${base}/modules`, noName('unload'));

    router.get(`${base}/systems`, byNode({ summary: 'Each Asterisk box\'s system' }), async (ctx) => reply(ctx, { list: await listSystems(readDb(ctx, deps.db)) }));
    router.get(`${base}/systems/:id`, byNode({ summary: 'A system (node: when several boxes are configured)' }), async (ctx) => {
      const row = await getSystem(readDb(ctx, deps.db), pathParam(ctx, 'id'), queryNode(ctx));
      if (!row) throw new NotFoundError({ kind: 'system', id: pathParam(ctx, 'id') });
      reply(ctx, row);
    });
  }
  return router;
}
