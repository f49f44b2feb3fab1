import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import { peopleEventTypes, userDeletedEventType, type BuddyFields, type ContactFields, type UserDeletedFact } from '../src/events/people.js';
import { field, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { bySnapshotAction } from './lib/handlers.js';
import { lifecycleEvolver, type Lifecycle, type StoredEvent } from './lib/lifecycle.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { eventUuid } from './lib/resource-projection.js';

/**
 * People (issue 13 P2): users' contacts (`/admin/user/contacts`, `/me/contacts`) and buddies (`/me/buddies`),
 * each the fold of its `contact-<uuid>` / `buddy-<uuid>` stream, plus every buddy's `presence`, derived here
 * from the device states of the buddy user's contacts, so a presence change is a row change (and so a realtime
 * event for the buddy's owner) and a rebuild derives the same presence.
 *
 * Presence of one device (`PJSIP/<target>`, Asterisk's device state, which follows registration):
 *   NOT_INUSE                                  -> available
 *   INUSE, BUSY, RINGING, RINGINUSE, ONHOLD    -> busy
 *   UNAVAILABLE, INVALID, UNKNOWN, no state    -> unavailable
 * A buddy's presence: `available` if any of its contacts' devices is available, else `busy` if any is busy,
 * else `unavailable` (also when the buddy user has no contact). Never a flag a client sets.
 */

export type Presence = 'available' | 'busy' | 'unavailable';

export type ContactObject = Lifecycle & ContactFields;
export type BuddyObject = Lifecycle & BuddyFields;
export type BuddyRow = BuddyObject & { readonly presence: Presence };
export interface PeopleDeviceRow {
  readonly device: string;
  readonly state: string;
}

export type UserContactsTable = ContactObject;
export type MeBuddiesTable = BuddyRow;
export type PeopleDevicesTable = PeopleDeviceRow;

const contactDefaults: ContactFields = { user_uuid: '', type: 'pjsip_endpoint', target: '', name: null, detail: null };
const buddyDefaults: BuddyFields = { owner_uuid: '', uuid_user: '', name: null, detail: null };

export const evolveContact: (state: ContactObject | undefined, event: StoredEvent) => ContactObject | undefined = lifecycleEvolver(
  { created: peopleEventTypes.contactCreated, updated: peopleEventTypes.contactUpdated, deleted: peopleEventTypes.contactDeleted },
  contactDefaults,
);
export const evolveBuddy: (state: BuddyObject | undefined, event: StoredEvent) => BuddyObject | undefined = lifecycleEvolver(
  { created: peopleEventTypes.buddyCreated, updated: peopleEventTypes.buddyUpdated, deleted: peopleEventTypes.buddyDeleted },
  buddyDefaults,
);

/** The Asterisk device a contact's state is read from. */
export const contactDevice = (contact: Pick<ContactFields, 'type' | 'target'>): string => `PJSIP/${contact.target}`;

export function devicePresence(state: string | undefined): Presence {
  switch (state) {
    case 'NOT_INUSE':
      return 'available';
    case 'INUSE':
    case 'BUSY':
    case 'RINGING':
    case 'RINGINUSE':
    case 'ONHOLD':
      return 'busy';
    default:
      return 'unavailable';
  }
}

export function combinePresence(each: readonly Presence[]): Presence {
  if (each.includes('available')) return 'available';
  if (each.includes('busy')) return 'busy';
  return 'unavailable';
}

type Tables = { user_contacts: ContactObject; me_buddies: BuddyRow; people_devices: PeopleDeviceRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

/** What the rows will be once `changes` apply (a handler's own changes are not in `state` yet). */
interface View {
  contacts(): readonly ContactObject[];
  device(device: string): string | undefined;
}

function viewOf(state: State, changes: readonly Change[]): View {
  const contacts = new Map(state.all('user_contacts').map((c) => [c.uuid, c] as const));
  const devices = new Map<string, string | undefined>();
  for (const c of changes) {
    if (c.table === 'user_contacts') {
      if (c.op === 'delete') contacts.delete(c.key);
      else contacts.set(c.key, c.row as ContactObject);
    } else if (c.table === 'people_devices') {
      devices.set(c.key, c.op === 'delete' ? undefined : (c.row as PeopleDeviceRow).state);
    }
  }
  return {
    contacts: () => [...contacts.values()],
    device: (device) => (devices.has(device) ? devices.get(device) : state.get('people_devices', device)?.state),
  };
}

function presenceOf(view: View, userUuid: string): Presence {
  const mine = view.contacts().filter((c) => c.user_uuid === userUuid);
  return combinePresence(mine.map((c) => devicePresence(view.device(contactDevice(c)))));
}

/** Updates of every buddy whose presence the `changes` alter. */
function presenceUpdates(state: State, changes: readonly Change[]): Change[] {
  const view = viewOf(state, changes);
  const out: Change[] = [];
  for (const buddy of state.all('me_buddies')) {
    const presence = presenceOf(view, buddy.uuid_user);
    if (presence !== buddy.presence) out.push({ table: 'me_buddies', op: 'update', key: buddy.uuid, row: { ...buddy, presence } });
  }
  return out;
}

function onContact(state: State, event: RecordedEvent): Change[] {
  const uuid = eventUuid(event);
  if (uuid === undefined) return [];
  const before = state.get('user_contacts', uuid);
  const after = evolveContact(before, event);
  if (after === undefined || after === before) return [];
  const changes: Change[] =
    after.in_use === 1
      ? [{ table: 'user_contacts', op: before === undefined ? 'create' : 'update', key: uuid, row: after }]
      : before === undefined
        ? []
        : [{ table: 'user_contacts', op: 'delete', key: uuid, row: after }];
  return [...changes, ...presenceUpdates(state, changes)];
}

function onBuddy(state: State, event: RecordedEvent): Change[] {
  const uuid = eventUuid(event);
  if (uuid === undefined) return [];
  const before = state.get('me_buddies', uuid);
  const after = evolveBuddy(before, event);
  if (after === undefined || after === before) return [];
  const presence = before?.presence ?? presenceOf(viewOf(state, []), after.uuid_user);
  const row: BuddyRow = { ...after, presence };
  if (after.in_use === 1) return [{ table: 'me_buddies', op: before === undefined ? 'create' : 'update', key: uuid, row }];
  return before === undefined ? [] : [{ table: 'me_buddies', op: 'delete', key: uuid, row }];
}

/**
 * A user is deleted: its contacts and its own buddies go, and so does every other person's buddy naming it (each a
 * delete on its owner's topic). No presence changes: only buddies naming the user read its contacts, and they go.
 */
function onUserDeleted(state: State, event: RecordedEvent): Change[] {
  const user = (event.data as Partial<UserDeletedFact>).uuid;
  if (typeof user !== 'string' || user === '') return [];
  const changes: Change[] = [];
  for (const row of state.all('user_contacts')) {
    if (row.user_uuid === user) changes.push({ table: 'user_contacts', op: 'delete', key: row.uuid, row });
  }
  for (const row of state.all('me_buddies')) {
    if (row.owner_uuid === user || row.uuid_user === user) changes.push({ table: 'me_buddies', op: 'delete', key: row.uuid, row });
  }
  return changes;
}

const pjsipDevice = /^PJSIP\//i;

function setDevice(state: State, device: string, value: string): Change[] {
  const existing = state.get('people_devices', device);
  if (existing?.state === value) return [];
  return [{ table: 'people_devices', op: existing === undefined ? 'create' : 'update', key: device, row: { device, state: value } }];
}

function onDeviceState(state: State, event: RecordedEvent): Change[] {
  const device = field(event.data, 'Device');
  const value = field(event.data, 'State');
  if (device === undefined || value === undefined || !pjsipDevice.test(device)) return [];
  const changes = setDevice(state, device, value.trim().toUpperCase());
  return changes.length === 0 ? [] : [...changes, ...presenceUpdates(state, changes)];
}

/** `DeviceStateList`: the whole truth of the PJSIP devices after a (re)connect. */
function onDeviceList(state: State, snapshot: Snapshot): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];
  const listed = new Set<string>();
  for (const item of snapshot.items) {
    const device = field(item, 'Device');
    const value = field(item, 'State');
    if (device === undefined || value === undefined || !pjsipDevice.test(device) || listed.has(device)) continue;
    listed.add(device);
    changes.push(...setDevice(state, device, value.trim().toUpperCase()));
  }
  for (const row of state.all('people_devices')) {
    if (!listed.has(row.device)) changes.push({ table: 'people_devices', op: 'delete', key: row.device, row });
  }
  return changes.length === 0 ? [] : [...changes, ...presenceUpdates(state, changes)];
}

