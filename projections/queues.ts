import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import { field, floatField, intField, overlay, readSnapshot, snapshotAction, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { durationSeconds, epochSeconds, eventTime, shiftTimestamp } from './lib/event-time.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';

/**
 * `/queue/queues`, `/queue/members`, `/queue/entries` (catalog 70 §3, 20-admin): app_queue's live state.
 *
 * The `QueueStatus` snapshot after every (re)connect is the truth (rows it no longer lists are deleted);
 * between snapshots, Asterisk's queue events keep the rows current:
 * - members: every `QueueMember*` event carries the member's whole state, so it is simply laid over the row;
 *   `AgentConnect` / `AgentComplete` add what Asterisk changes without always announcing it (in call, calls taken);
 * - entries: `QueueCallerJoin` / `QueueCallerLeave` / `QueueCallerAbandon`, renumbering the callers behind,
 *   as app_queue does (it announces only the caller that moved in or out);
 * - queue statistics: `calls` from the join/leave `Count`; completed, abandoned, hold and talk time and the
 *   service-level figures recomputed with app_queue's own arithmetic (update_queue, recalc_holdtime,
 *   record_abandoned), since Asterisk only reports them on request. A snapshot overrides them.
 * One projection for the three tables because they move together (a leave renumbers entries and changes the queue).
 */

export interface QueueRow {
  /** The queue name; the key. */
  readonly name: string;
  readonly strategy: string;
  /** Max waiting callers (0 = unlimited). */
  readonly max: number;
  readonly weight: number;
  /** Callers waiting now. */
  readonly calls: number;
  readonly completed: number;
  readonly abandoned: number;
  /** Average hold time (s), app_queue's exponential average. */
  readonly hold_time: number;
  /** Average talk time (s), likewise. */
  readonly talk_time: number;
  /** Service-level window (s). */
  readonly service_level: number;
  /** % of completed calls answered within the window (`ServicelevelPerf`). */
  readonly service_level_perf: number;
  /** % of completed and abandoned calls ended within the window (`ServicelevelPerf2`): beyond the manual, snake_case. */
  readonly service_level_perf2: number;
  /**
   * app_queue's `callscompletedinsl` / `callsabandonedinsl`, which Asterisk never reports: needed to move the two
   * percentages on the next call. Counted from events; estimated from the percentages when a snapshot disagrees.
   * Internal: not part of the queue object.
   */
  readonly completed_in_sl: number;
  readonly abandoned_in_sl: number;
  readonly tm_update: string;
}

/** The catalog's queue object. */
export type QueueObject = Omit<QueueRow, 'completed_in_sl' | 'abandoned_in_sl'>;

export interface QueueMemberRow {
  /** `<name>@<queue_name>`; the key (catalog 70 §3.3). */
  readonly id: string;
  /** Asterisk's MemberName (the interface when none was given). */
  readonly name: string;
  readonly queue_name: string;
  /** The interface Asterisk dials (`Local/agent-01@agents`). */
  readonly location: string;
  readonly state_interface: string;
  /** `static`, `dynamic` or `realtime`. */
  readonly membership: string;
  /** Device state code (40-events §5.2). */
  readonly status: number;
  readonly paused: number;
  readonly paused_reason: string;
  readonly penalty: number;
  readonly calls_taken: number;
  readonly in_call: number;
  /** Epoch seconds; 0 = never. */
  readonly last_call: number;
  readonly last_pause: number;
  /** Epoch seconds the member joined the queue (`LoginTime`): beyond the manual, snake_case. */
  readonly login_time: number;
  /** Null until Asterisk reports it (QueueStatus does not; member events do). */
  readonly ring_inuse: number | null;
  /** Member wrap-up time (s), beyond the manual. */
  readonly wrapup_time: number;
  /**
   * While a queue call is up (AgentConnect seen, AgentComplete not yet): the member's calls_taken when it started;
   * null otherwise. Asterisk announces the member's state (QueueMemberStatus) from another thread than the call's
   * own events, so a status read just before the call started can arrive after AgentConnect (InCall 0), and one read
   * after the call was counted can arrive before AgentComplete (CallsTaken already +1). This tells those apart.
   * Internal: not part of the member object.
   */
  readonly calls_taken_at_connect: number | null;
  readonly tm_update: string;
}

/** The catalog's member object. */
export type QueueMemberObject = Omit<QueueMemberRow, 'calls_taken_at_connect'>;

export interface QueueEntryRow {
  /** The waiting caller's channel unique id; the key. */
  readonly unique_id: string;
  readonly queue_name: string;
  readonly channel: string;
  readonly caller_id_name: string;
  readonly caller_id_num: string;
  readonly connected_line_name: string;
  readonly connected_line_num: string;
  /** 1 = next to be served. */
  readonly position: number;
  /** When the caller joined (for one first seen in a snapshot: then minus its `Wait`). Drives `wait`; exposed so a dashboard can tick it. */
  readonly tm_join: string;
  readonly tm_update: string;
}

/** The catalog's entry object: the row plus `wait`, computed at read time. */
export interface QueueEntryObject extends QueueEntryRow {
  /** Seconds waited so far, as of the read. */
  readonly wait: number | null;
}

export type QueuesTable = QueueRow;
export type QueueMembersTable = QueueMemberRow;
export type QueueEntriesTable = QueueEntryRow;

type Tables = { queues: QueueRow; queue_members: QueueMemberRow; queue_entries: QueueEntryRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;
type Data = Readonly<Record<string, unknown>>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// ---------------------------------------------------------------------------------------------
// app_queue's arithmetic

/**
 * app_queue's percentages: `100 * ((float) part / (float) whole)` in single precision, printed with `%2.1f`
 * (round half to even on the exact binary value, as glibc does). Computed the same way so that jade's figure
 * equals the one Asterisk prints, digit for digit.
 */
export function servicePercent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  const value = Math.fround(100 * Math.fround(Math.fround(part) / Math.fround(whole)));
  // A float times 10 is exact in a double (24 + 4 bits), so the tie test below is exact.
  const scaled = value * 10;
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return rounded / 10;
}

/** app_queue's running average: `((old << 2) - old + new) >> 2`. */
const average = (old: number, sample: number): number => (old * 3 + sample) >> 2;

function withServiceLevels(queue: QueueRow): QueueRow {
  return overlay(queue, {
    service_level_perf: servicePercent(queue.completed_in_sl, queue.completed),
    service_level_perf2: servicePercent(queue.completed_in_sl + queue.abandoned_in_sl, queue.completed + queue.abandoned),
  });
}

/** Epoch seconds of an API timestamp, 0 when it is not one (app_queue prints 0 for never). */
const epochSecondsOrZero = (timestamp: string): number => epochSeconds(timestamp) ?? 0;

/** `0`/`1` as Asterisk prints flags; older builds and realtime print words. */
function flagField(data: Data, name: string): number | undefined {
  const value = field(data, name)?.trim().toLowerCase();
  if (value === undefined || value === '') return undefined;
  if (value === '1' || value === 'true' || value === 'yes') return 1;
  if (value === '0' || value === 'false' || value === 'no') return 0;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Queues

/** The `QueueParams` headers present in an item or event, in the catalog's names. */
function queueParams(data: Data): Partial<Mutable<QueueRow>> {
  const out: Partial<Mutable<QueueRow>> = {};
  const strategy = field(data, 'Strategy');
  if (strategy !== undefined) out.strategy = strategy;
  const ints: ReadonlyArray<readonly [keyof QueueRow, string]> = [
    ['max', 'Max'],
    ['weight', 'Weight'],
    ['calls', 'Calls'],
    ['completed', 'Completed'],
    ['abandoned', 'Abandoned'],
    ['hold_time', 'Holdtime'],
    ['talk_time', 'TalkTime'],
    ['service_level', 'ServiceLevel'],
  ];
  for (const [name, header] of ints) {
    const value = intField(data, header);
    if (value !== undefined) (out as Record<string, number>)[name] = value;
  }
  const perf = floatField(data, 'ServicelevelPerf');
  if (perf !== undefined) out.service_level_perf = perf;
  const perf2 = floatField(data, 'ServicelevelPerf2');
  if (perf2 !== undefined) out.service_level_perf2 = perf2;
  return out;
}

/**
 * The in-service-level counters behind a reported pair of percentages: ours when they reproduce Asterisk's figures
 * (exact, counted from events), otherwise the nearest counts that do (exact while fewer than ~1000 calls).
 */
function inServiceLevel(queue: QueueRow): Pick<QueueRow, 'completed_in_sl' | 'abandoned_in_sl'> {
  const consistent =
    queue.completed_in_sl <= queue.completed &&
    queue.abandoned_in_sl <= queue.abandoned &&
    servicePercent(queue.completed_in_sl, queue.completed) === queue.service_level_perf &&
    servicePercent(queue.completed_in_sl + queue.abandoned_in_sl, queue.completed + queue.abandoned) === queue.service_level_perf2;
  if (consistent) return { completed_in_sl: queue.completed_in_sl, abandoned_in_sl: queue.abandoned_in_sl };
  const clamp = (value: number, max: number) => Math.min(max, Math.max(0, value));
  const completedInSl = clamp(Math.round((queue.service_level_perf * queue.completed) / 100), queue.completed);
  const bothInSl = Math.round((queue.service_level_perf2 * (queue.completed + queue.abandoned)) / 100);
  return { completed_in_sl: completedInSl, abandoned_in_sl: clamp(bothInSl - completedInSl, queue.abandoned) };
}

const changed = <T extends keyof Tables>(table: T, key: string, before: Tables[T] | undefined, after: Tables[T], time: string): Change[] => {
  if (before === undefined) return [{ table, op: 'create', key, row: { ...after, tm_update: time } } as Change];
  return after === before ? [] : [{ table, op: 'update', key, row: { ...after, tm_update: time } } as Change];
};

/** A queue's row with what Asterisk reported laid over it (a new one from defaults); `reported` may carry every QueueParams header or a few. */
function reportQueue(state: State, name: string, reported: Partial<QueueRow>, time: string): Change[] {
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
  return changed('queues', name, existing, next, time);
}

/** A known queue changed by an event; events never create a queue (its parameters would be made up). */
function updateQueue(state: State, name: string | undefined, change: (queue: QueueRow) => QueueRow, time: string): Change[] {
  const existing = name === undefined ? undefined : state.get('queues', name);
  if (!existing) return [];
  return changed('queues', existing.name, existing, change(existing), time);
}

// ---------------------------------------------------------------------------------------------
// Members

/** Where the member's name and interface are: `MemberName`/`Interface` in events, `Name`/`Location` in QueueStatus. */
const eventNames = { name: 'MemberName', location: 'Interface' } as const;
const statusNames = { name: 'Name', location: 'Location' } as const;

interface MemberIdentity {
  readonly id: string;
  readonly name: string;
  readonly queue_name: string;
}

function memberIdentity(data: Data, names: { readonly name: string; readonly location: string }): MemberIdentity | undefined {
  const queue = field(data, 'Queue');
  const name = field(data, names.name) || field(data, names.location);
  if (!queue || !name) return undefined;
  return { id: memberId(name, queue), name, queue_name: queue };
}

export const memberId = (name: string, queue: string): string => `${name}@${queue}`;

/** The member headers present, in the catalog's names (every QueueMember* event carries all of them). */
function memberFields(data: Data, names: { readonly name: string; readonly location: string }): Partial<Mutable<QueueMemberRow>> {
  const out: Partial<Mutable<QueueMemberRow>> = {};
  const strings: ReadonlyArray<readonly [keyof QueueMemberRow, string]> = [
    ['location', names.location],
    ['state_interface', 'StateInterface'],
    ['membership', 'Membership'],
    ['paused_reason', 'PausedReason'],
  ];
  for (const [name, header] of strings) {
    const value = field(data, header);
    if (value !== undefined) (out as Record<string, string>)[name] = value;
  }
  const ints: ReadonlyArray<readonly [keyof QueueMemberRow, string]> = [
    ['status', 'Status'],
    ['penalty', 'Penalty'],
    ['calls_taken', 'CallsTaken'],
    ['last_call', 'LastCall'],
    ['last_pause', 'LastPause'],
    ['login_time', 'LoginTime'],
    ['wrapup_time', 'Wrapuptime'],
  ];
  for (const [name, header] of ints) {
    const value = intField(data, header);
    if (value !== undefined) (out as Record<string, number>)[name] = value;
  }
  const flags: ReadonlyArray<readonly [keyof QueueMemberRow, string]> = [
    ['paused', 'Paused'],
    ['in_call', 'InCall'],
    ['ring_inuse', 'Ringinuse'],
  ];
  for (const [name, header] of flags) {
    const value = flagField(data, header);
    if (value !== undefined) (out as Record<string, number>)[name] = value;
  }
  return out;
}

/**
 * A member as Asterisk reported it, laid over the row (a new row from defaults). From QueueStatus (`snapshot`) the
 * values are the truth, and InCall says whether a call is up (a call is counted when it ends, so the count now is
 * the count at its start). From a member event, an InCall 0 during a call we saw start is a status read before it
 * started (see calls_taken_at_connect) and is not taken.
 */
function reportMember(state: State, data: Data, names: { readonly name: string; readonly location: string }, time: string, snapshot = false): Change[] {
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
  return changed('queue_members', identity.id, existing, overlay(base, fields), time);
}

function onMemberRemoved(state: State, data: Data, time: string): Change[] {
  const identity = memberIdentity(data, eventNames);
  const existing = identity && state.get('queue_members', identity.id);
  if (!existing) return [];
  // The delete carries the member's last state (40-events §2.13).
  const row: QueueMemberRow = { ...overlay(existing, memberFields(data, eventNames)), tm_update: time };
  return [{ table: 'queue_members', op: 'delete', key: row.id, row }];
}

/** A member of the event's queue named by `MemberName`, changed by an Agent* event. */
function updateMember(state: State, data: Data, change: (member: QueueMemberRow) => QueueMemberRow, time: string): Change[] {
  const identity = memberIdentity(data, eventNames);
  const existing = identity && state.get('queue_members', identity.id);
  if (!existing) return [];
  return changed('queue_members', existing.id, existing, change(existing), time);
}

// ---------------------------------------------------------------------------------------------
// Entries

/** The waiting caller's fields an event or QueueEntry item carries. */
function entryFields(data: Data): Partial<Mutable<QueueEntryRow>> {
  const out: Partial<Mutable<QueueEntryRow>> = {};
  const strings: ReadonlyArray<readonly [keyof QueueEntryRow, string]> = [
    ['channel', 'Channel'],
    ['caller_id_name', 'CallerIDName'],
    ['caller_id_num', 'CallerIDNum'],
    ['connected_line_name', 'ConnectedLineName'],
    ['connected_line_num', 'ConnectedLineNum'],
  ];
  for (const [name, header] of strings) {
    const value = field(data, header);
    if (value !== undefined) (out as Record<string, string>)[name] = value;
  }
  const position = intField(data, 'Position');
  if (position !== undefined) out.position = position;
  return out;
}

/** Entries of a queue other than `except`, in key order (deterministic output). */
const queueEntries = (state: State, queue: string, except?: string): QueueEntryRow[] =>
  state.all('queue_entries').filter((entry) => entry.queue_name === queue && entry.unique_id !== except);

/** Shifts the positions of a queue's other callers from `from` on by `delta`, as app_queue renumbers them. */
function shiftPositions(state: State, queue: string, except: string, from: number, delta: number, time: string): Change[] {
  return queueEntries(state, queue, except)
    .filter((entry) => entry.position >= from)
    .map((entry): Change => ({ table: 'queue_entries', op: 'update', key: entry.unique_id, row: { ...entry, position: entry.position + delta, tm_update: time } }));
}

function onCallerJoin(state: State, data: Data, time: string): Change[] {
  const uniqueId = field(data, 'Uniqueid');
  const queue = field(data, 'Queue');
  if (!uniqueId || !queue) return [];
  const fields = entryFields(data);
  const existing = state.get('queue_entries', uniqueId);
  const changes: Change[] = [];
  if (existing) {
    changes.push(...changed('queue_entries', uniqueId, existing, overlay(existing, { ...fields, queue_name: queue }), time));
  } else {
    const position = fields.position ?? queueEntries(state, queue).length + 1;
    // A caller with a higher priority joins ahead of others: those behind move down, as in app_queue's insert_entry.
    changes.push(...shiftPositions(state, queue, uniqueId, position, 1, time));
    const row: QueueEntryRow = {
      unique_id: uniqueId,
      queue_name: queue,
      channel: fields.channel ?? '',
      caller_id_name: fields.caller_id_name ?? '',
      caller_id_num: fields.caller_id_num ?? '',
      connected_line_name: fields.connected_line_name ?? '',
      connected_line_num: fields.connected_line_num ?? '',
      position,
      tm_join: time,
      tm_update: time,
    };
    changes.push({ table: 'queue_entries', op: 'create', key: uniqueId, row });
  }
  const count = intField(data, 'Count');
  if (count !== undefined) changes.push(...updateQueue(state, queue, (q) => overlay(q, { calls: count }), time));
  return changes;
}

/**
 * The caller left (answered, timed out, hung up): its entry goes, and the callers behind move up.
 * Asterisk 22 sends `QueueCallerAbandon` and then `QueueCallerLeave` for the same caller: whichever comes first
 * deletes, and the renumbering happens once because it only follows an actual delete.
 */
function removeEntry(state: State, data: Data, time: string): Change[] {
  const uniqueId = field(data, 'Uniqueid');
  const existing = uniqueId === undefined ? undefined : state.get('queue_entries', uniqueId);
  if (!existing) return [];
  const row: QueueEntryRow = { ...existing, tm_update: time };
  return [
    { table: 'queue_entries', op: 'delete', key: existing.unique_id, row },
    ...shiftPositions(state, existing.queue_name, existing.unique_id, existing.position + 1, -1, time),
  ];
}

function onCallerLeave(state: State, data: Data, time: string): Change[] {
  const changes = removeEntry(state, data, time);
  const count = intField(data, 'Count');
  if (count !== undefined) changes.push(...updateQueue(state, field(data, 'Queue'), (q) => overlay(q, { calls: count }), time));
  return changes;
}

/** app_queue's record_abandoned: one more abandoned call, within the service level if it waited no longer than it. */
function onCallerAbandon(state: State, data: Data, time: string): Change[] {
  const holdTime = intField(data, 'HoldTime');
  const queueChanges = updateQueue(state, field(data, 'Queue'), (q) => {
    const inSl = holdTime !== undefined && holdTime <= q.service_level ? 1 : 0;
    return withServiceLevels({ ...q, abandoned: q.abandoned + 1, abandoned_in_sl: q.abandoned_in_sl + inSl });
  }, time);
  return [...removeEntry(state, data, time), ...queueChanges];
}

/** A member answered: app_queue's recalc_holdtime, and the member is in a call. */
function onAgentConnect(state: State, data: Data, time: string): Change[] {
  const holdTime = intField(data, 'HoldTime');
  const queueChanges =
    holdTime === undefined
      ? []
      : updateQueue(state, field(data, 'Queue'), (q) => overlay(q, { hold_time: q.completed + q.abandoned === 0 ? holdTime : average(q.hold_time, holdTime) }), time);
  return [...queueChanges, ...updateMember(state, data, (m) => overlay(m, { in_call: 1, calls_taken_at_connect: m.calls_taken }), time)];
}

/**
 * The call ended (either side hung up, or a transfer): app_queue's update_queue. Asterisk counts the call for the
 * member at the same moment but announces it only with the member's next status change, which may never come for
 * a Local member; a later `QueueMemberStatus` carries the absolute figures and overrides these.
 */
function onAgentComplete(state: State, data: Data, time: string): Change[] {
  const holdTime = intField(data, 'HoldTime');
  const talkTime = intField(data, 'TalkTime') ?? 0;
  const queueChanges = updateQueue(state, field(data, 'Queue'), (q) => {
    const completed = q.completed + 1;
    const inSl = holdTime !== undefined && holdTime <= q.service_level ? 1 : 0;
    return withServiceLevels({
      ...q,
      completed,
      completed_in_sl: q.completed_in_sl + inSl,
      talk_time: completed === 1 ? talkTime : average(q.talk_time, talkTime),
    });
  }, time);
  const memberChanges = updateMember(state, data, (m) => {
    // Already counted when a status read after Asterisk counted it arrived first (its LastCall came with it).
    const counted = m.calls_taken_at_connect !== null && m.calls_taken > m.calls_taken_at_connect;
    const call = counted ? {} : { calls_taken: m.calls_taken + 1, last_call: epochSecondsOrZero(time) };
    return overlay(m, { ...call, in_call: 0, calls_taken_at_connect: null });
  }, time);
  return [...queueChanges, ...memberChanges];
}

// ---------------------------------------------------------------------------------------------
// Snapshots

const itemsOf = (snapshot: Snapshot, event: string) => (snapshot.items ?? []).filter((item) => item.Event === event);

/**
 * `QueueStatus` lists every queue (QueueParams), member (QueueMember) and waiting caller (QueueEntry): unknown ones
 * are created, known ones take its values, and those it no longer lists are deleted, in that order per table.
 */
function reconcileStatus(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];

  const queues = new Set<string>();
  for (const item of itemsOf(snapshot, 'QueueParams')) {
    const name = field(item, 'Queue');
    if (!name || queues.has(name)) continue;
    queues.add(name);
    changes.push(...reportQueue(state, name, queueParams(item), time));
  }
  for (const row of state.all('queues')) {
    if (!queues.has(row.name)) changes.push({ table: 'queues', op: 'delete', key: row.name, row });
  }

  const members = new Set<string>();
  for (const item of itemsOf(snapshot, 'QueueMember')) {
    const identity = memberIdentity(item, statusNames);
    if (!identity || members.has(identity.id)) continue;
    members.add(identity.id);
    changes.push(...reportMember(state, item, statusNames, time, true));
  }
  for (const row of state.all('queue_members')) {
    if (!members.has(row.id)) changes.push({ table: 'queue_members', op: 'delete', key: row.id, row });
  }

  const entries = new Set<string>();
  for (const item of itemsOf(snapshot, 'QueueEntry')) {
    const uniqueId = field(item, 'Uniqueid');
    const queue = field(item, 'Queue');
    if (!uniqueId || !queue || entries.has(uniqueId)) continue;
    entries.add(uniqueId);
    changes.push(...reportEntry(state, item, uniqueId, queue, time));
  }
  for (const row of state.all('queue_entries')) {
    if (!entries.has(row.unique_id)) changes.push({ table: 'queue_entries', op: 'delete', key: row.unique_id, row });
  }
  return changes;
}

/**
 * QueueStatus prints an absent caller id as `unknown` where every channel event (QueueCallerJoin included) prints
 * `<unknown>`: read it as the events do, so a caller looks the same whether first seen in an event or a snapshot.
 */
function statusEntryFields(data: Data): Partial<Mutable<QueueEntryRow>> {
  const fields = entryFields(data);
  for (const name of ['caller_id_name', 'caller_id_num', 'connected_line_name', 'connected_line_num'] as const) {
    if (fields[name] === 'unknown') fields[name] = '<unknown>';
  }
  return fields;
}

/** A `QueueEntry` (snapshot item or stray event): Asterisk's position; the join time kept, or derived from `Wait`. */
function reportEntry(state: State, data: Data, uniqueId: string, queue: string, time: string): Change[] {
  const fields = { ...statusEntryFields(data), queue_name: queue };
  const existing = state.get('queue_entries', uniqueId);
  if (existing) return changed('queue_entries', uniqueId, existing, overlay(existing, fields), time);
  const row: QueueEntryRow = {
    unique_id: uniqueId,
    queue_name: queue,
    channel: fields.channel ?? '',
    caller_id_name: fields.caller_id_name ?? '',
    caller_id_num: fields.caller_id_num ?? '',
    connected_line_name: fields.connected_line_name ?? '',
    connected_line_num: fields.connected_line_num ?? '',
    position: fields.position ?? 1,
    tm_join: shiftTimestamp(time, -(intField(data, 'Wait') ?? 0)) ?? time,
    tm_update: time,
  };
  return [{ table: 'queue_entries', op: 'create', key: uniqueId, row }];
}

/** `QueueSummary` (run right after QueueStatus) refreshes callers and averages of the queues QueueStatus listed. */
function applySummary(state: State, snapshot: Snapshot, time: string): Change[] {
  return itemsOf(snapshot, 'QueueSummary').flatMap((item) => {
    const reported: Partial<Mutable<QueueRow>> = {};
    const calls = intField(item, 'Callers');
    if (calls !== undefined) reported.calls = calls;
    const holdTime = intField(item, 'HoldTime');
    if (holdTime !== undefined) reported.hold_time = holdTime;
    const talkTime = intField(item, 'TalkTime');
    if (talkTime !== undefined) reported.talk_time = talkTime;
    return updateQueue(state, field(item, 'Queue'), (q) => overlay(q, reported), time);
  });
}

export const queuesProjection = defineProjection<Tables, 'queues'>({
  name: 'queues',
  version: 1,
  tables: {
    queues: { key: 'name' },
    queue_members: { key: 'id' },
    queue_entries: { key: 'unique_id' },
  },
  project(state, event: RecordedEvent) {
    const { data } = event;
    switch (event.type) {
      case 'AmiSnapshot': {
        const snapshot = readSnapshot(event);
        if (!snapshot) return [];
        const action = snapshotAction(snapshot);
        if (action === 'queuestatus') return reconcileStatus(state, snapshot, eventTime(event));
        if (action === 'queuesummary') return applySummary(state, snapshot, eventTime(event));
        return [];
      }
      case 'QueueCallerJoin':
        return onCallerJoin(state, data, eventTime(event));
      case 'QueueCallerLeave':
        return onCallerLeave(state, data, eventTime(event));
      case 'QueueCallerAbandon':
        return onCallerAbandon(state, data, eventTime(event));
      case 'QueueMemberAdded':
      case 'QueueMemberStatus':
      case 'QueueMemberPause':
      case 'QueueMemberPenalty':
      case 'QueueMemberRinginuse':
        return reportMember(state, data, eventNames, eventTime(event));
      case 'QueueMemberRemoved':
        return onMemberRemoved(state, data, eventTime(event));
      case 'AgentConnect':
        return onAgentConnect(state, data, eventTime(event));
      case 'AgentComplete':
        return onAgentComplete(state, data, eventTime(event));
      // A QueueStatus list item recorded as a plain event (another refresh): upsert only, never a reconcile.
      case 'QueueParams': {
        const name = field(data, 'Queue');
        return name ? reportQueue(state, name, queueParams(data), eventTime(event)) : [];
      }
      case 'QueueMember':
        return reportMember(state, data, statusNames, eventTime(event));
      case 'QueueEntry': {
        const uniqueId = field(data, 'Uniqueid');
        const queue = field(data, 'Queue');
        return uniqueId && queue ? reportEntry(state, data, uniqueId, queue, eventTime(event)) : [];
      }
      default:
        return [];
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Queries (REST, realtime). `now` is an API timestamp: an entry's `wait` is as of then.

export function toQueueObject(row: QueueRow): QueueObject {
  const { completed_in_sl: _completed, abandoned_in_sl: _abandoned, ...queue } = row;
  return queue;
}

export function toMemberObject(row: QueueMemberRow): QueueMemberObject {
  const { calls_taken_at_connect: _atConnect, ...member } = row;
  return member;
}

export function toEntryObject(row: QueueEntryRow, now: string): QueueEntryObject {
  return { ...row, wait: durationSeconds(row.tm_join, now) };
}

export async function listQueues(db: Kysely<Database>): Promise<QueueObject[]> {
  const rows = await db.selectFrom('queues').selectAll().orderBy('name').execute();
  return rows.map(toQueueObject);
}

export async function getQueue(db: Kysely<Database>, name: string): Promise<QueueObject | undefined> {
  const row = await db.selectFrom('queues').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toQueueObject(row);
}

/** Ordered by queue, then member name. */
export async function listMembers(db: Kysely<Database>, queueName?: string): Promise<QueueMemberObject[]> {
  let query = db.selectFrom('queue_members').selectAll();
  if (queueName !== undefined) query = query.where('queue_name', '=', queueName);
  const rows = await query.orderBy('queue_name').orderBy('name').execute();
  return rows.map(toMemberObject);
}

export async function getMember(db: Kysely<Database>, queueName: string, name: string): Promise<QueueMemberObject | undefined> {
  const row = await db.selectFrom('queue_members').selectAll().where('queue_name', '=', queueName).where('name', '=', name).executeTakeFirst();
  return row && toMemberObject(row);
}

/** Ordered by queue, then position (the order callers will be served). */
export async function listEntries(db: Kysely<Database>, now: string, queueName?: string): Promise<QueueEntryObject[]> {
  let query = db.selectFrom('queue_entries').selectAll();
  if (queueName !== undefined) query = query.where('queue_name', '=', queueName);
  const rows = await query.orderBy('queue_name').orderBy('position').orderBy('unique_id').execute();
  return rows.map((row) => toEntryObject(row, now));
}

export async function getEntry(db: Kysely<Database>, uniqueId: string, now: string): Promise<QueueEntryObject | undefined> {
  const row = await db.selectFrom('queue_entries').selectAll().where('unique_id', '=', uniqueId).executeTakeFirst();
  return row && toEntryObject(row, now);
}

/** One item of `/queue/statuses` (catalog 70 §3.10). */
export interface QueueStatusObject {
  readonly queue: QueueObject;
  readonly entries: QueueEntryObject[];
  readonly members: QueueMemberObject[];
}

export async function listStatuses(db: Kysely<Database>, now: string): Promise<QueueStatusObject[]> {
  const [queues, members, entries] = await Promise.all([listQueues(db), listMembers(db), listEntries(db, now)]);
  return queues.map((queue) => ({
    queue,
    entries: entries.filter((entry) => entry.queue_name === queue.name),
    members: members.filter((member) => member.queue_name === queue.name),
  }));
}

export async function getStatus(db: Kysely<Database>, name: string, now: string): Promise<QueueStatusObject | undefined> {
  const queue = await getQueue(db, name);
  if (!queue) return undefined;
  const [entries, members] = await Promise.all([listEntries(db, now, name), listMembers(db, name)]);
  return { queue, entries, members };
}
