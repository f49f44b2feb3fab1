import type { Kysely } from 'kysely';
import { obEventTypes } from '../src/events/outbound.js';
import { evolvePlan, type PlanObject } from '../src/outbound/resources/plan.js';
import type { Database } from './database.js';
import { defineProjection } from './lib/projection.js';
import { eventUuid, foldObject, parseJsonColumns, type Stored } from './ob-common.js';

/** `/ob/plans` (catalog 50-outbound §6.1, §7.1-7.2): one row per plan in use, from the `plan-<uuid>` streams. */

export type ObPlansTable = Stored<PlanObject, 'variables'>;

type Tables = { ob_plans: PlanObject };

const planEvents: ReadonlySet<string> = new Set([obEventTypes.planCreated, obEventTypes.planUpdated, obEventTypes.planDeleted]);

export const obPlansProjection = defineProjection<Tables, 'ob_plans'>({
  name: 'ob_plans',
  version: 1,
  tables: { ob_plans: { key: 'uuid', json: ['variables'] } },
  project(state, event) {
    if (!planEvents.has(event.type)) return [];
    const uuid = eventUuid(event);
    return uuid === undefined ? [] : foldObject('ob_plans', state.get('ob_plans', uuid), event, evolvePlan);
  },
});

// ---------------------------------------------------------------------------------------------
// Queries

const fromTable = (stored: ObPlansTable): PlanObject => parseJsonColumns(stored, ['variables']);

/** In creation order. */
export async function listPlans(db: Kysely<Database>): Promise<PlanObject[]> {
  const rows = await db.selectFrom('ob_plans').selectAll().orderBy('tm_create').orderBy('uuid').execute();
  return rows.map(fromTable);
}

/** A plan in use, or undefined (never existed, or deleted). */
export async function getPlan(db: Kysely<Database>, uuid: string): Promise<PlanObject | undefined> {
  const row = await db.selectFrom('ob_plans').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  return row && fromTable(row);
}
