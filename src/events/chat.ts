/**
 * Chats (30-manager-me-user.md `/me/chats`): a *room* shared by its members, and each member's own *chat*
 * (their view of the room: its own uuid, name and detail). Every event of a room, its messages included, is
 * on the room's stream `chat-<room uuid>`, so a room's history is one stream in log order.
 */
export const chatEventTypes = {
  /** `ChatCreatedData`: a room and one chat per member. */
  created: 'ChatCreated',
  /** `ChatUpdatedData`: a member renamed their own chat. */
  updated: 'ChatUpdated',
  /** `ChatLeftData`: a member deleted their chat (left the room); the room goes with its last member. */
  left: 'ChatLeft',
  /** `ChatMessagePostedData`. */
  messagePosted: 'ChatMessagePosted',
} as const;

export const chatStreamPrefix = 'chat-';
export const chatStream = (roomUuid: string): string => `${chatStreamPrefix}${roomUuid}`;

/** One member of a room and the uuid of their chat (the `/me/chats/<uuid>` they address it by). */
export interface ChatMembership {
  readonly user_uuid: string;
  readonly chat_uuid: string;
}

export interface ChatCreatedData {
  readonly room_uuid: string;
  readonly type: number;
  readonly creator_uuid: string;
  /** In the order given, the creator included; one entry per user. */
  readonly members: readonly ChatMembership[];
  readonly name: string;
  readonly detail: string;
  readonly time: string;
}

export interface ChatUpdatedData {
  readonly room_uuid: string;
  readonly chat_uuid: string;
  readonly user_uuid: string;
  readonly name?: string;
  readonly detail?: string;
  readonly time: string;
}

export interface ChatLeftData {
  readonly room_uuid: string;
  readonly chat_uuid: string;
  readonly user_uuid: string;
  readonly time: string;
}

export interface ChatMessagePostedData {
  readonly room_uuid: string;
  readonly message_uuid: string;
  /** The sender. */
  readonly user_uuid: string;
  /** The JSON object the sender posted, verbatim (`{"message": "..."}` by convention). */
  readonly message: Readonly<Record<string, unknown>>;
  readonly time: string;
}
