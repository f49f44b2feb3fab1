import { toAgiObject } from '../../projections/agis.js';
import { toChannelObject } from '../../projections/channels.js';
import { toEntryObject, toMemberObject, toQueueObject } from '../../projections/queues/index.js';
import { toParkedCallObject } from '../../projections/parking.js';
import type { ConfigVersionRow } from '../../projections/config-versions.js';
import { toChatMessageObject, type ChatMemberRow, type ChatMessageRow } from '../../projections/chats.js';
import type { ChangeOp, ReadModelChange } from '../readmodels/index.js';
import { encodeTarget, publishTopic } from './topics.js';
import type { BuddyRow, ContactObject } from '../../projections/people.js';
import { dpmaRow } from '../../projections/dialplans.js';
import { toVoicemailMessageEvent, toVoicemailUserObject } from '../../projections/voicemail.js';
import { lineDiff, renderConfig, type ConfigFile } from '../configfiles/model.js';

/**
 * THE table from read-model changes to the manual's events (40-events-websocket §1-2): for every
 * read-model table, which event name each row operation becomes, on which topic, with which payload.
 * Realtime publishes nothing else and read models never publish by another path (ARCHITECTURE.md,
 * "Read models"). Adding a projection to `readmodels/registry.ts` makes this file fail to compile until
 * its tables get an entry here: one line with `publish(catalogFamilies.<family>)`, or `null`.
 */

/** The manual's event name per row operation; an operation left out is not published. */
export type EventNames = Readonly<Partial<Record<ChangeOp, string>>>;

/** One event family of the catalog: its names, the topic collection, and the payload field that is the topic target. */
export interface EventFamily<K extends string = string> {
  readonly events: EventNames;
  /** Topic prefix up to the target, with its trailing `/`. */
  readonly collection: string;
  readonly target: K;
}

const crud = (name: string) => ({ create: `${name}.create`, update: `${name}.update`, delete: `${name}.delete` }) as const;
/** The manual has no `create` for these: a new row is announced as an update, i.e. an upsert (40-events §2.10, §2.12, §6.5). */
const upsert = (name: string) => ({ create: `${name}.update`, update: `${name}.update`, delete: `${name}.delete` }) as const;

/** Every family the catalog defines, including those whose read models do not exist yet. */
export const catalogFamilies = {
  channel: { events: crud('core.channel'), collection: '/core/channels/', target: 'caller_id_name' },
  agi: { events: crud('core.agi'), collection: '/core/agis/', target: 'caller_id_name' },
  parkedCall: { events: crud('park.parkedcall'), collection: '/park/parkinglots/', target: 'parking_lot' },
  queueEntry: { events: upsert('queue.entry'), collection: '/queue/statuses/', target: 'queue_name' },
  queueMember: { events: upsert('queue.member'), collection: '/queue/statuses/', target: 'queue_name' },
  // `queue.queue.update` is the only queue event: a queue that disappears is not signalled (40-events §2.14).
  queueQueue: { events: { create: 'queue.queue.update', update: 'queue.queue.update' }, collection: '/queue/statuses/', target: 'name' },
  // Outbound: the manual has no `ob.*` events (40-events §2.15); issue 6 adds them under its naming rules, for dashboards.
  // The payload is the REST object; a soft delete is `delete` with `in_use` 0. Entries and dialings are
  // published per dial list / campaign, so a dashboard follows one of those.
  obPlan: { events: crud('ob.plan'), collection: '/ob/plans/', target: 'uuid' },
  obDestination: { events: crud('ob.destination'), collection: '/ob/destinations/', target: 'uuid' },
  obDlma: { events: crud('ob.dlma'), collection: '/ob/dlmas/', target: 'uuid' },
  obDl: { events: crud('ob.dl'), collection: '/ob/dls/', target: 'dlma_uuid' },
  obCampaign: { events: crud('ob.campaign'), collection: '/ob/campaigns/', target: 'uuid' },
  obDialing: { events: crud('ob.dialing'), collection: '/ob/dialings/', target: 'uuid_camp' },
  // Async dialplans (issue 14): no manual events either; named like the outbound ones. A dpma's steps are
  // published on their dpma's topic, so a client follows one script. A dpma whose steps changed is a
  // `dp.dpma.update` (its script version moved) with the same REST object.
  dpDpma: { events: crud('dp.dpma'), collection: '/dp/dpmas/', target: 'uuid' },
  dpDialplan: { events: crud('dp.dialplan'), collection: '/dp/dpmas/', target: 'dpma_uuid' },
  // Not in the manual (ARCHITECTURE.md "Configuration writes"): each new version of a managed file, drift included, on
  // the file's topic; `update` when a backup is hidden. Admin only (src/auth/topic-permissions.ts).
  configuration: { events: { create: 'admin.configuration.create', update: 'admin.configuration.update' }, collection: '/admin/configurations/', target: 'file' },
  // A person's own topics (40-events is silent on chats; issue 13): each event goes to the member's own chat topic
  // and only that member receives it (`audience`), whoever else subscribed to `/` (src/auth/topic-permissions.ts).
  chat: { events: crud('me.chat'), collection: '/me/chats/', target: 'uuid' },
  chatMessage: { events: { create: 'me.chat.message.create' }, collection: '/me/chats/', target: 'uuid' },
  // Voicemail (issue 15; the manual has none): a mailbox's counts (the waiting-message light) and its messages, all on
  // the mailbox's topic `/voicemail/users/<mailbox>@<context>` (encoded). A renumbered message is an update.
  voicemailUser: { events: crud('voicemail.user'), collection: '/voicemail/users/', target: 'id' },
  voicemailMessage: { events: crud('voicemail.message'), collection: '/voicemail/users/', target: 'user_id' },
} as const satisfies Readonly<Record<string, EventFamily>>;

