import { sql, type Kysely } from 'kysely';
import { streamPrefixes, type RecordedEvent } from '../src/events/index.js';
import { parseTimestamp } from '../src/events/time.js';
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
import { nodeScoped, oneOfNodes, publicRow, type Noded } from './lib/node-scope.js';

/**
 * `/core/agis`: async-AGI sessions (catalog 60-core-dialplan §1-2).
 * `AsyncAGIStart` creates, `AsyncAGIExec` fills `cmd[CommandID].result`, channel events keep the channel
 * fields current. `AsyncAGIEnd` or `Hangup` (or a `CoreShowChannels` snapshot without the channel) ends the
 * session: the catalog deletes it there, but a script's last step is a HANGUP that ends the session as its
 * result comes, and the run's end is recorded after it, so a client would never read either. So an ended
 * session is kept, `status: "ended"` with `tm_end`, for `endedRetentionSeconds` of event time (then deleted:
 * `core.agi.delete`); the list (`GET /core/agis`) shows the active ones only, `GET /core/agis/<id>` both.
 * A jade_dialplan run on the session (src/dialplans) is in `dialplan`: its dpma, and once ended, why.
 */

export interface AgiCommand {
  /** The AGI command line; null when only Asterisk's result was seen (command sent by something other than jade). */
  readonly command: string | null;
  /** `AsyncAGIExec`'s Result, URI-decoded (`200 result=0\n`); null until it arrives. */
  readonly result: string | null;
  readonly tm_create: string;
  readonly tm_update: string | null;
}

/** The jade_dialplan run on a session: set by `DialplanRunStarted`, completed by `DialplanRunEnded`. */
export interface AgiDialplan {
  readonly dpma_uuid: string;
  /** The dpma version the run started from; null when it never started (unknown dpma, no steps). */
  readonly version: number | null;
  /** null while it runs; then `completed`, `step_failed`, `unknown_dpma`, `no_steps`, `channel_gone`, ... */
  readonly reason: string | null;
  readonly step?: number;
  readonly result_code?: number | null;
  readonly detail?: string;
  readonly unknown_steps?: readonly number[];
  readonly hangup?: boolean;
}

/** How long an ended session stays readable (event time): long enough to read the last result and the end. */
export const endedRetentionSeconds = 120;
/**
 * A session start sweeps expired ended sessions at most this often (event time): a sweep reads every row, so
 * doing it on each start made starts O(sessions held). An ended session goes between 120 and 150 s after its end.
 */
export const pruneEverySeconds = 30;

export interface AgiRow extends ChannelSnapshot {
  /** The AGI environment (`agi_request`, `agi_channel`, `agi_arg_1`, ...) from `AsyncAGIStart.Env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Commands by command id. */
  readonly cmd: Readonly<Record<string, AgiCommand>>;
  readonly status: 'active' | 'ended';
  readonly dialplan: AgiDialplan | null;
  readonly tm_create: string;
  readonly tm_update: string;
  readonly tm_end: string | null;
}

export type AgisTable = Omit<AgiRow, 'env' | 'cmd' | 'dialplan'> & { env: string; cmd: string; dialplan: string | null };

/**
 * jade's own record of an AGI command sent to a session (appended by the command handler before it
 * sends AMI `AGI` with `CommandID` = the command id). It supplies `cmd[id].command`, which Asterisk's
 * `AsyncAGIExec` does not repeat. Data: `{unique_id, command, command_id?}`; the id falls back to
 * `metadata.commandId`.
 */
export const agiCommandRequestedType = 'AgiCommandRequested';

/** When ended sessions were last swept (event time): one row, `id` = `ended`. */
export interface AgisPruneRow {
  readonly id: string;
  readonly tm_prune: string;
}

type Tables = { agis: AgiRow; agis_prune: AgisPruneRow };
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

/** Ended sessions past their retention at `time`, deleted. */
function expired(state: State, time: string): Change[] {
  const now = parseTimestamp(time);
  if (now === undefined) return [];
  const cutoff = now - BigInt(endedRetentionSeconds) * 1_000_000_000n;
  return state
    .all('agis')
    .filter((row) => row.status === 'ended' && row.tm_end !== null && (parseTimestamp(row.tm_end) ?? now) < cutoff)
    .map((row): Change => ({ table: 'agis', op: 'delete', key: row.unique_id, row }));
}

