import { field, intField, overlay } from '../lib/ami-fields.js';
import { upsertStamped } from '../lib/row-changes.js';
import { entryFields, eventNames, memberFields } from './fields.js';
import { memberIdentity, newEntry, queueEntries, shiftPositions, updateMember, updateQueue } from './report.js';
import type { Change, Data, QueueEntryRow, QueueMemberRow, State } from './rows.js';
import { average, epochSecondsOrZero, withServiceLevels } from './statistics.js';

/**
 * app_queue's events between snapshots: callers join and leave (renumbering those behind, as app_queue does
 * without announcing it), members change, and the queue statistics move with every call (statistics.ts).
 */

export function onMemberRemoved(state: State, data: Data, time: string): Change[] {
  const identity = memberIdentity(data, eventNames);
  const existing = identity && state.get('queue_members', identity.id);
  if (!existing) return [];
  // The delete carries the member's last state (40-events §2.13).
  const row: QueueMemberRow = { ...overlay(existing, memberFields(data, eventNames)), tm_update: time };
  return [{ table: 'queue_members', op: 'delete', key: row.id, row }];
}

export function onCallerJoin(state: State, data: Data, time: string): Change[] {
  const uniqueId = field(data, 'Uniqueid');
  const queue = field(data, 'Queue');
  if (!uniqueId || !queue) return [];
  const fields = entryFields(data);
  const existing = state.get('queue_entries', uniqueId);
  const changes: Change[] = [];
  if (existing) {
    changes.push(...upsertStamped(state, 'queue_entries', uniqueId, overlay(existing, { ...fields, queue_name: queue }), time));
  } else {
    const position = fields.position ?? queueEntries(state, queue).length + 1;
    // A caller with a higher priority joins ahead of others: those behind move down, as in app_queue's insert_entry.
    changes.push(...shiftPositions(state, queue, uniqueId, position, 1, time));
    changes.push({ table: 'queue_entries', op: 'create', key: uniqueId, row: newEntry(uniqueId, queue, fields, position, time, time) });
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

export function onCallerLeave(state: State, data: Data, time: string): Change[] {
  const changes = removeEntry(state, data, time);
  const count = intField(data, 'Count');
  if (count !== undefined) changes.push(...updateQueue(state, field(data, 'Queue'), (q) => overlay(q, { calls: count }), time));
  return changes;
}

/** app_queue's record_abandoned: one more abandoned call, within the service level if it waited no longer than it. */
export function onCallerAbandon(state: State, data: Data, time: string): Change[] {
  const holdTime = intField(data, 'HoldTime');
  const queueChanges = updateQueue(state, field(data, 'Queue'), (q) => {
    const inSl = holdTime !== undefined && holdTime <= q.service_level ? 1 : 0;
    return withServiceLevels({ ...q, abandoned: q.abandoned + 1, abandoned_in_sl: q.abandoned_in_sl + inSl });
  }, time);
  return [...removeEntry(state, data, time), ...queueChanges];
}

/** A member answered: app_queue's recalc_holdtime, and the member is in a call. */
export function onAgentConnect(state: State, data: Data, time: string): Change[] {
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
export function onAgentComplete(state: State, data: Data, time: string): Change[] {
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
