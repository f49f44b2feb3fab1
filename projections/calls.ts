import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import { streamPrefixes } from '../src/events/index.js';
import { field, intField, readSnapshot, snapshotAction, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { durationSeconds, eventTime, parseDuration, shiftTimestamp } from './lib/event-time.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { WorkingSet } from './lib/working-set.js';
import { keysetFrom, pageAfter, type Page, type SortOrder } from './lib/paging.js';

/**
 * Call history (`/calls`): one row per call, that is per Asterisk linked id, kept forever.
 * A call's AMI events are all in its `call-<Linkedid>` stream (ARCHITECTURE.md "Events and streams"),
 * so the stream name gives the call even for events that spell the id differently.
 *
 * Who hung up: every leg belongs to a party. The call's first channel (unique id = linked id) is the
 * caller, and so is its Local-channel other half (`LocalBridge`); every other leg is the callee side.
 * The first hangup request (HangupRequest, SoftHangupRequest or Hangup) decides, counting a callee leg
 * only once it (or its Local other half) has been bridged: losing queue members and ringing legs are
 * hung up by Asterisk, not by anyone in the call. A hangup command of the API (`*Hangup` command types,
 * whose `Requested` event is in the log before Asterisk acts) makes it `api`. For an originated call the
 * "caller" is the channel Asterisk dialed first (the originate's `Channel`): for a dialer call, the customer.
 * Known limit: a pending API hangup whose command then failed is not cleared (the channel it named was
 * usually gone already); an originate whose channel is never created leaves its `call_pending` row.
 *
 * Commands join a call by their `targets` (linked_id, or unique_id through the legs). An originate names
 * its channel's unique id before the channel exists (ChannelId), so what arrives for a channel not yet
 * seen waits in `call_pending` until its Newchannel. The dialer's dialing uuid is that same ChannelId.
 */

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

type Json<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };
export type CallsTable = Json<CallRow, 'queues' | 'agents' | 'leg_ids' | 'command_ids'>;
export type CallLegsTable = CallLegRow;
export type CallsLiveTable = Omit<LiveCallRow, 'live' | 'api_hangup'> & { live: string; api_hangup: string | null };
export type CallPendingTable = Json<PendingRow, 'command_ids'>;

type Tables = { calls: CallRow; call_legs: CallLegRow; calls_live: LiveCallRow; call_pending: PendingRow };
type Work = WorkingSet<Tables>;
/** An event's time, or a way to compute it on demand. */
type Time = string | (() => string);

/** Channel variables the dialer (or a dialplan) may set to tag a call; upper-cased. */
const campaignVariables = new Set(['JADE_CAMPAIGN_UUID', 'CAMPAIGN_UUID', 'OB_CAMPAIGN_UUID', 'DIALING_CAMP_UUID', 'UUID_CAMP']);
const dialingVariables = new Set(['JADE_DIALING_UUID', 'DIALING_UUID', 'OB_DIALING_UUID']);
/** Fields of the dialer's `dialing-<uuid>` events that name the campaign (catalog 50-outbound: `uuid_camp`). */
const dialingCampaignFields = ['uuid_camp', 'camp_uuid', 'campaign_uuid', 'dialing_camp_uuid'] as const;

const meaningful = (value: string | undefined): value is string => value !== undefined && value !== '' && value !== '<unknown>';

const withItem = (list: readonly string[], item: string): readonly string[] => (list.includes(item) ? list : [...list, item]);

// ---------------------------------------------------------------------------------------------
// Legs and calls.

