import { obEventTypes, type DlCreatedData, type DlDialingEndedData, type DlDialingStartedData, type DlFields } from '../../src/events/outbound.js';
import { createObject, evolveLifecycle, type Lifecycle, type StoredEvent } from '../lib/lifecycle.js';

/** Set only while a dialing holds the entry (catalog §1.1). */
export interface DlDialingRefs {
  readonly dialing_camp_uuid: string | null;
  readonly dialing_plan_uuid: string | null;
  readonly dialing_uuid: string | null;
}

/** The catalog's dial list entry (§6.4). */
export type DlObject = Lifecycle & DlFields & DlDialingRefs;

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

const { dialing_camp_uuid: _c, dialing_plan_uuid: _p, dialing_uuid: _d, ...fieldDefaults } = dlDefaults;

/** What a new entry's event data starts from: every field the client may set, at its default. */
export const dlFieldDefaults: DlFields = fieldDefaults;

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
