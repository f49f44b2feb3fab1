import {
  obEventTypes,
  type PlanCreatedData,
  type PlanDeletedData,
  type PlanFields,
  type PlanUpdatedData,
} from '../../events/outbound.js';
import { planDefaults, type PlanObject } from '../../../projections/outbound/plan.js';
import { definedOnly, inUseRefusal, requireLive, requireNew, type ObEvent } from './common.js';

export { evolvePlan, planDefaults, type PlanObject } from '../../../projections/outbound/plan.js';

export type PlanEvent =
  | ObEvent<typeof obEventTypes.planCreated, PlanCreatedData>
  | ObEvent<typeof obEventTypes.planUpdated, PlanUpdatedData>
  | ObEvent<typeof obEventTypes.planDeleted, PlanDeletedData>;

export function decidePlanCreate(state: PlanObject | undefined, command: { uuid: string; fields: Partial<PlanFields>; now: string }): PlanEvent[] {
  requireNew(state, 'plan', command.uuid);
  return [{ type: obEventTypes.planCreated, data: { uuid: command.uuid, ...planDefaults, ...definedOnly(command.fields), tm_create: command.now } }];
}

export function decidePlanUpdate(state: PlanObject | undefined, command: { uuid: string; changes: Partial<PlanFields>; now: string }): PlanEvent[] {
  requireLive(state, 'plan', command.uuid);
  return [{ type: obEventTypes.planUpdated, data: { uuid: command.uuid, changes: command.changes, tm_update: command.now } }];
}

/**
 * `campaigns`: the live campaigns that reference the plan. Without `force` they forbid the delete
 * (catalog §2.2); with it, the command path clears their reference before this event.
 */
export function decidePlanDelete(
  state: PlanObject | undefined,
  command: { uuid: string; force: boolean; campaigns: readonly string[]; now: string },
): PlanEvent[] {
  requireLive(state, 'plan', command.uuid);
  if (command.campaigns.length > 0 && !command.force) throw inUseRefusal('plan', command.uuid, command.campaigns);
  return [{ type: obEventTypes.planDeleted, data: { uuid: command.uuid, tm_delete: command.now, force: command.force, campaigns: command.campaigns } }];
}
