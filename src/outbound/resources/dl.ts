import {
  obEventTypes,
  type DlCreatedData,
  type DlDeletedData,
  type DlDialingEndedData,
  type DlDialingStartedData,
  type DlFields,
  type DlUpdatedData,
} from '../../events/outbound.js';
import {
  createObject,
  definedOnly,
  evolveLifecycle,
  isLive,
  ObRefusal,
  requireLive,
  requireNew,
  type Lifecycle,
  type ObEvent,
  type StoredEvent,
} from './common.js';
import type { DlmaObject } from './dlma.js';

/** Set only while a dialing holds the entry (catalog §1.1). */
export interface DlDialingRefs {
  readonly dialing_camp_uuid: string | null;
  readonly dialing_plan_uuid: string | null;
  readonly dialing_uuid: string | null;
}

/** The catalog's dial list entry (§6.4). */
export type DlObject = Lifecycle & DlFields & DlDialingRefs;

export type DlEvent =
  | ObEvent<typeof obEventTypes.dlCreated, DlCreatedData>
  | ObEvent<typeof obEventTypes.dlUpdated, DlUpdatedData>
  | ObEvent<typeof obEventTypes.dlDeleted, DlDeletedData>
  | ObEvent<typeof obEventTypes.dlDialingStarted, DlDialingStartedData>
  | ObEvent<typeof obEventTypes.dlDialingEnded, DlDialingEndedData>;

/** Dial list status codes (catalog §2.8). */
export const dlStatus = { idle: 0, dialing: 1, reserved: 2 } as const;

/** `res_dial` 4 (AST_CONTROL_ANSWER): the customer answered, so the entry is done (catalog §4). */
export const RES_DIAL_ANSWERED = 4;

export const dlIndexes = [1, 2, 3, 4, 5, 6, 7, 8] as const;
export type DlIndex = (typeof dlIndexes)[number];

export const numberKey = <I extends DlIndex>(index: I): `number_${I}` => `number_${index}`;
export const trycntKey = <I extends DlIndex>(index: I): `trycnt_${I}` => `trycnt_${index}`;

/** Fields without a value on create, in the catalog's order (§6.4); `dlma_uuid` always comes from the request. */
const dlDefaults: DlFields & DlDialingRefs = {
  name: null,
  detail: null,
  status: dlStatus.idle,
  dlma_uuid: '',
  email: null,
  number_1: null,
  number_2: null,
  number_3: null,
  number_4: null,
  number_5: null,
  number_6: null,
  number_7: null,
  number_8: null,
  trycnt_1: 0,
  trycnt_2: 0,
  trycnt_3: 0,
  trycnt_4: 0,
  trycnt_5: 0,
  trycnt_6: 0,
  trycnt_7: 0,
  trycnt_8: 0,
  dialing_camp_uuid: null,
  dialing_plan_uuid: null,
  dialing_uuid: null,
  res_dial: 0,
  res_dial_detail: null,
  res_hangup: 0,
  res_hangup_detail: null,
  tm_last_dial: null,
  tm_last_hangup: null,
  resv_target: null,
  ukey: null,
  variables: null,
};

const { dialing_camp_uuid: _c, dialing_plan_uuid: _p, dialing_uuid: _d, ...dlFieldDefaults } = dlDefaults;

const types = { created: obEventTypes.dlCreated, updated: obEventTypes.dlUpdated, deleted: obEventTypes.dlDeleted };

export function evolveDl(state: DlObject | undefined, event: StoredEvent): DlObject | undefined {
  const lifecycle = evolveLifecycle(state, event, types, (data) => {
    const { uuid, tm_create, ...fields } = data as DlCreatedData;
    return createObject(uuid, dlDefaults, fields, tm_create);
  });
  if (lifecycle.handled || !state) return lifecycle.state;
  switch (event.type) {
    case obEventTypes.dlDialingStarted: {
      const data = event.data as DlDialingStartedData;
      return {
        ...state,
        status: dlStatus.dialing,
        dialing_uuid: data.dialing_uuid,
        dialing_camp_uuid: data.campaign_uuid,
        dialing_plan_uuid: data.plan_uuid,
        [trycntKey(data.dial_index as DlIndex)]: data.dial_trycnt,
        tm_last_dial: data.tm_last_dial,
        tm_update: data.tm_last_dial,
      };
    }
    case obEventTypes.dlDialingEnded: {
      const data = event.data as DlDialingEndedData;
      return {
        ...state,
        status: dlStatus.idle,
        dialing_uuid: null,
        dialing_camp_uuid: null,
        dialing_plan_uuid: null,
        res_dial: data.res_dial,
        res_dial_detail: data.res_dial_detail,
        res_hangup: data.res_hangup,
        res_hangup_detail: data.res_hangup_detail,
        tm_last_hangup: data.tm_last_hangup,
        tm_update: data.tm_last_hangup,
      };
    }
    default:
      return state;
  }
}

const requireDlma = (dlma: DlmaObject | undefined, uuid: string): void => {
  // 400, not 404: the URL's object exists; a field of the body names something that does not (catalog §7.7).
  if (!isLive(dlma)) throw new ObRefusal('invalid', `dlma_uuid: no dlma ${uuid}`, 'dlma_uuid');
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
    throw new ObRefusal('conflict', `status: dl ${dl.uuid} is being dialed (dialing ${dl.dialing_uuid})`, 'status');
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
    throw new ObRefusal('conflict', `dl ${dl.uuid} is being dialed (dialing ${dl.dialing_uuid}); delete with force=1 to hang it up`, 'force');
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
  if (dl.dialing_uuid !== null) throw new ObRefusal('conflict', `dl ${dl.uuid} is being dialed (dialing ${dl.dialing_uuid})`);
  if (dl.status !== dlStatus.idle) throw new ObRefusal('conflict', `dl ${dl.uuid} is not idle (status ${dl.status})`);
  if (dl[numberKey(command.dial_index)] === null) throw new ObRefusal('invalid', `dl ${dl.uuid} has no number_${command.dial_index}`, 'dial_index');
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
