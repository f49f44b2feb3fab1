import { sql, type Kysely } from 'kysely';
import { streamPrefixes, type RecordedEvent } from '../src/events/index.js';
import {
  channelBlock,
  channelBlocks,
  field,
  fullChannelBlock,
  intField,
  namesAChannel,
  overlay,
  type ChannelSnapshot,
  type Snapshot,
} from './lib/ami-fields.js';
import type { Database } from './database.js';
import { isPostgres } from './lib/dialect.js';
import { durationSeconds, durationSql, parseDuration, shiftTimestamp } from './lib/event-time.js';
import { atEventTime, bySnapshotAction } from './lib/handlers.js';
import { defineApiObject } from './lib/api-object.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { nodeScoped, oneOfNodes, publicRow, type Noded } from './lib/node-scope.js';

/**
 * `/core/channels`: one row per live Asterisk channel (catalog 60-core-dialplan §3, 20-admin).
 * Created by `Newchannel`, kept current by every event that carries the channel's snapshot,
 * deleted by `Hangup` (the delete carries the final hangup cause), reconciled on `CoreShowChannels`.
 */

export interface ChannelRow extends ChannelSnapshot {
  readonly application: string | null;
  readonly application_data: string | null;
  readonly bridge_id: string | null;
  readonly hangup_cause: number | null;
  readonly hangup_cause_desc: string | null;
  /** Channel variables seen through `VarSet`. */
  readonly variables: Readonly<Record<string, string>>;
  /** When the channel was created (or, for one first seen in a snapshot, now minus its Duration). Drives `duration`. */
  readonly tm_create: string;
  readonly tm_update: string;
}

/** The catalog's channel object: the row, its box, plus `duration`, computed at read time. */
export interface ChannelObject extends ChannelRow {
  /** The Asterisk box the channel is on (lib/node-scope.ts). */
  readonly node: string;
  /** Seconds since the channel was created, as of the read. */
  readonly duration: number | null;
}

/** Stored shape (kysely): JSON columns are TEXT. */
export type ChannelsTable = Omit<ChannelRow, 'variables'> & { variables: string };

