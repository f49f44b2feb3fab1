import { jsonColumns, type Stored } from '../lib/json-columns.js';
import type { WorkingSet } from '../lib/working-set.js';

// Call history's rows (index.ts says how they are derived) and the tables kysely sees.

export type Party = 'caller' | 'callee';
export type HangupBy = 'caller' | 'callee' | 'api';

export interface CallRow {
  readonly linked_id: string;
  readonly tm_start: string;
  /** First time any leg was answered (state Up), as Asterisk's CDR counts it. */
  readonly tm_answer: string | null;
  /** When the last leg hung up; null while the call is in progress. */
  readonly tm_end: string | null;
  readonly hangup_by: HangupBy | null;
  /** The user whose API command hung the call up (`hangup_by` = `api`). */
  readonly hangup_user: string | null;
  readonly hangup_cause: number | null;
  readonly hangup_cause_desc: string | null;
  /** The caller's number (its first channel's caller id). */
  readonly caller: string;
  /** The number it called (its first channel's extension, else the first dial string). */
  readonly callee: string;
  /** Queues it waited in, in order. */
  readonly queues: readonly string[];
  /** Queue members it was connected to, in order. */
  readonly agents: readonly string[];
  /** 1 once any leg was parked (SQLite has no boolean; the API shows true/false). */
  readonly parked: number;
  readonly campaign_uuid: string | null;
  readonly dialing_uuid: string | null;
  /** Unique ids of its legs in creation order. */
  readonly leg_ids: readonly string[];
  /** Uuids of the API commands that touched it, in log order. */
  readonly command_ids: readonly string[];
  readonly tm_update: string;
}

export interface CallLegRow {
  readonly unique_id: string;
  readonly linked_id: string;
  readonly channel: string;
  readonly party: Party;
  /** The other half of a Local channel pair. */
  readonly local_peer: string | null;
  /** 1 once the leg entered a bridge. */
  readonly bridged: number;
  readonly caller_id_num: string;
  readonly caller_id_name: string;
  readonly context: string;
  readonly exten: string;
  readonly tm_create: string;
  readonly tm_answer: string | null;
  readonly tm_hangup: string | null;
  readonly hangup_cause: number | null;
  readonly hangup_cause_desc: string | null;
}

/** A call in progress: which legs are still up, and a pending API hangup. Deleted when the call ends. */
export interface LiveCallRow {
  readonly linked_id: string;
  readonly live: readonly string[];
  readonly api_hangup: { readonly command_id: string; readonly username: string; readonly unique_id: string } | null;
}

/** What arrived for a channel (by unique id) before its Newchannel. */
export interface PendingRow {
  readonly unique_id: string;
  readonly command_ids: readonly string[];
  readonly campaign_uuid: string | null;
  readonly dialing_uuid: string | null;
  readonly tm_update: string;
}

/** Each table's JSON columns (TableSpec `json`, and what the queries parse back). */
export const callJson = jsonColumns<CallRow, 'queues' | 'agents' | 'leg_ids' | 'command_ids'>(['queues', 'agents', 'leg_ids', 'command_ids']);
export const liveCallJson = jsonColumns<LiveCallRow, 'live' | 'api_hangup'>(['live', 'api_hangup']);
export const pendingJson = jsonColumns<PendingRow, 'command_ids'>(['command_ids']);

export type CallsTable = Stored<CallRow, 'queues' | 'agents' | 'leg_ids' | 'command_ids'>;
export type CallLegsTable = CallLegRow;
export type CallsLiveTable = Stored<LiveCallRow, 'live' | 'api_hangup'>;
export type CallPendingTable = Stored<PendingRow, 'command_ids'>;

export type Tables = { calls: CallRow; call_legs: CallLegRow; calls_live: LiveCallRow; call_pending: PendingRow };
export type Work = WorkingSet<Tables>;
/** An event's time, or a way to compute it on demand. */
export type Time = string | (() => string);

/** A value that says something (Asterisk prints `<unknown>` for an unset caller id). */
export const meaningful = (value: string | undefined): value is string => value !== undefined && value !== '' && value !== '<unknown>';

export const withItem = (list: readonly string[], item: string): readonly string[] => (list.includes(item) ? list : [...list, item]);
