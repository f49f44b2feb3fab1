import { field } from '../lib/ami-fields.js';
import { meaningful, withItem, type CallLegRow, type CallRow, type Time, type Work } from './rows.js';

/**
 * A call's legs and the call they make up: creating a leg (and the call with its first), changing either
 * only when something differs, and the rules of who hung up and why the call ended (index.ts explains them).
 */

export function createLeg(work: Work, linkedId: string, data: Readonly<Record<string, unknown>>, time: string): CallLegRow | undefined {
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
export function updateCall(work: Work, linkedId: string, change: (call: CallRow) => Partial<CallRow>, time: Time): void {
  const call = work.get('calls', linkedId);
  if (!call) return;
  const fields = change(call);
  const keys = Object.keys(fields) as (keyof CallRow)[];
  if (keys.every((key) => call[key] === fields[key])) return;
  work.put('calls', linkedId, { ...call, ...fields, tm_update: typeof time === 'string' ? time : time() });
}

export function updateLeg(work: Work, uniqueId: string | undefined, change: (leg: CallLegRow) => Partial<CallLegRow>): void {
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
export function decideHangup(work: Work, linkedId: string, uniqueId: string | undefined, time: Time): void {
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
export function legGone(work: Work, linkedId: string, uniqueId: string, time: string): void {
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