function createLeg(work: Work, linkedId: string, data: Readonly<Record<string, unknown>>, time: string): CallLegRow | undefined {
  const uniqueId = field(data, 'Uniqueid');
  if (uniqueId === undefined || work.get('call_legs', uniqueId)) return undefined;
  const leg: CallLegRow = {
    unique_id: uniqueId,
    linked_id: linkedId,
    channel: field(data, 'Channel') ?? '',
    party: uniqueId === linkedId ? 'caller' : 'callee',
    local_peer: null,
    bridged: 0,
    caller_id_num: field(data, 'CallerIDNum') ?? '',
    caller_id_name: field(data, 'CallerIDName') ?? '',
    context: field(data, 'Context') ?? '',
    exten: field(data, 'Exten') ?? '',
    tm_create: time,
    tm_answer: null,
    tm_hangup: null,
    hangup_cause: null,
    hangup_cause_desc: null,
  };
  work.put('call_legs', uniqueId, leg);

  const existing = work.get('calls', linkedId);
  const main = leg.unique_id === linkedId;
  const call: CallRow = existing
    ? { ...existing, leg_ids: withItem(existing.leg_ids, uniqueId), tm_update: time }
    : {
        linked_id: linkedId,
        tm_start: time,
        tm_answer: null,
        tm_end: null,
        hangup_by: null,
        hangup_user: null,
        hangup_cause: null,
        hangup_cause_desc: null,
        caller: '',
        callee: '',
        queues: [],
        agents: [],
        parked: 0,
        campaign_uuid: null,
        dialing_uuid: null,
        leg_ids: [uniqueId],
        command_ids: [],
        tm_update: time,
      };
  work.put('calls', linkedId, {
    ...call,
    caller: main && meaningful(leg.caller_id_num) ? leg.caller_id_num : call.caller,
    callee: main && leg.exten !== 's' && leg.exten !== '' ? leg.exten : call.callee,
  });
  const live = work.get('calls_live', linkedId);
  work.put('calls_live', linkedId, live ? { ...live, live: withItem(live.live, uniqueId) } : { linked_id: linkedId, live: [uniqueId], api_hangup: null });
  adoptPending(work, linkedId, uniqueId, time);
  return leg;
}

/** Commands and dialer tags that named this channel before it existed. */
function adoptPending(work: Work, linkedId: string, uniqueId: string, time: string): void {
  const pending = work.get('call_pending', uniqueId);
  if (!pending) return;
  work.delete('call_pending', uniqueId);
  const call = work.get('calls', linkedId)!;
  let command_ids = call.command_ids;
  for (const id of pending.command_ids) command_ids = withItem(command_ids, id);
  work.put('calls', linkedId, {
    ...call,
    command_ids,
    campaign_uuid: call.campaign_uuid ?? pending.campaign_uuid,
    dialing_uuid: call.dialing_uuid ?? pending.dialing_uuid,
    tm_update: time,
  });
}

/** Applies `change` to the call; `time` is asked for only when something changed. */
function updateCall(work: Work, linkedId: string, change: (call: CallRow) => Partial<CallRow>, time: Time): void {
  const call = work.get('calls', linkedId);
  if (!call) return;
  const fields = change(call);
  const keys = Object.keys(fields) as (keyof CallRow)[];
  if (keys.every((key) => call[key] === fields[key])) return;
  work.put('calls', linkedId, { ...call, ...fields, tm_update: typeof time === 'string' ? time : time() });
}

function updateLeg(work: Work, uniqueId: string | undefined, change: (leg: CallLegRow) => Partial<CallLegRow>): void {
  const leg = uniqueId === undefined ? undefined : work.get('call_legs', uniqueId);
  if (!leg) return;
  const fields = change(leg);
  const keys = Object.keys(fields) as (keyof CallLegRow)[];
  if (keys.every((key) => leg[key] === fields[key])) return;
  work.put('call_legs', leg.unique_id, { ...leg, ...fields });
}

function connected(work: Work, leg: CallLegRow): boolean {
  if (leg.bridged === 1) return true;
  const peer = leg.local_peer === null ? undefined : work.get('call_legs', leg.local_peer);
  return peer?.bridged === 1;
}

/** The first hangup request that counts decides who ended the call (see the header comment). */
function decideHangup(work: Work, linkedId: string, uniqueId: string | undefined, time: Time): void {
  const call = work.get('calls', linkedId);
  const leg = uniqueId === undefined ? undefined : work.get('call_legs', uniqueId);
  if (!call || !leg || call.hangup_by !== null || call.tm_end !== null) return;
  const apiHangup = work.get('calls_live', linkedId)?.api_hangup;
  if (apiHangup && apiHangup.unique_id === leg.unique_id) {
    updateCall(work, linkedId, () => ({ hangup_by: 'api', hangup_user: apiHangup.username }), time);
  } else if (leg.party === 'caller') {
    updateCall(work, linkedId, () => ({ hangup_by: 'caller' }), time);
  } else if (connected(work, leg)) {
    updateCall(work, linkedId, () => ({ hangup_by: 'callee' }), time);
  }
}

/**
 * The cause of the call's end: the first channel's, unless it is 0 (a Local channel's originated half
 * reports 0; its other half has the real cause), then the caller side's, then a connected callee's.
 */
