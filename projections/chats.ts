import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import { chatEventTypes, userDeletedEventType, type UserDeletedFact, type ChatCreatedData, type ChatLeftData, type ChatMessagePostedData, type ChatUpdatedData } from '../src/events/index.js';
import type { Database } from './database.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { jsonColumns, type Stored } from './lib/json-columns.js';

/**
 * Chats (30-manager-me-user.md `/me/chats`, `/me/chats/<uuid>/messages`), from the `chat-<room>` streams:
 * - `chat_rooms`: the shared room (`room` in the catalog's chat object), its members and, per member, their chat uuid;
 * - `chat_members`: one row per member, that member's chat (its own uuid, name, detail);
 * - `chat_messages`: every message, keyed by uuid, ordered by its log position; `recipients` are the room's
 *   members when it was posted (who receives it live, realtime/event-table.ts).
 * A room whose last member left is deleted; its messages stay in the table, reachable by no chat.
 */

export interface ChatRoomRow {
  readonly uuid: string;
  readonly type: number;
  /** User uuids, in the order the room was created with. */
  readonly members: readonly string[];
  /** user uuid -> that member's chat uuid. */
  readonly chats: Readonly<Record<string, string>>;
  readonly uuid_creator: string;
  readonly uuid_owner: string;
  readonly tm_create: string;
  readonly tm_update: string | null;
}

export interface ChatMemberRow {
  /** The chat uuid (the path of `/me/chats/<uuid>`). */
  readonly uuid: string;
  readonly room_uuid: string;
  readonly user_uuid: string;
  readonly name: string;
  readonly detail: string;
  readonly tm_create: string;
  readonly tm_update: string | null;
}

export interface ChatRecipient {
  readonly user_uuid: string;
  readonly chat_uuid: string;
}

export interface ChatMessageRow {
  readonly uuid: string;
  readonly room_uuid: string;
  readonly position: number;
  readonly uuid_owner: string;
  readonly message: unknown;
  readonly recipients: readonly ChatRecipient[];
  readonly tm_create: string;
}

const roomColumns = jsonColumns<ChatRoomRow, 'members' | 'chats'>(['members', 'chats']);
const messageColumns = jsonColumns<ChatMessageRow, 'message' | 'recipients'>(['message', 'recipients']);
export type ChatRoomsTable = Stored<ChatRoomRow, 'members' | 'chats'>;
export type ChatMembersTable = ChatMemberRow;
export type ChatMessagesTable = Stored<ChatMessageRow, 'message' | 'recipients'>;

