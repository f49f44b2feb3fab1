import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * Voicemail (projections/voicemail.ts, issue 15): mailboxes as Asterisk lists them, and the messages jade found
 * in the spool. Frozen: a later change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  let users = db.schema.createTable('voicemail_users').addColumn('id', 'text', (c) => c.primaryKey());
  for (const column of ['context', 'mailbox', 'email', 'full_name', 'pager', 'server_email', 'mail_command', 'attach_message', 'attachment_format',
    'delete_message', 'call_operator', 'callback', 'can_review', 'dialout', 'exit_context', 'from_string', 'language']) {
    users = users.addColumn(column, 'text', (c) => c.notNull());
  }
  for (const column of ['max_message_count', 'max_message_length', 'new_message_count', 'old_message_count']) users = users.addColumn(column, 'bigint', (c) => c.notNull());
  for (const column of ['imap_flag', 'imap_port', 'imap_server', 'imap_user', 'say_cid']) users = users.addColumn(column, 'text', (c) => c.notNull());
  users = users.addColumn('say_duration_minimum', 'bigint', (c) => c.notNull());
  for (const column of ['say_envelope', 'timezone', 'unique_id']) users = users.addColumn(column, 'text', (c) => c.notNull());
  await users
    .addColumn('volume_gain', 'double precision', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema
    .createTable('voicemail_messages')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('dir', 'text', (c) => c.notNull())
    .addColumn('msgname', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('voicemail_messages_user').on('voicemail_messages').columns(['user_id', 'key']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('voicemail_messages').execute();
  await db.schema.dropTable('voicemail_users').execute();
}
