import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { getOwnChat, type ChatObject } from '../../projections/chats.js';
import type { Database } from '../../projections/database.js';
import {
  chatEventTypes,
  chatStream,
  NotFoundError,
  type ChatCreatedData,
  type ChatLeftData,
  type ChatMessagePostedData,
  type ChatUpdatedData,
  type EventMetadata,
  type JadeEvent,
} from '../events/index.js';
import { nowTimestamp } from '../events/time.js';
import type { EventStore } from '../eventstore/port.js';
import type { Actor, ReadModelSync } from './command.js';
import { InvalidInputError } from '../validation.js';

/**
 * Chat commands (30-manager-me-user.md `/me/chats`): recorded on the room's stream `chat-<room>`, answered
 * once the read models show them (read-your-writes). Always acting as the token's owner: a chat that is not
 * the actor's is a NotFoundError, exactly like one that does not exist.
 */
export interface ChatCommandDeps {
  readonly store: Pick<EventStore, 'append'>;
  readonly db: Kysely<Database>;
  readonly readModels: Pick<ReadModelSync, 'waitForPosition'>;
  readonly settleTimeoutMs: number;
  /** Does a user with this uuid exist? (members must.) */
  readonly userExists: (uuid: string) => boolean;
}

/** A member that is no user: a 400 naming `members` (InvalidInputError is in the one error table). */
export class UnknownMemberError extends InvalidInputError {
  override readonly name: string = 'UnknownMemberError';
  constructor(readonly uuid: string) {
    super(`members: no user ${uuid}`, ['members']);
  }
}

const notFound = (uuid: string): NotFoundError => new NotFoundError({ kind: 'chat', id: uuid }, `chat ${uuid} does not exist`);

export class ChatCommands {
  constructor(private readonly deps: ChatCommandDeps) {}

  private async record(actor: Actor, room: string, type: string, data: object): Promise<void> {
    const commandId = randomUUID();
    const metadata: EventMetadata = { commandId, userId: actor.uuid, correlationId: commandId };
    const event: JadeEvent = { type, data: data as Record<string, unknown>, metadata };
    const appended = await this.deps.store.append(chatStream(room), [event], 'any');
    await this.deps.readModels.waitForPosition(appended.lastPosition, this.deps.settleTimeoutMs);
  }

  private async own(actor: Actor, chatUuid: string): Promise<ChatObject> {
    const chat = await getOwnChat(this.deps.db, actor.uuid, chatUuid);
    if (!chat) throw notFound(chatUuid);
    return chat;
  }

  /** A room with the given members (the creator added if missing); answers with the creator's chat. */
  async create(actor: Actor, body: { name?: string; detail?: string; type: number; members: readonly string[] }): Promise<ChatObject> {
    const users = [...new Set([actor.uuid, ...body.members])];
    for (const uuid of users) if (!this.deps.userExists(uuid)) throw new UnknownMemberError(uuid);
    const room = randomUUID();
    const members = users.map((user_uuid) => ({ user_uuid, chat_uuid: randomUUID() }));
    const data: ChatCreatedData = { room_uuid: room, type: body.type, creator_uuid: actor.uuid, members, name: body.name ?? '', detail: body.detail ?? '', time: nowTimestamp() };
    await this.record(actor, room, chatEventTypes.created, data);
    return this.own(actor, members[0]!.chat_uuid);
  }

  async update(actor: Actor, chatUuid: string, body: { name?: string; detail?: string }): Promise<ChatObject> {
    const chat = await this.own(actor, chatUuid);
    if (body.name === undefined && body.detail === undefined) return chat;
    const data: ChatUpdatedData = { room_uuid: chat.room.uuid, chat_uuid: chat.uuid, user_uuid: actor.uuid, ...body, time: nowTimestamp() };
    await this.record(actor, chat.room.uuid, chatEventTypes.updated, data);
    return this.own(actor, chatUuid);
  }

  async leave(actor: Actor, chatUuid: string): Promise<void> {
    const chat = await this.own(actor, chatUuid);
    const data: ChatLeftData = { room_uuid: chat.room.uuid, chat_uuid: chat.uuid, user_uuid: actor.uuid, time: nowTimestamp() };
    await this.record(actor, chat.room.uuid, chatEventTypes.left, data);
  }

  async post(actor: Actor, chatUuid: string, message: Readonly<Record<string, unknown>>): Promise<string> {
    const chat = await this.own(actor, chatUuid);
    const message_uuid = randomUUID();
    const data: ChatMessagePostedData = { room_uuid: chat.room.uuid, message_uuid, user_uuid: actor.uuid, message, time: nowTimestamp() };
    await this.record(actor, chat.room.uuid, chatEventTypes.messagePosted, data);
    return message_uuid;
  }
}
