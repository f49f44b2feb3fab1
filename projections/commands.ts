import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import { streamPrefixes } from '../src/events/index.js';
import { configEventTypes, configStreamPrefix } from '../src/events/config.js';
import type { Database } from './database.js';
import { atEventTime } from './lib/handlers.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { redactValue } from './lib/redact.js';
import { keysetFrom, pageAfter, type Page, type SortOrder } from './lib/paging.js';

/**
 * `/commands`: the audit of every API command (src/commands/command.ts writes each to its own
 * `command-<uuid>` stream as `<Type>Requested`, then `<Type>Succeeded` / `Failed` / `Rejected` / `Unknown`).
 * One row per command: who asked what, what Asterisk answered, and how it ended. `rejected` was never sent;
 * `unknown` was sent and got no answer (link lost, timeout): Asterisk may have acted on it.
 */

export const commandOutcomes = ['pending', 'succeeded', 'failed', 'rejected', 'unknown'] as const;
export type CommandOutcome = (typeof commandOutcomes)[number];

export interface CommandError {
  readonly error: string;
  readonly reason: string;
  readonly timed_out?: boolean;
}

export interface CommandRow {
  readonly uuid: string;
  /** `Originate`, `Hangup`, `ModuleReload`, ... */
  readonly type: string;
  readonly user_uuid: string;
  readonly username: string;
  readonly request: Readonly<Record<string, unknown>>;
  /** Ids of what the command touched (`unique_id`, `linked_id`, `module`, ...). */
  readonly targets: Readonly<Record<string, unknown>>;
  /** Asterisk's response headers; null while pending or when Asterisk never answered. */
  readonly response: Readonly<Record<string, unknown>> | null;
  /** What the API answered the caller. */
  readonly result: unknown;
  readonly error: CommandError | null;
  readonly outcome: CommandOutcome;
  readonly tm_create: string;
  readonly tm_update: string;
}

export type CommandsTable = Omit<CommandRow, 'request' | 'targets' | 'response' | 'result' | 'error'> & {
  request: string;
  targets: string;
  response: string | null;
  result: string | null;
  error: string | null;
};

