import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { currentUser, presentedToken } from '../../auth/middleware.js';
import type { AuthService } from '../../auth/service.js';
import { contextSchema, nameSchema, passwordSchema, permissionListSchema, permissionSchema, usernameSchema } from '../../auth/service.js';
import { NotFoundError } from '../../events/index.js';
import { pathParam } from '../body.js';
import { accepts } from '../route-input.js';
import { reply } from '../envelope.js';
import { badRequest, forbidden } from '../errors.js';
import { hasPermission, type AuthUser } from '../../auth/permissions.js';
import { permissions as permissionNames } from '../../auth/events.js';

export type UserRouteDeps = Pick<
  AuthService,
  | 'listUsers'
  | 'listManagerUsers'
  | 'userView'
  | 'managerUserView'
  | 'createUser'
  | 'updateUser'
  | 'deleteUser'
  | 'listGrants'
  | 'grant'
  | 'grantPermission'
  | 'revokePermission'
>;

/*
 * `/admin/user/users`, `/admin/user/permissions` (20-admin.md) and `/manager/users` (30-manager-me-user.md).
 * The catalog's examples return passwords in plain text: jade never does. A password is write-only; the
 * views below have no password field at all, and the log keeps only its scrypt hash.
 * zod drops unknown keys, so a client may PUT back what it GETs (uuid, tm_* ignored).
 */
