import type { AuthUser } from './permissions.js';

/**
 * Who may subscribe to which realtime topic (issue 10, Roles): the realtime counterpart of the route
 * table in permissions.ts, decided once here and asked by the fan-out at subscribe time.
 *
 * - `admin`: every topic.
 * - `manager`: `/` (everything there is today) and the PBX topic areas below.
 * - `user` alone: its own `/me/...` topics only.
 * - `/me/...` (a person's own topics, for `user` and `admin` alike; never for `manager` alone):
 *   - `/me`, `/me/`: open to the holder; they bring only the holder's own events (every `/me/` event carries its
 *     owner as its `audience`, checked per client by realtime/delivery.ts and resume.ts).
 *   - `/me/buddies/`, `/me/contacts/` name their owner (`/me/<area>/<owner uuid>[/...]`): the owner only, admin
 *     included; the bare area spans owners and is refused.
 *   - any other area (`/me/chats/`): the collection is open to the holder, a target (`/me/chats/<uuid>`) only to
 *     its owner as `PersonalTopicOwners` answers (anyone else, an admin too, is refused; no lookup: nobody).
 * Anything else is refused (fail closed), including prefixes that cut across areas (`/c`): a manager
 * subscribes to an area or below it.
 *
 * Permission names are plain strings here, as AuthUser carries them (a permission this version does not
 * know grants nothing).
 */

/** The first segment of every topic published today (realtime/event-table.ts): the PBX and the dialer. */
const pbxAreas: ReadonlySet<string> = new Set(['core', 'queue', 'park', 'pjsip', 'ob', 'dp', 'voicemail']);

/** The area of a canonical topic: `/core/channels/x` -> `core`; `/` -> ``. */
function areaOf(topic: string): string {
  const end = topic.indexOf('/', 1);
  return end === -1 ? topic.slice(1) : topic.slice(1, end);
}

/** Is the area named completely (`/core` or `/core/...`), not a prefix of it (`/co`)? */
function isPbxTopic(topic: string): boolean {
  return pbxAreas.has(areaOf(topic));
}

/**
 * Who owns the target of a person's topic `/me/<collection>/<target>`, per collection (`chats`): the owner's user
 * uuid, or undefined when there is no such target. Synchronous (subscribe is), so a lookup on the read-model connection.
 */
export type PersonalTopicOwners = { readonly [collection: string]: (target: string) => string | undefined };

function decodeTarget(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The `/me/` areas published as `/me/<area>/<owner uuid>/<uuid>` (realtime/event-table.ts `privately`). */
const ownerNamedAreas: ReadonlySet<string> = new Set(['buddies', 'contacts']);

/** `/me`, `/me/`, and per area: a looked-up target's owner only, or the owner named in the topic only. */
function mayReadPersonalTopic(user: Pick<AuthUser, 'permissions'> & { readonly uuid?: string }, topic: string, owners: PersonalTopicOwners | undefined): boolean {
  const [, collection = '', target = ''] = topic.slice(1).split('/');
  // Areas whose topics name their owner (`/me/buddies/<owner uuid>[/...]`): that owner only, whatever the
  // permissions (admin too), never the bare area.
  if (ownerNamedAreas.has(collection)) return user.uuid !== undefined && isOwnTopic(user.uuid, topic);
  if (!user.permissions.includes('user') && !user.permissions.includes('admin')) return false;
  if (collection === '') return true;
  if (target === '') return true;
  const lookup = Object.prototype.hasOwnProperty.call(owners ?? {}, collection) ? owners![collection]! : undefined;
  const decoded = decodeTarget(target);
  if (lookup === undefined || decoded === undefined || user.uuid === undefined) return false;
  return lookup(decoded) === user.uuid;
}

/** `topic` is canonical (realtime/topics.ts `canonicalTopic`). `owners` answers for `/me/<collection>/<target>` topics. */
export function mayReadTopic(user: Pick<AuthUser, 'permissions'> & { readonly uuid?: string }, topic: string, owners?: PersonalTopicOwners): boolean {
  if (areaOf(topic) === 'me') return mayReadPersonalTopic(user, topic, owners);
  if (user.permissions.includes('admin')) return true;
  if (user.permissions.includes('manager')) return topic === '/' || isPbxTopic(topic);
  return false;
}

/** `/me/<area>/<uuid>` or below it, with `uuid` the caller's (as published: the canonical encoding). */
function isOwnTopic(uuid: string, topic: string): boolean {
  const [, me, area, owner] = topic.split('/');
  if (me !== 'me' || area === undefined || area === '' || owner === undefined) return false;
  return owner === encodeAscii(uuid);
}

/** realtime/topics.ts `encodeTarget` for an ASCII id (a uuid): `-` -> `%2D` (not imported: auth must not depend on realtime). */
const encodeAscii = (id: string): string => id.replace(/[^A-Za-z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
