import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * Read models of the outbound dialer's resources (catalog 50-outbound §6): plans, destinations, dial list
 * masters, dial list entries, campaigns, and the live dialings. Frozen: a later change is a new
 * migration, never an edit of this one. Columns are the catalog's fields, spelled as it spells them;
 * JSON columns (variables, dial_variables, info_*) are TEXT holding a JSON object.
 * Only objects in use are kept (a soft delete removes the row; the log keeps the object), so every
 * table reads without an `in_use` filter.
 */

type Builder = ReturnType<Kysely<unknown>['schema']['createTable']>;

/** `uuid` key, `in_use` (not on dialings, which the catalog never soft-deletes), `tm_*`: every object of the catalog. */
const lifecycle = (db: Kysely<unknown>, table: Builder, columns: (t: Builder) => Builder, inUse = true): Builder => {
  const withFields = columns(table.addColumn('uuid', 'text', (c) => c.primaryKey()));
  return (inUse ? withFields.addColumn('in_use', 'bigint', (c) => c.notNull().defaultTo(1)) : withFields)
    .addColumn('tm_create', 'text', (c) => c.notNull())
    .addColumn('tm_update', 'text')
    .addColumn('tm_delete', 'text')
    .modifyEnd(withoutRowid(db));
};

const eight = (t: Builder, prefix: string, type: 'text' | 'bigint', notNull: boolean): Builder => {
  let out = t;
  for (let i = 1; i <= 8; i += 1) out = out.addColumn(`${prefix}${i}`, type, (c) => (notNull ? c.notNull().defaultTo(0) : c));
  return out;
};

