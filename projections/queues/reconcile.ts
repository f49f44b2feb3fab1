import type { RecordedEvent } from '../../src/events/index.js';
import { field, overlay, readSnapshot, snapshotAction, type Snapshot } from '../lib/ami-fields.js';
import { eventTime } from '../lib/event-time.js';
import { reconcileList } from '../lib/row-changes.js';
import { queueParams, queueSummary, statusNames } from './fields.js';
import { memberIdentity, reportEntry, reportMember, reportQueue, updateQueue } from './report.js';
import type { Change, State } from './rows.js';

const itemsOf = (snapshot: Snapshot, event: string) => (snapshot.items ?? []).filter((item) => item.Event === event);

/**
 * `QueueStatus` lists every queue (QueueParams), member (QueueMember) and waiting caller (QueueEntry): unknown ones
 * are created, known ones take its values, and those it no longer lists are deleted, in that order per table.
 */
function reconcileStatus(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return [
    ...reconcileList(state, 'queues', {
      items: itemsOf(snapshot, 'QueueParams'),
      itemKey: (item) => field(item, 'Queue') || undefined,
      apply: (item, name) => reportQueue(state, name, queueParams(item), time),
      rowKey: (row) => row.name,
    }),
    ...reconcileList(state, 'queue_members', {
      items: itemsOf(snapshot, 'QueueMember'),
      itemKey: (item) => memberIdentity(item, statusNames)?.id,
      apply: (item) => reportMember(state, item, statusNames, time, true),
      rowKey: (row) => row.id,
    }),
    ...reconcileList(state, 'queue_entries', {
      items: itemsOf(snapshot, 'QueueEntry'),
      itemKey: (item) => (field(item, 'Queue') ? field(item, 'Uniqueid') || undefined : undefined),
      apply: (item, uniqueId) => reportEntry(state, item, uniqueId, field(item, 'Queue') ?? '', time),
      rowKey: (row) => row.unique_id,
    }),
  ];
}

/** `QueueSummary` (run right after QueueStatus) refreshes callers and averages of the queues QueueStatus listed. */
function applySummary(state: State, snapshot: Snapshot, time: string): Change[] {
  return itemsOf(snapshot, 'QueueSummary').flatMap((item) => {
    const reported = queueSummary(item);
    return updateQueue(state, field(item, 'Queue'), (q) => overlay(q, reported), time);
  });
}

export function onQueuesSnapshot(state: State, event: RecordedEvent): Change[] {
  const snapshot = readSnapshot(event);
  if (!snapshot) return [];
  const action = snapshotAction(snapshot);
  if (action === 'queuestatus') return reconcileStatus(state, snapshot, eventTime(event));
  if (action === 'queuesummary') return applySummary(state, snapshot, eventTime(event));
  return [];
}
