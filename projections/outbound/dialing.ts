import { obEventTypes, type DialingEndedData, type DialingUpdatedData, type ObVariables } from '../../src/events/outbound.js';
import type { StoredEvent } from '../lib/lifecycle.js';
import type { CampaignObject } from './campaign.js';
import type { DestinationObject } from './destination.js';
import type { DlObject } from './dl.js';
import type { DlmaObject } from './dlma.js';
import type { PlanObject } from './plan.js';

/**
 * The catalog's dialing object (50-outbound §6.5): one live call attempt, created and finished by the
 * dialer. Read-only over the API. It keeps copies of its resources (`info_*`, "call capsulization"), so
 * later edits of a plan or an entry do not change a call in progress.
 */
export interface DialingObject {
  /** Also the Originate `ChannelId`: the dialed channel's Uniqueid. */
  readonly uuid: string;
  /** The Originate `ActionID`. */
  readonly action_id: string;
  /** Asterisk's channel name once known (`PJSIP/300-0000002e`). */
  readonly channel: string | null;
  /** `dialingStatus` (§2.9). */
  readonly status: number;
  readonly res_dial: number;
  readonly res_dial_detail: string | null;
  readonly res_hangup: number;
  readonly res_hangup_detail: string | null;
  /** `<tech_name>/<dial_addr>[@<trunk_name>]`. */
  readonly dial_channel: string;
  readonly dial_addr: string;
  readonly dial_application: string | null;
  readonly dial_data: string | null;
  readonly dial_context: string | null;
  readonly dial_exten: string | null;
  readonly dial_priority: string | null;
  /** The destination's type (§2.3). */
  readonly dial_type: number;
  readonly dial_timeout: number;
  readonly dial_index: number;
  readonly dial_trycnt: number;
  readonly dial_variables: ObVariables;
  readonly uuid_camp: string;
  readonly uuid_dest: string;
  readonly uuid_dl_list: string;
  readonly uuid_dlma: string;
  readonly uuid_plan: string;
  readonly info_camp: CampaignObject | null;
  readonly info_dest: DestinationObject | null;
  /** `channelid`, `otherchannelid`, the dial_* values, `variables` as a JSON string (catalog example). */
  readonly info_dial: Readonly<Record<string, unknown>> | null;
  readonly info_dl_list: DlObject | null;
  readonly info_dlma: DlmaObject | null;
  readonly info_plan: PlanObject | null;
  readonly tm_create: string;
  readonly tm_update: string | null;
  readonly tm_delete: string | null;
  /** The Asterisk box (`ami.nodes[].node`) its Originate and hangups go to: its campaign's; null = the first box. */
  readonly node: string | null;
}

/** Dialing status codes (catalog §2.9); 7 and 10-13 are terminal. */
export const dialingStatus = {
  none: 0,
  originateRequested: 1,
  originateQueued: 2,
  dialBegin: 3,
  channelCreated: 4,
  dialEnd: 5,
  originateResponded: 6,
  hangup: 7,
  error: 10,
  originateRequestFailed: 11,
  originateQueueFailed: 12,
  originateResponseFailed: 13,
} as const;

/** The JSON columns of `ob_dialings`. */
export const dialingJsonColumns = ['dial_variables', 'info_camp', 'info_dest', 'info_dial', 'info_dl_list', 'info_dlma', 'info_plan'] as const;

/** Folds `DialingCreated` / `DialingUpdated` / `DialingEnded`. An ended dialing keeps its last state (the projection deletes its row). */
export function evolveDialing(state: DialingObject | undefined, event: StoredEvent): DialingObject | undefined {
  switch (event.type) {
    case obEventTypes.dialingCreated: {
      // A dialing recorded before campaigns had a box dials on the first one.
      const data = event.data as Omit<DialingObject, 'node'> & { readonly node?: string | null };
      return { ...data, node: data.node ?? null };
    }
    case obEventTypes.dialingUpdated: {
      const data = event.data as DialingUpdatedData;
      return state && { ...state, ...data.changes, tm_update: data.tm_update };
    }
    case obEventTypes.dialingEnded: {
      const { uuid: _uuid, reason: _reason, ...final } = event.data as DialingEndedData;
      return state && { ...state, ...final };
    }
    default:
      return state;
  }
}
