import { Router } from '@koa/router';
import { NotFoundError } from '../../events/errors.js';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import { getParkedCall, getParkingLot, listParkedCalls, listParkingLots } from '../../../projections/parking.js';
import { hangupParkedCall, parkChannel, parkedCallOf, type ParkCommandDeps } from '../../commands/park.js';
import type { CommandDeps } from '../../commands/command.js';
import { currentUser } from '../../auth/index.js';
import { reply } from '../envelope.js';
import { byNode, queryNode } from '../node-param.js';
import { badRequest } from '../errors.js';
import { nonEmptyAmiString, pathParam } from '../body.js';
import { accepts } from '../route-input.js';
import { readDb, readNow } from '../point-in-time.js';

export interface ParkRouteDeps {
  readonly db: Kysely<Database>;
  readonly commands: CommandDeps;
}

/** Beyond the manual: park a live channel. `timeout` in seconds, like `parking_timeout` and a lot's `timeout`. */
const parkBody = z.object({
  unique_id: nonEmptyAmiString.optional(),
  channel: nonEmptyAmiString.optional(),
  parkinglot: nonEmptyAmiString.optional(),
  timeout: z.number().int().positive().max(86_400).optional(),
});

const parkInput = accepts({ summary: 'Park a channel (audited command)', body: parkBody });

/**
 * `/park/...` and the manual's `/admin/park/...` copies (catalog 70 §1, 20-admin "Park"): runtime parking
 * lots and parked calls from the read model (as of `at=` when given: point-in-time.ts); hanging up and
 * parking through the audited command path.
 * The config-file side (POST/PUT/DELETE of lots, `setting(s)`, `cfg_parkinglots`) is not served here.
 */
export function parkRoutes(deps: ParkRouteDeps): Router {
  const router = new Router();
  const commands: ParkCommandDeps = { ...deps.commands, db: deps.db };

  for (const base of ['/park', '/admin/park']) {
    router.get(`${base}/parkinglots`, byNode({ summary: 'Parking lots of every Asterisk box (node each)' }), async (ctx) => reply(ctx, { list: await listParkingLots(readDb(ctx, deps.db)) }));
    router.get(`${base}/parkinglots/:name`, byNode({ summary: 'A parking lot (node: when several boxes have it)' }), async (ctx) => {
      const lot = await getParkingLot(readDb(ctx, deps.db), pathParam(ctx, 'name'), queryNode(ctx));
      if (!lot) throw new NotFoundError({ kind: 'parking lot', id: pathParam(ctx, 'name') });
      reply(ctx, lot);
    });

    router.get(`${base}/parkedcalls`, byNode({ summary: 'Parked calls' }), async (ctx) => reply(ctx, { list: await listParkedCalls(readDb(ctx, deps.db), readNow(ctx)) }));
    router.post(`${base}/parkedcalls`, parkInput, async (ctx) => {
      const body = parkInput.body(ctx);
      if ((body.unique_id === undefined) === (body.channel === undefined)) throw badRequest('give exactly one of unique_id and channel', { fields: ['unique_id', 'channel'] });
      const target = body.unique_id !== undefined ? { unique_id: body.unique_id } : { channel: body.channel! };
      const outcome = await parkChannel(commands, currentUser(ctx), { target, parkinglot: body.parkinglot, timeout: body.timeout });
      if (!outcome) throw new NotFoundError({ kind: 'channel', id: body.unique_id ?? body.channel ?? '' }, body.unique_id !== undefined ? `no channel with unique_id ${body.unique_id}` : `no channel ${body.channel}`);
      const parked = await parkedCallOf(commands, outcome.result);
      // The parked call as the read model shows it; just the ids if Asterisk's event is slower than the settle timeout.
      reply(ctx, parked ? { command_id: outcome.commandId, ...parked } : outcome.result);
    });
    router.get(`${base}/parkedcalls/:id`, byNode({ summary: 'A parked call' }), async (ctx) => {
      const parked = await getParkedCall(readDb(ctx, deps.db), pathParam(ctx, 'id'), readNow(ctx), queryNode(ctx));
      if (!parked) throw new NotFoundError({ kind: 'parked call', id: pathParam(ctx, 'id') }, `no parked call with parkee unique_id ${pathParam(ctx, 'id')}`);
      reply(ctx, parked);
    });
    router.delete(`${base}/parkedcalls/:id`, byNode({ summary: 'Hang up a parked call (audited; over the link of its box)' }), async (ctx) => {
      const outcome = await hangupParkedCall(commands, currentUser(ctx), pathParam(ctx, 'id'), queryNode(ctx));
      if (!outcome) throw new NotFoundError({ kind: 'parked call', id: pathParam(ctx, 'id') }, `no parked call with parkee unique_id ${pathParam(ctx, 'id')}`);
      reply(ctx);
    });
  }
  return router;
}
