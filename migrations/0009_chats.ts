import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * Chats (projections/chats.ts): rooms, each member's chat, and messages ordered by log position.
 * Frozen: a later change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('chat_rooms')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('type', 'bigint', (c) => c.notNull())
    .addColumn('members', 'text', (c) => c.notNull())
    .addColumn('chats', 'text', (c) => c.notNull())
    .addColumn('uuid_creator', 'text', (c) => c.notNull())
    .addColumn('uuid_owner', 'text', (c) => c.notNull())
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text')
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema
    .createTable('chat_members')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('room_uuid', 'text', (c) => c.notNull())
    .addColumn('user_uuid', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text')
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('chat_members_user').on('chat_members').columns(['user_uuid', 'tm_create']).execute();
  await db.schema
    .createTable('chat_messages')
    .addColumn('uuid', 'text', (c) => c.primaryKey())
    .addColumn('room_uuid', 'text', (c) => c.notNull())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('uuid_owner', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('recipients', 'text', (c) => c.notNull())
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('chat_messages_room_position').on('chat_messages').columns(['room_uuid', 'position']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('chat_messages').execute();
  await db.schema.dropTable('chat_members').execute();
  await db.schema.dropTable('chat_rooms').execute();
}
