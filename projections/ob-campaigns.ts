import type { Kysely } from 'kysely';
import { obEventTypes, type CampaignReference } from '../src/events/outbound.js';
import type { Database } from './database.js';
import { isLive } from './lib/lifecycle.js';
import { defineResourceProjection, parseJsonColumns, resourceReads, type Stored } from './lib/resource-projection.js';
import { evolveCampaign, type CampaignObject } from './outbound/campaign.js';

/**
 * `/ob/campaigns` (catalog 50-outbound §6.6, §7.11-7.12): one row per campaign in use, from the
 * `campaign-<uuid>` streams: the client's CRUD and status requests, and the dialer's status changes.
 */

export type ObCampaignsTable = Stored<CampaignObject, 'variables'>;

export const obCampaignsProjection = defineResourceProjection({
  name: 'ob_campaigns',
  version: 1,
  events: [
    obEventTypes.campaignCreated,
    obEventTypes.campaignUpdated,
    obEventTypes.campaignStatusChanged,
    obEventTypes.campaignReferenceCleared,
    obEventTypes.campaignDeleted,
  ],
  evolve: evolveCampaign,
  json: ['variables'],
  live: isLive,
});

// ---------------------------------------------------------------------------------------------
// Queries

export const { list: listCampaigns, get: getCampaign } = resourceReads<CampaignObject, 'variables'>('ob_campaigns', ['variables']);

const fromTable = (stored: ObCampaignsTable): CampaignObject => parseJsonColumns(stored, ['variables']);

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
