import type { Kysely } from 'kysely';
import { obEventTypes } from '../src/events/outbound.js';
import { evolveDlma, type DlmaObject } from '../src/outbound/resources/dlma.js';
import type { Database } from './database.js';
import { defineProjection } from './lib/projection.js';
import { eventUuid, foldObject, parseJsonColumns, type Stored } from './ob-common.js';

/** `/ob/dlmas` (catalog 50-outbound §6.3, §7.5-7.6): one row per dial list master in use. */

export type ObDlmasTable = Stored<DlmaObject, 'variables'>;

type Tables = { ob_dlmas: DlmaObject };

const dlmaEvents: ReadonlySet<string> = new Set([obEventTypes.dlmaCreated, obEventTypes.dlmaUpdated, obEventTypes.dlmaDeleted]);

export const obDlmasProjection = defineProjection<Tables, 'ob_dlmas'>({
  name: 'ob_dlmas',
  version: 1,
  tables: { ob_dlmas: { key: 'uuid', json: ['variables'] } },
  project(state, event) {
    if (!dlmaEvents.has(event.type)) return [];
    const uuid = eventUuid(event);
    return uuid === undefined ? [] : foldObject('ob_dlmas', state.get('ob_dlmas', uuid), event, evolveDlma);
  },
});

// ---------------------------------------------------------------------------------------------
// Queries

const fromTable = (stored: ObDlmasTable): DlmaObject => parseJsonColumns(stored, ['variables']);

export async function listDlmas(db: Kysely<Database>): Promise<DlmaObject[]> {
  const rows = await db.selectFrom('ob_dlmas').selectAll().orderBy('tm_create').orderBy('uuid').execute();
  return rows.map(fromTable);
}

export async function getDlma(db: Kysely<Database>, uuid: string): Promise<DlmaObject | undefined> {
  const row = await db.selectFrom('ob_dlmas').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  return row && fromTable(row);
}
