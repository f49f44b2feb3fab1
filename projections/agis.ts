import { sql, type Kysely } from 'kysely';
import { streamPrefixes, type RecordedEvent } from '../src/events/index.js';
import {
  channelBlock,
  channelBlocks,
  field,
  fullChannelBlock,
  namesAChannel,
  overlay,
  type ChannelSnapshot,
  type Snapshot,
} from './lib/ami-fields.js';
import type { Database } from './database.js';
import { atEventTime, bySnapshotAction } from './lib/handlers.js';
import { defineApiObject } from './lib/api-object.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { isPostgres } from './lib/dialect.js';

/**
 * `/core/agis`: async-AGI sessions (catalog 60-core-dialplan §1-2).
 * `AsyncAGIStart` creates, `AsyncAGIExec` fills `cmd[CommandID].result`, `AsyncAGIEnd` or `Hangup`
 * deletes, channel events keep the channel fields current, and `CoreShowChannels` drops sessions
 * whose channel Asterisk no longer has.
 */

export interface AgiCommand {
  /** The AGI command line; null when only Asterisk's result was seen (command sent by something other than jade). */
  readonly command: string | null;
  /** `AsyncAGIExec`'s Result, URI-decoded (`200 result=0\n`); null until it arrives. */
  readonly result: string | null;
  readonly tm_create: string;
  readonly tm_update: string | null;
}

export interface AgiRow extends ChannelSnapshot {
  /** The AGI environment (`agi_request`, `agi_channel`, `agi_arg_1`, ...) from `AsyncAGIStart.Env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Commands by command id. */
  readonly cmd: Readonly<Record<string, AgiCommand>>;
  readonly tm_create: string;
  readonly tm_update: string;
}

export type AgisTable = Omit<AgiRow, 'env' | 'cmd'> & { env: string; cmd: string };

/**
 * jade's own record of an AGI command sent to a session (appended by the command handler before it
 * sends AMI `AGI` with `CommandID` = the command id). It supplies `cmd[id].command`, which Asterisk's
 * `AsyncAGIExec` does not repeat. Data: `{unique_id, command, command_id?}`; the id falls back to
 * `metadata.commandId`.
 */
export const agiCommandRequestedType = 'AgiCommandRequested';

