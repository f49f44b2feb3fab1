import type { Kysely } from 'kysely';
import type { AmiFields, RecordedEvent } from '../src/events/index.js';
import { field, intField, overlay, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { durationSeconds, secondsBetween, shiftTimestamp } from './lib/event-time.js';
import { atEventTime, bySnapshotAction } from './lib/handlers.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { reconcileList, upsertStamped } from './lib/row-changes.js';
import { nodeScoped, oneOfNodes, publicRow } from './lib/node-scope.js';

/**
 * `/park/parkinglots` and `/park/parkedcalls` (catalog 70 §1, 20-admin "Park", 40-events §2.7-2.9).
 * Lots come only from the `Parkinglots` snapshot: Asterisk announces no lot change (a res_parking reload
 * shows at the next snapshot). Parked calls come from `ParkedCall` (create), `ParkedCallSwap` (update),
 * `UnParkedCall` / `ParkedCallTimeOut` / `ParkedCallGiveUp` / the parkee's `Hangup` (delete), and are
 * reconciled against the `ParkedCalls` snapshot after every (re)connect.
 *
 * `parking_duration` and `parking_timeout` tick every second: the row stores when the call was parked and
 * the lot's limit, and both are computed at read time, so nothing is written once per second.
 */

export interface ParkingLotRow {
  readonly name: string;
  readonly start_space: string;
  /** Spelled as every Returns block and example of the manual spells it (catalog 70 §1.3): a wire contract. */
  readonly stop_spcae: string;
  /** Seconds a call may stay parked (res_parking `parkingtime`). */
  readonly timeout: number;
  readonly tm_update: string;
}

export interface ParkedCallRow {
  readonly parkee_unique_id: string;
  readonly parkee_linked_id: string;
  readonly parkee_channel: string;
  /** A string (`"6"`), unlike `channel_state` of channels: the manual shows it so (catalog 40 §6.7). */
  readonly parkee_channel_state: string;
  readonly parkee_channel_state_desc: string;
  readonly parkee_caller_id_name: string;
  readonly parkee_caller_id_num: string;
  readonly parkee_connected_line_name: string;
  readonly parkee_connected_line_num: string;
  readonly parkee_account_code: string;
  readonly parkee_context: string;
  readonly parkee_exten: string;
  readonly parkee_priority: string;
  readonly parker_dial_string: string;
  readonly parking_lot: string;
  readonly parking_space: string;
  /** Beyond the manual: when the call entered the parking bridge. Drives `parking_duration`. */
  readonly tm_parked: string;
  /** Beyond the manual: the call's whole time limit in seconds (0 = none). Drives `parking_timeout`. */
  readonly parking_time_limit: number;
  readonly tm_update: string;
}

/** The catalog's parked-call object: the row plus the two counters as of the read. */
export interface ParkedCallObject extends ParkedCallRow {
  /** The Asterisk box the call is parked on (lib/node-scope.ts). */
  readonly node: string;
  /** Seconds in the parking bridge. */
  readonly parking_duration: number;
  /** Seconds left before Asterisk takes the call out of the lot (0 when the lot has no limit). */
  readonly parking_timeout: number;
}

export type ParkingLotsTable = ParkingLotRow;
export type ParkedCallsTable = ParkedCallRow;

type Tables = { parking_lots: ParkingLotRow; parked_calls: ParkedCallRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

/** A snapshot's implied park time may differ from the event's by the second it truncates: not a change. */
const parkTimeToleranceSeconds = 2;

/** The parked call as one `ParkedCall`-family event (or ParkedCalls list item) states it, at `time`. */
function parkedCallOf(data: AmiFields | Readonly<Record<string, unknown>>, time: string): Omit<ParkedCallRow, 'tm_update'> | undefined {
  const uniqueId = field(data, 'ParkeeUniqueid');
  const channel = field(data, 'ParkeeChannel');
  if (uniqueId === undefined || channel === undefined) return undefined;
  const duration = intField(data, 'ParkingDuration') ?? 0;
  const remaining = intField(data, 'ParkingTimeout') ?? 0;
  return {
    parkee_unique_id: uniqueId,
    parkee_linked_id: field(data, 'ParkeeLinkedid') ?? uniqueId,
    parkee_channel: channel,
    parkee_channel_state: field(data, 'ParkeeChannelState') ?? '',
    parkee_channel_state_desc: field(data, 'ParkeeChannelStateDesc') ?? '',
    parkee_caller_id_name: field(data, 'ParkeeCallerIDName') ?? '',
    parkee_caller_id_num: field(data, 'ParkeeCallerIDNum') ?? '',
    parkee_connected_line_name: field(data, 'ParkeeConnectedLineName') ?? '',
    parkee_connected_line_num: field(data, 'ParkeeConnectedLineNum') ?? '',
    parkee_account_code: field(data, 'ParkeeAccountCode') ?? '',
    parkee_context: field(data, 'ParkeeContext') ?? '',
    parkee_exten: field(data, 'ParkeeExten') ?? '',
    parkee_priority: field(data, 'ParkeePriority') ?? '',
    parker_dial_string: field(data, 'ParkerDialString') ?? '',
    parking_lot: field(data, 'Parkinglot') ?? '',
    parking_space: field(data, 'ParkingSpace') ?? '',
    tm_parked: shiftTimestamp(time, -duration) ?? time,
    // Asterisk reports what is left; with no limit it reports 0 throughout.
    parking_time_limit: remaining > 0 ? remaining + duration : 0,
  };
}

/** Keeps the stored park time when the new one only differs by the truncated second. */
function keepParkTime(existing: ParkedCallRow, next: Omit<ParkedCallRow, 'tm_update'>): Omit<ParkedCallRow, 'tm_update'> {
  const drift = Math.max(secondsBetween(existing.tm_parked, next.tm_parked) ?? 0, secondsBetween(next.tm_parked, existing.tm_parked) ?? 0);
  if (drift > parkTimeToleranceSeconds) return next;
  const sameLimit = Math.abs(existing.parking_time_limit - next.parking_time_limit) <= parkTimeToleranceSeconds;
  return { ...next, tm_parked: existing.tm_parked, parking_time_limit: sameLimit ? existing.parking_time_limit : next.parking_time_limit };
}

/** Create, or update only if something differs (no change: no row written, no event). */
function upsert(state: State, parked: Omit<ParkedCallRow, 'tm_update'>, time: string): Change[] {
  const existing = state.get('parked_calls', parked.parkee_unique_id);
  return upsertStamped(state, 'parked_calls', parked.parkee_unique_id, existing ? overlay(existing, keepParkTime(existing, parked)) : parked, time);
}

function onParkedCall(state: State, event: RecordedEvent, time: string): Change[] {
  const parked = parkedCallOf(event.data, time);
  return parked ? upsert(state, parked, time) : [];
}

/**
 * Another channel took the parked call's place in its space (res_parking swaps the parkee, e.g. after a
 * transfer of the parked call). The key is the parkee's unique id, so the old row goes and the new one
 * comes, keeping the time the space has been occupied.
 */
function onSwap(state: State, event: RecordedEvent, time: string): Change[] {
  const parked = parkedCallOf(event.data, time);
  if (!parked) return [];
  const changes: Change[] = [];
  let tmParked = parked.tm_parked;
  let limit = parked.parking_time_limit;
  for (const row of state.all('parked_calls')) {
    if (row.parking_lot !== parked.parking_lot || row.parking_space !== parked.parking_space || row.parkee_unique_id === parked.parkee_unique_id) continue;
    tmParked = row.tm_parked;
    limit = row.parking_time_limit;
    changes.push({ table: 'parked_calls', op: 'delete', key: row.parkee_unique_id, row: { ...row, tm_update: time } });
  }
  return [...changes, ...upsert(state, { ...parked, tm_parked: tmParked, parking_time_limit: limit }, time)];
}

/** The call left the lot: the delete carries its last state (40-events §2.9). */
function onLeft(state: State, uniqueId: string | undefined, event: RecordedEvent, time: string): Change[] {
  const existing = uniqueId === undefined ? undefined : state.get('parked_calls', uniqueId);
  if (!existing) return [];
  const stated = event.type === 'Hangup' ? undefined : parkedCallOf(event.data, time);
  // The event's own snapshot of the parkee (its context after a timeout), keeping when it was parked.
  const last = stated ? { ...stated, tm_parked: existing.tm_parked, parking_time_limit: existing.parking_time_limit } : existing;
  return [{ table: 'parked_calls', op: 'delete', key: existing.parkee_unique_id, row: { ...last, tm_update: time } }];
}

function onParkeeLeft(state: State, event: RecordedEvent, time: string): Change[] {
  return onLeft(state, field(event.data, 'ParkeeUniqueid'), event, time);
}

/** Normally a GiveUp came first; this covers a parkee whose leaving event was lost with the link. */
function onParkeeHangup(state: State, event: RecordedEvent, time: string): Change[] {
  return onLeft(state, field(event.data, 'Uniqueid'), event, time);
}

function reconcileParkedCalls(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];
  const listed = new Set<string>();
  for (const item of snapshot.items) {
    const parked = parkedCallOf(item, time);
    if (!parked || listed.has(parked.parkee_unique_id)) continue;
    listed.add(parked.parkee_unique_id);
    changes.push(...upsert(state, parked, time));
  }
  for (const row of state.all('parked_calls')) {
    if (!listed.has(row.parkee_unique_id)) changes.push({ table: 'parked_calls', op: 'delete', key: row.parkee_unique_id, row: { ...row, tm_update: time } });
  }
  return changes;
}

function reconcileLots(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return reconcileList(state, 'parking_lots', {
    items: snapshot.items,
    itemKey: (item) => field(item, 'Name'),
    apply: (item, name) => {
      const fields = {
        start_space: field(item, 'StartSpace') ?? '',
        stop_spcae: field(item, 'StopSpace') ?? '',
        timeout: intField(item, 'Timeout') ?? 0,
      };
      const existing = state.get('parking_lots', name);
      return upsertStamped(state, 'parking_lots', name, existing ? overlay(existing, fields) : { name, ...fields }, time);
    },
    rowKey: (row) => row.name,
  });
}

const ownProjection = defineProjection<Tables, 'parking'>({
  name: 'parking',
  // 2: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 2,
  tables: { parking_lots: { key: 'name' }, parked_calls: { key: 'parkee_unique_id' } },
  handles: {
    ParkedCall: atEventTime(onParkedCall),
    ParkedCallSwap: atEventTime(onSwap),
    UnParkedCall: atEventTime(onParkeeLeft),
    ParkedCallTimeOut: atEventTime(onParkeeLeft),
    ParkedCallGiveUp: atEventTime(onParkeeLeft),
    Hangup: atEventTime(onParkeeHangup),
    AmiSnapshot: bySnapshotAction<Tables>({ parkedcalls: reconcileParkedCalls, parkinglots: reconcileLots }),
  },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const parkingProjection = nodeScoped(ownProjection);

// ---------------------------------------------------------------------------------------------
// Queries. `now` is the read's time (API timestamp), so the counters are as of the answer.

export function toParkedCallObject(row: ParkedCallRow & { readonly node: string; readonly row_key?: string }, now: string): ParkedCallObject {
  const duration = durationSeconds(row.tm_parked, now) ?? 0;
  const timeout = row.parking_time_limit > 0 ? Math.max(0, row.parking_time_limit - duration) : 0;
  return { ...publicRow(row), parking_duration: duration, parking_timeout: timeout };
}

/** Ordered by lot, then space (numeric spaces sort as numbers). */
export async function listParkedCalls(db: Kysely<Database>, now: string): Promise<ParkedCallObject[]> {
  const rows = await db.selectFrom('parked_calls').selectAll().execute();
  return rows.sort(byLotAndSpace).map((row) => toParkedCallObject(row, now));
}

function byLotAndSpace(a: ParkedCallRow, b: ParkedCallRow): number {
  if (a.parking_lot !== b.parking_lot) return a.parking_lot < b.parking_lot ? -1 : 1;
  const diff = Number(a.parking_space) - Number(b.parking_space);
  if (!Number.isNaN(diff) && diff !== 0) return diff;
  return a.parkee_unique_id < b.parkee_unique_id ? -1 : a.parkee_unique_id > b.parkee_unique_id ? 1 : 0;
}

export async function getParkedCall(db: Kysely<Database>, uniqueId: string, now: string, node?: string): Promise<ParkedCallObject | undefined> {
  const rows = await db.selectFrom('parked_calls').selectAll().where('parkee_unique_id', '=', uniqueId).execute();
  const row = oneOfNodes(rows, { kind: 'parked call', id: uniqueId }, node);
  return row && toParkedCallObject(row, now);
}

export async function findParkedCallByChannel(db: Kysely<Database>, channel: string, now: string): Promise<ParkedCallObject | undefined> {
  const row = await db.selectFrom('parked_calls').selectAll().where('parkee_channel', '=', channel).executeTakeFirst();
  return row && toParkedCallObject(row, now);
}

export type ParkingLotObject = ParkingLotRow & { readonly node: string };

export async function listParkingLots(db: Kysely<Database>): Promise<ParkingLotObject[]> {
  const rows = await db.selectFrom('parking_lots').selectAll().orderBy('name').orderBy('node').execute();
  return rows.map(publicRow);
}

export async function getParkingLot(db: Kysely<Database>, name: string, node?: string): Promise<ParkingLotObject | undefined> {
  const rows = await db.selectFrom('parking_lots').selectAll().where('name', '=', name).execute();
  const row = oneOfNodes(rows, { kind: 'parking lot', id: name }, node);
  return row && publicRow(row);
}
