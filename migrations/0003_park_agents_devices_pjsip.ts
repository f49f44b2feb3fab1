import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * Read models of parking, app_agent_pool agents, device states and PJSIP live state.
 * Frozen: a later change is a new migration, never an edit of this one.
 * JSON columns (`detail`, `extra`) are TEXT holding a JSON object. Text-keyed tables are WITHOUT ROWID
 * (every access is by key). Columns are nullable where Asterisk may not have reported the value yet.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('parking_lots')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('start_space', 'text', (c) => c.notNull())
    // The manual's spelling, on the wire and so here (the row is the wire object).
    .addColumn('stop_spcae', 'text', (c) => c.notNull())
    .addColumn('timeout', 'bigint', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('parked_calls')
    .addColumn('parkee_unique_id', 'text', (c) => c.primaryKey())
    .addColumn('parkee_linked_id', 'text', (c) => c.notNull())
    .addColumn('parkee_channel', 'text', (c) => c.notNull())
    .addColumn('parkee_channel_state', 'text', (c) => c.notNull())
    .addColumn('parkee_channel_state_desc', 'text', (c) => c.notNull())
    .addColumn('parkee_caller_id_name', 'text', (c) => c.notNull())
    .addColumn('parkee_caller_id_num', 'text', (c) => c.notNull())
    .addColumn('parkee_connected_line_name', 'text', (c) => c.notNull())
    .addColumn('parkee_connected_line_num', 'text', (c) => c.notNull())
    .addColumn('parkee_account_code', 'text', (c) => c.notNull())
    .addColumn('parkee_context', 'text', (c) => c.notNull())
    .addColumn('parkee_exten', 'text', (c) => c.notNull())
    .addColumn('parkee_priority', 'text', (c) => c.notNull())
    .addColumn('parker_dial_string', 'text', (c) => c.notNull())
    .addColumn('parking_lot', 'text', (c) => c.notNull())
    .addColumn('parking_space', 'text', (c) => c.notNull())
    .addColumn('tm_parked', 'text', (c) => c.notNull())
    .addColumn('parking_time_limit', 'bigint', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('parked_calls_parkee_channel').on('parked_calls').column('parkee_channel').execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('logged_in_time', 'bigint')
    .addColumn('channel_name', 'text')
    .addColumn('channel_state', 'bigint')
    .addColumn('channel_state_desc', 'text')
    .addColumn('caller_id_name', 'text')
    .addColumn('caller_id_num', 'text')
    .addColumn('connected_line_name', 'text')
    .addColumn('connected_line_num', 'text')
    .addColumn('context', 'text')
    .addColumn('exten', 'text')
    .addColumn('priority', 'text')
    .addColumn('account_code', 'text')
    .addColumn('language', 'text')
    .addColumn('unique_id', 'text')
    .addColumn('linked_id', 'text')
    .addColumn('talking_to_chan', 'text')
    .addColumn('call_started', 'bigint')
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('device_states')
    .addColumn('device', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('pjsip_endpoints')
    .addColumn('object_name', 'text', (c) => c.primaryKey())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('transport', 'text')
    .addColumn('aors', 'text')
    .addColumn('auth', 'text')
    .addColumn('outbound_auth', 'text')
    .addColumn('contacts', 'text')
    .addColumn('device_state', 'text')
    .addColumn('active_channels', 'text')
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('pjsip_aors')
    .addColumn('object_name', 'text', (c) => c.primaryKey())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('endpoint_name', 'text')
    .addColumn('contacts', 'text')
    .addColumn('contacts_registered', 'bigint')
    .addColumn('total_contacts', 'bigint')
    .addColumn('authenticate_qualify', 'text')
    .addColumn('default_expiration', 'bigint')
    .addColumn('mailboxes', 'text')
    .addColumn('max_contacts', 'bigint')
    .addColumn('maximum_expiration', 'bigint')
    .addColumn('minimum_expiration', 'bigint')
    .addColumn('outbound_proxy', 'text')
    .addColumn('qualify_frequency', 'bigint')
    .addColumn('qualify_timeout', 'double precision')
    .addColumn('remove_existing', 'text')
    .addColumn('support_path', 'text')
    .addColumn('voicemail_extension', 'text')
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('pjsip_auths')
    .addColumn('object_name', 'text', (c) => c.primaryKey())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('auth_type', 'text')
    .addColumn('password', 'text')
    .addColumn('md5_cred', 'text')
    .addColumn('realm', 'text')
    .addColumn('nonce_lifetime', 'bigint')
    .addColumn('endpoint_name', 'text')
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();

  await db.schema
    .createTable('pjsip_contacts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('call_id', 'text')
    .addColumn('uri', 'text', (c) => c.notNull())
    .addColumn('aor', 'text', (c) => c.notNull())
    .addColumn('endpoint_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('qualify_frequency', 'bigint')
    .addColumn('qualify_timout', 'double precision')
    .addColumn('authentication_qualify', 'bigint')
    .addColumn('outbound_proxy', 'text')
    .addColumn('path', 'text')
    .addColumn('reg_expire', 'bigint')
    .addColumn('round_trip_usec', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('via_address', 'text')
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
  await db.schema.createIndex('pjsip_contacts_endpoint_name').on('pjsip_contacts').column('endpoint_name').execute();

  await db.schema
    .createTable('pjsip_registration_outbounds')
    .addColumn('object_name', 'text', (c) => c.primaryKey())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('server_uri', 'text')
    .addColumn('client_uri', 'text')
    .addColumn('max_retries', 'bigint')
    .addColumn('retry_interval', 'bigint')
    .addColumn('fatal_retry_interval', 'bigint')
    .addColumn('forbidden_retry_interval', 'bigint')
    .addColumn('auth_rejection_permanent', 'text')
    .addColumn('support_path', 'text')
    .addColumn('expiration', 'bigint')
    .addColumn('line', 'text')
    .addColumn('transport', 'text')
    .addColumn('contact_user', 'text')
    .addColumn('endpoint', 'text')
    .addColumn('outbound_auth', 'text')
    .addColumn('outbound_proxy', 'text')
    .addColumn('next_reg', 'bigint')
    .addColumn('registration_time', 'bigint')
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('tm_update', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'pjsip_registration_outbounds',
    'pjsip_contacts',
    'pjsip_auths',
    'pjsip_aors',
    'pjsip_endpoints',
    'device_states',
    'agents',
    'parked_calls',
    'parking_lots',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
