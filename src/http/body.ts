import type { Context, Next } from 'koa';
import { z, type ZodType, type ZodTypeDef } from 'zod';
import { badRequest, payloadTooLarge } from './errors.js';
import { isAmiSafe } from '../ami/port.js';
import { validate } from '../validation.js';

export { validate } from '../validation.js';

const bodyMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What a JSON body is, for the 400 that refuses it: `null`, `an array`, `a number`, ... */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** A request body as every write route reads it: a JSON object, or none at all. */
export type JsonBody = Record<string, unknown>;

/**
 * The request's JSON body, at most `limitBytes` (413 above, 400 when not JSON); undefined when empty.
 * Only an object is a body: `null`, an array, a number, a string or a boolean is a 400 naming `body`
 * here, once for every route, so no route can mistake `null` for "no fields given" (`{}`).
 * Hand-written rather than a body-parser package: it is a dozen lines and we need the
 * exact 400/413 envelope behaviour.
 */
/** The raw request body as UTF-8 text, at most `limitBytes` (413 above). */
async function readText(ctx: Context, limitBytes: number): Promise<string> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limitBytes) throw payloadTooLarge(limitBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw payloadTooLarge(limitBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readJson(ctx: Context, limitBytes: number): Promise<JsonBody | undefined> {
  const text = (await readText(ctx, limitBytes)).trim();
  if (text === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    throw badRequest('request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(`body must be a JSON object, not ${kindOf(parsed)}`, { fields: ['body'] });
  }
  return parsed as JsonBody;
}

/**
 * Reads the JSON body of a write into `ctx.state.body` (undefined when there is none). A `text/plain` body
 * (`PUT /dialplan/setting` takes the file's text) goes as it is into `ctx.state.text` instead.
 */
export function jsonBody(limitBytes: number) {
  return async function readJsonBody(ctx: Context, next: Next): Promise<void> {
    if (!bodyMethods.has(ctx.method)) return next();
    if (ctx.is('text/plain') === 'text/plain') {
      ctx.state.text = await readText(ctx, limitBytes);
      return next();
    }
    ctx.state.body = await readJson(ctx, limitBytes);
    return next();
  };
}

/** The request body validated; a missing body validates as `{}` so "x is required" names the field. */
export function validBody<T>(ctx: Context, schema: ZodType<T, ZodTypeDef, unknown>): T {
  // readJson let only an object or nothing through; an empty body is no fields at all.
  const body = (ctx.state.body as JsonBody | undefined) ?? {};
  return validate(schema, body);
}

const amiSafeMessage = 'must not contain CR, LF or NUL';

/** A string that will reach AMI: CR/LF would inject actions, NUL truncates. */
export const amiSafeString = z.string().refine(isAmiSafe, { message: amiSafeMessage });

/** A required value that will reach AMI. */
export const nonEmptyAmiString = amiSafeString.pipe(z.string().min(1, 'must not be empty'));

/** A path parameter of the matched route ('' when the route has none of that name). */
export function pathParam(ctx: Context, name: string): string {
  return String(ctx.params[name] ?? '');
}
