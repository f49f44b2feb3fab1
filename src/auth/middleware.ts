import type { Context, Next } from 'koa';
import { NotAuthenticatedError } from './errors.js';
import { extractToken } from './credentials.js';
import { requireAccess, routeAccess, type AuthUser, type RouteRule } from './permissions.js';

export interface AuthenticateOptions {
  readonly verifyToken: (token: string) => AuthUser | undefined;
  /** Path prefixes that authenticate themselves (socket.io and the plain WebSocket check the token at their handshake). */
  readonly publicPrefixes: readonly string[];
  /** The route table (permissions.ts `routeTable`): which routes are public, which need which permission. */
  readonly rules: readonly RouteRule[];
}

/**
 * @koa/router matches case-insensitively and with or without a trailing slash; the public check
 * must see paths the same way, or `/PING/` would reach the handler but be refused here (harmless)
 * — or, worse in the other direction, a private route would be reachable under a spelling we treat as public.
 */
function normalise(path: string): string {
  const lower = path.toLowerCase();
  return lower.length > 1 ? lower.replace(/\/+$/, '') || '/' : lower;
}

/** The authtoken the request presents, if any (Bearer header or `?authtoken=`). */
export function presentedToken(ctx: Context): string | undefined {
  return extractToken(ctx.get('authorization') || undefined, ctx.query.authtoken);
}

/** The authenticated caller; ctx.state is untyped in Koa, so read it through here. */
export function currentUser(ctx: Context): AuthUser {
  const user: unknown = ctx.state.user;
  if (!isAuthUser(user)) throw new NotAuthenticatedError();
  return user;
}

function isAuthUser(value: unknown): value is AuthUser {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof AuthUser, unknown>>;
  return typeof candidate.uuid === 'string' && typeof candidate.username === 'string' && Array.isArray(candidate.permissions);
}

/**
 * The one gate in front of every router: public routes pass; anything else needs a live token
 * (401 otherwise, also for routes that do not exist, so a caller without a token learns nothing
 * about what is there) and the permission the route table names for it (403).
 */
export function createAuthenticate(options: AuthenticateOptions) {
  const prefixes = options.publicPrefixes.map((prefix) => normalise(prefix));
  const selfAuthenticating = (path: string): boolean => prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    const path = normalise(ctx.path);
    const access = routeAccess(options.rules, ctx.method, path);
    if (access.kind === 'public' || selfAuthenticating(path)) return next();
    const token = presentedToken(ctx);
    const user = token === undefined ? undefined : options.verifyToken(token);
    if (!user) {
      // RFC 9110: a 401 names the scheme that would work.
      ctx.set('WWW-Authenticate', 'Bearer realm="jade"');
      throw new NotAuthenticatedError(token === undefined ? 'an authtoken is required' : 'the authtoken is unknown or expired');
    }
    requireAccess(user, access);
    ctx.state.user = user;
    await next();
  };
}

/**
 * The TCP peer (the HTTP app does not trust X-Forwarded-For: `app.proxy` is off), with the
 * IPv4-mapped IPv6 form unwrapped so `::ffff:10.0.0.1` and `10.0.0.1` are one key for the login brake.
 */
export function remoteAddress(ctx: Context): string | undefined {
  const raw = ctx.req.socket.remoteAddress;
  if (raw === undefined || raw === '') return undefined;
  return raw.startsWith('::ffff:') && raw.includes('.') ? raw.slice('::ffff:'.length) : raw;
}
