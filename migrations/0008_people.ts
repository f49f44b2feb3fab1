import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * People (issue 13 P2): users' contacts, buddies (with their derived presence) and the PJSIP device states
 * presence is derived from (projections/people.ts). Frozen: a later change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_contacts')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('user_uuid', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('detail', 'text')
    .addColumn('in_use', 'bigint', (c) => c.notNull().defaultTo(1))
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text')
    .addColumn('tm_delete', 'text')
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('user_contacts_user').on('user_contacts').column('user_uuid').execute();
  await db.schema
    .createTable('me_buddies')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('owner_uuid', 'text', (c) => c.notNull())
    .addColumn('uuid_user', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('detail', 'text')
    .addColumn('presence', 'text', (c) => c.notNull())
    .addColumn('in_use', 'bigint', (c) => c.notNull().defaultTo(1))
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text')
    .addColumn('tm_delete', 'text')
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('me_buddies_owner').on('me_buddies').column('owner_uuid').execute();
  await db.schema
    .createTable('people_devices')
    .addColumn('device', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('people_devices').execute();
  await db.schema.dropTable('me_buddies').execute();
  await db.schema.dropTable('user_contacts').execute();
}
