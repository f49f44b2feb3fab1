import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * Async dialplans (projections/dialplans.ts, issue 14): dpmas and their steps. `dp_dpmas.version` is the log
 * position of the last change to the dpma or its steps. Frozen: a later change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dp_dpmas')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('detail', 'text')
    .addColumn('on_error', 'text', (c) => c.notNull())
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text')
    .addColumn('version', 'bigint', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema
    .createTable('dp_dialplans')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('dpma_uuid', 'text', (c) => c.notNull())
    .addColumn('sequence', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('detail', 'text')
    .addColumn('command', 'text')
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text')
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('dp_dialplans_dpma_sequence').on('dp_dialplans').columns(['dpma_uuid', 'sequence', 'uuid']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dp_dialplans').execute();
  await db.schema.dropTable('dp_dpmas').execute();
}
