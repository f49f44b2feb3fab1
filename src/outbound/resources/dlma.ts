import {
  obEventTypes,
  type DlmaCreatedData,
  type DlmaDeletedData,
  type DlmaFields,
  type DlmaUpdatedData,
} from '../../events/outbound.js';
import { dlmaDefaults, type DlmaObject } from '../../../projections/outbound/dlma.js';
import { definedOnly, inUseRefusal, CommandRefusal, requireLive, requireNew, type ObEvent } from './common.js';

export { dlmaDefaults, dlTableName, evolveDlma, type DlmaObject } from '../../../projections/outbound/dlma.js';

export type DlmaEvent =
  | ObEvent<typeof obEventTypes.dlmaCreated, DlmaCreatedData>
  | ObEvent<typeof obEventTypes.dlmaUpdated, DlmaUpdatedData>
  | ObEvent<typeof obEventTypes.dlmaDeleted, DlmaDeletedData>;

export function decideDlmaCreate(state: DlmaObject | undefined, command: { uuid: string; fields: Partial<DlmaFields>; now: string }): DlmaEvent[] {
  requireNew(state, 'dlma', command.uuid);
  return [{ type: obEventTypes.dlmaCreated, data: { uuid: command.uuid, ...dlmaDefaults, ...definedOnly(command.fields), tm_create: command.now } }];
}

export function decideDlmaUpdate(state: DlmaObject | undefined, command: { uuid: string; changes: Partial<DlmaFields>; now: string }): DlmaEvent[] {
  requireLive(state, 'dlma', command.uuid);
  return [{ type: obEventTypes.dlmaUpdated, data: { uuid: command.uuid, changes: command.changes, tm_update: command.now } }];
}

export interface DlmaDeleteCommand {
  readonly uuid: string;
  readonly force: boolean;
  readonly deleteDls: boolean;
  /** Live campaigns referencing the dlma. */
  readonly campaigns: readonly string[];
  /** How many live entries the dlma has. */
  readonly dls: number;
  /** How many of them a dialing holds right now. */
  readonly dialingDls: number;
  readonly now: string;
}

/**
 * Catalog §7.6: referencing campaigns need `force`; live entries need `delete_dls` (spec: "If there's
 * available dl, error responsed"); and, as for one entry (§7.8), an entry being dialed needs `force` too,
 * because deleting it means hanging up that call.
 */
export function decideDlmaDelete(state: DlmaObject | undefined, command: DlmaDeleteCommand): DlmaEvent[] {
  requireLive(state, 'dlma', command.uuid);
  if (command.campaigns.length > 0 && !command.force) throw inUseRefusal('dlma', command.uuid, command.campaigns);
  if (command.dls > 0 && !command.deleteDls) {
    throw new CommandRefusal('invalid', `dlma ${command.uuid} still has ${command.dls} dial list entries; delete with delete_dls=1 to delete them too`, 'delete_dls');
  }
  if (command.dialingDls > 0 && !command.force) {
    throw new CommandRefusal('conflict', `dlma ${command.uuid} has ${command.dialingDls} entries being dialed; delete with force=1 to hang them up`, 'force');
  }
  return [
    {
      type: obEventTypes.dlmaDeleted,
      data: { uuid: command.uuid, tm_delete: command.now, force: command.force, campaigns: command.campaigns, delete_dls: command.deleteDls },
    },
  ];
}
