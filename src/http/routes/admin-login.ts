import { Router } from '@koa/router';
import type { AuthService } from '../../auth/service.js';
import { parseBasicAuth } from '../../auth/credentials.js';
import { presentedToken } from '../../auth/middleware.js';
import { permissions } from '../../auth/events.js';
import { badRequest, forbidden, unauthorized } from '../errors.js';
import { reply } from '../envelope.js';

export type AdminLoginDeps = Pick<AuthService, 'login' | 'logout'>;

/**
 * `/admin/login` (20-admin.md): POST with HTTP Basic issues a token, DELETE ends the one presented.
 *
 * Failures: no credentials or wrong ones are 401 (ARCHITECTURE.md: 401 is "not authenticated"),
 * one status for "no such user" and "wrong password" so a caller cannot probe usernames;
 * right credentials without permission `admin` are 403; an unreadable Basic header is 400.
 */
export function adminLoginRoutes(auth: AdminLoginDeps): Router {
  const router = new Router();

  router.post('/admin/login', async (ctx) => {
    const credentials = parseBasicAuth(ctx.get('authorization') || undefined);
    if (credentials === 'malformed') throw badRequest('the Authorization header is not valid HTTP Basic (base64 of username:password)');
    if (!credentials) {
      ctx.set('WWW-Authenticate', 'Basic realm="jade", charset="UTF-8"');
      throw unauthorized('HTTP Basic credentials are required');
    }
    const result = await auth.login(credentials.username, credentials.password, permissions.admin);
    if (!result.ok) {
      if (result.reason === 'permission') throw forbidden(`permission ${permissions.admin} is required`);
      ctx.set('WWW-Authenticate', 'Basic realm="jade", charset="UTF-8"');
      throw unauthorized('wrong username or password');
    }
    reply(ctx, { authtoken: result.token });
  });

  // Reached only with a live token: the authenticate middleware answered 401 otherwise.
  router.delete('/admin/login', async (ctx) => {
    const token = presentedToken(ctx);
    if (token === undefined || !(await auth.logout(token))) throw unauthorized('the authtoken is unknown or expired');
    reply(ctx);
  });

  return router;
}
