import { streams } from './streams.js';

/**
 * The outbound dialer's resources as events (catalog 50-outbound §6, issue 6).
 * Each object lives in its own stream (`plan-<uuid>`, `destination-<uuid>`, `dlma-<uuid>`, `dl-<uuid>`,
 * `campaign-<uuid>`). Every `tm_*` an event sets is in its data, decided when the command ran, so a
 * replay derives the very same objects (projections never read the clock).
 */
export const obEventTypes = {
  planCreated: 'PlanCreated',
  planUpdated: 'PlanUpdated',
  planDeleted: 'PlanDeleted',

  destinationCreated: 'DestinationCreated',
  destinationUpdated: 'DestinationUpdated',
  destinationDeleted: 'DestinationDeleted',

  dlmaCreated: 'DlmaCreated',
  dlmaUpdated: 'DlmaUpdated',
  dlmaDeleted: 'DlmaDeleted',

  dlCreated: 'DlCreated',
  dlUpdated: 'DlUpdated',
  dlDeleted: 'DlDeleted',
  /** The dialer took the entry: it is being dialed (`status` 1) by `dialing_uuid`. */
  dlDialingStarted: 'DlDialingStarted',
  /** The dialing of the entry finished; its results are copied into the entry, which is idle again. */
  dlDialingEnded: 'DlDialingEnded',

  campaignCreated: 'CampaignCreated',
  campaignUpdated: 'CampaignUpdated',
  /** Every status change, from the API (0, 1, 2, 30) or from the dialer (10, 11, 12, and 0/1). */
  campaignStatusChanged: 'CampaignStatusChanged',
  /** A referenced plan/destination/dlma/next campaign was deleted, so the campaign no longer points at it. */
  campaignReferenceCleared: 'CampaignReferenceCleared',
  campaignDeleted: 'CampaignDeleted',

  // The dialer's dialings (stream `dialing-<uuid>`, issue 6 items 2-4). Status changes of campaigns made by the
  // dialer (10, 11, 12 and back) are `CampaignStatusChanged` with the dialer's reason.
  /** A dialing was decided: every catalog field (§6.5), status 1, resources copied into `info_*`. */
  dialingCreated: 'DialingCreated',
  /** What Asterisk reported so far changed the dialing: status, channel, res_dial, res_hangup (§2.9-2.11). */
  dialingUpdated: 'DialingUpdated',
  /** The dialing is finished (§4 step 8): its final results; it leaves the live dialings. */
  dialingEnded: 'DialingEnded',
} as const;

export type ObEventType = (typeof obEventTypes)[keyof typeof obEventTypes];

/** Stream kinds of ARCHITECTURE.md "Events and streams". */
export const obStreamKinds = {
  plan: 'plan',
  destination: 'destination',
  dlma: 'dlma',
  dl: 'dl',
  campaign: 'campaign',
  dialing: 'dialing',
} as const;

export type ObKind = keyof typeof obStreamKinds;

export const obStreams = {
  plan: (uuid: string): string => streams.object(obStreamKinds.plan, uuid),
  destination: (uuid: string): string => streams.object(obStreamKinds.destination, uuid),
  dlma: (uuid: string): string => streams.object(obStreamKinds.dlma, uuid),
  dl: (uuid: string): string => streams.object(obStreamKinds.dl, uuid),
  campaign: (uuid: string): string => streams.object(obStreamKinds.campaign, uuid),
  dialing: (uuid: string): string => streams.object(obStreamKinds.dialing, uuid),
} as const;

/** `{name: value}`: every resource's variables (catalog §4: merged into the dialing's Originate). */
export type ObVariables = Readonly<Record<string, string>>;

/** The writable fields of a plan (catalog §6.1). */
export interface PlanFields {
  readonly name: string | null;
  readonly detail: string | null;
  readonly tech_name: string;
  readonly trunk_name: string | null;
  /** 0 none (cannot dial), 1 predictive. */
  readonly dial_mode: number;
  /** Milliseconds. */
  readonly dial_timeout: number;
  /** 0 keep running at the end of the list, 1 stop. */
  readonly dl_end_handle: number;
  /** Seconds between two tries of one entry, counted from its last hangup. */
  readonly retry_delay: number;
  readonly caller_id: string | null;
  readonly service_level: number;
  readonly early_media: string | null;
  readonly codecs: string | null;
  readonly variables: ObVariables | null;
  readonly max_retry_cnt_1: number;
  readonly max_retry_cnt_2: number;
  readonly max_retry_cnt_3: number;
  readonly max_retry_cnt_4: number;
  readonly max_retry_cnt_5: number;
  readonly max_retry_cnt_6: number;
  readonly max_retry_cnt_7: number;
  readonly max_retry_cnt_8: number;
}