/** The sweep of a session start: none when the last one is less than `pruneEverySeconds` old. */
function sweep(state: State, time: string): Change[] {
  const now = parseTimestamp(time);
  if (now === undefined) return [];
  const mark = state.get('agis_prune', 'ended');
  const last = mark === undefined ? undefined : parseTimestamp(mark.tm_prune);
  if (last !== undefined && now - last < BigInt(pruneEverySeconds) * 1_000_000_000n && now >= last) return [];
  const row: AgisPruneRow = { id: 'ended', tm_prune: time };
  return [...expired(state, time), { table: 'agis_prune', op: mark === undefined ? 'create' : 'update', key: row.id, row }];
}

function onStart(state: State, event: RecordedEvent, time: string): Change[] {
  const block = fullChannelBlock(event.data);
  if (!block) return [];
  const env = parseAgiEnv(field(event.data, 'Env') ?? '');
  const pruned = sweep(state, time).filter((change) => change.key !== block.unique_id);
  const existing = state.get('agis', block.unique_id);
  // The same channel entering AGI again is a new session: active, no run yet.
  if (existing) return [...pruned, ...update(existing, { ...overlay(existing, block), env, status: 'active', tm_end: null, dialplan: null }, time)];
  const row: AgiRow = { ...block, env, cmd: {}, status: 'active', dialplan: null, tm_create: time, tm_update: time, tm_end: null };
  return [...pruned, { table: 'agis', op: 'create', key: row.unique_id, row }];
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
  if (!existing || existing.status === 'ended') return [];
  return update(existing, { ...overlay(existing, channelBlock(event.data)), status: 'ended', tm_end: time }, time);
}

const record = (data: Readonly<Record<string, unknown>>): Record<string, unknown> => data as Record<string, unknown>;

/** `DialplanRunStarted` / `DialplanRunEnded` (src/dialplans/events.ts; not imported: projections are a leaf). */
function onDialplanRun(state: State, event: RecordedEvent, time: string): Change[] {
  const data = record(event.data);
  const uniqueId = field(data, 'unique_id');
  const existing = uniqueId === undefined ? undefined : state.get('agis', uniqueId);
  const dpma = field(data, 'dpma_uuid');
  if (!existing || dpma === undefined) return [];
  if (event.type === 'DialplanRunStarted') {
    const version = typeof data.version === 'number' ? data.version : null;
    return update(existing, { ...existing, dialplan: { dpma_uuid: dpma, version, reason: null } }, time);
  }
  const reason = field(data, 'reason') ?? null;
  const ended: AgiDialplan = {
    dpma_uuid: dpma,
    version: existing.dialplan?.dpma_uuid === dpma ? existing.dialplan.version : null,
    reason,
    ...(typeof data.step === 'number' ? { step: data.step } : {}),
    ...(typeof data.result_code === 'number' || data.result_code === null ? { result_code: data.result_code } : {}),
    ...(typeof data.detail === 'string' ? { detail: data.detail } : {}),
    ...(Array.isArray(data.unknown_steps) ? { unknown_steps: data.unknown_steps.filter((n): n is number => typeof n === 'number') } : {}),
    ...(typeof data.hangup === 'boolean' ? { hangup: data.hangup } : {}),
  };
  return update(existing, { ...existing, dialplan: ended }, time);
}

function onChannelEvent(state: State, event: RecordedEvent, time: string): Change[] {
  if (!namesAChannel(event)) return [];
  const changes: Change[] = [];
  for (const block of channelBlocks(event.data)) {
    const existing = block.unique_id === undefined ? undefined : state.get('agis', block.unique_id);
    // An ended session keeps the channel as it was when the session ended.
    if (existing && existing.status === 'active') changes.push(...update(existing, overlay(existing, block), time));
  }
  return changes;
}

const onAmiEvent = atEventTime(onChannelEvent);

/** Sessions whose channel Asterisk no longer has ended while jade was not looking; expired ones go. */
function reconcile(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const listed = new Set(snapshot.items.map((item) => field(item, 'Uniqueid')));
  const gone = state
    .all('agis')
    .filter((row) => row.status === 'active' && !listed.has(row.unique_id))
    .flatMap((row) => update(row, { ...row, status: 'ended', tm_end: time }, time));
  return [...gone, ...expired(state, time)];
}

