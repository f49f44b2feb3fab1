import type { DialingProgress, ObVariables } from '../../events/outbound.js';
import * as amiActions from '../../ami/actions.js';
import type { AmiAction } from '../../ami/port.js';
import {
  dialingStatus,
  type CampaignObject,
  type DestinationObject,
  type DialingObject,
  type DialNumber,
  type DlmaObject,
  type DlObject,
  type PlanObject,
} from '../resources/index.js';

/**
 * The dialing object (catalog 50-outbound §6.5): how the dialer builds it from its resources, how its
 * stream (`dialing-<uuid>`) folds, and the Originate it sends. Pure: the projection and the engine fold
 * with the same `evolveDialing` (projections/outbound/dialing.ts).
 */

export { evolveDialing } from '../../../projections/outbound/dialing.js';

/** Catalog §4 step 3: `<tech_name>/<dial_addr>`, `@<trunk_name>` appended when the plan has one. */
export function dialString(techName: string, dialAddr: string, trunkName: string | null): string {
  return trunkName === null || trunkName === '' ? `${techName}/${dialAddr}` : `${techName}/${dialAddr}@${trunkName}`;
}

/** Catalog §4 step 4: the resources' variables merged, the most specific winning (dl > dlma > destination > plan > campaign). */
export function mergeVariables(...layers: ReadonlyArray<ObVariables | null | undefined>): ObVariables {
  return Object.assign({}, ...layers.filter((layer): layer is ObVariables => layer !== null && layer !== undefined)) as ObVariables;
}

/** What a new dialing is made of: the resources as they are now (copied: "call capsulization"), and the ids chosen for it. */
export interface DialingInputs {
  readonly uuid: string;
  readonly actionId: string;
  /** The Originate's `OtherChannelId`: a `Local/` channel's `;2` side. */
  readonly otherChannelId: string;
  readonly campaign: CampaignObject;
  readonly plan: PlanObject;
  readonly dest: DestinationObject;
  readonly dlma: DlmaObject;
  /** The entry as taken (status 1, its try counted). */
  readonly dl: DlObject;
  readonly number: DialNumber;
  readonly now: string;
}

const json = (value: ObVariables | null): string => JSON.stringify(value ?? {});

/** The dialing as decided, status 1 ("originate request sent"): the Originate follows its `DialingCreated`. */
export function buildDialing(inputs: DialingInputs): DialingObject {
  const { campaign, plan, dest, dlma, dl, number } = inputs;
  const application = dest.type === 1 ? dest.application : null;
  const data = dest.type === 1 ? dest.data : null;
  const dialChannel = dialString(plan.tech_name, number.dial_addr, plan.trunk_name);
  const variables = mergeVariables(campaign.variables, plan.variables, dest.variables, dlma.variables, dl.variables);
  return {
    uuid: inputs.uuid,
    action_id: inputs.actionId,
    channel: null,
    status: dialingStatus.originateRequested,
    res_dial: 0,
    res_dial_detail: null,
    res_hangup: 0,
    res_hangup_detail: null,
    dial_channel: dialChannel,
    dial_addr: number.dial_addr,
    dial_application: application,
    dial_data: data,
    dial_context: dest.type === 0 ? dest.context : null,
    dial_exten: dest.type === 0 ? dest.exten : null,
    dial_priority: dest.type === 0 ? dest.priority : null,
    dial_type: dest.type,
    dial_timeout: plan.dial_timeout,
    dial_index: number.dial_index,
    dial_trycnt: number.dial_trycnt,
    dial_variables: variables,
    uuid_camp: campaign.uuid,
    uuid_dest: dest.uuid,
    uuid_dl_list: dl.uuid,
    uuid_dlma: dlma.uuid,
    uuid_plan: plan.uuid,
    info_camp: campaign,
    info_dest: dest,
    // The catalog's example (§6.5): the dial info, with the variables as JSON strings.
    info_dial: {
      channelid: inputs.uuid,
      otherchannelid: inputs.otherChannelId,
      dial_addr: number.dial_addr,
      dial_application: application,
      dial_channel: dialChannel,
      dial_data: data,
      dial_index: number.dial_index,
      dial_timeout: plan.dial_timeout,
      dial_trycnt: number.dial_trycnt,
      dial_type: dest.type,
      uuid: dl.uuid,
      variables: JSON.stringify(variables),
      plan_variables: json(plan.variables),
      dest_variables: json(dest.variables),
      dl_variables: json(dl.variables),
    },
    info_dl_list: dl,
    info_dlma: dlma,
    info_plan: plan,
    tm_create: inputs.now,
    tm_update: null,
    tm_delete: null,
    node: campaign.node,
  };
}

/** The `;2` side's preset Uniqueid, when the dialing recorded one. */
export function otherChannelIdOf(dialing: DialingObject): string | undefined {
  const id = dialing.info_dial?.otherchannelid;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * Channel variables that tie the call to the dialer, read by the call history (`projections/calls.ts`) and
 * available to the dialplan.
 */
export function dialerVariables(dialing: DialingObject): ObVariables {
  return {
    JADE_CAMPAIGN_UUID: dialing.uuid_camp,
    JADE_DIALING_UUID: dialing.uuid,
    JADE_PLAN_UUID: dialing.uuid_plan,
    JADE_DEST_UUID: dialing.uuid_dest,
    JADE_DLMA_UUID: dialing.uuid_dlma,
    JADE_DL_UUID: dialing.uuid_dl_list,
  };
}

const nonEmpty = (value: string | null): string | undefined => (value === null || value === '' ? undefined : value);

/**
 * Catalog §4 step 5: the Originate for a dialing. `ChannelId` = the dialing uuid (the channel's Uniqueid and the
 * call's Linkedid, so its events land in `call-<uuid>`), `ActionID` = its action id; async, so the answer
 * comes as `OriginateResponse`.
 */
export function originateAction(dialing: DialingObject, plan: Pick<PlanObject, 'caller_id' | 'codecs' | 'early_media'>): AmiAction {
  const destination =
    dialing.dial_type === 1
      ? { application: nonEmpty(dialing.dial_application) ?? 'Hangup', data: nonEmpty(dialing.dial_data) }
      : { context: nonEmpty(dialing.dial_context), exten: nonEmpty(dialing.dial_exten), priority: nonEmpty(dialing.dial_priority) ?? '1' };
  return amiActions.originate({
    actionId: dialing.action_id,
    channel: dialing.dial_channel,
    ...destination,
    timeoutMs: dialing.dial_timeout,
    callerId: nonEmpty(plan.caller_id),
    codecs: nonEmpty(plan.codecs),
    earlyMedia: nonEmpty(plan.early_media),
    variables: { ...dialing.dial_variables, ...dialerVariables(dialing) },
    channelId: dialing.uuid,
    otherChannelId: otherChannelIdOf(dialing),
  });
}

/** The progress fields of a dialing, for comparing with what Asterisk's events say now. */
export function progressOf(dialing: DialingObject): DialingProgress {
  const { status, channel, res_dial, res_dial_detail, res_hangup, res_hangup_detail } = dialing;
  return { status, channel, res_dial, res_dial_detail, res_hangup, res_hangup_detail };
}

/** The fields of `next` that differ from `current`. */
export function progressChanges(current: DialingProgress, next: DialingProgress): Partial<DialingProgress> {
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof DialingProgress)[]) if (current[key] !== next[key]) changes[key] = next[key];
  return changes as Partial<DialingProgress>;
}
