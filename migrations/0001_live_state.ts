import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * Read models of Asterisk's live state: channels, async-AGI sessions, modules, the system, and the
 * runner's checkpoints. Frozen: a later change is a new migration, never an edit of this one.
 * JSON columns (variables, env, cmd) are TEXT holding a JSON object.
 * Text-keyed tables are WITHOUT ROWID: every access is by key, so one B-tree instead of two.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('projection_checkpoints')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('channels')
    .addColumn('unique_id', 'text', (c) => c.primaryKey())
    .addColumn('linked_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('channel_state', 'bigint', (c) => c.notNull())
    .addColumn('channel_state_desc', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('exten', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('caller_id_name', 'text', (c) => c.notNull())
    .addColumn('caller_id_num', 'text', (c) => c.notNull())
    .addColumn('connected_line_name', 'text', (c) => c.notNull())
    .addColumn('connected_line_num', 'text', (c) => c.notNull())
    .addColumn('account_code', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('application', 'text')
    .addColumn('application_data', 'text')
    .addColumn('bridge_id', 'text')
    .addColumn('hangup_cause', 'bigint')
    .addColumn('hangup_cause_desc', 'text')
    .addColumn('variables', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('channels_linked_id').on('channels').column('linked_id').execute();

  await db.schema
    .createTable('agis')
    .addColumn('unique_id', 'text', (c) => c.primaryKey())
    .addColumn('linked_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('channel_state', 'bigint', (c) => c.notNull())
    .addColumn('channel_state_desc', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('exten', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('caller_id_name', 'text', (c) => c.notNull())
    .addColumn('caller_id_num', 'text', (c) => c.notNull())
    .addColumn('connected_line_name', 'text', (c) => c.notNull())
    .addColumn('connected_line_num', 'text', (c) => c.notNull())
    .addColumn('account_code', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('env', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('cmd', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('modules')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('use_count', 'bigint', (c) => c.notNull())
    .addColumn('load', 'text', (c) => c.notNull())
    .addColumn('support_level', 'text', (c) => c.notNull())
    .addColumn('size', 'bigint')
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('systems')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('system_name', 'text')
    .addColumn('ami_version', 'text')
    .addColumn('ast_version', 'text')
    .addColumn('cdr_enabled', 'text')
    .addColumn('http_enabled', 'text')
    .addColumn('real_time_enabled', 'text')
    .addColumn('current_calls', 'bigint')
    .addColumn('max_calls', 'bigint')
    .addColumn('max_file_handles', 'bigint')
    .addColumn('max_load_avg', 'double precision')
    .addColumn('reload_date', 'text')
    .addColumn('reload_time', 'text')
    .addColumn('run_group', 'text')
    .addColumn('run_user', 'text')
    .addColumn('startup_date', 'text')
    .addColumn('startup_time', 'text')
    .addColumn('tm_startup', 'text')
    .addColumn('tm_reload', 'text')
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['systems', 'modules', 'agis', 'channels', 'projection_checkpoints']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
