import type { Kysely } from 'kysely';
import { obEventTypes } from '../src/events/outbound.js';
import { evolveDestination, type DestinationObject } from '../src/outbound/resources/destination.js';
import type { Database } from './database.js';
import { defineProjection } from './lib/projection.js';
import { eventUuid, foldObject, parseJsonColumns, type Stored } from './ob-common.js';

/** `/ob/destinations` (catalog 50-outbound §6.2, §7.3-7.4): one row per destination in use. */

export type ObDestinationsTable = Stored<DestinationObject, 'variables'>;

type Tables = { ob_destinations: DestinationObject };

const destinationEvents: ReadonlySet<string> = new Set([
  obEventTypes.destinationCreated,
  obEventTypes.destinationUpdated,
  obEventTypes.destinationDeleted,
]);

export const obDestinationsProjection = defineProjection<Tables, 'ob_destinations'>({
  name: 'ob_destinations',
  version: 1,
  tables: { ob_destinations: { key: 'uuid', json: ['variables'] } },
  project(state, event) {
    if (!destinationEvents.has(event.type)) return [];
    const uuid = eventUuid(event);
    return uuid === undefined ? [] : foldObject('ob_destinations', state.get('ob_destinations', uuid), event, evolveDestination);
  },
});

// ---------------------------------------------------------------------------------------------
// Queries

const fromTable = (stored: ObDestinationsTable): DestinationObject => parseJsonColumns(stored, ['variables']);

export async function listDestinations(db: Kysely<Database>): Promise<DestinationObject[]> {
  const rows = await db.selectFrom('ob_destinations').selectAll().orderBy('tm_create').orderBy('uuid').execute();
  return rows.map(fromTable);
}

export async function getDestination(db: Kysely<Database>, uuid: string): Promise<DestinationObject | undefined> {
  const row = await db.selectFrom('ob_destinations').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  return row && fromTable(row);
}
