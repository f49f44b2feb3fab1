import { Router } from '@koa/router';
import { z } from 'zod';
import type { AuthService } from '../../auth/service.js';
import { nameSchema, passwordSchema } from '../../auth/service.js';
import { currentUser, presentedToken } from '../../auth/middleware.js';
import { validBody } from '../body.js';
import { reply } from '../envelope.js';
import { notFound } from '../errors.js';

export type AdminInfoDeps = Pick<AuthService, 'userView' | 'updateUser'>;

/**
 * `PUT /admin/info` (20-admin.md, proposed): any subset of `name` and `password`.
 * zod drops every other key, so a client may PUT back what it GETs (`uuid`, `username`,
 * `tm_*` are read-only and ignored); a wrong type is a 400 naming the field.
 */
const infoUpdate = z.object({
  name: nameSchema.optional(),
  password: passwordSchema.optional(),
});

/** `/admin/info`: the caller's own user record, read and update. */
export function adminInfoRoutes(auth: AdminInfoDeps): Router {
  const router = new Router();

  router.get('/admin/info', (ctx) => {
    const user = currentUser(ctx);
    // The view type has no password field at all: nothing to strip, nothing to forget to strip.
    const view = auth.userView(user.uuid);
    if (!view) throw notFound(`user ${user.uuid} does not exist`);
    reply(ctx, view);
  });

  router.put('/admin/info', async (ctx) => {
    const user = currentUser(ctx);
    const changes = validBody(ctx, infoUpdate);
    // The token this request came with stays valid across a password change; the user's others end.
    const updated = await auth.updateUser(user.uuid, changes, user, presentedToken(ctx));
    if (!updated) throw notFound(`user ${user.uuid} does not exist`);
    reply(ctx);
  });

  return router;
}
