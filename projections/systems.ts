import type { Kysely } from 'kysely';
import type { AmiFields, RecordedEvent } from '../src/events/index.js';
import { field, floatField, intField, overlay } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { shiftTimestamp } from './lib/event-time.js';
import { atEventTime, bySnapshotAction } from './lib/handlers.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { upsertStamped } from './lib/row-changes.js';
import { parseTimestamp, tryFormatTimestamp } from '../src/events/time.js';
import { nodeScoped, oneOfNodes, publicRow } from './lib/node-scope.js';

/**
 * `/core/systems`: the one Asterisk jade talks to (id `"1"`, catalog 60 §7). Filled from the
 * `CoreSettings` and `CoreStatus` snapshots; `FullyBooted` (sent on every AMI login) and `Reload`
 * keep the startup and reload times current between snapshots.
 */

export interface SystemRow {
  readonly id: string;
  readonly system_name: string | null;
  readonly ami_version: string | null;
  readonly ast_version: string | null;
  readonly cdr_enabled: string | null;
  readonly http_enabled: string | null;
  readonly real_time_enabled: string | null;
  /** As of the last CoreStatus snapshot. */
  readonly current_calls: number | null;
  readonly max_calls: number | null;
  readonly max_file_handles: number | null;
  readonly max_load_avg: number | null;
  /** Asterisk's local date and time, as CoreStatus prints them. */
  readonly reload_date: string | null;
  readonly reload_time: string | null;
  readonly run_group: string | null;
  readonly run_user: string | null;
  readonly startup_date: string | null;
  readonly startup_time: string | null;
  /** Beyond the catalog: the startup and last reload instants in UTC (API format), from FullyBooted/Reload. */
  readonly tm_startup: string | null;
  readonly tm_reload: string | null;
  readonly tm_update: string;
}

export type SystemsTable = SystemRow;

export const systemId = '1';

type Tables = { systems: SystemRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;
type Fields = Partial<Omit<SystemRow, 'id' | 'tm_update'>>;

const empty = (time: string): SystemRow => ({
  id: systemId,
  system_name: null,
  ami_version: null,
  ast_version: null,
  cdr_enabled: null,
  http_enabled: null,
  real_time_enabled: null,
  current_calls: null,
  max_calls: null,
  max_file_handles: null,
  max_load_avg: null,
  reload_date: null,
  reload_time: null,
  run_group: null,
  run_user: null,
  startup_date: null,
  startup_time: null,
  tm_startup: null,
  tm_reload: null,
  tm_update: time,
});

function apply(state: State, fields: Fields, time: string): Change[] {
  return upsertStamped(state, 'systems', systemId, overlay(state.get('systems', systemId) ?? empty(time), fields), time);
}

const settings = (r: AmiFields): Fields => ({
  system_name: field(r, 'SystemName'),
  ami_version: field(r, 'AMIversion'),
  ast_version: field(r, 'AsteriskVersion'),
  cdr_enabled: field(r, 'CoreCDRenabled'),
  http_enabled: field(r, 'CoreHTTPenabled'),
  real_time_enabled: field(r, 'CoreRealTimeEnabled'),
  max_calls: intField(r, 'CoreMaxCalls'),
  max_file_handles: intField(r, 'CoreMaxFilehandles'),
  max_load_avg: floatField(r, 'CoreMaxLoadAvg'),
  run_group: field(r, 'CoreRunGroup'),
  run_user: field(r, 'CoreRunUser'),
});

const status = (r: AmiFields): Fields => ({
  startup_date: field(r, 'CoreStartupDate'),
  startup_time: field(r, 'CoreStartupTime'),
  reload_date: field(r, 'CoreReloadDate'),
  reload_time: field(r, 'CoreReloadTime'),
  current_calls: intField(r, 'CoreCurrentCalls'),
});

const quarterHourMs = 15 * 60 * 1000;

/**
 * Asterisk prints dates in its host's local time and AMI does not say which zone that is. The startup
 * instant is known twice (local, from CoreStatus; UTC, from FullyBooted's Uptime), which gives the
 * offset; real offsets are whole quarter hours, so rounding absorbs the second-level slack.
 * Limitation: a DST change since startup is not seen (the next CoreStatus snapshot corrects it).
 */
function localOffsetMs(row: SystemRow): number | undefined {
  if (row.tm_startup === null || row.startup_date === null || row.startup_time === null) return undefined;
  const local = Date.parse(`${row.startup_date}T${row.startup_time}Z`);
  const utc = parseTimestamp(row.tm_startup);
  if (Number.isNaN(local) || utc === undefined) return undefined;
  return Math.round((local - Number(utc / 1_000_000n)) / quarterHourMs) * quarterHourMs;
}

function localDateTime(instant: string, offsetMs: number): { date: string; time: string } | undefined {
  const ns = parseTimestamp(instant);
  if (ns === undefined) return undefined;
  const text = tryFormatTimestamp(ns + BigInt(Math.trunc(offsetMs)) * 1_000_000n);
  if (text === undefined) return undefined;
  return { date: text.slice(0, 10), time: text.slice(11, 19) };
}

function onFullyBooted(state: State, event: RecordedEvent, time: string): Change[] {
  const uptime = intField(event.data, 'Uptime');
  const lastReload = intField(event.data, 'LastReload');
  return apply(
    state,
    {
      tm_startup: uptime === undefined ? undefined : shiftTimestamp(time, -uptime),
      tm_reload: lastReload === undefined ? undefined : shiftTimestamp(time, -lastReload),
    },
    time,
  );
}

function onReload(state: State, event: RecordedEvent, time: string): Change[] {
  // Asterisk stamps its reload time unless the request was only queued (1) or another reload was running (4).
  const code = field(event.data, 'Status');
  if (code === '1' || code === '4') return [];
  const existing = state.get('systems', systemId);
  const offset = existing && localOffsetMs(existing);
  const local = offset === undefined ? undefined : localDateTime(time, offset);
  return apply(state, { tm_reload: time, reload_date: local?.date, reload_time: local?.time }, time);
}

const ownProjection = defineProjection<Tables, 'systems'>({
  name: 'systems',
  // 2: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 2,
  tables: { systems: { key: 'id' } },
  handles: {
    AmiSnapshot: bySnapshotAction<Tables>({
      coresettings: (state, snapshot, time) => apply(state, settings(snapshot.response), time),
      corestatus: (state, snapshot, time) => apply(state, status(snapshot.response), time),
    }),
    FullyBooted: atEventTime(onFullyBooted),
    Reload: atEventTime(onReload),
  },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const systemsProjection = nodeScoped(ownProjection);

// ---------------------------------------------------------------------------------------------
// Queries

/** One box's system, as the API shows it. */
export type SystemObject = SystemRow & { readonly node: string };

export async function listSystems(db: Kysely<Database>): Promise<SystemObject[]> {
  const rows = await db.selectFrom('systems').selectAll().orderBy('id').orderBy('node').execute();
  return rows.map(publicRow);
}

/** Every box's system is id `1`: `node` picks one when there are several. */
export async function getSystem(db: Kysely<Database>, id: string, node?: string): Promise<SystemObject | undefined> {
  const rows = await db.selectFrom('systems').selectAll().where('id', '=', id).execute();
  const row = oneOfNodes(rows, { kind: 'system', id }, node);
  return row && publicRow(row);
}
