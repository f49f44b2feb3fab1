import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { obEventTypes } from '../src/events/outbound.js';
import type { Database } from './database.js';
import { isLive } from './lib/lifecycle.js';
import { defineResourceProjection, parseJsonColumns, resourceReads, type Stored } from './lib/resource-projection.js';
import { dlIndexes, dlStatus, evolveDl, numberKey, RES_DIAL_ANSWERED, trycntKey, type DlObject } from './outbound/dl.js';
import { maxRetryKey, retryThreshold, type RetryPolicy } from './outbound/retry.js';

/**
 * `/ob/dls` (catalog 50-outbound §6.4, §7.7-7.8): one row per dial list entry in use, from the `dl-<uuid>`
 * streams: the client's CRUD and the dialer's `DlDialingStarted` / `DlDialingEnded`. All entries of all
 * dlmas live in this one table (a dlma's `dl_table` is a name only), indexed by `dlma_uuid`.
 */

export type ObDlsTable = Stored<DlObject, 'variables'>;

export const obDlsProjection = defineResourceProjection({
  name: 'ob_dls',
  version: 1,
  events: [obEventTypes.dlCreated, obEventTypes.dlUpdated, obEventTypes.dlDeleted, obEventTypes.dlDialingStarted, obEventTypes.dlDialingEnded],
  evolve: evolveDl,
  json: ['variables'],
  live: isLive,
});

// ---------------------------------------------------------------------------------------------
// Queries (REST, and the dialer's pick). The selection rule mirrors `src/outbound/resources/selection.ts`.

const fromTable = (stored: ObDlsTable): DlObject => parseJsonColumns(stored, ['variables']);

export const { get: getDl } = resourceReads<DlObject, 'variables'>('ob_dls', ['variables']);

/** The catalog's default `count` of `GET /ob/dls` (§7.7). */
export const defaultDlListCount = 100;

/** The entries of one dlma, in creation order, at most `count`. */
export async function listDls(db: Kysely<Database>, dlmaUuid: string, count = defaultDlListCount): Promise<DlObject[]> {
  const rows = await db
    .selectFrom('ob_dls')
    .selectAll()
    .where('dlma_uuid', '=', dlmaUuid)
    .orderBy('tm_create')
    .orderBy('uuid')
    .limit(count)
    .execute();
  return rows.map(fromTable);
}

/** Entries a dialing holds right now (all dlmas, or one): what the dialer reconciles after a restart. */
export async function listDialingDls(db: Kysely<Database>, dlmaUuid?: string): Promise<DlObject[]> {
  let query = db.selectFrom('ob_dls').selectAll().where('dialing_uuid', 'is not', null);
  if (dlmaUuid !== undefined) query = query.where('dlma_uuid', '=', dlmaUuid);
  const rows = await query.orderBy('tm_last_dial').orderBy('uuid').execute();
  return rows.map(fromTable);
}

/** "Some number has tries left" (catalog §4 step 1, third condition) for the plan's retry counts. */
function triesLeftSql(policy: RetryPolicy): RawBuilder<SqlBool> {
  const perIndex = dlIndexes.map(
    (index) => sql`(${sql.ref(numberKey(index))} IS NOT NULL AND ${sql.ref(trycntKey(index))} < ${policy[maxRetryKey(index)]})`,
  );
  return sql<SqlBool>`(${sql.join(perIndex, sql` OR `)})`;
}

/** Finished: answered once, or no number with tries left (catalog §4 step 9). */
const finishedSql = (policy: RetryPolicy): RawBuilder<SqlBool> => sql<SqlBool>`(res_dial = ${RES_DIAL_ANSWERED} OR NOT ${triesLeftSql(policy)})`;

/** The whole dialable rule (catalog §4 step 1); timestamps compare as text (one fixed-width UTC format). */
const dialableSql = (policy: RetryPolicy, now: string): RawBuilder<SqlBool> =>
  sql<SqlBool>`(status = ${dlStatus.idle} AND dialing_uuid IS NULL AND res_dial != ${RES_DIAL_ANSWERED} AND ${triesLeftSql(policy)}
    AND (tm_last_hangup IS NULL OR tm_last_hangup < ${retryThreshold(now, policy.retry_delay)}))`;

const triesSum = sql.raw(dlIndexes.map((index) => trycntKey(index)).join(' + '));

/**
 * The next entries the dialer may dial in a dlma at `now`, in the catalog's order: least-tried first
 * (sum of `trycnt_1..8`), then oldest, then uuid. The number to dial is `pickDialNumber(dl, plan)`.
 */
export async function listDialableDls(db: Kysely<Database>, dlmaUuid: string, policy: RetryPolicy, now: string, limit = 1): Promise<DlObject[]> {
  const rows = await db
    .selectFrom('ob_dls')
    .selectAll()
    .where('dlma_uuid', '=', dlmaUuid)
    .where(dialableSql(policy, now))
    .orderBy(triesSum)
    .orderBy('tm_create')
    .orderBy('uuid')
    .limit(limit)
    .execute();
  return rows.map(fromTable);
}

export interface DlCounts {
  /** Entries in use. */
  readonly total: number;
  /** Held by a dialing now. */
  readonly dialing: number;
  /** Dialable at `now` (the rule of `listDialableDls`). */
  readonly dialable: number;
  /** Answered, or out of tries (may still be held by its last dialing). */
  readonly finished: number;
  /**
   * Not finished: dialable, waiting for `retry_delay`, held by a dialing, or parked by a client's status.
   * Zero (with no dialing of the campaign left) is the catalog's "end of the list" (§4 step 9).
   */
  readonly unfinished: number;
}

/** The dlma's entries counted under a plan's retry policy at `now`: one scan of the dlma's rows. */
export async function countDls(db: Kysely<Database>, dlmaUuid: string, policy: RetryPolicy, now: string): Promise<DlCounts> {
  const { rows } = await sql<{ total: number; dialing: number | null; dialable: number | null; finished: number | null }>`
    SELECT count(*) AS total,
      sum(CASE WHEN dialing_uuid IS NOT NULL THEN 1 ELSE 0 END) AS dialing,
      sum(CASE WHEN ${dialableSql(policy, now)} THEN 1 ELSE 0 END) AS dialable,
      sum(CASE WHEN ${finishedSql(policy)} THEN 1 ELSE 0 END) AS finished
    FROM ob_dls WHERE dlma_uuid = ${dlmaUuid}`.execute(db);
  const row = rows[0];
  const total = row?.total ?? 0;
  const finished = row?.finished ?? 0;
  return { total, dialing: row?.dialing ?? 0, dialable: row?.dialable ?? 0, finished, unfinished: total - finished };
}

/** How many entries a dlma has, and how many a dialing holds (what a dlma delete must know). */
export async function countDlmaEntries(db: Kysely<Database>, dlmaUuid: string): Promise<{ total: number; dialing: number }> {
  const row = await db
    .selectFrom('ob_dls')
    .select((eb) => [eb.fn.countAll<number>().as('total'), eb.fn.count<number>('dialing_uuid').as('dialing')])
    .where('dlma_uuid', '=', dlmaUuid)
    .executeTakeFirst();
  return { total: Number(row?.total ?? 0), dialing: Number(row?.dialing ?? 0) };
}

/** Every entry uuid of a dlma (a dlma delete with `delete_dls` deletes each). */
export async function listDlUuids(db: Kysely<Database>, dlmaUuid: string): Promise<string[]> {
  const rows = await db.selectFrom('ob_dls').select('uuid').where('dlma_uuid', '=', dlmaUuid).orderBy('uuid').execute();
  return rows.map((row) => row.uuid);
}
