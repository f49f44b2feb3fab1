import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { listCampaigns, getCampaign } from '../../../projections/ob-campaigns.js';
import { getDestination, listDestinations } from '../../../projections/ob-destinations.js';
import { getDialing, listDialings } from '../../../projections/ob-dialings.js';
import { getDlma, listDlmas } from '../../../projections/ob-dlmas.js';
import { defaultDlListCount, getDl, listDls } from '../../../projections/ob-dls.js';
import { getPlan, listPlans } from '../../../projections/ob-plans.js';
import { currentUser } from '../../auth/index.js';
import type { Actor } from '../../commands/command.js';
import type { ObResourceCommands } from '../../commands/outbound.js';
import type { Database } from '../../readmodels/database.js';
import { formatTimestamp, parseTimestamp } from '../../events/time.js';
import { amiSafeString, nonEmptyAmiString, pathParam, validate, validBody } from '../body.js';
import { readDb } from '../point-in-time.js';
import { reply } from '../envelope.js';
import { notFound } from '../errors.js';

/**
 * `/ob/...`: the outbound dialer's resources (catalog 50-outbound §7). Reads answer from the read models
 * (as of `at=` when given: ARCHITECTURE.md "Point in time"); writes go through the resources' decider path
 * (src/commands/outbound.ts).
 *
 * Every value that reaches Asterisk later (numbers, variables, tech and trunk names, caller id,
 * context/exten/priority, application and data, codecs) is checked now: a CR, LF or NUL in it would
 * inject AMI headers or be cut by Asterisk when the dialer sends it, long after the client has gone
 * (ARCHITECTURE.md "HTTP contract"). Names, details, e-mails and user keys never reach Asterisk.
 */

export interface OutboundRouteDeps {
  readonly db: Kysely<Database>;
  readonly commands: ObResourceCommands;
  /** `DELETE /ob/dialings/<uuid>` (the dialer's audited hangup); false when there is no such live dialing. */
  readonly hangupDialing?: (actor: Actor, uuid: string) => Promise<boolean>;
}

// --- field schemas ------------------------------------------------------------------------------

/** Stored only; never sent to Asterisk. */
const text = z.string().nullable();
/** Sent to Asterisk by the dialer. */
const amiText = amiSafeString.nullable();

const code = (values: readonly number[]) =>
  z.number().int().refine((value) => values.includes(value), { message: `must be one of ${values.join(', ')}` });
const count = z.number().int().min(0).max(2_147_483_647);

const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const uuidRef = z.string().regex(uuidPattern, 'must be a uuid');

/**
 * `{name: value}`. A name becomes `name=value` in an Originate `Variable` header, so it must not hold `=`;
 * the manual's own examples use spaces (`"campaign key 1"`), so those are allowed.
 */
const variables = z
  .record(z.string().regex(/^[^=\r\n\0]+$/, 'variable names must be non-empty and must not contain =, CR, LF or NUL'), amiSafeString)
  .nullable();

/** A channel technology (`SIP`, `PJSIP`, `Local`): the part of the dial string before `/`. */
const techName = amiSafeString.pipe(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a channel technology name (letters, digits, _ or -)'));

/** A dial list number: dialed as `<tech>/<number>[@<trunk>]`; null clears it. */
const dialNumber = nonEmptyAmiString.nullable();

/** The catalog types `early_media` as a string ("true" forces the bridge on early media); a JSON boolean is taken as that string. */
const earlyMedia = z.union([z.boolean().transform(String), amiSafeString]).nullable();

/** The catalog types `priority` as a string; a JSON integer is taken as its digits. */
const priority = z.union([z.number().int().positive().transform(String), amiSafeString]).nullable();

/** An API timestamp, stored in the canonical 9-digit form so stored times compare as text. */
const timestamp = z
  .string()
  .nullable()
  .transform((value, ctx) => {
    if (value === null) return null;
    const ns = parseTimestamp(value);
    if (ns === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a timestamp like 2017-03-08T02:02:19.491821216Z' });
      return z.NEVER;
    }
    return formatTimestamp(ns);
  });

// Schedule fields (catalog §2.6). An empty string means "no constraint", like null, and is stored as null.
const isDate = (value: string): boolean => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
};
const isTime = (value: string): boolean => /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/.test(value);
const isList = (value: string, item: (part: string) => boolean): boolean => value.split(',').every((part) => item(part.trim()));
const isTimeZone = (value: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
};
const schedule = (valid: (value: string) => boolean, message: string) =>
  z
    .string()
    .nullable()
    .transform((value) => (value === null || value.trim() === '' ? null : value))
    .refine((value) => value === null || valid(value), { message });

