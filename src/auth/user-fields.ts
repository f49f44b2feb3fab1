import { z } from 'zod';
import type { JadeEvent } from '../events/index.js';
import type { UserRecord } from './directory.js';
import { permissions as permissionNames, type Permission } from './events.js';
import type { AuthUser } from './permissions.js';

/**
 * The user as the API takes and shows it: field rules, the input shapes, the catalog's view, and the
 * envelope of the events a user's stream holds. One place, so a new user field is one edit.
 */

/** The catalog's user object as `/admin/info` shows it: never the password, nor its hash. */
export interface UserView {
  readonly uuid: string;
  readonly username: string;
  readonly name: string;
  readonly tm_create: string;
  readonly tm_update: string | null;
}

/*
 * Field rules, shared by the HTTP layer and the service so a user made at bootstrap obeys the same ones.
 * A username must not contain `:` — HTTP Basic could not carry it — nor control characters.
 */
export const usernameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[^:\x00-\x1f\x7f]+$/, 'must not contain ":" or control characters');
/** 1024 is far above any real password and keeps one scrypt input bounded. */
export const passwordSchema = z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');
export const nameSchema = z.string().max(255, 'must be at most 255 characters');

/** A dialplan context (it may reach an endpoint's `context=`): Asterisk's 79 characters, no control characters, no `[]`. */
export const contextSchema = z
  .string()
  .max(79, 'must be at most 79 characters')
  .regex(/^[^\x00-\x1f\x7f[\]]*$/, 'must not contain control characters or brackets');
export const permissionSchema = z.enum([permissionNames.admin, permissionNames.manager, permissionNames.user]);
/** `[{"permission": "admin"}, ...]`, as `/manager/users` takes and shows it. */
export const permissionListSchema = z.array(z.object({ permission: permissionSchema })).max(16, 'must have at most 16 entries');

export const newUserSchema = z.object({ username: usernameSchema, name: nameSchema, password: passwordSchema, context: contextSchema.optional() });
export const userChangesSchema = z.object({
  name: nameSchema.optional(),
  password: passwordSchema.optional(),
  context: contextSchema.optional(),
  permissions: z.array(permissionSchema).optional(),
});

export interface NewUser {
  readonly username: string;
  readonly name: string;
  readonly password: string;
  readonly permissions: readonly Permission[];
  readonly context?: string;
}

export interface UserChanges {
  readonly name?: string;
  readonly password?: string;
  readonly context?: string;
  /** Replaces the whole set (grants of a value kept keep their uuid). */
  readonly permissions?: readonly Permission[];
}

/** `/manager/users`: the user object plus its dialplan context and permissions; never the password. */
export interface ManagerUserView extends UserView {
  readonly context: string;
  readonly permissions: ReadonlyArray<{ readonly permission: string }>;
}

/** `/admin/user/permissions`: one grant. */
export interface PermissionGrantView {
  readonly uuid: string;
  readonly user_uuid: string;
  readonly permission: string;
}

/** An auth event; the actor (who made the change) goes in the metadata, as for every command. */
export function userEvent<T extends Record<string, unknown>>(type: string, data: T, actorUuid: string | undefined): JadeEvent {
  return { type, data, metadata: actorUuid === undefined ? {} : { userId: actorUuid } };
}

export function toAuthUser(user: UserRecord): AuthUser {
  return { uuid: user.uuid, username: user.username, permissions: user.permissions };
}

export function toView(user: UserRecord): UserView {
  return { uuid: user.uuid, username: user.username, name: user.name, tm_create: user.tmCreate, tm_update: user.tmUpdate };
}

export function toManagerView(user: UserRecord): ManagerUserView {
  return { ...toView(user), context: user.context, permissions: user.grants.map((g) => ({ permission: g.permission })) };
}

export function toGrantViews(user: UserRecord): PermissionGrantView[] {
  return user.grants.map((g) => ({ uuid: g.uuid, user_uuid: user.uuid, permission: g.permission }));
}
