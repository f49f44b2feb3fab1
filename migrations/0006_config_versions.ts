import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * `config_versions` (projections/config-versions.ts): every version of every Asterisk config file jade
 * manages, keyed by the log position that recorded it. Frozen: a later change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('config_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('time', 'text', (c) => c.notNull())
    .addColumn('user_uuid', 'text')
    .addColumn('username', 'text')
    .addColumn('command_id', 'text')
    .addColumn('before', 'text')
    .addColumn('sections', 'text')
    .addColumn('hidden', 'bigint', (c) => c.notNull().defaultTo(0))
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('config_versions_file_position').on('config_versions').columns(['file', 'position']).execute();
  await db.schema.createIndex('config_versions_name').on('config_versions').column('name').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('config_versions').execute();
}
