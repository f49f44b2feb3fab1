import type { RecordedEvent } from '../../src/events/index.js';
import { field } from '../lib/ami-fields.js';
import { eventTime } from '../lib/event-time.js';
import { defineProjection, type EventHandler } from '../lib/projection.js';
import { eventNames, queueParams, statusNames } from './fields.js';
import { onAgentComplete, onAgentConnect, onCallerAbandon, onCallerJoin, onCallerLeave, onMemberRemoved } from './events.js';
import { onQueuesSnapshot } from './reconcile.js';
import { reportEntry, reportMember, reportQueue } from './report.js';
import type { Change, Data, State, Tables } from './rows.js';
import { nodeScoped } from '../lib/node-scope.js';

/**
 * `/queue/queues`, `/queue/members`, `/queue/entries` (catalog 70 §3, 20-admin): app_queue's live state.
 *
 * The `QueueStatus` snapshot after every (re)connect is the truth (rows it no longer lists are deleted;
 * reconcile.ts); between snapshots, Asterisk's queue events keep the rows current (events.ts):
 * - members: every `QueueMember*` event carries the member's whole state, so it is simply laid over the row;
 *   `AgentConnect` / `AgentComplete` add what Asterisk changes without always announcing it (in call, calls taken);
 * - entries: `QueueCallerJoin` / `QueueCallerLeave` / `QueueCallerAbandon`, renumbering the callers behind,
 *   as app_queue does (it announces only the caller that moved in or out);
 * - queue statistics: `calls` from the join/leave `Count`; completed, abandoned, hold and talk time and the
 *   service-level figures recomputed with app_queue's own arithmetic (statistics.ts), since Asterisk only
 *   reports them on request. A snapshot overrides them.
 * One projection for the three tables because they move together (a leave renumbers entries and changes the queue).
 * The objects the API shows (REST and realtime alike) are rendered in render.ts.
 */

/** A handler of the event's headers at the event's time. */
const onData =
  (handler: (state: State, data: Data, time: string) => Change[]): EventHandler<Tables> =>
  (state, event: RecordedEvent) =>
    handler(state, event.data, eventTime(event));

const onMemberReport = onData((state, data, time) => reportMember(state, data, eventNames, time));

const ownProjection = defineProjection<Tables, 'queues'>({
  name: 'queues',
  // 2: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 2,
  tables: {
    queues: { key: 'name' },
    queue_members: { key: 'id' },
    queue_entries: { key: 'unique_id' },
  },
  handles: {
    AmiSnapshot: onQueuesSnapshot,
    QueueCallerJoin: onData(onCallerJoin),
    QueueCallerLeave: onData(onCallerLeave),
    QueueCallerAbandon: onData(onCallerAbandon),
    QueueMemberAdded: onMemberReport,
    QueueMemberStatus: onMemberReport,
    QueueMemberPause: onMemberReport,
    QueueMemberPenalty: onMemberReport,
    QueueMemberRinginuse: onMemberReport,
    QueueMemberRemoved: onData(onMemberRemoved),
    AgentConnect: onData(onAgentConnect),
    AgentComplete: onData(onAgentComplete),
    // A QueueStatus list item recorded as a plain event (another refresh): upsert only, never a reconcile.
    QueueParams: onData((state, data, time) => {
      const name = field(data, 'Queue');
      return name ? reportQueue(state, name, queueParams(data), time) : [];
    }),
    QueueMember: onData((state, data, time) => reportMember(state, data, statusNames, time)),
    QueueEntry: onData((state, data, time) => {
      const uniqueId = field(data, 'Uniqueid');
      const queue = field(data, 'Queue');
      return uniqueId && queue ? reportEntry(state, data, uniqueId, queue, time) : [];
    }),
  },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const queuesProjection = nodeScoped(ownProjection);

export { memberId } from './report.js';
export { toEntryObject, toMemberObject, toQueueObject } from './render.js';
export { servicePercent } from './statistics.js';
export * from './queries.js';
export type {
  QueueEntriesTable,
  QueueEntryObject,
  QueueEntryRow,
  QueueMemberObject,
  QueueMemberRow,
  QueueMembersTable,
  QueueObject,
  QueueRow,
  QueuesTable,
} from './rows.js';
