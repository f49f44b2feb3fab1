import { Migrator, type Kysely, type MigrationProvider } from 'kysely';
import { migrations } from '../../migrations/index.js';

const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) };

/** Brings the read-model schema to the latest migration; throws (naming the migration) if one fails. */
export async function migrateReadModels<DB>(db: Kysely<DB>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    const cause = error instanceof Error ? error : new Error(String(error));
    throw new Error(`read-model migration ${failed} failed: ${cause.message}`, { cause });
  }
}
