import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { AgentsTable } from '../../projections/agents.js';
import type { AgisTable } from '../../projections/agis.js';
import type { ChannelsTable } from '../../projections/channels.js';
import type { DeviceStatesTable } from '../../projections/device-states.js';
import type { ModulesTable } from '../../projections/modules.js';
import type { ParkedCallsTable, ParkingLotsTable } from '../../projections/parking.js';
import type { PjsipAorsTable, PjsipAuthsTable, PjsipContactsTable, PjsipEndpointsTable, PjsipRegistrationsTable } from '../../projections/pjsip.js';
import type { QueueEntriesTable, QueueMembersTable, QueuesTable } from '../../projections/queues.js';
import type { SystemsTable } from '../../projections/systems.js';
import type { CallLegsTable, CallPendingTable, CallsLiveTable, CallsTable } from '../../projections/calls.js';
import type { CommandsTable } from '../../projections/commands.js';
import type { ObCampaignsTable } from '../../projections/ob-campaigns.js';
import type { ObDestinationsTable } from '../../projections/ob-destinations.js';
import type { ObDialingsTable } from '../../projections/ob-dialings.js';
import type { ObDlmasTable } from '../../projections/ob-dlmas.js';
import type { ObDlsTable } from '../../projections/ob-dls.js';
import type { ObPlansTable } from '../../projections/ob-plans.js';
import { migrateReadModels } from './migrator.js';

export interface CheckpointsTable {
  name: string;
  position: number;
  version: number;
}

/** The read-model schema for kysely: one table interface per projection file, plus the runner's checkpoints. */
export interface Database {
  projection_checkpoints: CheckpointsTable;
  channels: ChannelsTable;
  agis: AgisTable;
  modules: ModulesTable;
  systems: SystemsTable;
  queues: QueuesTable;
  queue_members: QueueMembersTable;
  queue_entries: QueueEntriesTable;
  calls: CallsTable;
  call_legs: CallLegsTable;
  calls_live: CallsLiveTable;
  call_pending: CallPendingTable;
  commands: CommandsTable;
  ob_plans: ObPlansTable;
  ob_destinations: ObDestinationsTable;
  ob_dlmas: ObDlmasTable;
  ob_dls: ObDlsTable;
  ob_campaigns: ObCampaignsTable;
  ob_dialings: ObDialingsTable;
  parking_lots: ParkingLotsTable;
  parked_calls: ParkedCallsTable;
  agents: AgentsTable;
  device_states: DeviceStatesTable;
  pjsip_endpoints: PjsipEndpointsTable;
  pjsip_aors: PjsipAorsTable;
  pjsip_auths: PjsipAuthsTable;
  pjsip_contacts: PjsipContactsTable;
  pjsip_registration_outbounds: PjsipRegistrationsTable;
}

/**
 * One SQLite connection shared by the runner (synchronous writes through `sqlite`) and readers
 * (kysely through `db`). Sharing is safe because each batch is one synchronous transaction: no
 * read can run in the middle of it. Never hold a kysely transaction open across awaits on this
 * connection: a runner batch would then join it.
 */
export interface ReadModelDb {
  readonly db: Kysely<Database>;
  readonly sqlite: BetterSqlite3.Database;
  close(): Promise<void>;
}

/** `<dataDir>/readmodels.sqlite`. */
export function readModelDbPath(dataDir: string): string {
  return join(dataDir, 'readmodels.sqlite');
}

/** Opens (creating if needed) and migrates the read-model database; `:memory:` for tests. */
export async function openReadModelDb(path: string): Promise<ReadModelDb> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path);
  if (path !== ':memory:') {
    // WAL: readers (REST) never wait for a batch commit. synchronous=NORMAL: a power cut may lose the
    // last commits, never consistency; rows and checkpoint go together, so lost work is simply replayed.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrateReadModels(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, sqlite, close: () => db.destroy() };
}
