import type { AuthUser } from './permissions.js';

/**
 * Who may subscribe to which realtime topic (issue 10, Roles): the realtime counterpart of the route
 * table in permissions.ts, decided once here and asked by the fan-out at subscribe time.
 *
 * - `admin`: every topic.
 * - `manager`: `/` (everything there is today) and the PBX topic areas below.
 * - `user` alone: its own `/me/...` topics only.
 * - `/me/...` (a person's own topics, for `user` and `admin` alike): a collection (`/me/chats/`) is open to its
 *   holder, a target (`/me/chats/<uuid>`) only to its owner (`PersonalTopicOwners`; anyone else, an admin too, is
 *   refused). Personal events carry their audience, so no one receives another person's events, whatever they
 *   subscribed to (`/` included: realtime/delivery.ts checks the audience per client).
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

/** `/me`, `/me/<collection>/` and `/me/<collection>/<target>[/...]` (the target's owner only). */
function mayReadPersonalTopic(user: Pick<AuthUser, 'permissions'> & { readonly uuid?: string }, topic: string, owners: PersonalTopicOwners | undefined): boolean {
  if (!user.permissions.includes('user') && !user.permissions.includes('admin')) return false;
  const [, collection = '', target = ''] = topic.slice(1).split('/');
  if (target === '') return true;
  const owner = Object.prototype.hasOwnProperty.call(owners ?? {}, collection) ? owners![collection]! : undefined;
  const decoded = decodeTarget(target);
  if (owner === undefined || decoded === undefined || user.uuid === undefined) return false;
  return owner(decoded) === user.uuid;
}

/** `topic` is canonical (realtime/topics.ts `canonicalTopic`). `owners` answers for `/me/...` targets. */
export function mayReadTopic(user: Pick<AuthUser, 'permissions'> & { readonly uuid?: string }, topic: string, owners?: PersonalTopicOwners): boolean {
  if (areaOf(topic) === 'me') return mayReadPersonalTopic(user, topic, owners);
  if (user.permissions.includes('admin')) return true;
  if (user.permissions.includes('manager')) return topic === '/' || isPbxTopic(topic);
  return false;
}
