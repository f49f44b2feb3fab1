import { Router } from '@koa/router';
import { z } from 'zod';
import type { LogSource } from '../../eventstore/log-port.js';
import { queryLog, toWireEvent } from '../../history/log.js';
import { limitParam, listParam, positionParam, textParam, timestampParam } from '../../history/query-params.js';
import { reply } from '../envelope.js';
import { NotFoundError } from '../../events/index.js';
import { accepts } from '../route-input.js';
import { readAt } from '../point-in-time.js';

export interface EventsRouteDeps {
  readonly log: LogSource;
}

const eventsQuery = z
  .object({
    stream: textParam.optional(),
    stream_prefix: textParam.optional(),
    type: listParam.optional(),
    from_position: positionParam.optional(),
    to_position: positionParam.optional(),
    since: timestampParam.optional(),
    until: timestampParam.optional(),
    limit: limitParam(100, 1000),
  })
  .superRefine((query, ctx) => {
    if (query.from_position !== undefined && query.to_position !== undefined && query.to_position < query.from_position) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to_position'], message: 'must not be before from_position' });
    }
    if (query.since !== undefined && query.until !== undefined && query.until < query.since) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['until'], message: 'must not be before since' });
    }
  });

/** Paths whose `at=` caps the log range instead of selecting read models (see point-in-time.ts). */
export const logPaths = (path: string): boolean => path === '/events' || path.startsWith('/events/');

const eventsInput = accepts({ summary: 'The raw event log, paged and filtered', query: eventsQuery });
const eventInput = accepts({ summary: 'One event of the log', params: z.object({ position: positionParam }) });

/**
 * The log API (admin; ARCHITECTURE.md "Log API"): the global log filtered and paged by position.
 * `at=` (a timestamp or position) ends the range there, like every read's "as it was then".
 */
export function eventsRoutes(deps: EventsRouteDeps): Router {
  const router = new Router();

  router.get('/events', eventsInput, async (ctx) => {
    const query = eventsInput.query(ctx);
    const at = readAt(ctx);
    const to = Math.min(query.to_position ?? Number.MAX_SAFE_INTEGER, at?.position ?? Number.MAX_SAFE_INTEGER);
    const page = await queryLog(deps.log, {
      stream: query.stream,
      streamPrefix: query.stream_prefix,
      types: query.type,
      since: query.since,
      until: query.until,
      fromPosition: query.from_position ?? 1,
      toPosition: to,
      limit: query.limit,
    });
    reply(ctx, { list: page.events.map(toWireEvent), next_position: page.nextPosition });
  });

  router.get('/events/:position', eventInput, async (ctx) => {
    const { position } = eventInput.params(ctx);
    const at = readAt(ctx);
    const event = at !== undefined && position > at.position ? undefined : await deps.log.get(position);
    if (!event) throw new NotFoundError({ kind: 'event', id: String(position) }, `no event at position ${position}`);
    reply(ctx, toWireEvent(event));
  });

  return router;
}