function callCause(work: Work, call: CallRow): Pick<CallRow, 'hangup_cause' | 'hangup_cause_desc'> {
  const legs = call.leg_ids.flatMap((id) => work.get('call_legs', id) ?? []);
  const main = legs.find((leg) => leg.unique_id === call.linked_id);
  const ordered = [
    ...(main ? [main] : []),
    ...legs.filter((leg) => leg !== main && leg.party === 'caller'),
    ...legs.filter((leg) => leg.party === 'callee' && connected(work, leg)),
  ];
  const decisive = ordered.find((leg) => leg.hangup_cause !== null && leg.hangup_cause !== 0) ?? main;
  return { hangup_cause: decisive?.hangup_cause ?? null, hangup_cause_desc: decisive?.hangup_cause_desc ?? null };
}

/** A leg is gone (Hangup, or missing from a snapshot); the call ends with its last leg. */
function legGone(work: Work, linkedId: string, uniqueId: string, time: string): void {
  const live = work.get('calls_live', linkedId);
  if (!live || !live.live.includes(uniqueId)) return;
  const remaining = live.live.filter((id) => id !== uniqueId);
  if (remaining.length > 0) {
    work.put('calls_live', linkedId, { ...live, live: remaining });
    return;
  }
  work.delete('calls_live', linkedId);
  const call = work.get('calls', linkedId);
  if (call) updateCall(work, linkedId, () => ({ tm_end: time, ...callCause(work, call) }), time);
}

// ---------------------------------------------------------------------------------------------
// Events.

function onCallEvent(work: Work, event: RecordedEvent, linkedId: string): void {
  const { data } = event;
  const uniqueId = field(data, 'Uniqueid');
  // Most call events change nothing here: the event's time (a parse and a format) only when something does.
  let cached: string | undefined;
  const time = (): string => (cached ??= eventTime(event));
  switch (event.type) {
    case 'Newchannel':
      createLeg(work, linkedId, data, time());
      return;
    case 'Newstate':
      if (intField(data, 'ChannelState') === 6) {
        updateLeg(work, uniqueId, (leg) => ({ tm_answer: leg.tm_answer ?? time() }));
        updateCall(work, linkedId, (call) => ({ tm_answer: call.tm_answer ?? time() }), time);
      }
      break;
    case 'LocalBridge': {
      const one = work.get('call_legs', field(data, 'LocalOneUniqueid') ?? '');
      const two = work.get('call_legs', field(data, 'LocalTwoUniqueid') ?? '');
      if (!one || !two) return;
      // One Local channel, two halves: they share the party of the half that is the caller's, if any.
      const party: Party = one.party === 'caller' || two.party === 'caller' ? 'caller' : 'callee';
      updateLeg(work, one.unique_id, () => ({ local_peer: two.unique_id, party }));
      updateLeg(work, two.unique_id, () => ({ local_peer: one.unique_id, party }));
      return;
    }
    case 'BridgeEnter':
      updateLeg(work, uniqueId, () => ({ bridged: 1 }));
      break;
    case 'QueueCallerJoin': {
      const queue = field(data, 'Queue');
      if (queue !== undefined) updateCall(work, linkedId, (call) => ({ queues: withItem(call.queues, queue) }), time);
      break;
    }
    case 'AgentConnect': {
      const agent = field(data, 'MemberName') || field(data, 'Interface');
      if (agent) updateCall(work, linkedId, (call) => ({ agents: withItem(call.agents, agent) }), time);
      break;
    }
    case 'ParkedCall':
      updateCall(work, linkedId, () => ({ parked: 1 }), time);
      return;
    case 'VarSet': {
      const name = (field(data, 'Variable') ?? '').toUpperCase();
      const campaign = campaignVariables.has(name);
      if (!campaign && !dialingVariables.has(name)) break;
      const value = field(data, 'Value');
      if (!meaningful(value)) break;
      if (campaign) updateCall(work, linkedId, (call) => ({ campaign_uuid: call.campaign_uuid ?? value }), time);
      else updateCall(work, linkedId, (call) => ({ dialing_uuid: call.dialing_uuid ?? value }), time);
      break;
    }
    case 'DialBegin': {
      const dialString = field(data, 'DialString');
      if (meaningful(dialString)) updateCall(work, linkedId, (call) => (call.callee === '' ? { callee: dialString } : {}), time);
      return;
    }
    case 'HangupRequest':
    case 'SoftHangupRequest':
      decideHangup(work, linkedId, uniqueId, time);
      return;
    case 'Hangup':
      decideHangup(work, linkedId, uniqueId, time);
      updateLeg(work, uniqueId, () => ({
        tm_hangup: time(),
        hangup_cause: intField(data, 'Cause') ?? null,
        hangup_cause_desc: field(data, 'Cause-txt') ?? null,
      }));
      if (uniqueId !== undefined) legGone(work, linkedId, uniqueId, time());
      return;
    default:
      break;
  }
  trackCallerId(work, linkedId, uniqueId, data, time);
}