const eight = <T extends z.ZodTypeAny, P extends string>(prefix: P, schema: T) =>
  Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((index) => [`${prefix}${index}`, schema.optional()])) as Record<`${P}${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8}`, z.ZodOptional<T>>;

// --- bodies -------------------------------------------------------------------------------------
// Every field optional unless marked (catalog §7 "common behaviour"); read-only and unknown fields are dropped.

const planBody = z.object({
  name: text.optional(),
  detail: text.optional(),
  tech_name: techName.optional(),
  trunk_name: amiText.optional(),
  dial_mode: code([0, 1]).optional(),
  dial_timeout: z.number().int().min(1).max(86_400_000).optional(),
  dl_end_handle: code([0, 1]).optional(),
  retry_delay: z.number().int().min(0).max(2_147_483_647).optional(),
  caller_id: amiText.optional(),
  // Negative values count as 0 when pacing (catalog §3): accepted as given.
  service_level: z.number().int().min(-2_147_483_648).max(2_147_483_647).optional(),
  early_media: earlyMedia.optional(),
  codecs: amiText.optional(),
  variables: variables.optional(),
  ...eight('max_retry_cnt_', count),
});

const destinationBody = z.object({
  name: text.optional(),
  detail: text.optional(),
  type: code([0, 1]).optional(),
  application: amiText.optional(),
  data: amiText.optional(),
  context: amiText.optional(),
  exten: amiText.optional(),
  priority: priority.optional(),
  variables: variables.optional(),
});

const dlmaBody = z.object({ name: text.optional(), detail: text.optional(), variables: variables.optional() });

const dlCommon = {
  name: text.optional(),
  detail: text.optional(),
  status: code([0, 1, 2]).optional(),
  email: text.optional(),
  ...eight('number_', dialNumber),
  resv_target: amiText.optional(),
  ukey: text.optional(),
  variables: variables.optional(),
};

const dlCreateBody = z.object({ dlma_uuid: uuidRef, ...dlCommon });

/** PUT may also reset the counters and results, so an operator can have a customer dialed again (catalog §7.8). */
const dlUpdateBody = z.object({
  dlma_uuid: uuidRef.optional(),
  ...dlCommon,
  ...eight('trycnt_', count),
  res_dial: count.optional(),
  res_dial_detail: text.optional(),
  res_hangup: count.optional(),
  res_hangup_detail: text.optional(),
  tm_last_dial: timestamp.optional(),
  tm_last_hangup: timestamp.optional(),
});

const campaignBody = z.object({
  name: text.optional(),
  detail: text.optional(),
  status: code([0, 1, 2, 30]).optional(),
  plan: uuidRef.nullable().optional(),
  dlma: uuidRef.nullable().optional(),
  dest: uuidRef.nullable().optional(),
  variables: variables.optional(),
  next_campaign: uuidRef.nullable().optional(),
  sc_mode: code([0, 1]).optional(),
  sc_time_start: schedule(isTime, 'must be hh:mm:ss (24 h)').optional(),
  sc_time_end: schedule(isTime, 'must be hh:mm:ss (24 h)').optional(),
  sc_date_start: schedule(isDate, 'must be a date YYYY-MM-DD').optional(),
  sc_date_end: schedule(isDate, 'must be a date YYYY-MM-DD').optional(),
  sc_date_list: schedule((value) => isList(value, isDate), 'must be comma-separated dates YYYY-MM-DD').optional(),
  sc_date_list_except: schedule((value) => isList(value, isDate), 'must be comma-separated dates YYYY-MM-DD').optional(),
  sc_day_list: schedule((value) => isList(value, (day) => /^[0-6]$/.test(day)), 'must be comma-separated day numbers 0 (Sunday) to 6').optional(),
  sc_timezone: schedule(isTimeZone, 'must be an IANA time zone (e.g. Europe/Berlin)').optional(),
});