type Tables = { agis: AgiRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

const update = (before: AgiRow, after: AgiRow, time: string): Change[] =>
  after === before ? [] : [{ table: 'agis', op: 'update', key: after.unique_id, row: { ...after, tm_update: time } }];

/** Asterisk URI-encodes Env and Result (`ast_uri_encode`); keep the raw text if it is not valid encoding. */
function uriDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `agi_request: async\nagi_channel: ...\n\n` -> object. */
export function parseAgiEnv(encoded: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of uriDecode(encoded).split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    env[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return env;
}

function onStart(state: State, event: RecordedEvent, time: string): Change[] {
  const block = fullChannelBlock(event.data);
  if (!block) return [];
  const env = parseAgiEnv(field(event.data, 'Env') ?? '');
  const existing = state.get('agis', block.unique_id);
  if (existing) return update(existing, { ...overlay(existing, block), env }, time);
  const row: AgiRow = { ...block, env, cmd: {}, tm_create: time, tm_update: time };
  return [{ table: 'agis', op: 'create', key: row.unique_id, row }];
}

function withCommand(row: AgiRow, id: string, entry: AgiCommand): AgiRow {
  return { ...row, cmd: { ...row.cmd, [id]: entry } };
}

function onExec(state: State, event: RecordedEvent, time: string): Change[] {
  const uniqueId = field(event.data, 'Uniqueid');
  const id = field(event.data, 'CommandID') ?? field(event.data, 'CommandId');
  const existing = uniqueId === undefined ? undefined : state.get('agis', uniqueId);
  if (!existing || id === undefined) return [];
  const previous = existing.cmd[id];
  const next = withCommand(overlay(existing, channelBlock(event.data)), id, {
    command: previous?.command ?? null,
    result: uriDecode(field(event.data, 'Result') ?? ''),
    tm_create: previous?.tm_create ?? time,
    tm_update: time,
  });
  return update(existing, next, time);
}

function onCommandRequested(state: State, event: RecordedEvent, time: string): Change[] {
  // The command path records what was asked under `request` (src/commands/command.ts).
  const request = typeof event.data.request === 'object' && event.data.request !== null ? (event.data.request as Record<string, unknown>) : event.data;
  const uniqueId = field(request, 'unique_id');
  const command = field(request, 'command');
  const commandId = field(event.data, 'command_id');
  const id = commandId ?? (typeof event.metadata.commandId === 'string' ? event.metadata.commandId : undefined);
  const existing = uniqueId === undefined ? undefined : state.get('agis', uniqueId);
  if (!existing || id === undefined || command === undefined) return [];
  const previous = existing.cmd[id];
  const next = withCommand(existing, id, {
    command,
    result: previous?.result ?? null,
    tm_create: previous?.tm_create ?? time,
    tm_update: previous?.tm_update ?? null,
  });
  return update(existing, next, time);
}

function onEnd(state: State, event: RecordedEvent, time: string): Change[] {
  const uniqueId = field(event.data, 'Uniqueid');
  const existing = uniqueId === undefined ? undefined : state.get('agis', uniqueId);
  if (!existing) return [];
  return [{ table: 'agis', op: 'delete', key: existing.unique_id, row: { ...overlay(existing, channelBlock(event.data)), tm_update: time } }];
}

function onChannelEvent(state: State, event: RecordedEvent, time: string): Change[] {
  if (!namesAChannel(event)) return [];
  const changes: Change[] = [];
  for (const block of channelBlocks(event.data)) {
    const existing = block.unique_id === undefined ? undefined : state.get('agis', block.unique_id);
    if (existing) changes.push(...update(existing, overlay(existing, block), time));
  }
  return changes;
}

const onAmiEvent = atEventTime(onChannelEvent);

function reconcile(state: State, snapshot: Snapshot): Change[] {
  if (snapshot.items === undefined) return [];
  const listed = new Set(snapshot.items.map((item) => field(item, 'Uniqueid')));
  return state
    .all('agis')
    .filter((row) => !listed.has(row.unique_id))
    .map((row): Change => ({ table: 'agis', op: 'delete', key: row.unique_id, row }));
}

export const agisProjection = defineProjection<Tables, 'agis'>({
  name: 'agis',
  version: 1,
  tables: { agis: { key: 'unique_id', json: ['env', 'cmd'] } },
  handles: {
    AsyncAGIStart: atEventTime(onStart),
    AsyncAGIExec: atEventTime(onExec),
    AsyncAGIEnd: atEventTime(onEnd),
    Hangup: atEventTime(onEnd),
    [agiCommandRequestedType]: atEventTime(onCommandRequested),
    AmiSnapshot: bySnapshotAction<Tables>({ coreshowchannels: reconcile }),
  },
  // The session's channel fields follow every AMI event that carries them: its call's (and any filed to the PBX's for want of a call id).
  handlesStreams: { [streamPrefixes.call]: onAmiEvent, [streamPrefixes.pbx]: onAmiEvent },
});

// ---------------------------------------------------------------------------------------------
// Queries

function fromTable(stored: AgisTable): AgiRow {
  return {
    ...stored,
    env: JSON.parse(stored.env) as Record<string, string>,
    cmd: JSON.parse(stored.cmd) as Record<string, AgiCommand>,
  };
}

/** Ordered by session start, then unique id. */
export async function listAgis(db: Kysely<Database>): Promise<AgiRow[]> {
  const rows = await db.selectFrom('agis').selectAll().orderBy('tm_create').orderBy('unique_id').execute();
  return rows.map(fromTable);
}

export async function getAgi(db: Kysely<Database>, uniqueId: string): Promise<AgiRow | undefined> {
  const row = await db.selectFrom('agis').selectAll().where('unique_id', '=', uniqueId).executeTakeFirst();
  return row && fromTable(row);
}

/** The catalog's AGI object, for REST (SQL) and realtime (JS) alike. Nothing in it is computed at read time. */
const agiObject = defineApiObject<AgiRow>()({
  columns: [
    'unique_id', 'linked_id', 'channel', 'channel_state', 'channel_state_desc', 'context', 'exten', 'priority',
    'caller_id_name', 'caller_id_num', 'connected_line_name', 'connected_line_num', 'account_code', 'language',
    'tm_create', 'tm_update', 'env', 'cmd',
  ],
  json: ['env', 'cmd'],
});

export function toAgiObject(row: AgiRow): AgiRow {
  return agiObject.toObject(row);
}

const jsonObject = agiObject.jsonSql();

/** `[agi, ...]` as JSON text built by SQLite, same order and content as `listAgis`. */
export async function listAgisJson(db: Kysely<Database>): Promise<string> {
  if (isPostgres(db)) return JSON.stringify((await listAgis(db)).map(toAgiObject));
  const { rows } = await sql<{ list: string }>`SELECT json_group_array(${jsonObject} ORDER BY tm_create, unique_id) AS list FROM agis`.execute(db);
  return rows[0]?.list ?? '[]';
}

export async function getAgiJson(db: Kysely<Database>, uniqueId: string): Promise<string | undefined> {
  if (isPostgres(db)) {
    const agi = await getAgi(db, uniqueId);
    return agi && JSON.stringify(toAgiObject(agi));
  }
  const { rows } = await sql<{ obj: string }>`SELECT ${jsonObject} AS obj FROM agis WHERE unique_id = ${uniqueId}`.execute(db);
  return rows[0]?.obj;
}