/** Caller id becomes known after Newchannel (an originate's CallerID shows from the first state change). */
function trackCallerId(work: Work, linkedId: string, uniqueId: string | undefined, data: Readonly<Record<string, unknown>>, time: Time): void {
  const num = field(data, 'CallerIDNum');
  if (uniqueId === undefined || !meaningful(num)) return;
  const leg = work.get('call_legs', uniqueId);
  if (!leg || leg.caller_id_num === num) return;
  updateLeg(work, uniqueId, () => ({ caller_id_num: num, caller_id_name: field(data, 'CallerIDName') ?? leg.caller_id_name }));
  if (uniqueId === linkedId) updateCall(work, linkedId, () => ({ caller: num }), time);
}

/** Finds the call a command or dialing id names: by linked id, else by a leg's unique id. */
function callOf(work: Work, ids: { readonly linkedId?: string; readonly uniqueId?: string }): string | undefined {
  if (ids.linkedId !== undefined && work.get('calls', ids.linkedId)) return ids.linkedId;
  if (ids.uniqueId !== undefined) return work.get('call_legs', ids.uniqueId)?.linked_id;
  return undefined;
}

function pendingFor(work: Work, uniqueId: string, time: string): PendingRow {
  return work.get('call_pending', uniqueId) ?? { unique_id: uniqueId, command_ids: [], campaign_uuid: null, dialing_uuid: null, tm_update: time };
}

function onCommandRequested(work: Work, event: RecordedEvent, time: string): void {
  const { data } = event;
  const commandId = field(data, 'command_id');
  const targets = typeof data.targets === 'object' && data.targets !== null ? (data.targets as Record<string, unknown>) : {};
  const linkedId = field(targets, 'linked_id');
  const uniqueId = field(targets, 'unique_id');
  if (commandId === undefined || (linkedId === undefined && uniqueId === undefined)) return;
  // The dialer's originate and hangup name the campaign and dialing they act for.
  const campaign = field(targets, 'campaign_uuid') ?? null;
  const dialing = field(targets, 'dialing_uuid') ?? null;
  const call = callOf(work, { linkedId, uniqueId });
  if (call === undefined) {
    // Not seen yet: an originate names the channel it is about to create (ChannelId = unique id = linked id).
    const key = uniqueId ?? linkedId!;
    const pending = pendingFor(work, key, time);
    work.put('call_pending', key, {
      ...pending,
      command_ids: withItem(pending.command_ids, commandId),
      campaign_uuid: pending.campaign_uuid ?? campaign,
      dialing_uuid: pending.dialing_uuid ?? dialing,
      tm_update: time,
    });
    return;
  }
  updateCall(
    work,
    call,
    (row) => ({ command_ids: withItem(row.command_ids, commandId), campaign_uuid: row.campaign_uuid ?? campaign, dialing_uuid: row.dialing_uuid ?? dialing }),
    time,
  );
  const commandType = field(data, 'command_type') ?? event.type.replace(/Requested$/, '');
  const live = work.get('calls_live', call);
  if (live && uniqueId !== undefined && commandType.endsWith('Hangup')) {
    work.put('calls_live', call, { ...live, api_hangup: { command_id: commandId, username: field(data, 'username') ?? '', unique_id: uniqueId } });
  }
}

/** The dialer's `dialing-<uuid>` events: the uuid is the originated channel's id, and they name the campaign. */
function onDialingEvent(work: Work, event: RecordedEvent, time: string): void {
  const dialingUuid = event.stream.slice('dialing-'.length);
  const campaign = dialingCampaignFields.map((name) => field(event.data, name)).find(meaningful);
  if (campaign === undefined) return;
  const call = callOf(work, { linkedId: dialingUuid, uniqueId: dialingUuid });
  if (call !== undefined) {
    updateCall(work, call, (row) => ({ campaign_uuid: row.campaign_uuid ?? campaign, dialing_uuid: row.dialing_uuid ?? dialingUuid }), time);
    return;
  }
  const pending = pendingFor(work, dialingUuid, time);
  if (pending.campaign_uuid === campaign && pending.dialing_uuid === dialingUuid) return;
  work.put('call_pending', dialingUuid, { ...pending, campaign_uuid: campaign, dialing_uuid: dialingUuid, tm_update: time });
}

