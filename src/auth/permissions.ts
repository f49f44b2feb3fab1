import { PermissionDeniedError } from './errors.js';
import { permissions, type Permission } from './events.js';

/** Who is calling: what handlers and command auditing see in `ctx.state.user`. Never carries the password hash. */
export interface AuthUser {
  readonly uuid: string;
  readonly username: string;
  readonly permissions: readonly string[];
}

export function hasPermission(user: AuthUser, permission: Permission): boolean {
  return user.permissions.includes(permission);
}

/** `admin` holds every right (the brief's "Roles": the first admin keeps all rights). */
export function mayUse(user: AuthUser, allowed: readonly Permission[]): boolean {
  return hasPermission(user, permissions.admin) || allowed.some((permission) => hasPermission(user, permission));
}

/** Throws 403 (a valid token, but not enough rights: ARCHITECTURE.md "HTTP contract"). */
export function requirePermission(user: AuthUser, permission: Permission): void {
  if (!hasPermission(user, permission)) throw new PermissionDeniedError(`permission ${permission} is required`);
}

/**
 * What a route asks of its caller: nothing (`public`), any live token (`token`), or a live token
 * whose user holds one of the listed permissions (admin always qualifies).
 */
export type RouteAccess = { readonly kind: 'public' } | { readonly kind: 'token' } | { readonly kind: 'permission'; readonly anyOf: readonly Permission[] };

export interface RouteRule {
  /** `exact`: this path only; `prefix`: the path and everything below it (`/core` covers `/core/x`, not `/corex`). */
  readonly match: 'exact' | 'prefix';
  readonly path: string;
  /** Upper case; absent: every method. HEAD is treated as GET (Koa's router serves HEAD from GET routes). */
  readonly methods?: readonly string[];
  readonly access: RouteAccess;
}

const open: RouteAccess = { kind: 'public' };
const anyToken: RouteAccess = { kind: 'token' };
const only = (...anyOf: Permission[]): RouteAccess => ({ kind: 'permission', anyOf });
const adminOnly = only(permissions.admin);
const managers = only(permissions.manager);
const users = only(permissions.user);

const exact = (methods: readonly string[], path: string, access: RouteAccess): RouteRule => ({ match: 'exact', path, methods, access });
const under = (paths: readonly string[], access: RouteAccess): RouteRule[] => paths.map((path) => ({ match: 'prefix', path, access }));

/** Where `manager` may go: the PBX areas (reads and writes) and the history reads. */
const managerAreas = [
  '/manager',
  '/core',
  '/queue',
  '/park',
  '/pjsip',
  '/ob',
  // The tutorial's bare outbound paths (routes/outbound.ts serves them next to /ob/...).
  '/plans',
  '/destinations',
  '/dlmas',
  '/dls',
  '/campaigns',
  '/dialings',
  '/dp',
  '/dialplan',
  '/voicemail',
  // The manual's legacy pages.
  '/agents',
  '/device_states',
  '/peers',
  '/registries',
  '/calls',
  '/commands',
];

/**
 * The one table route → access (ARCHITECTURE.md round 2, "Roles"). Paths are unversioned
 * (`/v1` is stripped before the gate), lower case and without a trailing slash. The first rule
 * that matches decides; a path no rule matches needs `admin` (fail closed), which is also what
 * `/admin/*` (including the older `/admin/core` copies) and the raw log `/events` need.
 */
export const routeTable: readonly RouteRule[] = [
  exact(['GET'], '/ping', open),
  exact(['GET'], '/health', open),
  // The API's description and its reference page: what every jade serves (from the source), no data of this one.
  exact(['GET'], '/openapi.json', open),
  exact(['GET'], '/docs', open),
  { match: 'prefix', path: '/docs', methods: ['GET'], access: open },
  // The dashboard's static page (routes/dashboard.ts): it logs in itself and sends the token with every call.
  exact(['GET'], '/', open),
  { match: 'prefix', path: '/ui', methods: ['GET'], access: open },
  // Logging in is how a caller gets a token; the handlers brake and cap the password work.
  exact(['POST'], '/admin/login', open),
  exact(['POST'], '/manager/login', open),
  exact(['POST'], '/me/login', open),
  // Ending your own token needs no permission, whichever login issued it.
  exact(['DELETE'], '/admin/login', anyToken),
  exact(['DELETE'], '/manager/login', anyToken),
  exact(['DELETE'], '/me/login', anyToken),
  // Prometheus metrics on the API port (a token-less listener is `metrics.listen`).
  exact(['GET'], '/metrics', adminOnly),
  ...under(['/admin', '/events'], adminOnly),
  ...under(managerAreas, managers),
  // `/user/contacts` takes any user's uuid: the admin alias of /admin/user/contacts (catalog 30, proposed).
  ...under(['/user/contacts'], adminOnly),
  ...under(['/me', '/user'], users),
];

const failClosed: RouteAccess = adminOnly;

function matches(rule: RouteRule, method: string, path: string): boolean {
  const effective = method === 'HEAD' ? 'GET' : method;
  if (rule.methods && !rule.methods.includes(effective)) return false;
  return rule.match === 'exact' ? path === rule.path : path === rule.path || path.startsWith(`${rule.path}/`);
}

/** What `method path` needs (path as the gate normalises it). */
export function routeAccess(table: readonly RouteRule[], method: string, path: string): RouteAccess {
  return table.find((rule) => matches(rule, method, path))?.access ?? failClosed;
}

/** Throws 403 when `user` may not use a route that needs `access` (public and any-token routes always pass). */
export function requireAccess(user: AuthUser, access: RouteAccess): void {
  if (access.kind !== 'permission' || mayUse(user, access.anyOf)) return;
  throw new PermissionDeniedError(`permission ${access.anyOf.join(' or ')} is required`);
}
