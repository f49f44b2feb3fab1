import type { Kysely } from 'kysely';
import { withoutRowid } from './dialect.js';

/**
 * The AGI read model keeps an ended session for a while (projections/agis.ts, issue 14): `status` (`active`,
 * `ended`), `tm_end`, and `dialplan`, the jade_dialplan run on it (JSON: its dpma, and how it ended).
 * Frozen: a later change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agis').addColumn('status', 'text', (c) => c.notNull().defaultTo('active')).execute();
  await db.schema.alterTable('agis').addColumn('tm_end', 'text').execute();
  await db.schema.alterTable('agis').addColumn('dialplan', 'text').execute();
  await db.schema
    .createTable('agis_prune')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tm_prune', 'text', (c) => c.notNull())
    .modifyEnd(withoutRowid(db))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('agis_prune').execute();
  for (const column of ['dialplan', 'tm_end', 'status']) await db.schema.alterTable('agis').dropColumn(column).execute();
}
