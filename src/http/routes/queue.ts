import { Router } from '@koa/router';
import { NotFoundError } from '../../events/errors.js';
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import { getEntry, getMember, getQueue, getStatus, listEntries, listMembers, listQueues, listStatuses } from '../../../projections/queues/index.js';
import { addMember, isLookupFailure, pauseMember, removeMember, setMemberPenalty, type QueueCommandDeps } from '../../commands/queue.js';
import type { CommandDeps } from '../../commands/command.js';
import { currentUser } from '../../auth/index.js';
import { readDb, readNow } from '../point-in-time.js';
import { reply } from '../envelope.js';
import { byNode, nodeQuery, queryNode } from '../node-param.js';
import { amiSafeString, nonEmptyAmiString, pathParam } from '../body.js';
import { accepts } from '../route-input.js';

export interface QueueRouteDeps {
  readonly db: Kysely<Database>;
  readonly commands: CommandDeps;
}

/** The manual writes flags as 0/1; JSON booleans are accepted too. */
const flag = z.union([z.boolean(), z.literal(0), z.literal(1)]).transform((value) => value === true || value === 1);
/** Asterisk refuses a negative penalty; its field is a C int. */
const penalty = z.number().int().min(0).max(2_147_483_647);

const addMemberBody = z.object({
  queue_name: nonEmptyAmiString,
  location: nonEmptyAmiString,
  name: nonEmptyAmiString.optional(),
  penalty: penalty.optional(),
  paused: flag.optional(),
  paused_reason: amiSafeString.optional(),
  state_interface: nonEmptyAmiString.optional(),
  node: z.string().min(1).optional().describe('the Asterisk box of the queue (ami.nodes[].node); required when several are configured'),
});

const updateMemberBody = z
  .object({ paused: flag.optional(), paused_reason: amiSafeString.optional(), penalty: penalty.optional() })
  .superRefine((body, ctx) => {
    if (body.paused === undefined && body.penalty === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['paused'], message: 'paused or penalty is required' });
    }
  });

/** A member is named within its queue: `?queue_name=`. */
const memberQuery = z.object({ queue_name: z.string({ invalid_type_error: 'must be one string' }).min(1, 'must not be empty') }).merge(nodeQuery);

const addMemberInput = accepts({ summary: 'Add a queue member (audited command)', body: addMemberBody });
const memberInput = accepts({ summary: 'A queue member', query: memberQuery });
const updateMemberInput = accepts({ summary: 'Pause/unpause a member or set its penalty (audited commands)', query: memberQuery, body: updateMemberBody });
const removeMemberInput = accepts({ summary: 'Remove a queue member (audited command)', query: memberQuery });

/**
 * `/queue/...` and the manual's older `/admin/queue/...` copies (live parts): the same handlers on both prefixes.
 * Members are addressed as the manual does: `/queue/members/<name>?queue_name=<queue>` (ARCHITECTURE.md).
 */
export function queueRoutes(deps: QueueRouteDeps): Router {
  const router = new Router();
  const commands: QueueCommandDeps = { ...deps.commands, db: deps.db };

  for (const base of ['/queue', '/admin/queue']) {
    router.get(`${base}/queues`, byNode({ summary: 'Queues of every Asterisk box (node each)' }), async (ctx) => reply(ctx, { list: await listQueues(readDb(ctx, deps.db)) }));
    router.get(`${base}/queues/:name`, byNode({ summary: 'A queue (node: when several boxes have it)' }), async (ctx) => {
      const queue = await getQueue(readDb(ctx, deps.db), pathParam(ctx, 'name'), queryNode(ctx));
      if (!queue) throw new NotFoundError({ kind: 'queue', id: pathParam(ctx, 'name') });
      reply(ctx, queue);
    });

    router.get(`${base}/members`, byNode({ summary: 'Queue members' }), async (ctx) => reply(ctx, { list: await listMembers(readDb(ctx, deps.db)) }));
    router.post(`${base}/members`, addMemberInput, async (ctx) => {
      const body = addMemberInput.body(ctx);
      const outcome = await addMember(commands, currentUser(ctx), body);
      reply(ctx, outcome.result);
    });
    router.get(`${base}/members/:name`, memberInput, async (ctx) => {
      const queue = memberInput.query(ctx).queue_name;
      const member = await getMember(readDb(ctx, deps.db), queue, pathParam(ctx, 'name'), queryNode(ctx));
      if (!member) throw new NotFoundError({ kind: 'member', id: pathParam(ctx, 'name') }, `no member ${pathParam(ctx, 'name')} in queue ${queue}`);
      reply(ctx, member);
    });
    router.put(`${base}/members/:name`, updateMemberInput, async (ctx) => {
      const queue = updateMemberInput.query(ctx).queue_name;
      const body = updateMemberInput.body(ctx);
      const user = currentUser(ctx);
      const name = pathParam(ctx, 'name');
      // Two Asterisk actions, two audited commands: each is its own fact in the log.
      if (body.paused !== undefined) {
        const paused = await pauseMember({ ...commands, node: queryNode(ctx) }, user, queue, name, { paused: body.paused, paused_reason: body.paused_reason });
        if (isLookupFailure(paused)) throw new NotFoundError({ kind: 'member', id: pathParam(ctx, 'name') }, paused.message);
      }
      if (body.penalty !== undefined) {
        const penalised = await setMemberPenalty({ ...commands, node: queryNode(ctx) }, user, queue, name, body.penalty);
        if (isLookupFailure(penalised)) throw new NotFoundError({ kind: 'member', id: pathParam(ctx, 'name') }, penalised.message);
      }
      reply(ctx);
    });
    router.delete(`${base}/members/:name`, removeMemberInput, async (ctx) => {
      const queue = removeMemberInput.query(ctx).queue_name;
      const removed = await removeMember({ ...commands, node: queryNode(ctx) }, currentUser(ctx), queue, pathParam(ctx, 'name'));
      if (isLookupFailure(removed)) throw new NotFoundError({ kind: 'member', id: pathParam(ctx, 'name') }, removed.message);
      reply(ctx);
    });

    router.get(`${base}/entries`, byNode({ summary: 'Callers waiting in queues' }), async (ctx) => reply(ctx, { list: await listEntries(readDb(ctx, deps.db), readNow(ctx)) }));
    router.get(`${base}/entries/:id`, byNode({ summary: 'A caller waiting in a queue' }), async (ctx) => {
      const entry = await getEntry(readDb(ctx, deps.db), pathParam(ctx, 'id'), readNow(ctx), queryNode(ctx));
      if (!entry) throw new NotFoundError({ kind: 'queue entry', id: pathParam(ctx, 'id') }, `no queue entry with unique_id ${pathParam(ctx, 'id')}`);
      reply(ctx, entry);
    });

    router.get(`${base}/statuses`, byNode({ summary: 'Each queue with its entries and members' }), async (ctx) => reply(ctx, { list: await listStatuses(readDb(ctx, deps.db), readNow(ctx)) }));
    router.get(`${base}/statuses/:name`, byNode({ summary: 'A queue with its entries and members (node: when several boxes have it)' }), async (ctx) => {
      const status = await getStatus(readDb(ctx, deps.db), pathParam(ctx, 'name'), readNow(ctx), queryNode(ctx));
      if (!status) throw new NotFoundError({ kind: 'queue', id: pathParam(ctx, 'name') });
      reply(ctx, status);
    });
  }
  return router;
}
