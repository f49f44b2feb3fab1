import type { AuthUser } from './permissions.js';

/**
 * Who may subscribe to which realtime topic (issue 10, Roles): the realtime counterpart of the route
 * table in permissions.ts, decided once here and asked by the fan-out at subscribe time.
 *
 * - `admin`: every topic.
 * - `manager`: `/` (everything there is today) and the PBX topic areas below.
 * - `user` alone: nothing but its own `/me/...` topics.
 * - `/me/<area>/<uuid>[/...]` (a person's own events): the person with that uuid only, admin included.
 * Anything else is refused (fail closed), including prefixes that cut across areas (`/c`): a manager
 * subscribes to an area or below it.
 *
 * Permission names are plain strings here, as AuthUser carries them (a permission this version does not
 * know grants nothing).
 */

/** The first segment of every topic published today (realtime/event-table.ts): the PBX and the dialer. */
const pbxAreas: ReadonlySet<string> = new Set(['core', 'queue', 'park', 'pjsip', 'ob']);

/** The area of a canonical topic: `/core/channels/x` -> `core`; `/` -> ``. */
function areaOf(topic: string): string {
  const end = topic.indexOf('/', 1);
  return end === -1 ? topic.slice(1) : topic.slice(1, end);
}

/** Is the area named completely (`/core` or `/core/...`), not a prefix of it (`/co`)? */
function isPbxTopic(topic: string): boolean {
  return pbxAreas.has(areaOf(topic));
}

/** `topic` is canonical (realtime/topics.ts `canonicalTopic`). */
export function mayReadTopic(user: Pick<AuthUser, 'permissions'> & Partial<Pick<AuthUser, 'uuid'>>, topic: string): boolean {
  // A person's own topics, `/me/<area>/<own uuid>[/...]`: its owner only, whatever the permissions (admin too).
  if (topic.startsWith('/me/')) return user.uuid !== undefined && isOwnTopic(user.uuid, topic);
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
