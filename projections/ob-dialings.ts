import type { Kysely } from 'kysely';
import { obEventTypes } from '../src/events/outbound.js';
import type { Database } from './database.js';
import { defineResourceProjection, parseJsonColumns, resourceReads, type Stored } from './lib/resource-projection.js';
import { dialingJsonColumns, evolveDialing, type DialingObject } from './outbound/dialing.js';

/**
 * `/ob/dialings` (catalog 50-outbound §6.5, §7.9-7.10): the live dialings, table `ob_dialings`
 * (migration 0004), from the dialer's `dialing-<uuid>` streams. A dialing is created when the dialer
 * decides it, updated as Asterisk reports on it, and deleted once finalised: the delete carries its last
 * state (final status and results, `tm_delete` set), so a dashboard sees how it ended.
 */

type DialingJsonColumn = (typeof dialingJsonColumns)[number];

export type ObDialingsTable = Stored<DialingObject, DialingJsonColumn>;

export const obDialingsProjection = defineResourceProjection({
  name: 'ob_dialings',
  version: 1,
  events: [obEventTypes.dialingCreated, obEventTypes.dialingUpdated, obEventTypes.dialingEnded],
  evolve: evolveDialing,
  json: dialingJsonColumns,
  // An ended dialing leaves the table with its final state.
  live: (_dialing, event) => event.type !== obEventTypes.dialingEnded,
});

const fromTable = (stored: ObDialingsTable): DialingObject => parseJsonColumns(stored, dialingJsonColumns);

/** In creation order. */
export const { list: listDialings, get: getDialing } = resourceReads<DialingObject, DialingJsonColumn>('ob_dialings', dialingJsonColumns);

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
