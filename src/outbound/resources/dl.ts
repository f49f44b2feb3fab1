import {
  obEventTypes,
  type DlCreatedData,
  type DlDeletedData,
  type DlDialingEndedData,
  type DlDialingStartedData,
  type DlFields,
  type DlUpdatedData,
} from '../../events/outbound.js';
import { dlFieldDefaults, dlStatus, numberKey, trycntKey, type DlIndex, type DlObject } from '../../../projections/outbound/dl.js';
import { definedOnly, isLive, CommandRefusal, requireLive, requireNew, type ObEvent } from './common.js';
import type { DlmaObject } from './dlma.js';

export {
  dlFieldDefaults,
  dlIndexes,
  dlStatus,
  evolveDl,
  numberKey,
  RES_DIAL_ANSWERED,
  trycntKey,
  type DlDialingRefs,
  type DlIndex,
  type DlObject,
} from '../../../projections/outbound/dl.js';

export type DlEvent =
  | ObEvent<typeof obEventTypes.dlCreated, DlCreatedData>
  | ObEvent<typeof obEventTypes.dlUpdated, DlUpdatedData>
  | ObEvent<typeof obEventTypes.dlDeleted, DlDeletedData>
  | ObEvent<typeof obEventTypes.dlDialingStarted, DlDialingStartedData>
  | ObEvent<typeof obEventTypes.dlDialingEnded, DlDialingEndedData>;

const requireDlma = (dlma: DlmaObject | undefined, uuid: string): void => {
  // 400, not 404: the URL's object exists; a field of the body names something that does not (catalog §7.7).
  if (!isLive(dlma)) throw new CommandRefusal('invalid', `dlma_uuid: no dlma ${uuid}`, 'dlma_uuid');
};

export function decideDlCreate(
  state: DlObject | undefined,
  command: { uuid: string; fields: Partial<DlFields> & { dlma_uuid: string }; dlma: DlmaObject | undefined; now: string },
): DlEvent[] {
  requireNew(state, 'dl', command.uuid);
  requireDlma(command.dlma, command.fields.dlma_uuid);
  return [{ type: obEventTypes.dlCreated, data: { uuid: command.uuid, ...dlFieldDefaults, ...definedOnly(command.fields), tm_create: command.now } }];
}

/** `dlma`: the dlma named by `changes.dlma_uuid`, when the request moves the entry. */
export function decideDlUpdate(
  state: DlObject | undefined,
  command: { uuid: string; changes: Partial<DlFields>; dlma?: DlmaObject; now: string },
): DlEvent[] {
  const dl = requireLive(state, 'dl', command.uuid);
  const { dlma_uuid: target, status } = command.changes;
  if (target !== undefined && target !== dl.dlma_uuid) requireDlma(command.dlma, target);
  // The dialer owns the status while it dials the entry: setting it idle now would let it be dialed twice at once.
  if (dl.dialing_uuid !== null && status !== undefined && status !== dl.status) {
    throw new CommandRefusal('conflict', `status: dl ${dl.uuid} is being dialed (dialing ${dl.dialing_uuid})`, 'status');
  }
  return [{ type: obEventTypes.dlUpdated, data: { uuid: command.uuid, changes: command.changes, tm_update: command.now } }];
}

/** Catalog §7.8: an entry being dialed is deleted only with `force`, and then the dialer hangs its call up. */
export function decideDlDelete(
  state: DlObject | undefined,
  command: { uuid: string; force: boolean; cause: DlDeletedData['cause']; now: string },
): DlEvent[] {
  const dl = requireLive(state, 'dl', command.uuid);
  if (dl.dialing_uuid !== null && !command.force) {
    throw new CommandRefusal('conflict', `dl ${dl.uuid} is being dialed (dialing ${dl.dialing_uuid}); delete with force=1 to hang it up`, 'force');
  }
  return [
    {
      type: obEventTypes.dlDeleted,
      data: { uuid: command.uuid, tm_delete: command.now, force: command.force, dialing_uuid: dl.dialing_uuid, cause: command.cause },
    },
  ];
}

export interface DlDialingStartCommand {
  readonly uuid: string;
  readonly dialing_uuid: string;
  readonly campaign_uuid: string;
  readonly plan_uuid: string;
  readonly dial_index: DlIndex;
  readonly now: string;
}

/**
 * For the dialer: take an idle entry for one dialing. Appended with the entry's expected revision, this is
 * what keeps one entry from being dialed twice at once (a second taker's append, or its decision, fails).
 */
export function decideDlDialingStart(state: DlObject | undefined, command: DlDialingStartCommand): DlEvent[] {
  const dl = requireLive(state, 'dl', command.uuid);
  if (dl.dialing_uuid !== null) throw new CommandRefusal('conflict', `dl ${dl.uuid} is being dialed (dialing ${dl.dialing_uuid})`);
  if (dl.status !== dlStatus.idle) throw new CommandRefusal('conflict', `dl ${dl.uuid} is not idle (status ${dl.status})`);
  if (dl[numberKey(command.dial_index)] === null) throw new CommandRefusal('invalid', `dl ${dl.uuid} has no number_${command.dial_index}`, 'dial_index');
  return [
    {
      type: obEventTypes.dlDialingStarted,
      data: {
        uuid: command.uuid,
        dialing_uuid: command.dialing_uuid,
        campaign_uuid: command.campaign_uuid,
        plan_uuid: command.plan_uuid,
        dial_index: command.dial_index,
        dial_trycnt: dl[trycntKey(command.dial_index)] + 1,
        tm_last_dial: command.now,
      },
    },
  ];
}

export type DlDialingEndCommand = Omit<DlDialingEndedData, 'tm_last_hangup'> & { readonly now: string };

/**
 * For the dialer: the dialing finished (catalog §4 step 8). Idempotent: an entry that this dialing no
 * longer holds (already ended, or deleted meanwhile) records nothing, so a reconcile after a crash may repeat it.
 */
export function decideDlDialingEnd(state: DlObject | undefined, command: DlDialingEndCommand): DlEvent[] {
  if (!isLive(state) || state.dialing_uuid !== command.dialing_uuid) return [];
  const { now, ...result } = command;
  return [{ type: obEventTypes.dlDialingEnded, data: { ...result, tm_last_hangup: now } }];
}
