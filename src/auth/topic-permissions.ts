import type { AuthUser } from './permissions.js';

/**
 * Who may subscribe to which realtime topic (issue 10, Roles): the realtime counterpart of the route
 * table in permissions.ts, decided once here and asked by the fan-out at subscribe time.
 *
 * - `admin`: every topic.
 * - `manager`: `/` (everything there is today) and the PBX topic areas below.
 * - `user` alone: nothing yet (its `/me/...` topics come later).
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
export function mayReadTopic(user: Pick<AuthUser, 'permissions'>, topic: string): boolean {
  if (user.permissions.includes('admin')) return true;
  if (user.permissions.includes('manager')) return topic === '/' || isPbxTopic(topic);
  return false;
}
