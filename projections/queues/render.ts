import { durationSeconds } from '../lib/event-time.js';
import type { QueueEntryObject, QueueEntryRow, QueueMemberObject, QueueMemberRow, QueueObject, QueueRow } from './rows.js';

/**
 * The one definition of each queue object the API shows: the REST answers (queries.ts, rows read back from
 * SQLite) and the realtime payloads (src/realtime/event-table.ts, rows as the projection returned them) both
 * come from here, so a new column shows in both with one edit. `now` is an API timestamp: an entry's `wait`
 * is as of then (the read's time, or the change's for realtime).
 */

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
