import { Router } from '@koa/router';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { getOwnChat, listChatMessages, listChats } from '../../../projections/chats.js';
import type { Database } from '../../readmodels/database.js';
import { currentUser } from '../../auth/middleware.js';
import type { ChatCommands } from '../../commands/chat.js';
import { NotFoundError } from '../../events/index.js';
import { limitParam, orderParam, positionParam, timestampParam } from '../../history/query-params.js';
import { accepts } from '../route-input.js';
import { reply } from '../envelope.js';
import { HttpError } from '../errors.js';

/**
 * `/me/chats`, `/me/chats/<uuid>`, `/me/chats/<uuid>/messages` (30-manager-me-user.md, proposed `result.list`).
 * Everything acts on the token's owner: another person's chat answers 404 like one that does not exist.
 */

/** Longest message, in characters (code points) of the posted object as compact JSON; 413 above (README). */
export const maxChatMessageChars = 4000;

const text = z.string().max(1000);
const createSchema = z.object({
  name: text.optional(),
  detail: text.optional(),
  type: z.number().int().min(0).max(1_000_000).optional().default(1),
  members: z.array(z.string().uuid()).min(1).max(1000),
});
const updateSchema = z.object({ name: text.optional(), detail: text.optional() });
const uuidParam = z.string().uuid();
const messagesQuery = z.object({
  count: limitParam(30, 100),
  from: positionParam.optional(),
  timestamp: timestampParam.optional(),
  order: orderParam,
});

export interface ChatRouteDeps {
  readonly db: Kysely<Database>;
  readonly chats: ChatCommands;
}

/** A path uuid that is not one names no chat of anyone's: 404 like any unknown chat. */
function chatParam(value: string): string {
  const parsed = uuidParam.safeParse(value);
  if (!parsed.success) throw new NotFoundError({ kind: 'chat', id: value }, `chat ${value} does not exist`);
  return parsed.data;
}

/** A message is the client's own JSON object (`{"message": "..."}` by convention), not empty; its size limit is a 413, checked in the route. */
const messageSchema = z
  .record(z.string(), z.unknown())
  .refine((message) => Object.keys(message).length > 0, { message: 'a message object is required, e.g. {"message": "..."}', path: ['body'] })
  .describe('Any JSON object the members agree on, e.g. {"message": "..."}');
const createInput = accepts({ summary: 'Create a chat room with members', body: createSchema });
const messageInput = accepts({ summary: 'Post a message to the chat', body: messageSchema });
const updateInput = accepts({ summary: 'Rename a chat or change its members', body: updateSchema });
const messagesInput = accepts({ summary: 'A page of the chat\'s messages', query: messagesQuery });

export function chatRoutes(deps: ChatRouteDeps): Router {
  const router = new Router();

  router.get('/me/chats', async (ctx) => {
    reply(ctx, { list: await listChats(deps.db, currentUser(ctx).uuid) });
  });

  router.post('/me/chats', createInput, async (ctx) => {
    const body = createInput.body(ctx);
    const chat = await deps.chats.create(currentUser(ctx), body);
    // The manual answers with the envelope only; the new chat's uuid is given as well (beyond the manual).
    reply(ctx, { uuid: chat.uuid, room: { uuid: chat.room.uuid } });
  });

  router.get('/me/chats/:uuid', async (ctx) => {
    const uuid = chatParam(ctx.params.uuid!);
    const chat = await getOwnChat(deps.db, currentUser(ctx).uuid, uuid);
    if (!chat) throw new NotFoundError({ kind: 'chat', id: uuid }, `chat ${uuid} does not exist`);
    reply(ctx, chat);
  });

  router.put('/me/chats/:uuid', updateInput, async (ctx) => {
    const uuid = chatParam(ctx.params.uuid!);
    const body = updateInput.body(ctx);
    await deps.chats.update(currentUser(ctx), uuid, body);
    reply(ctx);
  });

  router.delete('/me/chats/:uuid', async (ctx) => {
    await deps.chats.leave(currentUser(ctx), chatParam(ctx.params.uuid!));
    reply(ctx);
  });

  router.get('/me/chats/:uuid/messages', messagesInput, async (ctx) => {
    const uuid = chatParam(ctx.params.uuid!);
    const query = messagesInput.query(ctx);
    const chat = await getOwnChat(deps.db, currentUser(ctx).uuid, uuid);
    if (!chat) throw new NotFoundError({ kind: 'chat', id: uuid }, `chat ${uuid} does not exist`);
    const page = await listChatMessages(deps.db, {
      room_uuid: chat.room.uuid,
      count: query.count,
      order: query.order,
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.timestamp !== undefined ? { before: query.timestamp } : {}),
    });
    reply(ctx, page);
  });

  router.post('/me/chats/:uuid/messages', messageInput, async (ctx) => {
    const uuid = chatParam(ctx.params.uuid!);
    const body = messageInput.body(ctx);
    const size = [...JSON.stringify(body)].length;
    if (size > maxChatMessageChars) throw new HttpError(413, `message is longer than ${maxChatMessageChars} characters (as JSON): ${size}`, { limit: maxChatMessageChars });
    const message_uuid = await deps.chats.post(currentUser(ctx), uuid, body);
    reply(ctx, { uuid: message_uuid });
  });

  return router;
}
