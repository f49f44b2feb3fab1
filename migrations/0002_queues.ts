import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * Read models of app_queue's live state (projections/queues.ts): queues with their statistics, members,
 * and waiting callers. Frozen: a later change is a new migration, never an edit of this one.
 * Members and entries are listed per queue (`/queue/statuses/<queue>`), hence the queue_name indexes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('queues')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('max', 'bigint', (c) => c.notNull())
    .addColumn('weight', 'bigint', (c) => c.notNull())
    .addColumn('calls', 'bigint', (c) => c.notNull())
    .addColumn('completed', 'bigint', (c) => c.notNull())
    .addColumn('abandoned', 'bigint', (c) => c.notNull())
    .addColumn('hold_time', 'bigint', (c) => c.notNull())
    .addColumn('talk_time', 'bigint', (c) => c.notNull())
    .addColumn('service_level', 'bigint', (c) => c.notNull())
    .addColumn('service_level_perf', 'double precision', (c) => c.notNull())
    .addColumn('service_level_perf2', 'double precision', (c) => c.notNull())
    .addColumn('completed_in_sl', 'bigint', (c) => c.notNull())
    .addColumn('abandoned_in_sl', 'bigint', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('queue_members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('queue_name', 'text', (c) => c.notNull())
    .addColumn('location', 'text', (c) => c.notNull())
    .addColumn('state_interface', 'text', (c) => c.notNull())
    .addColumn('membership', 'text', (c) => c.notNull())
    .addColumn('status', 'bigint', (c) => c.notNull())
    .addColumn('paused', 'bigint', (c) => c.notNull())
    .addColumn('paused_reason', 'text', (c) => c.notNull())
    .addColumn('penalty', 'bigint', (c) => c.notNull())
    .addColumn('calls_taken', 'bigint', (c) => c.notNull())
    .addColumn('in_call', 'bigint', (c) => c.notNull())
    .addColumn('last_call', 'bigint', (c) => c.notNull())
    .addColumn('last_pause', 'bigint', (c) => c.notNull())
    .addColumn('login_time', 'bigint', (c) => c.notNull())
    .addColumn('ring_inuse', 'bigint')
    .addColumn('wrapup_time', 'bigint', (c) => c.notNull())
    .addColumn('calls_taken_at_connect', 'bigint')
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('queue_members_queue_name').on('queue_members').columns(['queue_name', 'name']).execute();

  await db.schema
    .createTable('queue_entries')
    .addColumn('unique_id', 'text', (c) => c.primaryKey())
    .addColumn('queue_name', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('caller_id_name', 'text', (c) => c.notNull())
    .addColumn('caller_id_num', 'text', (c) => c.notNull())
    .addColumn('connected_line_name', 'text', (c) => c.notNull())
    .addColumn('connected_line_num', 'text', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('tm_join', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('queue_entries_queue_name').on('queue_entries').columns(['queue_name', 'position']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['queue_entries', 'queue_members', 'queues']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
