import { z } from 'zod';
import { formatTimestamp, parseTimestamp } from '../events/time.js';
import { sortOrders } from '../../projections/lib/paging.js';

/**
 * Query-string fields of the history endpoints, as zod schemas over the raw strings Koa gives.
 * Every failure is a 400 naming the parameter (src/http/body.ts `validate`). A repeated parameter
 * arrives as an array and is refused by these string schemas, rather than one copy silently winning.
 */

const digits = /^\d{1,15}$/;

export const positionParam = z
  .string()
  .regex(digits, 'must be a log position (a whole number from 1)')
  .transform(Number)
  .refine((n) => n >= 1, 'must be a log position (a whole number from 1)');

/** An API timestamp, normalised to 9 fraction digits so text comparison is time comparison. */
export const timestampParam = z.string().transform((text, ctx) => {
  const ns = parseTimestamp(text);
  if (ns === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be an API timestamp like 2017-12-22T12:48:26.824442473Z' });
    return z.NEVER;
  }
  return formatTimestamp(ns);
});

export function limitParam(defaultLimit: number, max: number) {
  return z
    .string()
    .regex(digits, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be a whole number from 1 to ${max}`)
    .optional()
    .transform((n) => n ?? defaultLimit);
}

export const integerParam = z.string().regex(/^-?\d{1,9}$/, 'must be a whole number').transform(Number);

export const textParam = z.string().min(1, 'must not be empty');

/** `type=A,B` or `type=A`: a list of names. */
export const listParam = z
  .string()
  .transform((text) => text.split(',').map((item) => item.trim()).filter((item) => item !== ''))
  .refine((items) => items.length > 0, 'must name at least one value');

/** `order=desc` (the default: newest first) or `order=asc`. */
export const orderParam = z
  .enum(sortOrders, { errorMap: () => ({ message: 'must be desc (newest first, the default) or asc' }) })
  .optional()
  .transform((order) => order ?? 'desc');

/**
 * The time window and keyset page of a history list (calls, commands): `since`/`until` inclusive,
 * `limit` rows from the `from` cursor in `order`. Spread into a list's own query schema.
 */
export const historyWindowParams = {
  since: timestampParam.optional(),
  until: timestampParam.optional(),
};
export const historyPageParams = {
  limit: limitParam(100, 1000),
  from: textParam.optional(),
  order: orderParam,
};
