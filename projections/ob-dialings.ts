import type { Kysely } from 'kysely';
import { dialingJsonColumns, type DialingObject } from '../src/outbound/resources/dialing.js';
import type { Database } from '../src/readmodels/database.js';
import { parseJsonColumns, type Stored } from './ob-common.js';

/**
 * `/ob/dialings` (catalog 50-outbound §6.5, §7.9-7.10): the live dialings, table `ob_dialings`
 * (migration 0004). The dialer (issue 6, items 2-4) owns the events and adds the projection that fills
 * it, with `tables: { ob_dialings: { key: 'uuid', json: dialingJsonColumns } }`: a dialing is created
 * when it starts and deleted (its last state on the change feed) once finalised.
 * This file holds the row types and the queries the API and the dialer read.
 */

export type ObDialingsTable = Stored<DialingObject, (typeof dialingJsonColumns)[number]>;

const fromTable = (stored: ObDialingsTable): DialingObject => parseJsonColumns(stored, dialingJsonColumns);

/** In creation order. */
export async function listDialings(db: Kysely<Database>): Promise<DialingObject[]> {
  const rows = await db.selectFrom('ob_dialings').selectAll().orderBy('tm_create').orderBy('uuid').execute();
  return rows.map(fromTable);
}

export async function getDialing(db: Kysely<Database>, uuid: string): Promise<DialingObject | undefined> {
  const row = await db.selectFrom('ob_dialings').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  return row && fromTable(row);
}

/** A campaign's live dialings. */
export async function listCampaignDialings(db: Kysely<Database>, campaignUuid: string): Promise<DialingObject[]> {
  const rows = await db.selectFrom('ob_dialings').selectAll().where('uuid_camp', '=', campaignUuid).orderBy('tm_create').orderBy('uuid').execute();
  return rows.map(fromTable);
}

/** The pacing formula's "current outbound call count" (catalog §3): the campaign's dialings not yet finalised. */
export async function countCampaignDialings(db: Kysely<Database>, campaignUuid: string): Promise<number> {
  const row = await db
    .selectFrom('ob_dialings')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('uuid_camp', '=', campaignUuid)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}
