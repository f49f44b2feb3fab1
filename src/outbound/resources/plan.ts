import {
  obEventTypes,
  type PlanCreatedData,
  type PlanDeletedData,
  type PlanFields,
  type PlanUpdatedData,
} from '../../events/outbound.js';
import {
  createObject,
  definedOnly,
  evolveLifecycle,
  inUseRefusal,
  requireLive,
  requireNew,
  type Lifecycle,
  type ObEvent,
  type StoredEvent,
} from './common.js';

/** The catalog's plan object (§6.1). */
export type PlanObject = Lifecycle & PlanFields;

export type PlanEvent =
  | ObEvent<typeof obEventTypes.planCreated, PlanCreatedData>
  | ObEvent<typeof obEventTypes.planUpdated, PlanUpdatedData>
  | ObEvent<typeof obEventTypes.planDeleted, PlanDeletedData>;

/** Defaults of `POST /ob/plans {}` (catalog §6.1 and the tutorial's A.1). */
export const planDefaults: PlanFields = {
  name: null,
  detail: null,
  tech_name: 'SIP',
  trunk_name: null,
  dial_mode: 0,
  dial_timeout: 30_000,
  dl_end_handle: 1,
  retry_delay: 60,
  caller_id: null,
  service_level: 0,
  early_media: null,
  codecs: null,
  variables: null,
  max_retry_cnt_1: 5,
  max_retry_cnt_2: 5,
  max_retry_cnt_3: 5,
  max_retry_cnt_4: 5,
  max_retry_cnt_5: 5,
  max_retry_cnt_6: 5,
  max_retry_cnt_7: 5,
  max_retry_cnt_8: 5,
};

const types = { created: obEventTypes.planCreated, updated: obEventTypes.planUpdated, deleted: obEventTypes.planDeleted };

export function evolvePlan(state: PlanObject | undefined, event: StoredEvent): PlanObject | undefined {
  return evolveLifecycle(state, event, types, (data) => {
    const { uuid, tm_create, ...fields } = data as PlanCreatedData;
    return createObject(uuid, planDefaults, fields, tm_create);
  }).state;
}

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