/**
 * After a (re)connect Asterisk's channel list is the truth: legs it no longer has ended while jade was
 * away (their time is unknown: the snapshot's is used, cause null), and channels never seen start calls.
 */
function reconcile(work: Work, state: ProjectionState<Tables>, snapshot: Snapshot, time: string): void {
  if (snapshot.items === undefined) return;
  const listed = new Set<string>();
  for (const item of snapshot.items) {
    const uniqueId = field(item, 'Uniqueid');
    if (uniqueId === undefined) continue;
    listed.add(uniqueId);
    if (state.get('call_legs', uniqueId)) continue;
    const linkedId = field(item, 'Linkedid') ?? uniqueId;
    createLeg(work, linkedId, item, shiftTimestamp(time, -parseDuration(field(item, 'Duration'))) ?? time);
  }
  for (const live of state.all('calls_live')) {
    for (const uniqueId of live.live) {
      if (listed.has(uniqueId)) continue;
      updateLeg(work, uniqueId, (leg) => ({ tm_hangup: leg.tm_hangup ?? time }));
      legGone(work, live.linked_id, uniqueId, time);
    }
  }
}

export const callsProjection = defineProjection<Tables, 'calls'>({
  name: 'calls',
  version: 2,
  tables: {
    calls: { key: 'linked_id', json: ['queues', 'agents', 'leg_ids', 'command_ids'] },
    call_legs: { key: 'unique_id' },
    calls_live: { key: 'linked_id', json: ['live', 'api_hangup'] },
    call_pending: { key: 'unique_id', json: ['command_ids'] },
  },
  project(state, event): RowChange<Tables>[] {
    const { stream } = event;
    const work = new WorkingSet<Tables>(state);
    if (stream.startsWith(streamPrefixes.call)) {
      onCallEvent(work, event, stream.slice(streamPrefixes.call.length));
    } else if (stream.startsWith(streamPrefixes.command)) {
      if (!event.type.endsWith('Requested')) return [];
      onCommandRequested(work, event, eventTime(event));
    } else if (stream.startsWith('dialing-')) {
      onDialingEvent(work, event, eventTime(event));
    } else {
      const snapshot = readSnapshot(event);
      if (!snapshot || snapshotAction(snapshot) !== 'coreshowchannels') return [];
      reconcile(work, state, snapshot, eventTime(event));
    }
    return work.changes();
  },
});

// ---------------------------------------------------------------------------------------------
// Queries (REST, CLI). `now` is the read's time (or the `at=` time), for a live call's duration.

