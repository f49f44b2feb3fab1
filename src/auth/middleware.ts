import type { Context, Next } from 'koa';
import { unauthorized } from '../http/errors.js';
import { extractToken } from './credentials.js';
import { requiredPermission, requirePermission, type AuthUser, type RouteRule } from './permissions.js';

export interface PublicRoute {
  readonly method: string;
  readonly path: string;
}

export interface AuthenticateOptions {
  readonly verifyToken: (token: string) => AuthUser | undefined;
  /** Exact routes anyone may call (`publicRoutes` of routes/health.ts). */
  readonly publicRoutes: readonly PublicRoute[];
  /** Path prefixes that authenticate themselves (socket.io and the plain WebSocket check the token at their handshake). */
  readonly publicPrefixes: readonly string[];
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
  if (!isAuthUser(user)) throw unauthorized();
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
 * about what is there) and the route's permission (403).
 */
export function createAuthenticate(options: AuthenticateOptions) {
  const publicSet = new Set(options.publicRoutes.map((route) => `${route.method.toUpperCase()} ${normalise(route.path)}`));
  const prefixes = options.publicPrefixes.map((prefix) => normalise(prefix));
  const isPublic = (method: string, path: string): boolean => {
    const normalised = normalise(path);
    if (publicSet.has(`${method} ${normalised}`)) return true;
    // HEAD is served by GET routes in @koa/router.
    if (method === 'HEAD' && publicSet.has(`GET ${normalised}`)) return true;
    return prefixes.some((prefix) => normalised === prefix || normalised.startsWith(`${prefix}/`));
  };

  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    if (isPublic(ctx.method, ctx.path)) return next();
    const token = presentedToken(ctx);
    const user = token === undefined ? undefined : options.verifyToken(token);
    if (!user) {
      // RFC 9110: a 401 names the scheme that would work.
      ctx.set('WWW-Authenticate', 'Bearer realm="jade"');
      throw unauthorized(token === undefined ? 'an authtoken is required' : 'the authtoken is unknown or expired');
    }
    const permission = requiredPermission(options.rules, ctx.method, normalise(ctx.path));
    if (permission !== null) requirePermission(user, permission);
    ctx.state.user = user;
    await next();
  };
}
