import type { Kysely } from 'kysely';
import { obEventTypes } from '../src/events/outbound.js';
import { evolveDialing } from '../src/outbound/dialer/dialing.js';
import { dialingJsonColumns, type DialingObject } from '../src/outbound/resources/dialing.js';
import type { Database } from './database.js';
import { defineProjection } from './lib/projection.js';
import { eventUuid, parseJsonColumns, type Stored } from './ob-common.js';

/**
 * `/ob/dialings` (catalog 50-outbound §6.5, §7.9-7.10): the live dialings, table `ob_dialings`
 * (migration 0004), from the dialer's `dialing-<uuid>` streams. A dialing is created when the dialer
 * decides it, updated as Asterisk reports on it, and deleted once finalised: the delete carries its last
 * state (final status and results, `tm_delete` set), so a dashboard sees how it ended.
 */

export type ObDialingsTable = Stored<DialingObject, (typeof dialingJsonColumns)[number]>;

type Tables = { ob_dialings: DialingObject };

const dialingEvents: ReadonlySet<string> = new Set([obEventTypes.dialingCreated, obEventTypes.dialingUpdated, obEventTypes.dialingEnded]);

export const obDialingsProjection = defineProjection<Tables, 'ob_dialings'>({
  name: 'ob_dialings',
  version: 1,
  tables: { ob_dialings: { key: 'uuid', json: dialingJsonColumns } },
  project(state, event) {
    if (!dialingEvents.has(event.type)) return [];
    const uuid = eventUuid(event);
    if (uuid === undefined) return [];
    const before = state.get('ob_dialings', uuid);
    const after = evolveDialing(before, event);
    if (after === undefined || after === before) return [];
    if (event.type === obEventTypes.dialingEnded) return before === undefined ? [] : [{ table: 'ob_dialings', op: 'delete', key: uuid, row: after }];
    return [{ table: 'ob_dialings', op: before === undefined ? 'create' : 'update', key: uuid, row: after }];
  },
});

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