/** How the rows of one table become events. */
export interface RealtimeMapping<Row> {
  readonly events: EventNames;
  topic(row: Row): string;
  /** The manual's payload: the object the REST resource returns for one item. Must be JSON-serialisable. */
  payload(row: Row): unknown;
  /**
   * Personal rows (a person's chats): the change is published once per entry, on the entry's topic, and only
   * the entry's user receives it (the event's `audience`), instead of once on `topic(row)` for every subscriber.
   */
  personal?(row: Row): readonly PersonalDelivery[];
}

/** One person an event of a personal row goes to, and on which of their topics. */
export interface PersonalDelivery {
  readonly topic: string;
  readonly user_uuid: string;
}

/** An entry for a personal table: the events go to `deliveries(row)`, each to one user. */
export function publishPersonal<Row extends object>(family: EventFamily, deliveries: (row: Row) => readonly { readonly user_uuid: string; readonly target: string }[], payload: (row: Row) => unknown = (row) => row): RealtimeMapping<Row> {
  const personal = (row: Row): PersonalDelivery[] => deliveries(row).map((d) => ({ topic: publishTopic(family.collection, d.target), user_uuid: d.user_uuid }));
  return {
    events: family.events,
    topic: (row) => personal(row)[0]?.topic ?? family.collection,
    payload,
    personal,
  };
}

/** Keys of Row whose value can be a topic target. */
type TargetKeys<Row> = { [K in keyof Row & string]: Row[K] extends string | null | undefined ? K : never }[keyof Row & string];

/** An entry for the table: a catalog family, and the payload if it is not the row itself. */
export function publish<Row extends object>(family: EventFamily<TargetKeys<Row>>, payload: (row: Row) => unknown = (row) => row): RealtimeMapping<Row> {
  return {
    events: family.events,
    topic: (row) => publishTopic(family.collection, row[family.target] as string | null | undefined),
    payload,
  };
}

type TableName = ReadModelChange['table'];
type RowOf<T extends TableName> = Extract<ReadModelChange, { readonly table: T }>['row'];

export type RealtimeTable = { readonly [T in TableName]: RealtimeMapping<RowOf<T>> | null };

export const realtimeTable: RealtimeTable = {
  // `duration` as of the change (event time, not the wall clock), so a resumed client sees what a live one saw.
  channels: publish(catalogFamilies.channel, (row) => toChannelObject(row, row.tm_update)),
  agis: publish(catalogFamilies.agi, toAgiObject),
  // Bookkeeping of the AGI read model (when ended sessions were last swept): nothing a client sees.
  agis_prune: null,
  // The manual defines no events for these (40-events §2.15).
  modules: null,
  systems: null,
  // Config file versions: no manual event; clients read `…/settings/history`.
  config_versions: publish(catalogFamilies.configuration, toConfigurationEvent),
  queues: publish(catalogFamilies.queueQueue, toQueueObject),
  queue_members: publish(catalogFamilies.queueMember, toMemberObject),
  // `wait` as of the change, like a channel's duration.
  queue_entries: publish(catalogFamilies.queueEntry, (row) => toEntryObject(row, row.tm_update)),
  // `parking_duration`/`parking_timeout` as of the change, like a channel's duration.
  parked_calls: publish(catalogFamilies.parkedCall, (row) => toParkedCallObject(row, row.tm_update)),
  // The manual defines no parking-lot, agent, device-state or pjsip events (40-events §2.15).
  parking_lots: null,
  agents: null,
  device_states: null,
  pjsip_endpoints: null,
  pjsip_aors: null,
  pjsip_auths: null,
  pjsip_contacts: null,
  pjsip_registration_outbounds: null,
  // History (calls, command audit) is read through /calls and /commands; the manual has no events for it.
  calls: null,
  call_legs: null,
  calls_live: null,
  call_pending: null,
  commands: null,
  ob_plans: publish(catalogFamilies.obPlan),
  ob_destinations: publish(catalogFamilies.obDestination),
  ob_dlmas: publish(catalogFamilies.obDlma),
  ob_dls: publish(catalogFamilies.obDl),
  ob_campaigns: publish(catalogFamilies.obCampaign),
  ob_dialings: publish(catalogFamilies.obDialing),
  dp_dpmas: publish(catalogFamilies.dpDpma, dpmaRow),
  dp_dialplans: publish(catalogFamilies.dpDialplan),
  // A person's own events (issue 13): private topics naming their owner (topics.ts `privateTopicPrefix`).
  user_contacts: privately('me.contact', 'contacts', (row: ContactObject) => row.user_uuid, toContactEvent),
  me_buddies: privately('me.buddy', 'buddies', (row: BuddyRow) => row.owner_uuid, toBuddyEvent),
  people_devices: null,
  // Chats: a member's own chat changes on their chat's topic; a message once per member, on each member's chat topic.
  chat_rooms: null,
  chat_members: publishPersonal(catalogFamilies.chat, (row: ChatMemberRow) => [{ user_uuid: row.user_uuid, target: row.uuid }], toChatMemberEvent),
  chat_messages: publishPersonal(
    catalogFamilies.chatMessage,
    (row: ChatMessageRow) => row.recipients.map((r) => ({ user_uuid: r.user_uuid, target: r.chat_uuid })),
    (row) => ({ ...toChatMessageObject(row), room_uuid: row.room_uuid }),
  ),
  voicemail_users: publish(catalogFamilies.voicemailUser, toVoicemailUserObject),
  voicemail_messages: publish(catalogFamilies.voicemailMessage, toVoicemailMessageEvent),
};

