import { EsdbEventStore } from './esdb/esdb-event-store.js';
import { MemoryEventStore } from './memory/memory-event-store.js';
import type { EventStore } from './port.js';
import { PostgresEventStore } from './postgres/postgres-event-store.js';
import { SqliteEventStore } from './sqlite/sqlite-event-store.js';

export * from './port.js';
export { DataDirLockedError, lockFileName } from './sqlite/lock-file.js';
export { SqliteEventStore, type SqliteEventStoreOptions, type SqliteEventStoreStats } from './sqlite/sqlite-event-store.js';
export { MemoryEventStore } from './memory/memory-event-store.js';
export { EsdbEventStore } from './esdb/esdb-event-store.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store.js';
export { PostgresLogSource } from './postgres/postgres-log-source.js';
export * from './log-port.js';
export { SqliteLogSource } from './sqlite/sqlite-log-source.js';
export { StoreLogSource } from './store-log-source.js';

export interface OpenEventStoreOptions {
  readonly type: 'sqlite' | 'esdb' | 'postgres' | 'memory';
  /** Where the sqlite adapter keeps its file and lock. */
  readonly dataDir: string;
  /** Connection string for the esdb adapter. */
  readonly esdbUrl: string;
  /** Connection string for the postgres adapter. */
  readonly postgresUrl?: string;
  readonly groupCommitMaxBatch?: number;
}

/** Picks and opens the adapter named by config; the only place besides main.ts that chooses one. */
export async function openEventStore(options: OpenEventStoreOptions): Promise<EventStore> {
  switch (options.type) {
    case 'sqlite':
      return SqliteEventStore.open({ dataDir: options.dataDir, groupCommitMaxBatch: options.groupCommitMaxBatch });
    case 'esdb':
      if (options.esdbUrl === '') throw new Error('event store esdb needs a connection string (JADE_ESDB_URL)');
      return new EsdbEventStore({ connectionString: options.esdbUrl });
    case 'postgres':
      if (!options.postgresUrl) throw new Error('event store postgres needs a connection string (JADE_POSTGRES_URL)');
      return PostgresEventStore.open({ connectionString: options.postgresUrl, groupCommitMaxBatch: options.groupCommitMaxBatch });
    case 'memory':
      return new MemoryEventStore();
  }
}