export const peopleProjection = defineProjection<Tables, 'people'>({
  name: 'people',
  // 2: a deleted user's contacts and buddies, and others' buddies naming them, go (a rebuild drops stale rows).
  version: 2,
  tables: { user_contacts: { key: 'uuid' }, me_buddies: { key: 'uuid' }, people_devices: { key: 'device' } },
  handles: {
    [peopleEventTypes.contactCreated]: onContact,
    [peopleEventTypes.contactUpdated]: onContact,
    [peopleEventTypes.contactDeleted]: onContact,
    [peopleEventTypes.buddyCreated]: onBuddy,
    [peopleEventTypes.buddyUpdated]: onBuddy,
    [peopleEventTypes.buddyDeleted]: onBuddy,
    [userDeletedEventType]: onUserDeleted,
    DeviceStateChange: onDeviceState,
    AmiSnapshot: bySnapshotAction<Tables>({ devicestatelist: onDeviceList }),
  },
});

// ---------------------------------------------------------------------------------------------
// Queries

export async function listUserContacts(db: Kysely<Database>, userUuid?: string): Promise<ContactObject[]> {
  let query = db.selectFrom('user_contacts').selectAll();
  if (userUuid !== undefined) query = query.where('user_uuid', '=', userUuid);
  return query.orderBy('tm_create').orderBy('uuid').execute();
}

export async function getUserContact(db: Kysely<Database>, uuid: string): Promise<ContactObject | undefined> {
  return db.selectFrom('user_contacts').selectAll().where('uuid', '=', uuid).executeTakeFirst();
}

export async function listBuddies(db: Kysely<Database>, ownerUuid: string): Promise<BuddyRow[]> {
  return db.selectFrom('me_buddies').selectAll().where('owner_uuid', '=', ownerUuid).orderBy('tm_create').orderBy('uuid').execute();
}

export async function getBuddy(db: Kysely<Database>, uuid: string): Promise<BuddyRow | undefined> {
  return db.selectFrom('me_buddies').selectAll().where('uuid', '=', uuid).executeTakeFirst();
}

/** Live buddies of `owner` that follow `user` (a duplicate check). */
export async function findBuddy(db: Kysely<Database>, ownerUuid: string, userUuid: string): Promise<BuddyRow | undefined> {
  return db.selectFrom('me_buddies').selectAll().where('owner_uuid', '=', ownerUuid).where('uuid_user', '=', userUuid).executeTakeFirst();
}