const ownProjection = defineProjection<Tables, 'agis'>({
  name: 'agis',
  // 3: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 3,
  tables: { agis: { key: 'unique_id', json: ['env', 'cmd', 'dialplan'] }, agis_prune: { key: 'id' } },
  handles: {
    AsyncAGIStart: atEventTime(onStart),
    AsyncAGIExec: atEventTime(onExec),
    AsyncAGIEnd: atEventTime(onEnd),
    Hangup: atEventTime(onEnd),
    [agiCommandRequestedType]: atEventTime(onCommandRequested),
    DialplanRunStarted: atEventTime(onDialplanRun),
    DialplanRunEnded: atEventTime(onDialplanRun),
    AmiSnapshot: bySnapshotAction<Tables>({ coreshowchannels: reconcile }),
  },
  // The session's channel fields follow every AMI event that carries them: its call's (and any filed to the PBX's for want of a call id).
  handlesStreams: { [streamPrefixes.call]: onAmiEvent, [streamPrefixes.pbx]: onAmiEvent },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const agisProjection = nodeScoped(ownProjection);

// ---------------------------------------------------------------------------------------------
// Queries

function fromTable(stored: Noded<AgisTable>): AgiRow & { readonly node: string } {
  return {
    ...publicRow(stored),
    env: JSON.parse(stored.env) as Record<string, string>,
    cmd: JSON.parse(stored.cmd) as Record<string, AgiCommand>,
    dialplan: stored.dialplan === null ? null : (JSON.parse(stored.dialplan) as AgiDialplan | null),
  };
}

/** Every session held, active and ended (within retention), ordered by session start, then unique id. */
export async function listAgis(db: Kysely<Database>): Promise<(AgiRow & { readonly node: string })[]> {
  const rows = await db.selectFrom('agis').selectAll().orderBy('tm_create').orderBy('unique_id').execute();
  return rows.map(fromTable);
}

export async function getAgi(db: Kysely<Database>, uniqueId: string, node?: string): Promise<(AgiRow & { readonly node: string }) | undefined> {
  const rows = await db.selectFrom('agis').selectAll().where('unique_id', '=', uniqueId).execute();
  const row = oneOfNodes(rows, { kind: 'AGI session', id: uniqueId }, node);
  return row && fromTable(row);
}

/** The catalog's AGI object, for REST (SQL) and realtime (JS) alike. Nothing in it is computed at read time. */
const agiObject = defineApiObject<AgiRow & { readonly node: string }>()({
  columns: [
    'unique_id', 'linked_id', 'channel', 'channel_state', 'channel_state_desc', 'context', 'exten', 'priority',
    'caller_id_name', 'caller_id_num', 'connected_line_name', 'connected_line_num', 'account_code', 'language',
    'tm_create', 'tm_update', 'env', 'cmd', 'status', 'dialplan', 'tm_end', 'node',
  ],
  json: ['env', 'cmd', 'dialplan'],
});

export function toAgiObject(row: AgiRow & { readonly node: string }): AgiRow & { readonly node: string } {
  return agiObject.toObject(row);
}

const jsonObject = agiObject.jsonSql();

/** `[agi, ...]` as JSON text built by SQLite: the active sessions of `listAgis`, in its order. */
export async function listAgisJson(db: Kysely<Database>): Promise<string> {
  if (isPostgres(db)) return JSON.stringify((await listAgis(db)).filter((row) => row.status === 'active').map(toAgiObject));
  const { rows } = await sql<{ list: string }>`SELECT json_group_array(${jsonObject} ORDER BY tm_create, unique_id) AS list FROM agis WHERE status = 'active'`.execute(db);
  return rows[0]?.list ?? '[]';
}

export async function getAgiJson(db: Kysely<Database>, uniqueId: string, node?: string): Promise<string | undefined> {
  if (isPostgres(db)) {
    const agi = await getAgi(db, uniqueId, node);
    return agi && JSON.stringify(toAgiObject(agi));
  }
  const { rows } = await sql<{ obj: string; node: string }>`SELECT ${jsonObject} AS obj, node FROM agis WHERE unique_id = ${uniqueId}`.execute(db);
  return oneOfNodes(rows, { kind: 'AGI session', id: uniqueId }, node)?.obj;
}