type Tables = { channels: ChannelRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

const update = (before: ChannelRow, after: ChannelRow, time: string): Change[] =>
  after === before ? [] : [{ table: 'channels', op: 'update', key: after.unique_id, row: { ...after, tm_update: time } }];

function onNewchannel(state: State, event: RecordedEvent, time: string): Change[] {
  const block = fullChannelBlock(event.data);
  if (!block) return [];
  const existing = state.get('channels', block.unique_id);
  // Already there when a reconnect snapshot listed it before its Newchannel reached the log.
  if (existing) return update(existing, overlay(existing, block), time);
  const row: ChannelRow = {
    ...block,
    application: null,
    application_data: null,
    bridge_id: null,
    hangup_cause: null,
    hangup_cause_desc: null,
    variables: {},
    tm_create: time,
    tm_update: time,
  };
  return [{ table: 'channels', op: 'create', key: row.unique_id, row }];
}

function onHangup(state: State, event: RecordedEvent, time: string): Change[] {
  const uniqueId = field(event.data, 'Uniqueid');
  const existing = uniqueId === undefined ? undefined : state.get('channels', uniqueId);
  if (!existing) return [];
  const row: ChannelRow = {
    ...overlay(existing, channelBlock(event.data)),
    hangup_cause: intField(event.data, 'Cause') ?? null,
    hangup_cause_desc: field(event.data, 'Cause-txt') ?? null,
    tm_update: time,
  };
  // The delete carries the last state, hangup cause included (40-events: core.channel.delete).
  return [{ table: 'channels', op: 'delete', key: row.unique_id, row }];
}

/** What one event says about a channel besides its snapshot block. */
function eventSpecific(event: RecordedEvent, row: ChannelRow): ChannelRow {
  const { data } = event;
  switch (event.type) {
    case 'VarSet': {
      const name = field(data, 'Variable');
      if (name === undefined) return row;
      const value = field(data, 'Value') ?? '';
      return row.variables[name] === value ? row : { ...row, variables: { ...row.variables, [name]: value } };
    }
    case 'Newexten':
      return overlay(row, { application: field(data, 'Application') ?? null, application_data: field(data, 'AppData') ?? null });
    case 'BridgeEnter':
      return overlay(row, { bridge_id: field(data, 'BridgeUniqueid') ?? null });
    case 'BridgeLeave':
      // Only the bridge it leaves: a BridgeEnter into the next bridge may already have been applied.
      return row.bridge_id !== null && row.bridge_id === field(data, 'BridgeUniqueid') ? { ...row, bridge_id: null } : row;
    case 'Rename': {
      const name = field(data, 'Newname');
      return name === undefined ? row : overlay(row, { channel: name });
    }
    default:
      return row;
  }
}

/** Any other event of a call: apply every channel block it carries to the channels we know (Newstate, NewCallerid, DialBegin's Dest..., ...). */
function onChannelEvent(state: State, event: RecordedEvent, time: string): Change[] {
  // Cheap filter first: most of the log is not about a channel we hold.
  if (!namesAChannel(event)) return [];
  const changes: Change[] = [];
  const seen = new Set<string>();
  const blocks = channelBlocks(event.data);
  // Events like Rename carry the channel without a full block: still apply their own fields.
  if (blocks.length === 0) {
    const uniqueId = field(event.data, 'Uniqueid');
    if (uniqueId !== undefined) blocks.push({ unique_id: uniqueId });
  }
  for (const block of blocks) {
    const uniqueId = block.unique_id;
    if (uniqueId === undefined || seen.has(uniqueId)) continue;
    seen.add(uniqueId);
    const existing = state.get('channels', uniqueId);
    if (!existing) continue;
    let next = overlay(existing, block);
    // The event's own fields (Variable, BridgeUniqueid, ...) belong to its unprefixed channel only.
    if (uniqueId === field(event.data, 'Uniqueid')) next = eventSpecific(event, next);
    changes.push(...update(existing, next, time));
  }
  return changes;
}

const onAmiEvent = atEventTime(onChannelEvent);

/**
 * After a (re)connect Asterisk's list is the truth: unknown channels are created from it, known ones
 * take its fields, and channels it no longer has are deleted (a delete change like a Hangup's, without a cause).
 */
function reconcile(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];
  const listed = new Set<string>();
  for (const item of snapshot.items) {
    const block = fullChannelBlock(item);
    if (!block) continue;
    listed.add(block.unique_id);
    const application = field(item, 'Application') || null;
    const extra = {
      application,
      application_data: application === null ? null : (field(item, 'ApplicationData') ?? ''),
      bridge_id: field(item, 'BridgeId') || null,
    };
    const existing = state.get('channels', block.unique_id);
    if (existing) {
      // Only the headers the item carries: a missing one is "not reported", not "now empty".
      changes.push(...update(existing, overlay(existing, { ...channelBlock(item), ...extra }), time));
      continue;
    }
    const row: ChannelRow = {
      ...block,
      ...extra,
      hangup_cause: null,
      hangup_cause_desc: null,
      variables: {},
      tm_create: shiftTimestamp(time, -parseDuration(field(item, 'Duration'))) ?? time,
      tm_update: time,
    };
    changes.push({ table: 'channels', op: 'create', key: row.unique_id, row });
  }
  for (const row of state.all('channels')) {
    if (!listed.has(row.unique_id)) changes.push({ table: 'channels', op: 'delete', key: row.unique_id, row });
  }
  return changes;
}

