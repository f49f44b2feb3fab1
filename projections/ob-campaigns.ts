import type { Kysely } from 'kysely';
import { obEventTypes, type CampaignReference } from '../src/events/outbound.js';
import { evolveCampaign, type CampaignObject } from '../src/outbound/resources/campaign.js';
import type { Database } from './database.js';
import { defineProjection } from './lib/projection.js';
import { eventUuid, foldObject, parseJsonColumns, type Stored } from './ob-common.js';

/**
 * `/ob/campaigns` (catalog 50-outbound §6.6, §7.11-7.12): one row per campaign in use, from the
 * `campaign-<uuid>` streams: the client's CRUD and status requests, and the dialer's status changes.
 */

export type ObCampaignsTable = Stored<CampaignObject, 'variables'>;

type Tables = { ob_campaigns: CampaignObject };

const campaignEvents: ReadonlySet<string> = new Set([
  obEventTypes.campaignCreated,
  obEventTypes.campaignUpdated,
  obEventTypes.campaignStatusChanged,
  obEventTypes.campaignReferenceCleared,
  obEventTypes.campaignDeleted,
]);

export const obCampaignsProjection = defineProjection<Tables, 'ob_campaigns'>({
  name: 'ob_campaigns',
  version: 1,
  tables: { ob_campaigns: { key: 'uuid', json: ['variables'] } },
  project(state, event) {
    if (!campaignEvents.has(event.type)) return [];
    const uuid = eventUuid(event);
    return uuid === undefined ? [] : foldObject('ob_campaigns', state.get('ob_campaigns', uuid), event, evolveCampaign);
  },
});

// ---------------------------------------------------------------------------------------------
// Queries

const fromTable = (stored: ObCampaignsTable): CampaignObject => parseJsonColumns(stored, ['variables']);

export async function listCampaigns(db: Kysely<Database>): Promise<CampaignObject[]> {
  const rows = await db.selectFrom('ob_campaigns').selectAll().orderBy('tm_create').orderBy('uuid').execute();
  return rows.map(fromTable);
}

export async function getCampaign(db: Kysely<Database>, uuid: string): Promise<CampaignObject | undefined> {
  const row = await db.selectFrom('ob_campaigns').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  return row && fromTable(row);
}

/** Campaigns in any of these statuses (the dialer: those started, stopping, scheduled ...). */
export async function listCampaignsByStatus(db: Kysely<Database>, statuses: readonly number[]): Promise<CampaignObject[]> {
  if (statuses.length === 0) return [];
  const rows = await db.selectFrom('ob_campaigns').selectAll().where('status', 'in', [...statuses]).orderBy('tm_create').orderBy('uuid').execute();
  return rows.map(fromTable);
}

/** Campaigns with `sc_mode` 1 (scheduling on), whatever their status: the dialer's schedule check. */
export async function listScheduledCampaigns(db: Kysely<Database>): Promise<CampaignObject[]> {
  const rows = await db.selectFrom('ob_campaigns').selectAll().where('sc_mode', '=', 1).orderBy('tm_create').orderBy('uuid').execute();
  return rows.map(fromTable);
}

/** Uuids of the campaigns whose `field` points at `uuid` (deleting that object must clear or refuse). */
export async function listCampaignsReferencing(db: Kysely<Database>, field: CampaignReference, uuid: string): Promise<string[]> {
  const rows = await db.selectFrom('ob_campaigns').select('uuid').where(field, '=', uuid).orderBy('uuid').execute();
  return rows.map((row) => row.uuid);
}
