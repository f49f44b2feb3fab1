import {
  obEventTypes,
  type DestinationCreatedData,
  type DestinationDeletedData,
  type DestinationFields,
  type DestinationUpdatedData,
} from '../../events/outbound.js';
import { destinationDefaults, type DestinationObject } from '../../../projections/outbound/destination.js';
import { definedOnly, inUseRefusal, requireLive, requireNew, type ObEvent } from './common.js';

export { destinationDefaults, destinationTypes, evolveDestination, type DestinationObject } from '../../../projections/outbound/destination.js';

export type DestinationEvent =
  | ObEvent<typeof obEventTypes.destinationCreated, DestinationCreatedData>
  | ObEvent<typeof obEventTypes.destinationUpdated, DestinationUpdatedData>
  | ObEvent<typeof obEventTypes.destinationDeleted, DestinationDeletedData>;

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