/** One leg as the API shows it. */
export interface CallLegObject {
  readonly unique_id: string;
  readonly channel: string;
  readonly party: Party;
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

/** A call's summary (ARCHITECTURE.md "Calls"), plus who called whom and who hung up through the API. */
export interface CallSummary {
  readonly linked_id: string;
  readonly status: 'live' | 'ended';
  readonly caller: string;
  readonly callee: string;
  readonly legs: readonly CallLegObject[];
  readonly tm_start: string;
  readonly tm_answer: string | null;
  readonly tm_end: string | null;
  /** Whole seconds from start to end, or to `now` while the call is live. */
  readonly duration: number | null;
  readonly hangup_by: HangupBy | null;
  readonly hangup_user: string | null;
  readonly hangup_cause: number | null;
  readonly hangup_cause_desc: string | null;
  readonly queues: readonly string[];
  readonly agents: readonly string[];
  readonly parked: boolean;
  readonly campaign_uuid: string | null;
  readonly dialing_uuid: string | null;
}

export interface CallFilter {
  /** Calls in progress at any time in [since, until] (inclusive API timestamps). */
  readonly since?: string;
  readonly until?: string;
  readonly caller?: string;
  readonly callee?: string;
  readonly queue?: string;
  readonly campaign?: string;
  readonly hangupCause?: number;
  readonly limit: number;
  /** Cursor: the linked id of the first call to return (a previous page's `next_from`). */
  readonly from?: string;
  /** By (tm_start, linked_id): `desc` (newest first) unless asked otherwise. */
  readonly order?: SortOrder;
}

const parseList = (text: string): string[] => JSON.parse(text) as string[];

function toLegObject(leg: CallLegsTable): CallLegObject {
  return {
    unique_id: leg.unique_id,
    channel: leg.channel,
    party: leg.party,
    caller_id_num: leg.caller_id_num,
    caller_id_name: leg.caller_id_name,
    context: leg.context,
    exten: leg.exten,
    tm_create: leg.tm_create,
    tm_answer: leg.tm_answer,
    tm_hangup: leg.tm_hangup,
    hangup_cause: leg.hangup_cause,
    hangup_cause_desc: leg.hangup_cause_desc,
  };
}

function toSummary(call: CallsTable, legs: readonly CallLegsTable[], now: string): CallSummary {
  return {
    linked_id: call.linked_id,
    status: call.tm_end === null ? 'live' : 'ended',
    caller: call.caller,
    callee: call.callee,
    legs: legs.map(toLegObject),
    tm_start: call.tm_start,
    tm_answer: call.tm_answer,
    tm_end: call.tm_end,
    duration: durationSeconds(call.tm_start, call.tm_end ?? now),
    hangup_by: call.hangup_by,
    hangup_user: call.hangup_user,
    hangup_cause: call.hangup_cause,
    hangup_cause_desc: call.hangup_cause_desc,
    queues: parseList(call.queues),
    agents: parseList(call.agents),
    parked: call.parked === 1,
    campaign_uuid: call.campaign_uuid,
    dialing_uuid: call.dialing_uuid,
  };
}

/** The legs of the given calls, each call's in creation order. */
async function legsOf(db: Kysely<Database>, calls: readonly CallsTable[]): Promise<Map<string, CallLegsTable[]>> {
  const byCall = new Map<string, CallLegsTable[]>(calls.map((call) => [call.linked_id, []]));
  if (calls.length === 0) return byCall;
  const legs = await db.selectFrom('call_legs').selectAll().where('linked_id', 'in', calls.map((call) => call.linked_id)).execute();
  const byId = new Map(legs.map((leg) => [leg.unique_id, leg]));
  for (const call of calls) byCall.set(call.linked_id, parseList(call.leg_ids).flatMap((id) => byId.get(id) ?? []));
  return byCall;
}

/** Calls by start time (then linked id), newest first by default, one page. */
export async function listCalls(db: Kysely<Database>, filter: CallFilter, now: string): Promise<Page<CallSummary>> {
  const order = filter.order ?? 'desc';
  let query = db.selectFrom('calls').selectAll();
  if (filter.since !== undefined) {
    const since = filter.since;
    query = query.where((eb) => eb.or([eb('tm_end', 'is', null), eb('tm_end', '>=', since)]));
  }
  if (filter.until !== undefined) query = query.where('tm_start', '<=', filter.until);
  if (filter.caller !== undefined) query = query.where('caller', '=', filter.caller);
  if (filter.callee !== undefined) query = query.where('callee', '=', filter.callee);
  if (filter.campaign !== undefined) query = query.where('campaign_uuid', '=', filter.campaign);
  if (filter.hangupCause !== undefined) query = query.where('hangup_cause', '=', filter.hangupCause);
  if (filter.queue !== undefined) query = query.where(sql<boolean>`EXISTS (SELECT 1 FROM json_each(calls.queues) WHERE json_each.value = ${filter.queue})`);
  if (filter.from !== undefined) {
    const start = await db.selectFrom('calls').select('tm_start').where('linked_id', '=', filter.from).executeTakeFirst();
    if (!start) return { list: [], next_from: null };
    query = query.where(sql<boolean>`(tm_start, linked_id) ${sql.raw(keysetFrom(order))} (${start.tm_start}, ${filter.from})`);
  }
  const calls = await query.orderBy('tm_start', order).orderBy('linked_id', order).limit(filter.limit + 1).execute();
  const legs = await legsOf(db, calls);
  const summaries = calls.map((call) => toSummary(call, legs.get(call.linked_id) ?? [], now));
  return pageAfter(summaries, filter.limit, (call) => call.linked_id);
}

export interface CallDetail {
  readonly summary: CallSummary;
  /** The commands that touched it, in log order. */
  readonly commandIds: readonly string[];
}

export async function getCall(db: Kysely<Database>, linkedId: string, now: string): Promise<CallDetail | undefined> {
  const call = await db.selectFrom('calls').selectAll().where('linked_id', '=', linkedId).executeTakeFirst();
  if (!call) return undefined;
  const legs = await legsOf(db, [call]);
  return { summary: toSummary(call, legs.get(linkedId) ?? [], now), commandIds: parseList(call.command_ids) };
}