const adminNewUser = z.object({ username: usernameSchema, password: passwordSchema, name: nameSchema.default('') });
const managerNewUser = adminNewUser.extend({ context: contextSchema.default(''), permissions: permissionListSchema.default([]) });
const adminUserChanges = z.object({ username: usernameSchema.optional(), name: nameSchema.optional(), password: passwordSchema.optional() });
const managerUserChanges = adminUserChanges.extend({ context: contextSchema.optional(), permissions: permissionListSchema.optional() });
const newGrant = z.object({ user_uuid: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'), permission: permissionSchema });

const missingUser = (uuid: string): NotFoundError => new NotFoundError({ kind: 'user', id: uuid }, `user ${uuid} does not exist`);
const missingGrant = (uuid: string): NotFoundError => new NotFoundError({ kind: 'permission', id: uuid }, `permission ${uuid} does not exist`);

/**
 * `/manager/*` is open to managers, and a manager must not make itself (or anyone) an admin that way, nor
 * change or delete an admin: only an admin touches `admin` (403 otherwise).
 */
function guardAdminRights(auth: UserRouteDeps, caller: AuthUser, targetUuid: string | undefined, permissions: ReadonlyArray<{ permission: string }> | undefined): void {
  if (hasPermission(caller, permissionNames.admin)) return;
  if (permissions?.some((p) => p.permission === permissionNames.admin)) throw forbidden('only an admin may grant permission admin');
  const target = targetUuid === undefined ? undefined : auth.managerUserView(targetUuid);
  if (target?.permissions.some((p) => p.permission === permissionNames.admin)) throw forbidden('only an admin may change or delete an admin');
}

export function userRoutes(auth: UserRouteDeps): Router {
  const router = new Router();

  /** PUT on either family: `username` cannot change (400 when it differs; the same value, as a GET gave it, is fine). */
  async function update(ctx: Context, changes: z.infer<typeof managerUserChanges>): Promise<void> {
    const uuid = pathParam(ctx, 'uuid');
    const caller = currentUser(ctx);
    const before = auth.userView(uuid);
    if (!before) throw missingUser(uuid);
    guardAdminRights(auth, caller, uuid, changes.permissions);
    if (changes.username !== undefined && changes.username !== before.username) {
      throw badRequest('username cannot be changed', { fields: ['username'] });
    }
    const { username: _ignored, permissions, ...rest } = changes;
    const updated = await auth.updateUser(
      uuid,
      { ...rest, ...(permissions === undefined ? {} : { permissions: permissions.map((p) => p.permission) }) },
      caller,
      // A user changing its own password stays logged in with this token; everyone else's tokens of that user end.
      caller.uuid === uuid ? presentedToken(ctx) : undefined,
    );
    if (!updated) throw missingUser(uuid);
    reply(ctx);
  }

  async function remove(ctx: Context): Promise<void> {
    const uuid = pathParam(ctx, 'uuid');
    guardAdminRights(auth, currentUser(ctx), uuid, undefined);
    if (!(await auth.deleteUser(uuid, currentUser(ctx)))) throw missingUser(uuid);
    reply(ctx);
  }

  const adminNewUserInput = accepts({ summary: 'Create a user (no permissions until granted)', body: adminNewUser });
  const adminUserChangesInput = accepts({ summary: 'Change a user', body: adminUserChanges });
  const newGrantInput = accepts({ summary: 'Grant a permission', body: newGrant });
  const managerNewUserInput = accepts({ summary: 'Create a user with permissions', body: managerNewUser });
  const managerUserChangesInput = accepts({ summary: 'Change a user', body: managerUserChanges });

  // --- /admin/user/users
  router.get('/admin/user/users', (ctx) => reply(ctx, { list: auth.listUsers() }));
  router.post('/admin/user/users', adminNewUserInput, async (ctx) => {
    const body = adminNewUserInput.body(ctx);
    // Proposed (20-admin.md): a new user has no permissions until granted through /admin/user/permissions.
    const created = await auth.createUser({ ...body, permissions: [] }, currentUser(ctx));
    reply(ctx, created);
  });
  router.get('/admin/user/users/:uuid', (ctx) => {
    const uuid = pathParam(ctx, 'uuid');
    const view = auth.userView(uuid);
    if (!view) throw missingUser(uuid);
    reply(ctx, view);
  });
  router.put('/admin/user/users/:uuid', adminUserChangesInput, (ctx) => update(ctx, adminUserChangesInput.body(ctx)));
  router.delete('/admin/user/users/:uuid', remove);

  // --- /admin/user/permissions
  router.get('/admin/user/permissions', (ctx) => reply(ctx, { list: auth.listGrants() }));
  router.post('/admin/user/permissions', newGrantInput, async (ctx) => {
    const body = newGrantInput.body(ctx);
    reply(ctx, await auth.grantPermission(body.user_uuid, body.permission, currentUser(ctx)));
  });
  router.get('/admin/user/permissions/:uuid', (ctx) => {
    const uuid = pathParam(ctx, 'uuid');
    const grant = auth.grant(uuid);
    if (!grant) throw missingGrant(uuid);
    reply(ctx, grant);
  });
  router.delete('/admin/user/permissions/:uuid', async (ctx) => {
    const uuid = pathParam(ctx, 'uuid');
    if (!(await auth.revokePermission(uuid, currentUser(ctx)))) throw missingGrant(uuid);
    reply(ctx);
  });

  // --- /manager/users
  router.get('/manager/users', (ctx) => reply(ctx, { list: auth.listManagerUsers() }));
  router.post('/manager/users', managerNewUserInput, async (ctx) => {
    const { permissions, ...body } = managerNewUserInput.body(ctx);
    guardAdminRights(auth, currentUser(ctx), undefined, permissions);
    const created = await auth.createUser({ ...body, permissions: permissions.map((p) => p.permission) }, currentUser(ctx));
    reply(ctx, auth.managerUserView(created.uuid));
  });
  router.get('/manager/users/:uuid', (ctx) => {
    const uuid = pathParam(ctx, 'uuid');
    const view = auth.managerUserView(uuid);
    if (!view) throw missingUser(uuid);
    reply(ctx, view);
  });
  router.put('/manager/users/:uuid', managerUserChangesInput, (ctx) => update(ctx, managerUserChangesInput.body(ctx)));
  router.delete('/manager/users/:uuid', remove);

  return router;
}
