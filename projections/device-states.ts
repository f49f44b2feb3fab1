import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import { field, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { atEventTime, bySnapshotAction } from './lib/handlers.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { reconcileList, upsertStamped } from './lib/row-changes.js';
import { nodeScoped, oneOfNodes, publicRow } from './lib/node-scope.js';

/**
 * Every device Asterisk keeps a state for (legacy `/device_states`, catalog 10-legacy; names 00-basics §8.2):
 * `PJSIP/pjagent-01`, `Local/100@demo`, `Agent:1001`, `Queue:sales_1_avail`, ...
 * The `DeviceStateList` snapshot (which answers with DeviceStateChange items) is the whole truth after a
 * (re)connect; unsolicited `DeviceStateChange` events keep it current.
 *
 * The table mirrors Asterisk's device-state cache, which is what DeviceStateList reports. `Local/` channels
 * publish their state uncached (checked on Asterisk 22: announced, never listed), so they are not kept:
 * otherwise such a row would linger until the next reconnect dropped it.
 */

/** Devices whose state Asterisk announces but does not hold. */
const uncached = /^Local\//i;

/** Asterisk's `ast_devstate_str` names, which are the manual's (plus INUSE, which the manual forgot: catalog B15). */
export type DeviceStateName =
  | 'UNKNOWN'
  | 'NOT_INUSE'
  | 'INUSE'
  | 'BUSY'
  | 'INVALID'
  | 'UNAVAILABLE'
  | 'RINGING'
  | 'RINGINUSE'
  | 'ONHOLD'
  | (string & {});

export interface DeviceStateRow {
  readonly device: string;
  readonly state: DeviceStateName;
  readonly tm_update: string;
}

export type DeviceStatesTable = DeviceStateRow;

type Tables = { device_states: DeviceStateRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

/** Upper-case, as the manual spells the states; anything else Asterisk reports is passed through. */
function stateName(text: string): DeviceStateName {
  return text.trim().toUpperCase();
}

function set(state: State, device: string, value: DeviceStateName, time: string): Change[] {
  return upsertStamped(state, 'device_states', device, { device, state: value }, time);
}

function onChange(state: State, event: RecordedEvent, time: string): Change[] {
  const device = field(event.data, 'Device');
  const value = field(event.data, 'State');
  if (device === undefined || device === '' || value === undefined || uncached.test(device)) return [];
  return set(state, device, stateName(value), time);
}

function reconcile(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return reconcileList(state, 'device_states', {
    items: snapshot.items,
    // An item without a state says nothing of its device: a later item may still list it.
    itemKey: (item) => {
      const device = field(item, 'Device');
      return device === undefined || device === '' || field(item, 'State') === undefined ? undefined : device;
    },
    apply: (item, device) => set(state, device, stateName(field(item, 'State') ?? ''), time),
    rowKey: (row) => row.device,
  });
}

const ownProjection = defineProjection<Tables, 'device_states'>({
  name: 'device_states',
  // 2: Local/ devices are no longer kept.
  // 3: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 3,
  tables: { device_states: { key: 'device' } },
  handles: {
    DeviceStateChange: atEventTime(onChange),
    AmiSnapshot: bySnapshotAction<Tables>({ devicestatelist: reconcile }),
  },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const deviceStatesProjection = nodeScoped(ownProjection);

// ---------------------------------------------------------------------------------------------
// Queries

export type DeviceStateObject = DeviceStateRow & { readonly node: string };

export async function listDeviceStates(db: Kysely<Database>): Promise<DeviceStateObject[]> {
  const rows = await db.selectFrom('device_states').selectAll().orderBy('device').orderBy('node').execute();
  return rows.map(publicRow);
}

export async function getDeviceState(db: Kysely<Database>, device: string, node?: string): Promise<DeviceStateObject | undefined> {
  const rows = await db.selectFrom('device_states').selectAll().where('device', '=', device).execute();
  const row = oneOfNodes(rows, { kind: 'device', id: device }, node);
  return row && publicRow(row);
}
