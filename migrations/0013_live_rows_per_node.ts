import { sql, type Kysely } from 'kysely';
import { isPostgres, withoutRowid } from './dialect.js';

/**
 * Several Asterisk boxes (README "Several Asterisk boxes"): every live read-model row carries `node`, the box it
 * belongs to, and is keyed by `row_key` = `<node>/<its former key>`, so two boxes' queues, modules, endpoints
 * (any name both may have) are two rows. Frozen: a later change is a new migration.
 *
 * Neither SQLite nor this project's migrations can change a primary key in place, so each table is made again:
 * the same columns (read from the database as the earlier migrations left it), `row_key` as the key, `node`,
 * and its indexes, plus one on (node, former key). No rows are copied: the projections of these tables moved
 * their versions with this change, so the runner rebuilds them from the log at the next start.
 */

interface LiveTable {
  readonly table: string;
  /** The former key: still how a box's row is looked up. */
  readonly key: string;
  readonly indexes: readonly { readonly name: string; readonly columns: readonly string[] }[];
}

const liveTables: readonly LiveTable[] = [
  { table: 'channels', key: 'unique_id', indexes: [{ name: 'channels_linked_id', columns: ['linked_id'] }] },
  { table: 'agis', key: 'unique_id', indexes: [] },
  { table: 'agis_prune', key: 'id', indexes: [] },
  { table: 'modules', key: 'name', indexes: [] },
  { table: 'systems', key: 'id', indexes: [] },
  { table: 'queues', key: 'name', indexes: [] },
  { table: 'queue_members', key: 'id', indexes: [{ name: 'queue_members_queue_name', columns: ['queue_name', 'name'] }] },
  { table: 'queue_entries', key: 'unique_id', indexes: [{ name: 'queue_entries_queue_name', columns: ['queue_name', 'position'] }] },
  { table: 'parking_lots', key: 'name', indexes: [] },
  { table: 'parked_calls', key: 'parkee_unique_id', indexes: [{ name: 'parked_calls_parkee_channel', columns: ['parkee_channel'] }] },
  { table: 'agents', key: 'id', indexes: [] },
  { table: 'device_states', key: 'device', indexes: [] },
  { table: 'pjsip_endpoints', key: 'object_name', indexes: [] },
  { table: 'pjsip_aors', key: 'object_name', indexes: [] },
  { table: 'pjsip_auths', key: 'object_name', indexes: [] },
  { table: 'pjsip_contacts', key: 'id', indexes: [{ name: 'pjsip_contacts_endpoint_name', columns: ['endpoint_name'] }] },
  { table: 'pjsip_registration_outbounds', key: 'object_name', indexes: [] },
  { table: 'voicemail_users', key: 'id', indexes: [] },
  { table: 'voicemail_messages', key: 'key', indexes: [{ name: 'voicemail_messages_user', columns: ['user_id', 'key'] }] },
];

/** The earlier migrations' column types by the name each database reports them under. */
const typeNames: Readonly<Record<string, string>> = { int8: 'bigint', float8: 'double precision' };

/** Defaults the earlier migrations gave (introspection tells that a column has one, not which). */
const defaults: Readonly<Record<string, string>> = { variables: '{}', env: '{}', cmd: '{}', detail: '{}', extra: '{}' };

const columnDefault = (table: string, column: string): string | undefined => (table === 'agis' && column === 'status' ? 'active' : defaults[column]);

export async function up(db: Kysely<unknown>): Promise<void> {
  const existing = new Map((await db.introspection.getTables()).map((table) => [table.name, table]));
  for (const live of liveTables) {
    const metadata = existing.get(live.table);
    if (metadata === undefined) throw new Error(`migration 0013: table ${live.table} does not exist`);
    const remade = `${live.table}__0013`;
    let create = db.schema.createTable(remade);
    for (const column of metadata.columns) {
      const type = sql.raw(typeNames[column.dataType.toLowerCase()] ?? column.dataType);
      const fallback = column.hasDefaultValue ? columnDefault(live.table, column.name) : undefined;
      create = create.addColumn(column.name, type, (c) => {
        const typed = column.isNullable ? c : c.notNull();
        return fallback === undefined ? typed : typed.defaultTo(fallback);
      });
    }
    // Last, so a row read back (`SELECT *`) has its columns in the order the projection builds it: its own, then `node`.
    await create
      .addColumn('node', 'text', (c) => c.notNull())
      .addColumn('row_key', 'text', (c) => c.primaryKey())
      .modifyEnd(withoutRowid(db))
      .execute();
    await db.schema.dropTable(live.table).execute();
    await db.schema.alterTable(remade).renameTo(live.table).execute();
    // PostgreSQL names the key's index after the table it was made for; the same name keeps the schema tidy.
    if (isPostgres(db)) await sql`ALTER INDEX ${sql.id(`${remade}_pkey`)} RENAME TO ${sql.id(`${live.table}_pkey`)}`.execute(db);
    await db.schema.createIndex(`${live.table}_node_${live.key}`).on(live.table).columns(['node', live.key]).unique().execute();
    await db.schema.createIndex(`${live.table}_${live.key}`).on(live.table).column(live.key).execute();
    for (const index of live.indexes) await db.schema.createIndex(index.name).on(live.table).columns([...index.columns]).execute();
  }
}

export async function down(): Promise<void> {
  // The former tables kept one box's rows under one key; nothing in these tables can go back without losing rows.
  throw new Error('migration 0013 (live rows per node) cannot be undone: rebuild from an older jade instead');
}