type Tables = { commands: CommandRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

const suffixes: ReadonlyArray<readonly [string, CommandOutcome]> = [
  ['Requested', 'pending'],
  ['Succeeded', 'succeeded'],
  ['Failed', 'failed'],
  ['Rejected', 'rejected'],
  ['Unknown', 'unknown'],
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);

/** `OriginateSucceeded` -> ['Originate', 'succeeded']; undefined for anything else. */
export function commandEventKind(type: string): readonly [string, CommandOutcome] | undefined {
  for (const [suffix, outcome] of suffixes) {
    if (type.length > suffix.length && type.endsWith(suffix)) return [type.slice(0, -suffix.length), outcome];
  }
  return undefined;
}

function onRequested(state: State, event: RecordedEvent, uuid: string, type: string, time: string): Change[] {
  if (state.get('commands', uuid)) return [];
  const { data } = event;
  const row: CommandRow = {
    uuid,
    type: text(data.command_type, type),
    user_uuid: text(data.user_uuid, text(event.metadata.userId)),
    username: text(data.username),
    request: isRecord(data.request) ? data.request : {},
    targets: isRecord(data.targets) ? data.targets : {},
    response: null,
    result: null,
    error: null,
    outcome: 'pending',
    tm_create: time,
    tm_update: time,
  };
  return [{ table: 'commands', op: 'create', key: uuid, row }];
}

function onOutcome(state: State, event: RecordedEvent, uuid: string, outcome: CommandOutcome, time: string): Change[] {
  const existing = state.get('commands', uuid);
  // An outcome without its request (a log cut by hand) has nothing to complete.
  if (!existing) return [];
  const { data } = event;
  const error: CommandError | null =
    outcome === 'succeeded'
      ? null
      : { error: text(data.error), reason: text(data.reason), ...(typeof data.timed_out === 'boolean' ? { timed_out: data.timed_out } : {}) };
  const row: CommandRow = {
    ...existing,
    response: isRecord(data.response) ? data.response : existing.response,
    result: outcome === 'succeeded' ? (data.result ?? null) : existing.result,
    error,
    outcome,
    tm_update: time,
  };
  return [{ table: 'commands', op: 'update', key: uuid, row }];
}

function onCommandEvent(state: State, event: RecordedEvent, time: string): Change[] {
  const kind = commandEventKind(event.type);
  if (!kind) return [];
  // The stream names the command even if a payload lacks command_id.
  const uuid = text(event.data.command_id, event.stream.slice(streamPrefixes.command.length));
  const [type, outcome] = kind;
  return outcome === 'pending' ? onRequested(state, event, uuid, type, time) : onOutcome(state, event, uuid, outcome, time);
}

/**
 * A configuration write is a command too, recorded on its file's stream (`config-<file>`, src/events/config.ts) so the
 * file's versions read in order: it is audited here as `ConfigUpdate`, with the file, the operation and the outcome.
 * Versions recorded without a command (first look, drift) and hidden backups are not commands.
 */
function onConfigEvent(state: State, event: RecordedEvent, time: string): Change[] {
  const { data } = event;
  const uuid = text(data.command_id);
  if (uuid === '') return [];
  switch (event.type) {
    case configEventTypes.updateRequested: {
      const request = Object.fromEntries(
        ['file', 'operation', 'section', 'options', 'based_on', 'reload'].filter((key) => data[key] !== undefined).map((key) => [key, data[key]]),
      );
      return onRequested(state, { ...event, data: { ...data, command_type: 'ConfigUpdate', request, targets: { file: data.file } } }, uuid, 'ConfigUpdate', time);
    }
    case configEventTypes.updated: {
      // A second version of the same command is the write-back after a failed reload: the command failed.
      if (data.cause === 'reload_failed') return onOutcome(state, { ...event, data: { error: text(data.reload_error), reason: 'reload_failed' } }, uuid, 'failed', time);
      return onOutcome(state, { ...event, data: { result: { version: event.position } } }, uuid, 'succeeded', time);
    }
    case configEventTypes.updateFailed:
      return onOutcome(state, { ...event, data: { error: text(data.error), reason: 'update_failed', response: data.response } }, uuid, 'failed', time);
    case configEventTypes.updateRejected:
      return onOutcome(state, { ...event, data: { error: text(data.message), reason: text(data.reason) } }, uuid, 'rejected', time);
    default:
      return [];
  }
}

export const commandsProjection = defineProjection<Tables, 'commands'>({
  name: 'commands',
  // 2: configuration writes are audited too.
  version: 2,
  tables: { commands: { key: 'uuid', json: ['request', 'targets', 'response', 'result', 'error'] } },
  handles: {},
  // Every command type has its own `<Type>Requested` / `<Type>Succeeded` / ...: the stream family is the declaration.
  handlesStreams: { [streamPrefixes.command]: atEventTime(onCommandEvent), [configStreamPrefix]: atEventTime(onConfigEvent) },
});

// ---------------------------------------------------------------------------------------------
// Queries (REST).

/** The wire shape of `/commands` (ARCHITECTURE.md "Contracts the manual leaves open"), plus who and why. */
export interface CommandObject {
  readonly uuid: string;
  readonly type: string;
  readonly user_uuid: string;
  readonly username: string;
  readonly request: unknown;
  readonly targets: unknown;
  readonly response: unknown;
  readonly result: unknown;
  readonly error: CommandError | null;
  readonly outcome: string;
  readonly tm_create: string;
  readonly tm_update: string;
}

const parse = (value: string | null): unknown => (value === null ? null : (JSON.parse(value) as unknown));

export function toCommandObject(stored: CommandsTable): CommandObject {
  return {
    uuid: stored.uuid,
    type: stored.type,
    user_uuid: stored.user_uuid,
    username: stored.username,
    // Requests never should hold secrets (command.ts); masking anyway costs nothing and fails safe.
    request: redactValue(parse(stored.request)),
    targets: parse(stored.targets),
    response: redactValue(parse(stored.response)),
    result: redactValue(parse(stored.result)),
    error: parse(stored.error) as CommandError | null,
    outcome: stored.outcome,
    tm_create: stored.tm_create,
    tm_update: stored.tm_update,
  };
}

export interface CommandFilter {
  /** A user's uuid or username. */
  readonly user?: string;
  readonly type?: string;
  readonly outcome?: CommandOutcome;
  /** API timestamps, inclusive, on `tm_create`. */
  readonly since?: string;
  readonly until?: string;
  readonly limit: number;
  /** Cursor: the uuid of the first command to return (a previous page's `next_from`). */
  readonly from?: string;
  /** By (tm_create, uuid): `desc` (newest first) unless asked otherwise. */
  readonly order?: SortOrder;
}

/** Commands by when they were asked (tm_create, then uuid), newest first by default, one page. */
export async function listCommands(db: Kysely<Database>, filter: CommandFilter): Promise<Page<CommandObject>> {
  const order = filter.order ?? 'desc';
  let query = db.selectFrom('commands').selectAll();
  if (filter.user !== undefined) {
    const user = filter.user;
    query = query.where((eb) => eb.or([eb('user_uuid', '=', user), eb('username', '=', user)]));
  }
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
  if (filter.since !== undefined) query = query.where('tm_create', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('tm_create', '<=', filter.until);
  if (filter.from !== undefined) {
    const start = await db.selectFrom('commands').select('tm_create').where('uuid', '=', filter.from).executeTakeFirst();
    // An unknown cursor means nothing to resume from: an empty page, not the whole list again.
    if (!start) return { list: [], next_from: null };
    query = query.where(sql<boolean>`(tm_create, uuid) ${sql.raw(keysetFrom(order))} (${start.tm_create}, ${filter.from})`);
  }
  const rows = await query.orderBy('tm_create', order).orderBy('uuid', order).limit(filter.limit + 1).execute();
  return pageAfter(rows.map(toCommandObject), filter.limit, (command) => command.uuid);
}

export async function getCommand(db: Kysely<Database>, uuid: string): Promise<CommandObject | undefined> {
  const row = await db.selectFrom('commands').selectAll().where('uuid', '=', uuid).executeTakeFirst();
  return row && toCommandObject(row);
}

/** The given commands in the given order (a call's commands); unknown ids are skipped. */
export async function getCommands(db: Kysely<Database>, uuids: readonly string[]): Promise<CommandObject[]> {
  if (uuids.length === 0) return [];
  const rows = await db.selectFrom('commands').selectAll().where('uuid', 'in', [...uuids]).execute();
  const byId = new Map(rows.map((row) => [row.uuid, toCommandObject(row)]));
  return uuids.flatMap((uuid) => byId.get(uuid) ?? []);
}