export async function up(db: Kysely<unknown>): Promise<void> {
  await lifecycle(db, db.schema.createTable('ob_plans'), (t) =>
    eight(
      t
        .addColumn('name', 'text')
        .addColumn('detail', 'text')
        .addColumn('tech_name', 'text', (c) => c.notNull())
        .addColumn('trunk_name', 'text')
        .addColumn('dial_mode', 'bigint', (c) => c.notNull())
        .addColumn('dial_timeout', 'bigint', (c) => c.notNull())
        .addColumn('dl_end_handle', 'bigint', (c) => c.notNull())
        .addColumn('retry_delay', 'bigint', (c) => c.notNull())
        .addColumn('caller_id', 'text')
        .addColumn('service_level', 'bigint', (c) => c.notNull())
        .addColumn('early_media', 'text')
        .addColumn('codecs', 'text')
        .addColumn('variables', 'text'),
      'max_retry_cnt_',
      'bigint',
      true,
    ),
  ).execute();

  await lifecycle(db, db.schema.createTable('ob_destinations'), (t) =>
    t
      .addColumn('name', 'text')
      .addColumn('detail', 'text')
      .addColumn('type', 'bigint', (c) => c.notNull())
      .addColumn('application', 'text')
      .addColumn('data', 'text')
      .addColumn('context', 'text')
      .addColumn('exten', 'text')
      .addColumn('priority', 'text')
      .addColumn('variables', 'text'),
  ).execute();

  await lifecycle(db, db.schema.createTable('ob_dlmas'), (t) =>
    t
      .addColumn('name', 'text')
      .addColumn('detail', 'text')
      .addColumn('dl_table', 'text', (c) => c.notNull())
      .addColumn('variables', 'text'),
  ).execute();

  await lifecycle(db, db.schema.createTable('ob_dls'), (t) =>
    eight(
      eight(
        t
          .addColumn('name', 'text')
          .addColumn('detail', 'text')
          .addColumn('status', 'bigint', (c) => c.notNull())
          .addColumn('dlma_uuid', 'text', (c) => c.notNull())
          .addColumn('email', 'text'),
        'number_',
        'text',
        false,
      ),
      'trycnt_',
      'bigint',
      true,
    )
      .addColumn('dialing_camp_uuid', 'text')
      .addColumn('dialing_plan_uuid', 'text')
      .addColumn('dialing_uuid', 'text')
      .addColumn('res_dial', 'bigint', (c) => c.notNull())
      .addColumn('res_dial_detail', 'text')
      .addColumn('res_hangup', 'bigint', (c) => c.notNull())
      .addColumn('res_hangup_detail', 'text')
      .addColumn('tm_last_dial', 'text')
      .addColumn('tm_last_hangup', 'text')
      .addColumn('resv_target', 'text')
      .addColumn('ukey', 'text')
      .addColumn('variables', 'text'),
  ).execute();
  // Lists and counts are per dlma; the dialer's pick reads the idle entries of one dlma.
  await db.schema.createIndex('ob_dls_dlma').on('ob_dls').columns(['dlma_uuid', 'tm_create', 'uuid']).execute();
  await db.schema.createIndex('ob_dls_dlma_status').on('ob_dls').columns(['dlma_uuid', 'status']).execute();

  await lifecycle(db, db.schema.createTable('ob_campaigns'), (t) =>
    t
      .addColumn('name', 'text')
      .addColumn('detail', 'text')
      .addColumn('status', 'bigint', (c) => c.notNull())
      .addColumn('plan', 'text')
      .addColumn('dlma', 'text')
      .addColumn('dest', 'text')
      .addColumn('variables', 'text')
      .addColumn('next_campaign', 'text')
      .addColumn('sc_mode', 'bigint', (c) => c.notNull())
      .addColumn('sc_time_start', 'text')
      .addColumn('sc_time_end', 'text')
      .addColumn('sc_date_start', 'text')
      .addColumn('sc_date_end', 'text')
      .addColumn('sc_date_list', 'text')
      .addColumn('sc_date_list_except', 'text')
      .addColumn('sc_day_list', 'text')
      .addColumn('sc_timezone', 'text'),
  ).execute();

  // The live dialings (catalog §6.5), written by the dialer's projection; a finished dialing leaves the table.
  await lifecycle(db, db.schema.createTable('ob_dialings'), (t) =>
    t
      .addColumn('action_id', 'text', (c) => c.notNull())
      .addColumn('channel', 'text')
      .addColumn('status', 'bigint', (c) => c.notNull())
      .addColumn('res_dial', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('res_dial_detail', 'text')
      .addColumn('res_hangup', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('res_hangup_detail', 'text')
      .addColumn('dial_channel', 'text', (c) => c.notNull())
      .addColumn('dial_addr', 'text', (c) => c.notNull())
      .addColumn('dial_application', 'text')
      .addColumn('dial_data', 'text')
      .addColumn('dial_context', 'text')
      .addColumn('dial_exten', 'text')
      .addColumn('dial_priority', 'text')
      .addColumn('dial_type', 'bigint', (c) => c.notNull())
      .addColumn('dial_timeout', 'bigint', (c) => c.notNull())
      .addColumn('dial_index', 'bigint', (c) => c.notNull())
      .addColumn('dial_trycnt', 'bigint', (c) => c.notNull())
      .addColumn('dial_variables', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('uuid_camp', 'text', (c) => c.notNull())
      .addColumn('uuid_dest', 'text', (c) => c.notNull())
      .addColumn('uuid_dl_list', 'text', (c) => c.notNull())
      .addColumn('uuid_dlma', 'text', (c) => c.notNull())
      .addColumn('uuid_plan', 'text', (c) => c.notNull())
      .addColumn('info_camp', 'text')
      .addColumn('info_dest', 'text')
      .addColumn('info_dial', 'text')
      .addColumn('info_dl_list', 'text')
      .addColumn('info_dlma', 'text')
      .addColumn('info_plan', 'text'),
    false,
  ).execute();
  // Pacing counts a campaign's dialings on every tick.
  await db.schema.createIndex('ob_dialings_camp').on('ob_dialings').column('uuid_camp').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['ob_dialings', 'ob_campaigns', 'ob_dls', 'ob_dlmas', 'ob_destinations', 'ob_plans']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
