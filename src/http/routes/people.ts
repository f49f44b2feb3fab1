import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../../projections/database.js';
import { getDeviceState } from '../../../projections/device-states.js';
import { getAuth, getEndpoint, listContactsOfEndpoint } from '../../../projections/pjsip/queries.js';
import {
  contactDevice,
  devicePresence,
  getBuddy,
  getUserContact,
  listBuddies,
  listUserContacts,
  type BuddyObject,
  type BuddyRow,
  type ContactObject,
} from '../../../projections/people.js';
import type { AuthService } from '../../auth/service.js';
import { currentUser } from '../../auth/middleware.js';
import { contactTypes, NotFoundError } from '../../events/index.js';
import type { PeopleCommands } from '../../people/commands.js';
import { amiSafeString, pathParam } from '../body.js';
import { accepts } from '../route-input.js';
import { reply } from '../envelope.js';
import { readDb } from '../point-in-time.js';
import { noOptions, resourceRoutes } from '../resource-routes.js';
import { ownInfoInput, ownInfoUpdate } from './admin-info.js';

/**
 * People (issue 13 P2): `/admin/user/contacts[/<uuid>]` and its older alias `/user/contacts` (admin, catalog 20
 * and 30), and the token owner's own `/me/info`, `/me/contacts[/<uuid>]`, `/me/buddies[/<uuid>]`, `/me/search`.
 * Under `/me` a caller only ever sees its own objects: another person's contact or buddy is the same 404 as
 * one that never existed.
 */

export interface PeopleRouteDeps {
  readonly db: Kysely<Database>;
  readonly commands: PeopleCommands;
  readonly auth: Pick<AuthService, 'userView' | 'updateUser' | 'checkCurrentPassword' | 'directory'>;
}

