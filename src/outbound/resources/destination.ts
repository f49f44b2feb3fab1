import {
  obEventTypes,
  type DestinationCreatedData,
  type DestinationDeletedData,
  type DestinationFields,
  type DestinationUpdatedData,
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

/** The catalog's destination object (§6.2). */
export type DestinationObject = Lifecycle & DestinationFields;

export type DestinationEvent =
  | ObEvent<typeof obEventTypes.destinationCreated, DestinationCreatedData>
  | ObEvent<typeof obEventTypes.destinationUpdated, DestinationUpdatedData>
  | ObEvent<typeof obEventTypes.destinationDeleted, DestinationDeletedData>;

/** Destination type codes (catalog §2.3). */
export const destinationTypes = { extension: 0, application: 1 } as const;

/** Defaults of `POST /ob/destinations {}` (catalog §7.3 example). */
export const destinationDefaults: DestinationFields = {
  name: null,
  detail: null,
  type: destinationTypes.extension,
  application: null,
  data: null,
  context: null,
  exten: null,
  priority: null,
  variables: null,
};

const types = { created: obEventTypes.destinationCreated, updated: obEventTypes.destinationUpdated, deleted: obEventTypes.destinationDeleted };

export function evolveDestination(state: DestinationObject | undefined, event: StoredEvent): DestinationObject | undefined {
  return evolveLifecycle(state, event, types, (data) => {
    const { uuid, tm_create, ...fields } = data as DestinationCreatedData;
    return createObject(uuid, destinationDefaults, fields, tm_create);
  }).state;
}

export function decideDestinationCreate(
  state: DestinationObject | undefined,
  command: { uuid: string; fields: Partial<DestinationFields>; now: string },
): DestinationEvent[] {
  requireNew(state, 'destination', command.uuid);
  return [
    { type: obEventTypes.destinationCreated, data: { uuid: command.uuid, ...destinationDefaults, ...definedOnly(command.fields), tm_create: command.now } },
  ];
}

export function decideDestinationUpdate(
  state: DestinationObject | undefined,
  command: { uuid: string; changes: Partial<DestinationFields>; now: string },
): DestinationEvent[] {
  requireLive(state, 'destination', command.uuid);
  return [{ type: obEventTypes.destinationUpdated, data: { uuid: command.uuid, changes: command.changes, tm_update: command.now } }];
}

/** As for plans: referencing campaigns forbid the delete unless `force` (catalog §7.4). */
export function decideDestinationDelete(
  state: DestinationObject | undefined,
  command: { uuid: string; force: boolean; campaigns: readonly string[]; now: string },
): DestinationEvent[] {
  requireLive(state, 'destination', command.uuid);
  if (command.campaigns.length > 0 && !command.force) throw inUseRefusal('destination', command.uuid, command.campaigns);
  return [
    { type: obEventTypes.destinationDeleted, data: { uuid: command.uuid, tm_delete: command.now, force: command.force, campaigns: command.campaigns } },
  ];
}