type Tables = { chat_rooms: ChatRoomRow; chat_members: ChatMemberRow; chat_messages: ChatMessageRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

function onCreated(state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<ChatCreatedData>;
  const room = text(data.room_uuid);
  if (room === '' || state.get('chat_rooms', room) || !Array.isArray(data.members)) return [];
  const chats: Record<string, string> = {};
  for (const member of data.members) chats[member.user_uuid] = member.chat_uuid;
  const row: ChatRoomRow = {
    uuid: room, type: typeof data.type === 'number' ? data.type : 1, members: data.members.map((m) => m.user_uuid), chats,
    uuid_creator: text(data.creator_uuid), uuid_owner: text(data.creator_uuid), tm_create: text(data.time), tm_update: null,
  };
  return [
    { table: 'chat_rooms', op: 'create', key: room, row },
    ...data.members.map((member): Change => ({
      table: 'chat_members', op: 'create', key: member.chat_uuid,
      row: { uuid: member.chat_uuid, room_uuid: room, user_uuid: member.user_uuid, name: text(data.name), detail: text(data.detail), tm_create: text(data.time), tm_update: null },
    })),
  ];
}

function onUpdated(state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<ChatUpdatedData>;
  const chat = state.get('chat_members', text(data.chat_uuid));
  if (!chat || chat.user_uuid !== data.user_uuid) return [];
  const row: ChatMemberRow = {
    ...chat,
    ...(typeof data.name === 'string' ? { name: data.name } : {}),
    ...(typeof data.detail === 'string' ? { detail: data.detail } : {}),
    tm_update: text(data.time),
  };
  return [{ table: 'chat_members', op: 'update', key: chat.uuid, row }];
}

/** `chat` leaves its room at `time`: its chat goes, and the room too if no member is left. */
function leave(state: State, chat: ChatMemberRow, time: string): Change[] {
  const changes: Change[] = [{ table: 'chat_members', op: 'delete', key: chat.uuid, row: chat }];
  const room = state.get('chat_rooms', chat.room_uuid);
  if (room) {
    const members = room.members.filter((user) => user !== chat.user_uuid);
    const chats = { ...room.chats };
    delete chats[chat.user_uuid];
    changes.push(
      members.length === 0
        ? { table: 'chat_rooms', op: 'delete', key: room.uuid, row: room }
        : { table: 'chat_rooms', op: 'update', key: room.uuid, row: { ...room, members, chats, tm_update: time } },
    );
  }
  return changes;
}

function onLeft(state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<ChatLeftData>;
  const chat = state.get('chat_members', text(data.chat_uuid));
  if (!chat || chat.user_uuid !== data.user_uuid) return [];
  return leave(state, chat, text(data.time));
}

/** A deleted user leaves every room it is in, as if it had deleted each of its chats (one chat per room). */
function onUserDeleted(state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<UserDeletedFact>;
  const user = text(data.uuid);
  if (user === '') return [];
  return state.all('chat_members').filter((chat) => chat.user_uuid === user).flatMap((chat) => leave(state, chat, text(data.deleted_at)));
}

function onMessage(state: State, event: RecordedEvent): Change[] {
  const data = event.data as Partial<ChatMessagePostedData>;
  const room = state.get('chat_rooms', text(data.room_uuid));
  const uuid = text(data.message_uuid);
  if (!room || uuid === '') return [];
  const recipients = room.members.flatMap((user) => (room.chats[user] === undefined ? [] : [{ user_uuid: user, chat_uuid: room.chats[user]! }]));
  const row: ChatMessageRow = {
    uuid, room_uuid: room.uuid, position: event.position, uuid_owner: text(data.user_uuid),
    message: data.message ?? {}, recipients, tm_create: text(data.time),
  };
  return [{ table: 'chat_messages', op: 'create', key: uuid, row }];
}

export const chatsProjection = defineProjection<Tables, 'chats'>({
  name: 'chats',
  // 2: a deleted user leaves every room (a rebuild drops the memberships and rooms left behind before).
  version: 2,
  tables: {
    chat_rooms: { key: 'uuid', json: roomColumns.names },
    chat_members: { key: 'uuid' },
    chat_messages: { key: 'uuid', json: messageColumns.names },
  },
  handles: {
    [chatEventTypes.created]: onCreated,
    [chatEventTypes.updated]: onUpdated,
    [chatEventTypes.left]: onLeft,
    [chatEventTypes.messagePosted]: onMessage,
    [userDeletedEventType]: onUserDeleted,
  },
});

// ---------------------------------------------------------------------------------------------
// Queries

/** The catalog's chat object: the member's view plus the shared room. */
export interface ChatObject {
  readonly uuid: string;
  readonly name: string;
  readonly detail: string;
  readonly room: {
    readonly uuid: string;
    readonly type: number;
    readonly members: readonly string[];
    readonly uuid_creator: string;
    readonly uuid_owner: string;
    readonly tm_create: string;
    readonly tm_update: string | null;
  };
  readonly tm_create: string;
  readonly tm_update: string | null;
}

function toChatObject(chat: ChatMemberRow, room: ChatRoomRow): ChatObject {
  return {
    uuid: chat.uuid, name: chat.name, detail: chat.detail,
    room: { uuid: room.uuid, type: room.type, members: room.members, uuid_creator: room.uuid_creator, uuid_owner: room.uuid_owner, tm_create: room.tm_create, tm_update: room.tm_update },
    tm_create: chat.tm_create, tm_update: chat.tm_update,
  };
}

/** A user's chats, oldest first. */
export async function listChats(db: Kysely<Database>, userUuid: string): Promise<ChatObject[]> {
  const chats = await db.selectFrom('chat_members').selectAll().where('user_uuid', '=', userUuid).orderBy('tm_create').orderBy('uuid').execute();
  const out: ChatObject[] = [];
  for (const chat of chats) {
    const room = await db.selectFrom('chat_rooms').selectAll().where('uuid', '=', chat.room_uuid).executeTakeFirst();
    if (room) out.push(toChatObject(chat, roomColumns.fromStored(room)));
  }
  return out;
}

/** The chat `uuid` if it is `userUuid`'s; undefined otherwise (another person's chat does not exist for them). */
export async function getOwnChat(db: Kysely<Database>, userUuid: string, uuid: string): Promise<ChatObject | undefined> {
  const chat = await db.selectFrom('chat_members').selectAll().where('uuid', '=', uuid).where('user_uuid', '=', userUuid).executeTakeFirst();
  if (!chat) return undefined;
  const room = await db.selectFrom('chat_rooms').selectAll().where('uuid', '=', chat.room_uuid).executeTakeFirst();
  return room ? toChatObject(chat, roomColumns.fromStored(room)) : undefined;
}

/** The catalog's message object, plus its log position (the paging cursor). */
export interface ChatMessageObject {
  readonly uuid: string;
  readonly uuid_owner: string;
  readonly message: unknown;
  readonly tm_create: string;
  readonly position: number;
}

export const toChatMessageObject = (row: ChatMessageRow): ChatMessageObject => ({
  uuid: row.uuid, uuid_owner: row.uuid_owner, message: row.message, tm_create: row.tm_create, position: row.position,
});

export interface MessagePageQuery {
  readonly room_uuid: string;
  readonly count: number;
  readonly order: 'asc' | 'desc';
  /** Position of the first message of the page (inclusive: the previous page's `next_from`). */
  readonly from?: number;
  /** The catalog's filter: only messages created strictly before this time. */
  readonly before?: string;
}

/** One page of a room's messages in log order (newest first by default); `count + 1` rows tell whether more follow. */
export async function listChatMessages(db: Kysely<Database>, query: MessagePageQuery): Promise<{ list: ChatMessageObject[]; next_from: string | null }> {
  let q = db.selectFrom('chat_messages').selectAll().where('room_uuid', '=', query.room_uuid);
  if (query.from !== undefined) q = q.where('position', query.order === 'asc' ? '>=' : '<=', query.from);
  if (query.before !== undefined) q = q.where('tm_create', '<', query.before);
  const rows = await q.orderBy('position', query.order).limit(query.count + 1).execute();
  const list = rows.slice(0, query.count).map((row) => toChatMessageObject(messageColumns.fromStored(row)));
  const next = rows[query.count];
  return { list, next_from: next === undefined ? null : String(next.position) };
}

/** The owner of a chat uuid, for a synchronous lookup on the read-model connection (realtime subscribe checks). */
export const chatOwnerQuery = 'select user_uuid from chat_members where uuid = ?';
