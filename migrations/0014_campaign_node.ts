import type { Kysely } from 'kysely';

/**
 * Several Asterisk boxes (README "Several Asterisk boxes"): a campaign names the box it dials on, and each
 * dialing the box its Originate and hangups went to. Null (every row before this migration): the first
 * configured box, as the dialer used until then. Frozen: a later change is a new migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('ob_campaigns').addColumn('node', 'text').execute();
  await db.schema.alterTable('ob_dialings').addColumn('node', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('ob_dialings').dropColumn('node').execute();
  await db.schema.alterTable('ob_campaigns').dropColumn('node').execute();
}