const text = z.string().max(255, 'must be at most 255 characters');
/** A target names an Asterisk object (`PJSIP/<target>` device, endpoint lookups): no CR/LF/NUL. */
const target = amiSafeString.pipe(z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'));
const uuid = z.string().uuid('must be a uuid');

const contactCreate = z.object({
  user_uuid: uuid,
  type: z.enum(contactTypes),
  target,
  name: text.nullable().optional(),
  detail: text.nullable().optional(),
});
const contactUpdate = contactCreate.partial();
const buddyCreate = z.object({ uuid_user: uuid, name: text.nullable().optional(), detail: text.nullable().optional() });
const buddyUpdate = z.object({ name: text.nullable().optional(), detail: text.nullable().optional() });

/** The catalog's contact object (no lifecycle internals). */
export function toContactView(c: ContactObject): Record<string, unknown> {
  return { uuid: c.uuid, user_uuid: c.user_uuid, type: c.type, target: c.target, name: c.name, detail: c.detail, tm_create: c.tm_create, tm_update: c.tm_update };
}

/** The catalog's buddy object plus its derived `presence`. */
export function toBuddyView(b: BuddyRow | (BuddyObject & { presence?: string })): Record<string, unknown> {
  return { uuid: b.uuid, uuid_user: b.uuid_user, name: b.name, detail: b.detail, presence: b.presence ?? 'unavailable', tm_create: b.tm_create, tm_update: b.tm_update };
}

/** A `/me/contacts` item: the contact, how to register (`info`, catalog 30), and its device's live state now. */
async function meContact(db: Kysely<Database>, contact: ContactObject, host: string): Promise<Record<string, unknown>> {
  const endpoint = await getEndpoint(db, contact.target);
  const auth = endpoint?.auth ? await getAuth(db, endpoint.auth.split(',')[0]!.trim()) : undefined;
  const device = await getDeviceState(db, contactDevice(contact));
  const registrations = await listContactsOfEndpoint(db, contact.target);
  return {
    ...toContactView(contact),
    info: { id: auth?.username ?? contact.target, password: auth?.password ?? null, public_url: `sip:${contact.target}@${host}`, realm: auth?.realm ?? null },
    live: {
      device: contactDevice(contact),
      device_state: device?.state ?? null,
      presence: devicePresence(device?.state),
      registered: registrations.length > 0,
      contacts: registrations.map((r) => ({ id: r.id, uri: r.uri, status: r.status })),
    },
  };
}

const buddyCreateInput = accepts({ summary: 'Add a buddy', body: buddyCreate });
const buddyUpdateInput = accepts({ summary: 'Change a buddy', body: buddyUpdate });
/** Catalog 30 (proposed): an exact, case-sensitive match on `username`, the one type searched. */
const searchInput = accepts({
  summary: 'Find a user by exact username',
  query: z.object({
    filter: z.string({ errorMap: () => ({ message: 'must be a non-empty string' }) }).min(1, 'must be a non-empty string'),
    type: z.literal('username', { errorMap: () => ({ message: 'only "username" is searched' }) }),
  }),
});

export function peopleRoutes(deps: PeopleRouteDeps): Router {
  const router = new Router();
  const { db, commands } = deps;
  const context = (actor: Parameters<PeopleCommands['context']>[0]) => commands.context(actor);

  // --- admin: every user's contacts ---------------------------------------------------------------
  const contactCommands = {
    create: async (...a: Parameters<PeopleCommands['contacts']['create']>) => toContactView(await commands.contacts.create(...a)),
    update: async (...a: Parameters<PeopleCommands['contacts']['update']>) => toContactView(await commands.contacts.update(...a)),
    delete: async (...a: Parameters<PeopleCommands['contacts']['delete']>) => toContactView(await commands.contacts.delete(...a)),
  };
  for (const path of ['/admin/user/contacts', '/user/contacts']) {
    resourceRoutes(router, {
      path,
      what: 'contact',
      schema: { create: contactCreate, update: contactUpdate },
      deleteQuery: noOptions,
      commands: contactCommands,
      queries: {
        list: async (at) => (await listUserContacts(at)).map(toContactView),
        get: async (at, id) => {
          const found = await getUserContact(at, id);
          return found && toContactView(found);
        },
      },
      db,
      context,
    });
  }

  // --- me ---------------------------------------------------------------------------------------
  const me = (ctx: Context): string => currentUser(ctx).uuid;

  router.get('/me/info', async (ctx) => {
    const owner = me(ctx);
    const view = deps.auth.userView(owner);
    if (!view) throw new NotFoundError({ kind: 'user', id: owner }, `user ${owner} does not exist`);
    const at = readDb(ctx, db);
    const contacts = await Promise.all((await listUserContacts(at, owner)).map((c) => meContact(at, c, ctx.hostname)));
    reply(ctx, { ...view, contacts });
  });
  router.put('/me/info', ownInfoInput, ownInfoUpdate(deps.auth));

  router.get('/me/contacts', async (ctx) => {
    const at = readDb(ctx, db);
    reply(ctx, { list: await Promise.all((await listUserContacts(at, me(ctx))).map((c) => meContact(at, c, ctx.hostname))) });
  });
  router.get('/me/contacts/:uuid', async (ctx) => {
    const at = readDb(ctx, db);
    const id = pathParam(ctx, 'uuid');
    const contact = await getUserContact(at, id);
    if (contact === undefined || contact.user_uuid !== me(ctx)) throw new NotFoundError({ kind: 'contact', id });
    reply(ctx, await meContact(at, contact, ctx.hostname));
  });

  router.get('/me/buddies', async (ctx) => reply(ctx, { list: (await listBuddies(readDb(ctx, db), me(ctx))).map(toBuddyView) }));
  router.post('/me/buddies', buddyCreateInput, async (ctx) => {
    const body = buddyCreateInput.body(ctx);
    const created = await commands.buddies.create(context(currentUser(ctx)), { ...body, owner_uuid: me(ctx) });
    reply(ctx, toBuddyView((await getBuddy(db, created.uuid)) ?? created));
  });
  router.get('/me/buddies/:uuid', async (ctx) => {
    const id = pathParam(ctx, 'uuid');
    const buddy = await getBuddy(readDb(ctx, db), id);
    if (buddy === undefined || buddy.owner_uuid !== me(ctx)) throw new NotFoundError({ kind: 'buddy', id });
    reply(ctx, toBuddyView(buddy));
  });
  router.put('/me/buddies/:uuid', buddyUpdateInput, async (ctx) => {
    const id = pathParam(ctx, 'uuid');
    const changes = buddyUpdateInput.body(ctx);
    const updated = await commands.buddies.update(context(currentUser(ctx)), id, { owner_uuid: me(ctx), changes });
    reply(ctx, toBuddyView((await getBuddy(db, id)) ?? updated));
  });
  router.delete('/me/buddies/:uuid', async (ctx) => {
    const id = pathParam(ctx, 'uuid');
    const before = await getBuddy(db, id);
    const deleted = await commands.buddies.delete(context(currentUser(ctx)), id, { owner_uuid: me(ctx) });
    reply(ctx, toBuddyView({ ...deleted, presence: before?.presence ?? 'unavailable' }));
  });

  // Catalog 30 (proposed): exact, case-sensitive match on `username`; any other type is 400.
  router.get('/me/search', searchInput, (ctx) => {
    const { filter } = searchInput.query(ctx);
    const found = deps.auth.directory.userByUsername(filter);
    reply(ctx, { list: found ? [{ name: found.name, username: found.username, uuid: found.uuid }] : [] });
  });

  return router;
}
