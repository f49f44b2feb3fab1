import type { Context, Middleware, Next } from 'koa';
import type { ZodType, ZodTypeDef } from 'zod';
import { validate } from '../validation.js';
import type { JsonBody } from './body.js';

type Schema<T> = ZodType<T, ZodTypeDef, unknown>;

/**
 * What a route accepts and answers, declared once next to the route: the same zod schemas validate the
 * request here and describe it in the OpenAPI document (src/http/openapi/document.ts reads this off the
 * router's stack). A schema change therefore changes both.
 */
export interface RouteDoc<B, Q, P = unknown> {
  /** One line for the API reference. */
  readonly summary?: string;
  /** The JSON body (a missing body validates as `{}`, so "x is required" names the field). */
  readonly body?: Schema<B>;
  /**
   * A `text/plain` body the route also takes (body.ts puts it in `ctx.state.text`): validated with this schema
   * instead of `body`, and documented under its own media type next to the JSON one.
   */
  readonly text?: Schema<string>;
  /** The query string (`ctx.query`). */
  readonly query?: Schema<Q>;
  /** The path parameters (`ctx.params`), when they have a shape beyond "a string"; a route without one documents each as a string. */
  readonly params?: Schema<P>;
  /** The envelope's `result`, when the route answers one of a known shape. */
  readonly result?: ZodType;
}

/** The route middleware `accepts()` makes: validates, and reads the validated input back, typed. */
export interface RouteInput<B, Q, P = unknown> extends Middleware {
  readonly routeDoc: RouteDoc<B, Q, P>;
  /** The validated body; only inside a route this middleware ran for. */
  body(ctx: Context): B;
  /** The validated `text/plain` body, when the request sent one (then `body` was not validated: undefined). */
  text(ctx: Context): string | undefined;
  query(ctx: Context): Q;
  params(ctx: Context): P;
}

interface Validated {
  readonly params?: unknown;
  readonly text?: string;
  readonly body?: unknown;
  readonly query?: unknown;
}

/**
 * `router.post(path, input, async (ctx) => use(input.body(ctx)))`: validation runs before the handler
 * (path parameters first, then query, then body); bad input is the 400 naming the field, and the handler never runs.
 */
export function accepts<B = never, Q = never, P = never>(doc: RouteDoc<B, Q, P>): RouteInput<B, Q, P> {
  // Per request, per declaration: nothing of one route's input can reach another's reader.
  const results = new WeakMap<Context, Validated>();
  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    const params = doc.params === undefined ? undefined : validate(doc.params, (ctx as Context & { params?: unknown }).params ?? {});
    const query = doc.query === undefined ? undefined : validate(doc.query, ctx.query);
    const sentText = doc.text !== undefined && typeof ctx.state.text === 'string';
    const text = sentText ? validate(doc.text!, ctx.state.text) : undefined;
    const body = doc.body === undefined || sentText ? undefined : validate(doc.body, (ctx.state.body as JsonBody | undefined) ?? {});
    results.set(ctx, { params, text, body, query });
    await next();
  };
  const read = (ctx: Context): Validated => {
    const validated = results.get(ctx);
    if (validated === undefined) throw new Error('accepts(): the route reads input its middleware did not validate');
    return validated;
  };
  return Object.assign(middleware, {
    routeDoc: doc,
    // The declaration's own schema produced these values: the casts restate its output types.
    body: (ctx: Context) => read(ctx).body as B,
    query: (ctx: Context) => read(ctx).query as Q,
    params: (ctx: Context) => read(ctx).params as P,
    text: (ctx: Context) => read(ctx).text,
  });
}

/** A route middleware's declaration, if it is one (the document generator's view). */
export function routeDocOf(middleware: unknown): RouteDoc<unknown, unknown> | undefined {
  if (typeof middleware !== 'function') return undefined;
  const doc = (middleware as Partial<RouteInput<unknown, unknown, unknown>>).routeDoc;
  return doc;
}