/** The writable fields of a destination (catalog §6.2). */
export interface DestinationFields {
  readonly name: string | null;
  readonly detail: string | null;
  /** 0 extension (context/exten/priority), 1 application (application/data). */
  readonly type: number;
  readonly application: string | null;
  readonly data: string | null;
  readonly context: string | null;
  readonly exten: string | null;
  readonly priority: string | null;
  readonly variables: ObVariables | null;
}

/** The writable fields of a dial list master (catalog §6.3). */
export interface DlmaFields {
  readonly name: string | null;
  readonly detail: string | null;
  readonly variables: ObVariables | null;
}

/** What a client may set on a dial list entry (catalog §6.4, §7.7-7.8). */
export interface DlFields {
  readonly dlma_uuid: string;
  readonly name: string | null;
  readonly detail: string | null;
  /** 0 idle, 1 being dialed, 2 reserved for preview. */
  readonly status: number;
  readonly email: string | null;
  readonly number_1: string | null;
  readonly number_2: string | null;
  readonly number_3: string | null;
  readonly number_4: string | null;
  readonly number_5: string | null;
  readonly number_6: string | null;
  readonly number_7: string | null;
  readonly number_8: string | null;
  readonly trycnt_1: number;
  readonly trycnt_2: number;
  readonly trycnt_3: number;
  readonly trycnt_4: number;
  readonly trycnt_5: number;
  readonly trycnt_6: number;
  readonly trycnt_7: number;
  readonly trycnt_8: number;
  readonly res_dial: number;
  readonly res_dial_detail: string | null;
  readonly res_hangup: number;
  readonly res_hangup_detail: string | null;
  readonly tm_last_dial: string | null;
  readonly tm_last_hangup: string | null;
  readonly resv_target: string | null;
  readonly ukey: string | null;
  readonly variables: ObVariables | null;
}

/** The writable fields of a campaign (catalog §6.6), besides `status`, which changes only by `CampaignStatusChanged`. */
export interface CampaignFields {
  readonly name: string | null;
  readonly detail: string | null;
  readonly plan: string | null;
  readonly dlma: string | null;
  readonly dest: string | null;
  readonly variables: ObVariables | null;
  readonly next_campaign: string | null;
  /** 0 scheduling off, 1 on (catalog §2.6 proposal: the printed table is reversed). */
  readonly sc_mode: number;
  readonly sc_time_start: string | null;
  readonly sc_time_end: string | null;
  readonly sc_date_start: string | null;
  readonly sc_date_end: string | null;
  readonly sc_date_list: string | null;
  readonly sc_date_list_except: string | null;
  readonly sc_day_list: string | null;
  /** jade's addition (ARCHITECTURE.md "Outbound"): the IANA zone of the schedule; null = `outbound.timezone`. */
  readonly sc_timezone: string | null;
  /**
   * jade's addition (README "Several Asterisk boxes"): the box (`ami.nodes[].node`) the campaign dials on;
   * null = the first configured box (one box, or a campaign made before several were configured).
   */
  readonly node: string | null;
}

// --- event data ---------------------------------------------------------------------------------
// `*Created` carries every field (defaults filled in), `*Updated` only the fields the request gave.

export type PlanCreatedData = { readonly uuid: string; readonly tm_create: string } & PlanFields;
export interface PlanUpdatedData {
  readonly uuid: string;
  readonly changes: Partial<PlanFields>;
  readonly tm_update: string;
}

export type DestinationCreatedData = { readonly uuid: string; readonly tm_create: string } & DestinationFields;
export interface DestinationUpdatedData {
  readonly uuid: string;
  readonly changes: Partial<DestinationFields>;
  readonly tm_update: string;
}

export type DlmaCreatedData = { readonly uuid: string; readonly tm_create: string } & DlmaFields;
export interface DlmaUpdatedData {
  readonly uuid: string;
  readonly changes: Partial<DlmaFields>;
  readonly tm_update: string;
}

