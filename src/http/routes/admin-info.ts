import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AuthService } from '../../auth/service.js';
import { nameSchema, passwordSchema } from '../../auth/service.js';
import { currentUser, presentedToken, remoteAddress } from '../../auth/middleware.js';
import { accepts } from '../route-input.js';
import { reply } from '../envelope.js';
import { NotFoundError } from '../../events/index.js';
import { badRequest, forbidden } from '../errors.js';
import { loginRefusal } from './login.js';

export type AdminInfoDeps = Pick<AuthService, 'userView' | 'updateUser' | 'checkCurrentPassword'>;

/**
 * `PUT /admin/info` (20-admin.md, proposed): any subset of `name` and `password`; a new
 * `password` needs the current one as `old_password`.
 * zod drops every other key, so a client may PUT back what it GETs (`uuid`, `username`,
 * `tm_*` are read-only and ignored); a wrong type is a 400 naming the field.
 */
const infoUpdate = z.object({
  name: nameSchema.optional(),
  password: passwordSchema.optional(),
  // Only compared, never stored: the length cap is the password's, to bound the hashing input.
  old_password: passwordSchema.optional(),
});

/** The caller's own user is gone (deleted while its token lived). */
const missingUser = (uuid: string): NotFoundError => new NotFoundError({ kind: 'user', id: uuid }, `user ${uuid} does not exist`);

/** `/admin/info`: the caller's own user record, read and update. */
export function adminInfoRoutes(auth: AdminInfoDeps): Router {
  const router = new Router();

  router.get('/admin/info', (ctx) => {
    const user = currentUser(ctx);
    // The view type has no password field at all: nothing to strip, nothing to forget to strip.
    const view = auth.userView(user.uuid);
    if (!view) throw missingUser(user.uuid);
    reply(ctx, view);
  });

  router.put('/admin/info', ownInfoInput, ownInfoUpdate(auth));

  return router;
}

/** The body of `PUT /admin/info` and `PUT /me/info`. */
export const ownInfoInput = accepts({ summary: 'Change your own name or password (password needs old_password)', body: infoUpdate });

/** `PUT` of the caller's own record (`/admin/info`, `/me/info`): `name`, `password` with `old_password`. */
export function ownInfoUpdate(auth: AdminInfoDeps) {
  return async (ctx: Context): Promise<void> => {
    const user = currentUser(ctx);
    const { old_password: oldPassword, ...changes } = ownInfoInput.body(ctx);
    if (changes.password !== undefined) {
      // A token alone must not be enough to take the account over for good: prove the password too.
      // Checked before anything is written, so a refused request changes nothing (not even the name).
      if (oldPassword === undefined) throw badRequest('old_password is required to change the password', { fields: ['old_password'] });
      const check = await auth.checkCurrentPassword(user.uuid, oldPassword, remoteAddress(ctx));
      if (!check.ok) {
        if (check.reason === 'throttled' || check.reason === 'busy') throw loginRefusal(ctx, check);
        if (check.reason === 'unknown_user') throw missingUser(user.uuid);
        throw forbidden('old_password is not the current password');
      }
    }
    // A password change revokes every other token of this user (a leaked one dies with the old
    // password); the token this request came with stays valid, so the caller stays logged in.
    const updated = await auth.updateUser(user.uuid, changes, user, presentedToken(ctx));
    if (!updated) throw missingUser(user.uuid);
    reply(ctx);
  };
}
