import { Router } from '@koa/router';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../readmodels/database.js';
import { commandOutcomes, getCommand, listCommands } from '../../../projections/commands.js';
import { historyPageParams, historyWindowParams, textParam } from '../../history/query-params.js';
import { reply } from '../envelope.js';
import { NotFoundError } from '../../events/index.js';
import { accepts } from '../route-input.js';
import { readDb } from '../point-in-time.js';

export interface CommandsRouteDeps {
  readonly db: Kysely<Database>;
}

const commandsQuery = z.object({
  user: textParam.optional(),
  type: textParam.optional(),
  outcome: z.enum(commandOutcomes).optional(),
  ...historyWindowParams,
  ...historyPageParams,
});

const commandsInput = accepts({ summary: 'The command audit log', query: commandsQuery });

/** The command audit (ARCHITECTURE.md "Commands"): who asked what, Asterisk's answer, the outcome. */
export function commandsRoutes(deps: CommandsRouteDeps): Router {
  const router = new Router();

  router.get('/commands', commandsInput, async (ctx) => {
    const query = commandsInput.query(ctx);
    reply(ctx, await listCommands(readDb(ctx, deps.db), query));
  });

  router.get('/commands/:uuid', async (ctx) => {
    const uuid = String(ctx.params.uuid ?? '');
    const command = await getCommand(readDb(ctx, deps.db), uuid);
    if (!command) throw new NotFoundError({ kind: 'command', id: uuid });
    reply(ctx, command);
  });

  return router;
}
