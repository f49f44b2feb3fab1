import { durationSeconds } from '../lib/event-time.js';
import type { QueueEntryObject, QueueEntryRow, QueueMemberObject, QueueMemberRow, QueueObject, QueueRow } from './rows.js';

/**
 * The one definition of each queue object the API shows: the REST answers (queries.ts, rows read back from
 * SQLite) and the realtime payloads (src/realtime/event-table.ts, rows as the projection returned them) both
 * come from here, so a new column shows in both with one edit. `now` is an API timestamp: an entry's `wait`
 * is as of then (the read's time, or the change's for realtime).
 */

/** Rows carry their box (`node`, shown) and its storage key (`row_key`, never shown): lib/node-scope.ts. */
type Stored<Row> = Row & { readonly node: string; readonly row_key?: string };

export function toQueueObject(row: Stored<QueueRow>): QueueObject {
  const { completed_in_sl: _completed, abandoned_in_sl: _abandoned, row_key: _key, ...queue } = row;
  return queue;
}

export function toMemberObject(row: Stored<QueueMemberRow>): QueueMemberObject {
  const { calls_taken_at_connect: _atConnect, row_key: _key, ...member } = row;
  return member;
}

export function toEntryObject(row: Stored<QueueEntryRow>, now: string): QueueEntryObject {
  const { row_key: _key, ...entry } = row;
  return { ...entry, wait: durationSeconds(row.tm_join, now) };
}
