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
import type { ObResourceCommands } from '../../outbound/commands.js';
import type { Database } from '../../../projections/database.js';
import { formatTimestamp, parseTimestamp } from '../../events/time.js';
import { amiSafeString, nonEmptyAmiString, pathParam } from '../body.js';
import { readDb } from '../point-in-time.js';
import { noOptions, resourceRoutes } from '../resource-routes.js';
import { reply } from '../envelope.js';
import { NotFoundError } from '../../events/errors.js';

/**
 * `/ob/...`: the outbound dialer's resources (catalog 50-outbound §7). Reads answer from the read models
 * (as of `at=` when given: ARCHITECTURE.md "Point in time"); writes go through the resources' decider path
 * (src/outbound/commands.ts, on the generic path of src/commands/resource.ts and src/http/resource-routes.ts).
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
  node: z
    .string()
    .min(1, 'must not be empty')
    .nullable()
    .optional()
    .describe('the Asterisk box the campaign dials on (ami.nodes[].node); required when several are configured; null: the first box'),
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

const forceOption = deleteQuery.transform(({ force = false }) => ({ force }));
const dlmaDeleteOptions = dlmaDeleteQuery.transform(({ force = false, delete_dls: deleteDls = false }) => ({ force, deleteDls }));

/**
 * The catalog's paths under `/ob`, and the tutorial's unprefixed ones (`/plans`, `/campaigns`, ...: catalog §8
 * proposes serving them so the tutorial runs verbatim). `/ob/campaign/<uuid>` is the singular alias of the
 * manual's Call lines (§7.12).
 */
export function outboundRoutes(deps: OutboundRouteDeps): Router {
  const router = new Router();
  const { db, commands } = deps;
  const common = { db, context: (actor: Actor) => commands.context(actor) };

  for (const base of ['/ob', '']) {
    // Plans (§7.1-7.2)
    resourceRoutes(router, {
      ...common,
      path: `${base}/plans`,
      what: 'plan',
      schema: { create: planBody, update: planBody },
      deleteQuery: forceOption,
      commands: commands.plans,
      queries: { list: listPlans, get: getPlan },
    });

    // Destinations (§7.3-7.4)
    resourceRoutes(router, {
      ...common,
      path: `${base}/destinations`,
      what: 'destination',
      schema: { create: destinationBody, update: destinationBody },
      deleteQuery: forceOption,
      commands: commands.destinations,
      queries: { list: listDestinations, get: getDestination },
    });

    // Dial list masters (§7.5-7.6)
    resourceRoutes(router, {
      ...common,
      path: `${base}/dlmas`,
      what: 'dlma',
      schema: { create: dlmaBody, update: dlmaBody },
      deleteQuery: dlmaDeleteOptions,
      commands: commands.dlmas,
      queries: { list: listDlmas, get: getDlma },
    });

    // Dial list entries (§7.7-7.8): listed per dlma, which must exist.
    resourceRoutes(router, {
      ...common,
      path: `${base}/dls`,
      what: 'dl',
      schema: { create: dlCreateBody, update: dlUpdateBody },
      deleteQuery: forceOption,
      commands: commands.dls,
      listQuery: dlListQuery,
      queries: {
        async list(read, query) {
          if ((await getDlma(read, query.dlma_uuid)) === undefined) throw new NotFoundError({ kind: 'dlma', id: query.dlma_uuid });
          return listDls(read, query.dlma_uuid, query.count ?? defaultDlListCount);
        },
        get: getDl,
      },
    });

    // Campaigns (§7.11-7.12)
    resourceRoutes(router, {
      ...common,
      path: `${base}/campaigns`,
      itemAliases: base === '/ob' ? ['/ob/campaign/:uuid'] : [],
      what: 'campaign',
      schema: { create: campaignBody, update: campaignBody },
      deleteQuery: noOptions,
      commands: commands.campaigns,
      queries: { list: listCampaigns, get: getCampaign },
    });

    // Dialings (§7.9-7.10): created and finished by the dialer; read-only here.
    const param = (ctx: Context): string => pathParam(ctx, 'uuid');
    router.get(`${base}/dialings`, async (ctx) => reply(ctx, { list: await listDialings(readDb(ctx, db)) }));
    router.get(
      `${base}/dialings/:uuid`,
      async (ctx) => {
        const dialing = await getDialing(readDb(ctx, db), param(ctx));
        if (dialing === undefined) throw new NotFoundError({ kind: 'dialing', id: param(ctx) });
        reply(ctx, dialing);
      },
    );
    // §7.10: hang the dialing's call up; the dialer finalises it when the Hangup arrives. The answer has no result.
    router.delete(
      `${base}/dialings/:uuid`,
      async (ctx) => {
        const hangup = deps.hangupDialing;
        if (!hangup || !(await hangup(currentUser(ctx), param(ctx)))) throw new NotFoundError({ kind: 'dialing', id: param(ctx) });
        reply(ctx);
      },
    );
  }
  return router;
}