// --- query parameters ---------------------------------------------------------------------------

const flag = z.enum(['0', '1'], { errorMap: () => ({ message: 'must be 0 or 1' }) }).transform((value) => value === '1');
const deleteQuery = z.object({ force: flag.optional() });
const dlmaDeleteQuery = z.object({ force: flag.optional(), delete_dls: flag.optional() });
const dlListQuery = z.object({
  dlma_uuid: z.string().min(1, 'must not be empty'),
  count: z
    .string()
    .regex(/^\d+$/, 'must be a positive integer')
    .transform(Number)
    .refine((value) => value >= 1 && value <= 100_000, { message: 'must be between 1 and 100000' })
    .optional(),
});

// --- errors -------------------------------------------------------------------------------------

/** A route's work; a decider's ObRefusal goes on to the error table (error-middleware.ts), which answers it. */
function handle(work: (ctx: Context) => Promise<void>) {
  return work;
}

/** The body without the status (a campaign's status is its own event), and the status. */
function splitStatus<T extends { status?: number }>(body: T): [Omit<T, 'status'>, number | undefined] {
  const { status, ...fields } = body;
  return [fields, status];
}

/**
 * The catalog's paths under `/ob`, and the tutorial's unprefixed ones (`/plans`, `/campaigns`, ...: catalog §8
 * proposes serving them so the tutorial runs verbatim). `/ob/campaign/<uuid>` is the singular alias of the
 * manual's Call lines (§7.12).
 */
