import type { Context, Middleware, Next } from 'koa';
import { z } from 'zod';
import { accepts, type RouteDoc } from './route-input.js';

/**
 * `?node=` on the live read models (README "Several Asterisk boxes"): every row names the Asterisk box it is
 * on; a list keeps the rows of that box only; a single object of a name several boxes share (a queue, a
 * module) is that box's, and without `node` such a read is 409 (lib/node-scope.ts `oneOfNodes`).
 */

const nodeValue = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'node must be the name of an Asterisk box (ami.nodes[].node)')
  .describe('the Asterisk box (`ami.nodes[].node`): a list keeps its rows only; an object of a name several boxes have is that box\'s');

export const nodeQuery = z.object({ node: nodeValue.optional() });

/** The `node` of the query, validated by `byNode` (or another `accepts` whose query schema has it). */
export function queryNode(ctx: Context): string | undefined {
  const value = ctx.query.node;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

type Item = Record<string, unknown>;

/** The box a list item is on: its own `node`, or its queue's (`/queue/statuses` items are `{queue, entries, members}`). */
function nodeOfItem(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const own = (item as Item).node;
  if (typeof own === 'string') return own;
  const queue = (item as Item).queue;
  return typeof queue === 'object' && queue !== null && typeof (queue as Item).node === 'string' ? ((queue as Item).node as string) : undefined;
}

/** Keeps the items of `result.list` on `node` (items that name no box are no live row: left as they are). */
function filterList(ctx: Context, node: string): void {
  if (ctx.status !== 200) return;
  const body: unknown = typeof ctx.body === 'string' ? JSON.parse(ctx.body) : ctx.body;
  const result = typeof body === 'object' && body !== null ? (body as Item).result : undefined;
  const list = typeof result === 'object' && result !== null ? (result as Item).list : undefined;
  if (!Array.isArray(list)) return;
  (result as Item).list = list.filter((item) => {
    const of = nodeOfItem(item);
    return of === undefined || of === node;
  });
  ctx.body = body;
  ctx.type = 'application/json';
}

/**
 * The route middleware of a live read: validates `?node=` (400 naming it), documents it in the OpenAPI
 * document, and after the handler keeps a list's rows of that box. The handler passes `queryNode(ctx)` to a
 * single-object query.
 */
export function byNode(doc: Omit<RouteDoc<never, z.infer<typeof nodeQuery>>, 'query'> = {}): Middleware {
  const input = accepts({ ...doc, query: nodeQuery });
  const middleware = (ctx: Context, next: Next): Promise<void> =>
    input(ctx, async () => {
      await next();
      const node = queryNode(ctx);
      if (node !== undefined) filterList(ctx, node);
    }) as Promise<void>;
  return Object.assign(middleware, { routeDoc: input.routeDoc });
}