/** What one change becomes: the manual's event, its topic and payload, and the log position that caused it. */
export interface RealtimeEvent {
  readonly position: number;
  readonly topic: string;
  readonly event: string;
  readonly data: unknown;
  /**
   * Only these users receive the event (a person's chat), on any topic that matches, `/` included; absent:
   * everyone whose subscription matches. The fan-out checks it per client at delivery and at resume.
   */
  readonly audience?: readonly string[];
}

/** The events for a change (one, or one per person for a personal row); empty when its table or operation is not published. */
export function toRealtimeEvents(change: ReadModelChange, table: RealtimeTable = realtimeTable): RealtimeEvent[] {
  // The union of tables cannot be correlated with the union of rows by the compiler; the table's type ties them.
  const mapping = table[change.table] as RealtimeMapping<object> | null | undefined;
  const event = mapping?.events[change.op];
  if (!mapping || event === undefined) return [];
  const data = mapping.payload(change.row);
  if (mapping.personal) {
    return mapping.personal(change.row).map((d) => ({ position: change.position, topic: d.topic, event, data, audience: [d.user_uuid] }));
  }
  return [{ position: change.position, topic: mapping.topic(change.row), event, data }];
}

/** The (first) event for a change, or undefined when its table or operation is not published. */
export function toRealtimeEvent(change: ReadModelChange, table: RealtimeTable = realtimeTable): RealtimeEvent | undefined {
  return toRealtimeEvents(change, table)[0];
}

/** A member's chat as its events carry it: the member's view, with the room's uuid (GET the chat for the room itself). */
function toChatMemberEvent(row: ChatMemberRow): unknown {
  return { uuid: row.uuid, name: row.name, detail: row.detail, room_uuid: row.room_uuid, tm_create: row.tm_create, tm_update: row.tm_update };
}

/** A version as a dashboard wants it: who, why, and the line diff; the full sections stay behind `…/settings/history`. */
function toConfigurationEvent(row: ConfigVersionRow): unknown {
  const text = (sections: unknown): string => (Array.isArray(sections) ? renderConfig(sections as ConfigFile) : '');
  return {
    file: row.file, position: row.position, kind: row.kind, cause: row.cause, name: row.name, time: row.time,
    user_uuid: row.user_uuid, username: row.username, command_id: row.command_id, hidden: row.hidden === 1,
    diff: lineDiff(text(row.before), text(row.sections)),
  };
}


/**
 * A person's own events (not in the manual; 40-events is silent on `/me`): published on
 * `/me/<area>/<owner uuid>/<object uuid>`, so only the owner may subscribe (auth/topic-permissions.ts) and no
 * broader subscription (`/`, `/me`) reaches them (delivery.ts). Like chats, a personal mapping: the one event
 * carries its owner as its `audience`, so `/me/` (open to everyone for their own events) brings no one else's.
 * `me.buddy.update` carries a presence change.
 */
function privately<Row extends { readonly uuid: string }>(
  name: string,
  area: string,
  owner: (row: Row) => string,
  payload: (row: Row) => unknown,
): RealtimeMapping<Row> {
  const topic = (row: Row): string => `/me/${area}/${encodeTarget(owner(row))}/${encodeTarget(row.uuid)}`;
  return { events: crud(name), topic, payload, personal: (row) => [{ topic: topic(row), user_uuid: owner(row) }] };
}

function toContactEvent(c: ContactObject): unknown {
  return { uuid: c.uuid, user_uuid: c.user_uuid, type: c.type, target: c.target, name: c.name, detail: c.detail, tm_create: c.tm_create, tm_update: c.tm_update };
}

function toBuddyEvent(b: BuddyRow): unknown {
  return { uuid: b.uuid, uuid_user: b.uuid_user, name: b.name, detail: b.detail, presence: b.presence, tm_create: b.tm_create, tm_update: b.tm_update };
}
