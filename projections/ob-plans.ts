import { obEventTypes } from '../src/events/outbound.js';
import { isLive } from './lib/lifecycle.js';
import { defineResourceProjection, resourceReads, type Stored } from './lib/resource-projection.js';
import { evolvePlan, type PlanObject } from './outbound/plan.js';

/** `/ob/plans` (catalog 50-outbound §6.1, §7.1-7.2): one row per plan in use, from the `plan-<uuid>` streams. */

export type ObPlansTable = Stored<PlanObject, 'variables'>;

export const obPlansProjection = defineResourceProjection({
  name: 'ob_plans',
  version: 1,
  events: [obEventTypes.planCreated, obEventTypes.planUpdated, obEventTypes.planDeleted],
  evolve: evolvePlan,
  json: ['variables'],
  live: isLive,
});

export const { list: listPlans, get: getPlan } = resourceReads<PlanObject, 'variables'>('ob_plans', ['variables']);