export function outboundRoutes(deps: OutboundRouteDeps): Router {
  const router = new Router();
  const { db, commands } = deps;
  const param = (ctx: Context): string => pathParam(ctx, 'uuid');
  const context = (ctx: Context) => commands.context(currentUser(ctx));
  const found = <T>(object: T | undefined, what: string, uuid: string): T => {
    if (object === undefined) throw notFound(`no ${what} ${uuid}`);
    return object;
  };

  for (const base of ['/ob', '']) {
    // Plans (§7.1-7.2)
    router.get(`${base}/plans`, handle(async (ctx) => reply(ctx, { list: await listPlans(readDb(ctx, db)) })));
    router.post(`${base}/plans`, handle(async (ctx) => reply(ctx, await commands.createPlan(context(ctx), validBody(ctx, planBody)))));
    router.get(`${base}/plans/:uuid`, handle(async (ctx) => reply(ctx, found(await getPlan(readDb(ctx, db), param(ctx)), 'plan', param(ctx)))));
    router.put(`${base}/plans/:uuid`, handle(async (ctx) => reply(ctx, await commands.updatePlan(context(ctx), param(ctx), validBody(ctx, planBody)))));
    router.delete(
      `${base}/plans/:uuid`,
      handle(async (ctx) => {
        const { force = false } = validate(deleteQuery, ctx.query);
        reply(ctx, await commands.deletePlan(context(ctx), param(ctx), { force }));
      }),
    );

    // Destinations (§7.3-7.4)
    router.get(`${base}/destinations`, handle(async (ctx) => reply(ctx, { list: await listDestinations(readDb(ctx, db)) })));
    router.post(`${base}/destinations`, handle(async (ctx) => reply(ctx, await commands.createDestination(context(ctx), validBody(ctx, destinationBody)))));
    router.get(`${base}/destinations/:uuid`, handle(async (ctx) => reply(ctx, found(await getDestination(readDb(ctx, db), param(ctx)), 'destination', param(ctx)))));
    router.put(
      `${base}/destinations/:uuid`,
      handle(async (ctx) => reply(ctx, await commands.updateDestination(context(ctx), param(ctx), validBody(ctx, destinationBody)))),
    );
    router.delete(
      `${base}/destinations/:uuid`,
      handle(async (ctx) => {
        const { force = false } = validate(deleteQuery, ctx.query);
        reply(ctx, await commands.deleteDestination(context(ctx), param(ctx), { force }));
      }),
    );

    // Dial list masters (§7.5-7.6)
    router.get(`${base}/dlmas`, handle(async (ctx) => reply(ctx, { list: await listDlmas(readDb(ctx, db)) })));
    router.post(`${base}/dlmas`, handle(async (ctx) => reply(ctx, await commands.createDlma(context(ctx), validBody(ctx, dlmaBody)))));
    router.get(`${base}/dlmas/:uuid`, handle(async (ctx) => reply(ctx, found(await getDlma(readDb(ctx, db), param(ctx)), 'dlma', param(ctx)))));
    router.put(`${base}/dlmas/:uuid`, handle(async (ctx) => reply(ctx, await commands.updateDlma(context(ctx), param(ctx), validBody(ctx, dlmaBody)))));
    router.delete(
      `${base}/dlmas/:uuid`,
      handle(async (ctx) => {
        const { force = false, delete_dls: deleteDls = false } = validate(dlmaDeleteQuery, ctx.query);
        reply(ctx, await commands.deleteDlma(context(ctx), param(ctx), { force, deleteDls }));
      }),
    );

    // Dial list entries (§7.7-7.8)
    router.get(
      `${base}/dls`,
      handle(async (ctx) => {
        const query = validate(dlListQuery, ctx.query);
        const read = readDb(ctx, db);
        found(await getDlma(read, query.dlma_uuid), 'dlma', query.dlma_uuid);
        reply(ctx, { list: await listDls(read, query.dlma_uuid, query.count ?? defaultDlListCount) });
      }),
    );
    router.post(`${base}/dls`, handle(async (ctx) => reply(ctx, await commands.createDl(context(ctx), validBody(ctx, dlCreateBody)))));
    router.get(`${base}/dls/:uuid`, handle(async (ctx) => reply(ctx, found(await getDl(readDb(ctx, db), param(ctx)), 'dl', param(ctx)))));
    router.put(`${base}/dls/:uuid`, handle(async (ctx) => reply(ctx, await commands.updateDl(context(ctx), param(ctx), validBody(ctx, dlUpdateBody)))));
    router.delete(
      `${base}/dls/:uuid`,
      handle(async (ctx) => {
        const { force = false } = validate(deleteQuery, ctx.query);
        reply(ctx, await commands.deleteDl(context(ctx), param(ctx), { force }));
      }),
    );

    // Campaigns (§7.11-7.12)
    router.get(`${base}/campaigns`, handle(async (ctx) => reply(ctx, { list: await listCampaigns(readDb(ctx, db)) })));
    router.post(
      `${base}/campaigns`,
      handle(async (ctx) => {
        const [fields, status] = splitStatus(validBody(ctx, campaignBody));
        reply(ctx, await commands.createCampaign(context(ctx), fields, status));
      }),
    );
    for (const path of [`${base}/campaigns/:uuid`, ...(base === '/ob' ? ['/ob/campaign/:uuid'] : [])]) {
      router.get(path, handle(async (ctx) => reply(ctx, found(await getCampaign(readDb(ctx, db), param(ctx)), 'campaign', param(ctx)))));
      router.put(
        path,
        handle(async (ctx) => {
          const [changes, status] = splitStatus(validBody(ctx, campaignBody));
          reply(ctx, await commands.updateCampaign(context(ctx), param(ctx), changes, status));
        }),
      );
      router.delete(path, handle(async (ctx) => reply(ctx, await commands.deleteCampaign(context(ctx), param(ctx)))));
    }

    // Dialings (§7.9-7.10): created and finished by the dialer; read-only here.
    router.get(`${base}/dialings`, handle(async (ctx) => reply(ctx, { list: await listDialings(readDb(ctx, db)) })));
    router.get(`${base}/dialings/:uuid`, handle(async (ctx) => reply(ctx, found(await getDialing(readDb(ctx, db), param(ctx)), 'dialing', param(ctx)))));
    // §7.10: hang the dialing's call up; the dialer finalises it when the Hangup arrives. The answer has no result.
    router.delete(
      `${base}/dialings/:uuid`,
      handle(async (ctx) => {
        const hangup = deps.hangupDialing;
        if (!hangup || !(await hangup(currentUser(ctx), param(ctx)))) throw notFound(`no dialing ${param(ctx)}`);
        reply(ctx);
      }),
    );
  }
  return router;
}
