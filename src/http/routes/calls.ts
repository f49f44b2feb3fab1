import { Router } from '@koa/router';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { EventStore } from '../../eventstore/port.js';
import { NotFoundError, streams } from '../../events/index.js';
import type { Database } from '../../readmodels/database.js';
import { getCall, listCalls } from '../../../projections/calls/index.js';
import { getCommands } from '../../../projections/commands.js';
import { toWireEvent } from '../../history/log.js';
import { historyPageParams, historyWindowParams, integerParam, textParam } from '../../history/query-params.js';
import { reply } from '../envelope.js';
import { accepts } from '../route-input.js';
import { readAt, readDb, readNow } from '../point-in-time.js';

export interface CallsRouteDeps {
  readonly db: Kysely<Database>;
  readonly store: Pick<EventStore, 'readStream'>;
}

const callsQuery = z.object({
  ...historyWindowParams,
  caller: textParam.optional(),
  callee: textParam.optional(),
  queue: textParam.optional(),
  campaign: textParam.optional(),
  hangup_cause: integerParam.optional(),
  ...historyPageParams,
});

const callsInput = accepts({ summary: 'Call history, newest first', query: callsQuery });

/**
 * Call history (ARCHITECTURE.md "Calls"): summaries from the calls read model; one call adds its
 * timeline (every event of its `call-<linked_id>` stream, all legs, in log order) and the API commands
 * that touched it. With `at=`, all three are as of then.
 */
export function callsRoutes(deps: CallsRouteDeps): Router {
  const router = new Router();

  router.get('/calls', callsInput, async (ctx) => {
    const query = callsInput.query(ctx);
    const page = await listCalls(
      readDb(ctx, deps.db),
      {
        since: query.since,
        until: query.until,
        caller: query.caller,
        callee: query.callee,
        queue: query.queue,
        campaign: query.campaign,
        hangupCause: query.hangup_cause,
        limit: query.limit,
        from: query.from,
        order: query.order,
      },
      readNow(ctx),
    );
    reply(ctx, page);
  });

  router.get('/calls/:linkedId', async (ctx) => {
    const linkedId = String(ctx.params.linkedId ?? '');
    const db = readDb(ctx, deps.db);
    const call = await getCall(db, linkedId, readNow(ctx));
    if (!call) throw new NotFoundError({ kind: 'call', id: linkedId }, `no call with linked_id ${linkedId}`);
    const at = readAt(ctx);
    const events = await deps.store.readStream(streams.call(linkedId));
    const timeline = (at === undefined ? events : events.filter((event) => event.position <= at.position)).map(toWireEvent);
    reply(ctx, { linked_id: linkedId, summary: call.summary, timeline, commands: await getCommands(db, call.commandIds) });
  });

  return router;
}
