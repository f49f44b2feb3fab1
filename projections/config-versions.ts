import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import {
  configEventTypes,
  type ConfigChangedOutsideJadeData,
  type ConfigObservedData,
  type ConfigUpdatedData,
  type ConfigVersionHiddenData,
} from '../src/events/index.js';
import type { Database } from './database.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { jsonColumns, type Stored } from './lib/json-columns.js';

/**
 * `config_versions`: every version of every Asterisk config file jade manages (ARCHITECTURE.md "Configuration
 * writes"), one row per event that recorded the file's content, keyed by its log position (the version number).
 *
 * A version made by a change (`ConfigUpdated`, `ConfigChangedOutsideJade`) is also the catalog's backup (70 §0):
 * named `<file>.<time of the change>`, holding the file as it was *before* that change (`before`). The first
 * version jade saw (`ConfigObserved`) has no `before` and is no backup. `ConfigVersionHidden` hides a backup
 * from `…/settings` (AMI can delete no file); history still shows the version.
 * File contents are the parsed sections of src/configfiles/model.ts, kept as opaque JSON here.
 */

export type ConfigVersionKind = 'observed' | 'updated' | 'outside';

export interface ConfigVersionRow {
  /** String(position): the key. */
  readonly id: string;
  readonly position: number;
  readonly file: string;
  readonly kind: ConfigVersionKind;
  /** `write`, `rollback`, `reload_failed` for `updated`; `drift` for `outside`; `observed`. */
  readonly cause: string;
  /** The backup name `<file>.<time>`. */
  readonly name: string;
  readonly time: string;
  readonly user_uuid: string | null;
  readonly username: string | null;
  readonly command_id: string | null;
  /** The file before this change (the backup's content); null for `observed`. */
  readonly before: unknown;
  /** The file as of this version. */
  readonly sections: unknown;
  readonly hidden: number;
}

const columns = jsonColumns<ConfigVersionRow, 'before' | 'sections'>(['before', 'sections']);
export type ConfigVersionsTable = Stored<ConfigVersionRow, 'before' | 'sections'>;

type Tables = { config_versions: ConfigVersionRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function version(event: RecordedEvent, row: Omit<ConfigVersionRow, 'id' | 'position' | 'name' | 'hidden'>): Change[] {
  if (row.file === '' || row.time === '') return [];
  const id = String(event.position);
  return [{ table: 'config_versions', op: 'create', key: id, row: { id, position: event.position, name: `${row.file}.${row.time}`, hidden: 0, ...row } }];
}

function onUpdated(_state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<ConfigUpdatedData>;
  return version(event, {
    file: text(data.file) ?? '', kind: 'updated', cause: text(data.cause) ?? 'write', time: text(data.time) ?? '',
    user_uuid: text(data.user_uuid), username: text(data.username), command_id: text(data.command_id),
    before: data.before ?? null, sections: data.after ?? null,
  });
}

function onOutside(_state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<ConfigChangedOutsideJadeData>;
  return version(event, {
    file: text(data.file) ?? '', kind: 'outside', cause: 'drift', time: text(data.time) ?? '',
    user_uuid: null, username: null, command_id: null, before: data.before ?? null, sections: data.after ?? null,
  });
}

function onObserved(_state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<ConfigObservedData>;
  return version(event, {
    file: text(data.file) ?? '', kind: 'observed', cause: 'observed', time: text(data.time) ?? '',
    user_uuid: null, username: null, command_id: null, before: null, sections: data.sections ?? null,
  });
}

function onHidden(state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<ConfigVersionHiddenData>;
  const row = state.all('config_versions').find((r) => r.name === data.name && r.file === data.file);
  if (!row || row.hidden === 1) return [];
  return [{ table: 'config_versions', op: 'update', key: row.id, row: { ...row, hidden: 1 } }];
}

export const configVersionsProjection = defineProjection<Tables, 'config_versions'>({
  name: 'config_versions',
  version: 1,
  tables: { config_versions: { key: 'id', json: columns.names } },
  handles: {
    [configEventTypes.updated]: onUpdated,
    [configEventTypes.changedOutside]: onOutside,
    [configEventTypes.observed]: onObserved,
    [configEventTypes.versionHidden]: onHidden,
  },
});

// ---------------------------------------------------------------------------------------------
// Queries

/** Every version of a file, oldest first. */
export async function listConfigVersions(db: Kysely<Database>, file: string): Promise<ConfigVersionRow[]> {
  const rows = await db.selectFrom('config_versions').selectAll().where('file', '=', file).orderBy('position').execute();
  return rows.map((row) => columns.fromStored(row));
}

/** The backups of a file (versions made by a change, not hidden), oldest first. */
export async function listConfigBackups(db: Kysely<Database>, file: string): Promise<ConfigVersionRow[]> {
  const rows = await db.selectFrom('config_versions').selectAll().where('file', '=', file).where('kind', '!=', 'observed').where('hidden', '=', 0).orderBy('position').execute();
  return rows.map((row) => columns.fromStored(row));
}

export async function getConfigVersionByName(db: Kysely<Database>, name: string): Promise<ConfigVersionRow | undefined> {
  const row = await db.selectFrom('config_versions').selectAll().where('name', '=', name).where('kind', '!=', 'observed').orderBy('position', 'desc').executeTakeFirst();
  return row && columns.fromStored(row);
}

export async function getConfigVersion(db: Kysely<Database>, file: string, position: number): Promise<ConfigVersionRow | undefined> {
  const row = await db.selectFrom('config_versions').selectAll().where('file', '=', file).where('position', '=', position).executeTakeFirst();
  return row && columns.fromStored(row);
}

/** The newest version of a file (what jade last knew it to be). */
export async function latestConfigVersion(db: Kysely<Database>, file: string): Promise<ConfigVersionRow | undefined> {
  const row = await db.selectFrom('config_versions').selectAll().where('file', '=', file).orderBy('position', 'desc').executeTakeFirst();
  return row && columns.fromStored(row);
}
