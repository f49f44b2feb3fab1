import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * Read models of the log as history (projections/calls.ts, projections/commands.ts): one row per call
 * with its summary, one per call leg, the calls still in progress, what arrived for a channel before the
 * channel existed, and one row per API command. Frozen: a later change is a new migration.
 * JSON columns are TEXT holding JSON. History tables are searched by time, so they are indexed on it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('calls')
    .addColumn('linked_id', 'text', (c) => c.primaryKey())
    .addColumn('tm_start', 'text', (c) => c.notNull())
    .addColumn('tm_answer', 'text')
    .addColumn('tm_end', 'text')
    .addColumn('hangup_by', 'text')
    .addColumn('hangup_user', 'text')
    .addColumn('hangup_cause', 'bigint')
    .addColumn('hangup_cause_desc', 'text')
    .addColumn('caller', 'text', (c) => c.notNull())
    .addColumn('callee', 'text', (c) => c.notNull())
    .addColumn('queues', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('agents', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('parked', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('campaign_uuid', 'text')
    .addColumn('dialing_uuid', 'text')
    .addColumn('leg_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('command_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('calls_tm_start').on('calls').columns(['tm_start', 'linked_id']).execute();

  await db.schema
    .createTable('call_legs')
    .addColumn('unique_id', 'text', (c) => c.primaryKey())
    .addColumn('linked_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('party', 'text', (c) => c.notNull())
    .addColumn('local_peer', 'text')
    .addColumn('bridged', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('caller_id_num', 'text', (c) => c.notNull())
    .addColumn('caller_id_name', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('exten', 'text', (c) => c.notNull())
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_answer', 'text')
    .addColumn('tm_hangup', 'text')
    .addColumn('hangup_cause', 'bigint')
    .addColumn('hangup_cause_desc', 'text')
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('call_legs_linked_id').on('call_legs').column('linked_id').execute();

  await db.schema
    .createTable('calls_live')
    .addColumn('linked_id', 'text', (c) => c.primaryKey())
    .addColumn('live', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('api_hangup', 'text')
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('call_pending')
    .addColumn('unique_id', 'text', (c) => c.primaryKey())
    .addColumn('command_ids', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('campaign_uuid', 'text')
    .addColumn('dialing_uuid', 'text')
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('commands')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('user_uuid', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('targets', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('response', 'text')
    .addColumn('result', 'text')
    .addColumn('error', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('commands_tm_create').on('commands').columns(['tm_create', 'uuid']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['commands', 'call_pending', 'calls_live', 'call_legs', 'calls']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
