import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import { oneOfNodes } from '../lib/node-scope.js';
import { toEntryObject, toMemberObject, toQueueObject } from './render.js';
import type { QueueEntryObject, QueueMemberObject, QueueObject } from './rows.js';

// Queries (REST). `now` is an API timestamp: an entry's `wait` is as of then.

export async function listQueues(db: Kysely<Database>): Promise<QueueObject[]> {
  const rows = await db.selectFrom('queues').selectAll().orderBy('name').orderBy('node').execute();
  return rows.map(toQueueObject);
}

/** `node` when several boxes have a queue of that name (lib/node-scope.ts). */
export async function getQueue(db: Kysely<Database>, name: string, node?: string): Promise<QueueObject | undefined> {
  const rows = await db.selectFrom('queues').selectAll().where('name', '=', name).execute();
  const row = oneOfNodes(rows, { kind: 'queue', id: name }, node);
  return row && toQueueObject(row);
}

/** Ordered by queue, then member name. */
export async function listMembers(db: Kysely<Database>, queueName?: string, node?: string): Promise<QueueMemberObject[]> {
  let query = db.selectFrom('queue_members').selectAll();
  if (queueName !== undefined) query = query.where('queue_name', '=', queueName);
  if (node !== undefined) query = query.where('node', '=', node);
  const rows = await query.orderBy('queue_name').orderBy('name').execute();
  return rows.map(toMemberObject);
}

export async function getMember(db: Kysely<Database>, queueName: string, name: string, node?: string): Promise<QueueMemberObject | undefined> {
  const rows = await db.selectFrom('queue_members').selectAll().where('queue_name', '=', queueName).where('name', '=', name).execute();
  const row = oneOfNodes(rows, { kind: 'queue member', id: `${name} of ${queueName}` }, node);
  return row && toMemberObject(row);
}

/** Ordered by queue, then position (the order callers will be served). */
export async function listEntries(db: Kysely<Database>, now: string, queueName?: string, node?: string): Promise<QueueEntryObject[]> {
  let query = db.selectFrom('queue_entries').selectAll();
  if (queueName !== undefined) query = query.where('queue_name', '=', queueName);
  if (node !== undefined) query = query.where('node', '=', node);
  const rows = await query.orderBy('queue_name').orderBy('position').orderBy('unique_id').execute();
  return rows.map((row) => toEntryObject(row, now));
}

export async function getEntry(db: Kysely<Database>, uniqueId: string, now: string, node?: string): Promise<QueueEntryObject | undefined> {
  const rows = await db.selectFrom('queue_entries').selectAll().where('unique_id', '=', uniqueId).execute();
  const row = oneOfNodes(rows, { kind: 'queue entry', id: uniqueId }, node);
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
    entries: entries.filter((entry) => entry.queue_name === queue.name && entry.node === queue.node),
    members: members.filter((member) => member.queue_name === queue.name && member.node === queue.node),
  }));
}

export async function getStatus(db: Kysely<Database>, name: string, now: string, node?: string): Promise<QueueStatusObject | undefined> {
  const queue = await getQueue(db, name, node);
  if (!queue) return undefined;
  const [entries, members] = await Promise.all([listEntries(db, now, name, queue.node), listMembers(db, name, queue.node)]);
  return { queue, entries, members };
}