/** Plan, destination and dlma deletions. */
export interface ReferencedDeletedData {
  readonly uuid: string;
  readonly tm_delete: string;
  /** The request's `force`: campaigns referencing the object had the reference cleared. */
  readonly force: boolean;
  /** Campaigns whose reference was cleared by this deletion (each also got `CampaignReferenceCleared`). */
  readonly campaigns: readonly string[];
}
export type PlanDeletedData = ReferencedDeletedData;
export type DestinationDeletedData = ReferencedDeletedData;
export interface DlmaDeletedData extends ReferencedDeletedData {
  /** The request's `delete_dls`: the dlma's entries were deleted first (each got `DlDeleted`). */
  readonly delete_dls: boolean;
}

export type DlCreatedData = { readonly uuid: string; readonly tm_create: string } & DlFields;
export interface DlUpdatedData {
  readonly uuid: string;
  readonly changes: Partial<DlFields>;
  readonly tm_update: string;
}
export interface DlDeletedData {
  readonly uuid: string;
  readonly tm_delete: string;
  readonly force: boolean;
  /**
   * The dialing that was in progress when the entry was deleted (`force`=1), else null.
   * The dialer hangs it up (catalog §7.8: "with force=1, hang up its dialing first").
   */
  readonly dialing_uuid: string | null;
  /** Why: `request` (DELETE /ob/dls/<uuid>) or `dlma_deleted` (DELETE /ob/dlmas/<uuid>?delete_dls=1). */
  readonly cause: 'request' | 'dlma_deleted';
}
export interface DlDialingStartedData {
  readonly uuid: string;
  readonly dialing_uuid: string;
  readonly campaign_uuid: string;
  readonly plan_uuid: string;
  /** 1..8: which number is dialed. */
  readonly dial_index: number;
  /** The new `trycnt_<dial_index>` (the try this dialing is). */
  readonly dial_trycnt: number;
  readonly tm_last_dial: string;
}
export interface DlDialingEndedData {
  readonly uuid: string;
  readonly dialing_uuid: string;
  readonly res_dial: number;
  readonly res_dial_detail: string | null;
  readonly res_hangup: number;
  readonly res_hangup_detail: string | null;
  readonly tm_last_hangup: string;
}

export type CampaignCreatedData = { readonly uuid: string; readonly tm_create: string } & CampaignFields;
export interface CampaignUpdatedData {
  readonly uuid: string;
  readonly changes: Partial<CampaignFields>;
  readonly tm_update: string;
}
export interface CampaignStatusChangedData {
  readonly uuid: string;
  readonly status: number;
  readonly previous: number;
  /** `request` for the API; the dialer names its reason (`schedule`, `dl_end`, `resources_missing`, ...). */
  readonly reason: string;
  readonly tm_update: string;
}
export type CampaignReference = 'plan' | 'dest' | 'dlma' | 'next_campaign';
export interface CampaignReferenceClearedData {
  readonly uuid: string;
  readonly field: CampaignReference;
  /** The deleted object the field pointed at. */
  readonly ref_uuid: string;
  readonly tm_update: string;
}
export interface CampaignDeletedData {
  readonly uuid: string;
  readonly tm_delete: string;
  /** Campaigns whose `next_campaign` pointed at this one and was cleared. */
  readonly campaigns: readonly string[];
}

// --- the dialer's dialings ------------------------------------------------------------------------

/** The fields of a dialing Asterisk's events change (catalog §6.5). */
export interface DialingProgress {
  /** Dialing status (§2.9). */
  readonly status: number;
  readonly channel: string | null;
  readonly res_dial: number;
  readonly res_dial_detail: string | null;
  readonly res_hangup: number;
  readonly res_hangup_detail: string | null;
}

/**
 * The whole dialing object as decided (catalog §6.5). Typed loosely here (`events/` imports nothing):
 * `src/outbound/resources/dialing.ts` has the object's type, `src/outbound/dialer/dialing.ts` builds it.
 */
export type DialingCreatedData = Readonly<Record<string, unknown>> & {
  readonly uuid: string;
  readonly action_id: string;
  readonly uuid_camp: string;
  readonly uuid_dl_list: string;
  readonly tm_create: string;
};

export interface DialingUpdatedData {
  readonly uuid: string;
  readonly changes: Partial<DialingProgress>;
  /** The log position of the last Asterisk event (or command outcome) this update reflects. */
  readonly source_position: number;
  readonly tm_update: string;
}

export interface DialingEndedData extends DialingProgress {
  readonly uuid: string;
  /** Why it ended: `hangup`, `originate_failed`, `originate_rejected`, `timeout`, `channel_gone`, `never_sent`, ... */
  readonly reason: string;
  readonly tm_update: string;
  readonly tm_delete: string;
}
