import { field, intField, overlay } from '../lib/ami-fields.js';
import { shiftTimestamp } from '../lib/event-time.js';
import { upsertStamped } from '../lib/row-changes.js';
import { eventNames, memberFields, statusEntryFields, type MemberHeaders } from './fields.js';
import type { Change, Data, Mutable, QueueEntryRow, QueueMemberRow, QueueRow, State } from './rows.js';
import { inServiceLevel } from './statistics.js';

/** What Asterisk reports of a queue, a member or a waiting caller, laid over its row: the rules events and snapshots share. */

/** A queue's row with what Asterisk reported laid over it (a new one from defaults); `reported` may carry every QueueParams header or a few. */
export function reportQueue(state: State, name: string, reported: Partial<QueueRow>, time: string): Change[] {
  const existing = state.get('queues', name);
  const base: QueueRow = existing ?? {
    name,
    strategy: '',
    max: 0,
    weight: 0,
    calls: 0,
    completed: 0,
    abandoned: 0,
    hold_time: 0,
    talk_time: 0,
    service_level: 0,
    service_level_perf: 0,
    service_level_perf2: 0,
    completed_in_sl: 0,
    abandoned_in_sl: 0,
    tm_update: time,
  };
  const laid = overlay(base, reported);
  const next = overlay(laid, inServiceLevel(laid));
  return upsertStamped(state, 'queues', name, next, time);
}

/** A known queue changed by an event; events never create a queue (its parameters would be made up). */
export function updateQueue(state: State, name: string | undefined, change: (queue: QueueRow) => QueueRow, time: string): Change[] {
  const existing = name === undefined ? undefined : state.get('queues', name);
  if (!existing) return [];
  return upsertStamped(state, 'queues', existing.name, change(existing), time);
}

interface MemberIdentity {
  readonly id: string;
  readonly name: string;
  readonly queue_name: string;
}

export const memberId = (name: string, queue: string): string => `${name}@${queue}`;

export function memberIdentity(data: Data, names: MemberHeaders): MemberIdentity | undefined {
  const queue = field(data, 'Queue');
  const name = field(data, names.name) || field(data, names.location);
  if (!queue || !name) return undefined;
  return { id: memberId(name, queue), name, queue_name: queue };
}

/**
 * A member as Asterisk reported it, laid over the row (a new row from defaults). From QueueStatus (`snapshot`) the
 * values are the truth, and InCall says whether a call is up (a call is counted when it ends, so the count now is
 * the count at its start). From a member event, an InCall 0 during a call we saw start is a status read before it
 * started (see calls_taken_at_connect) and is not taken.
 */
export function reportMember(state: State, data: Data, names: MemberHeaders, time: string, snapshot = false): Change[] {
  const identity = memberIdentity(data, names);
  if (!identity) return [];
  const fields = memberFields(data, names);
  const existing = state.get('queue_members', identity.id);
  const location = fields.location ?? existing?.location ?? identity.name;
  const base: QueueMemberRow = existing ?? {
    ...identity,
    location,
    state_interface: location,
    membership: '',
    status: 0,
    paused: 0,
    paused_reason: '',
    penalty: 0,
    calls_taken: 0,
    in_call: 0,
    last_call: 0,
    last_pause: 0,
    login_time: 0,
    ring_inuse: null,
    wrapup_time: 0,
    calls_taken_at_connect: null,
    tm_update: time,
  };
  if (snapshot) fields.calls_taken_at_connect = fields.in_call === 1 ? (fields.calls_taken ?? base.calls_taken) : null;
  else if (base.calls_taken_at_connect !== null && fields.in_call === 0) delete fields.in_call;
  return upsertStamped(state, 'queue_members', identity.id, overlay(base, fields), time);
}

/** A member of the event's queue named by `MemberName`, changed by an Agent* event. */
export function updateMember(state: State, data: Data, change: (member: QueueMemberRow) => QueueMemberRow, time: string): Change[] {
  const identity = memberIdentity(data, eventNames);
  const existing = identity && state.get('queue_members', identity.id);
  if (!existing) return [];
  return upsertStamped(state, 'queue_members', existing.id, change(existing), time);
}

/** A waiting caller's new row from what an event or item carries. */
export function newEntry(uniqueId: string, queue: string, fields: Partial<QueueEntryRow>, position: number, tmJoin: string, time: string): QueueEntryRow {
  return {
    unique_id: uniqueId,
    queue_name: queue,
    channel: fields.channel ?? '',
    caller_id_name: fields.caller_id_name ?? '',
    caller_id_num: fields.caller_id_num ?? '',
    connected_line_name: fields.connected_line_name ?? '',
    connected_line_num: fields.connected_line_num ?? '',
    position,
    tm_join: tmJoin,
    tm_update: time,
  };
}

/** A `QueueEntry` (snapshot item or stray event): Asterisk's position; the join time kept, or derived from `Wait`. */
export function reportEntry(state: State, data: Data, uniqueId: string, queue: string, time: string): Change[] {
  const fields: Partial<Mutable<QueueEntryRow>> = { ...statusEntryFields(data), queue_name: queue };
  const existing = state.get('queue_entries', uniqueId);
  if (existing) return upsertStamped(state, 'queue_entries', uniqueId, overlay(existing, fields), time);
  const tmJoin = shiftTimestamp(time, -(intField(data, 'Wait') ?? 0)) ?? time;
  return [{ table: 'queue_entries', op: 'create', key: uniqueId, row: newEntry(uniqueId, queue, fields, fields.position ?? 1, tmJoin, time) }];
}

/** Entries of a queue other than `except`, in key order (deterministic output). */
export const queueEntries = (state: State, queue: string, except?: string): QueueEntryRow[] =>
  state.all('queue_entries').filter((entry) => entry.queue_name === queue && entry.unique_id !== except);

/** Shifts the positions of a queue's other callers from `from` on by `delta`, as app_queue renumbers them. */
export function shiftPositions(state: State, queue: string, except: string, from: number, delta: number, time: string): Change[] {
  return queueEntries(state, queue, except)
    .filter((entry) => entry.position >= from)
    .map((entry): Change => ({ table: 'queue_entries', op: 'update', key: entry.unique_id, row: { ...entry, position: entry.position + delta, tm_update: time } }));
}
