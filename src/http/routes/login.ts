import { Router } from '@koa/router';
import { z } from 'zod';
import { accepts } from '../route-input.js';
import type { Context } from 'koa';
import type { AuthService, Refusal } from '../../auth/service.js';
import { parseBasicAuth } from '../../auth/credentials.js';
import { presentedToken, remoteAddress } from '../../auth/middleware.js';
import { permissions, type Permission } from '../../auth/events.js';
import { badRequest, forbidden, HttpError, unauthorized } from '../errors.js';
import { reply } from '../envelope.js';

export type LoginDeps = Pick<AuthService, 'login' | 'logout'>;

/** One login endpoint: where it is and whose token it issues (admin qualifies everywhere). */
export interface LoginArea {
  readonly path: string;
  readonly accepted: readonly Permission[];
}

/** `/admin/login` (20-admin.md), `/manager/login` and `/me/login` (30-manager-me-user.md; B5 of 00-basics). */
export const loginAreas = {
  admin: { path: '/admin/login', accepted: [permissions.admin] },
  manager: { path: '/manager/login', accepted: [permissions.manager] },
  me: { path: '/me/login', accepted: [permissions.user] },
} as const satisfies Record<string, LoginArea>;

/**
 * A throttled or saturated login: 429 when this caller (username or address) is braked or already
 * has its share of checks in flight, 503 when
 * the server's password-hashing queue is full. Either way nothing was hashed; Retry-After says when.
 */
export function loginRefusal(ctx: Context, refused: Refusal): HttpError {
  const seconds = Math.max(1, Math.ceil(refused.retryAfterMs / 1000));
  ctx.set('Retry-After', String(seconds));
  return refused.reason === 'throttled'
    ? new HttpError(429, `too many login attempts; retry in ${seconds} s`, { retry_after: seconds })
    : new HttpError(503, `too many logins in progress; retry in ${seconds} s`, { retry_after: seconds });
}

/**
 * POST with HTTP Basic issues a token, DELETE ends the one presented (20-admin.md's contract,
 * the same for every area).
 *
 * Failures: no credentials or wrong ones are 401 (ARCHITECTURE.md: 401 is "not authenticated"),
 * one status for "no such user" and "wrong password" so a caller cannot probe usernames;
 * right credentials without the area's permission are 403; an unreadable Basic header is 400;
 * too many failures 429, a full hashing queue 503 (both with Retry-After).
 */
const loginInput = accepts({ summary: 'Log in with HTTP Basic (Authorization: Basic base64(username:password)); answers the authtoken', result: z.object({ authtoken: z.string() }) });

export function loginRoutes(auth: LoginDeps, area: LoginArea): Router {
  const router = new Router();

  router.post(area.path, loginInput, async (ctx) => {
    const credentials = parseBasicAuth(ctx.get('authorization') || undefined);
    if (credentials === 'malformed') throw badRequest('the Authorization header is not valid HTTP Basic (base64 of username:password)');
    if (!credentials) {
      ctx.set('WWW-Authenticate', 'Basic realm="jade", charset="UTF-8"');
      throw unauthorized('HTTP Basic credentials are required');
    }
    const result = await auth.login(credentials.username, credentials.password, area.accepted, remoteAddress(ctx));
    if (!result.ok) {
      if (result.reason === 'throttled' || result.reason === 'busy') throw loginRefusal(ctx, result);
      if (result.reason === 'permission') throw forbidden(`permission ${area.accepted.join(' or ')} is required`);
      ctx.set('WWW-Authenticate', 'Basic realm="jade", charset="UTF-8"');
      throw unauthorized('wrong username or password');
    }
    reply(ctx, { authtoken: result.token });
  });

  // Reached only with a live token: the authenticate middleware answered 401 otherwise.
  router.delete(area.path, async (ctx) => {
    const token = presentedToken(ctx);
    if (token === undefined || !(await auth.logout(token))) throw unauthorized('the authtoken is unknown or expired');
    reply(ctx);
  });

  return router;
}

/** Every area's login, for the auth module's routers. */
export function allLoginRoutes(auth: LoginDeps): Router[] {
  return Object.values(loginAreas).map((area) => loginRoutes(auth, area));
}