const ownProjection = defineProjection<Tables, 'channels'>({
  name: 'channels',
  // 2: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 2,
  tables: { channels: { key: 'unique_id', json: ['variables'] } },
  handles: {
    Newchannel: atEventTime(onNewchannel),
    Hangup: atEventTime(onHangup),
    AmiSnapshot: bySnapshotAction<Tables>({ coreshowchannels: reconcile }),
  },
  // Whatever else Asterisk reports may carry a channel's fields (Newstate, VarSet, DialBegin's Dest..., ...). Mostly on the
  // call's stream; an event naming a channel but no call id (a Rename without Linkedid) is filed to the PBX's.
  handlesStreams: { [streamPrefixes.call]: onAmiEvent, [streamPrefixes.pbx]: onAmiEvent },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const channelsProjection = nodeScoped(ownProjection);

// ---------------------------------------------------------------------------------------------
// Queries (REST, realtime). `now` is an API timestamp: the read's time, or the `at=` time of a
// point-in-time read, so `duration` is as of then.

/** The catalog's channel object, for REST (SQL) and realtime (JS) alike. */
const channelObject = defineApiObject<ChannelRow & { readonly node: string }>()({
  columns: [
    'unique_id', 'linked_id', 'channel', 'channel_state', 'channel_state_desc', 'context', 'exten', 'priority',
    'caller_id_name', 'caller_id_num', 'connected_line_name', 'connected_line_num', 'account_code', 'language',
    'application', 'application_data', 'bridge_id', 'hangup_cause', 'hangup_cause_desc', 'tm_create', 'tm_update', 'variables', 'node',
  ],
  json: ['variables'],
  computed: { duration: { js: (row, now) => durationSeconds(row.tm_create, now), sql: (now) => durationSql('tm_create', now) } },
});

export function toChannelObject(row: ChannelRow & { readonly node: string }, now: string): ChannelObject {
  return channelObject.toObject(row, now);
}

function fromTable(stored: Noded<ChannelsTable>): ChannelRow & { readonly node: string } {
  return { ...publicRow(stored), variables: JSON.parse(stored.variables) as Record<string, string> };
}

/** Ordered by creation, then unique id: the order calls started. */
export async function listChannels(db: Kysely<Database>, now: string): Promise<ChannelObject[]> {
  const rows = await db.selectFrom('channels').selectAll().orderBy('tm_create').orderBy('unique_id').execute();
  return rows.map((row) => toChannelObject(fromTable(row), now));
}

/** `node`: the box, when two could have the id (boxes without a systemname); else the only one having it (lib/node-scope.ts). */
export async function getChannel(db: Kysely<Database>, uniqueId: string, now: string, node?: string): Promise<ChannelObject | undefined> {
  const rows = await db.selectFrom('channels').selectAll().where('unique_id', '=', uniqueId).execute();
  const row = oneOfNodes(rows, { kind: 'channel', id: uniqueId }, node);
  return row && toChannelObject(fromTable(row), now);
}

export async function listChannelsByLinkedId(db: Kysely<Database>, linkedId: string, now: string): Promise<ChannelObject[]> {
  const rows = await db.selectFrom('channels').selectAll().where('linked_id', '=', linkedId).orderBy('tm_create').orderBy('unique_id').execute();
  return rows.map((row) => toChannelObject(fromTable(row), now));
}

/** `[channel, ...]` as JSON text, same order and content as `listChannels`. */
export async function listChannelsJson(db: Kysely<Database>, now: string): Promise<string> {
  if (isPostgres(db)) return JSON.stringify(await listChannels(db, now));
  const { rows } = await sql<{ list: string }>`
    SELECT json_group_array(${channelObject.jsonSql(now)} ORDER BY tm_create, unique_id) AS list FROM channels`.execute(db);
  return rows[0]?.list ?? '[]';
}

export async function getChannelJson(db: Kysely<Database>, uniqueId: string, now: string, node?: string): Promise<string | undefined> {
  if (isPostgres(db)) {
    const channel = await getChannel(db, uniqueId, now, node);
    return channel && JSON.stringify(channel);
  }
  const { rows } = await sql<{ obj: string; node: string }>`SELECT ${channelObject.jsonSql(now)} AS obj, node FROM channels WHERE unique_id = ${uniqueId}`.execute(db);
  return oneOfNodes(rows, { kind: 'channel', id: uniqueId }, node)?.obj;
}
