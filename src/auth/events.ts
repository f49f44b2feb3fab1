import { z } from 'zod';
import { userDeletedEventType } from '../events/people.js';

/**
 * Users and their tokens as events, all in the user's own `user-<uuid>` stream
 * (ARCHITECTURE.md "Events and streams"), so one stream read tells a user's whole story.
 *
 * What the log never holds: a plain password (only its scrypt hash, in `password_hash`) and a
 * plain authtoken (only its SHA-256, in `token_hash`). Anyone who can read the log — the log
 * API is open to admins — can then neither log in as a user nor replay a live token.
 */
export const authEventTypes = {
  userCreated: 'UserCreated',
  userUpdated: 'UserUpdated',
  userPasswordChanged: 'UserPasswordChanged',
  tokenIssued: 'TokenIssued',
  /** A token was used: written at most once per "touch interval" per token, so idle expiry survives a restart. */
  tokenUsed: 'TokenUsed',
  tokenRevoked: 'TokenRevoked',
  /** The user's whole permission set after a grant, a revoke or a PUT that replaces it. */
  userPermissionsChanged: 'UserPermissionsChanged',
  /** The user is gone: its tokens are revoked in the same append, its username is free again. */
  userDeleted: userDeletedEventType,
} as const;

export type AuthEventType = (typeof authEventTypes)[keyof typeof authEventTypes];

/**
 * The permission values: the manual's (`/manager/users`: `[{"permission":"admin"},{"permission":"user"}]`)
 * plus `manager` (ARCHITECTURE.md round 2, "Roles": the PBX areas without `/admin`).
 */
export const permissions = { admin: 'admin', manager: 'manager', user: 'user' } as const;
export type Permission = (typeof permissions)[keyof typeof permissions];

/*
 * Permissions are read back as plain strings, not as the enum above: a user written by a later
 * version with a permission this one does not know must still load (it simply grants nothing here).
 */
const permissionEntry = z.object({ permission: z.string(), uuid: z.string().optional() });

/** A grant of a permission to a user (`/admin/user/permissions`), with its own uuid. */
export const permissionGrant = z.object({ uuid: z.string(), permission: z.string() });
export type PermissionGrant = z.infer<typeof permissionGrant>;

export const userCreatedData = z.object({
  uuid: z.string(),
  username: z.string(),
  name: z.string(),
  password_hash: z.string(),
  /** Entries written before grants had uuids have none: the directory derives a stable one. */
  permissions: z.array(permissionEntry),
  /** The dialplan context of the user's device (`/manager/users`); absent in users made before it: "". */
  context: z.string().optional(),
  created_at: z.string(),
});
export type UserCreatedData = z.infer<typeof userCreatedData>;

/** Only the fields that changed are present. */
export const userUpdatedData = z.object({
  uuid: z.string(),
  name: z.string().optional(),
  context: z.string().optional(),
  updated_at: z.string(),
});
export type UserUpdatedData = z.infer<typeof userUpdatedData>;

export const userPasswordChangedData = z.object({
  uuid: z.string(),
  password_hash: z.string(),
  changed_at: z.string(),
});
export type UserPasswordChangedData = z.infer<typeof userPasswordChangedData>;

export const tokenIssuedData = z.object({
  token_hash: z.string(),
  user_uuid: z.string(),
  issued_at: z.string(),
});
export type TokenIssuedData = z.infer<typeof tokenIssuedData>;

export const tokenUsedData = z.object({
  token_hash: z.string(),
  used_at: z.string(),
});
export type TokenUsedData = z.infer<typeof tokenUsedData>;

export const userPermissionsChangedData = z.object({
  uuid: z.string(),
  permissions: z.array(permissionGrant),
  changed_at: z.string(),
});
export type UserPermissionsChangedData = z.infer<typeof userPermissionsChangedData>;

export const userDeletedData = z.object({
  uuid: z.string(),
  username: z.string(),
  deleted_at: z.string(),
});
export type UserDeletedData = z.infer<typeof userDeletedData>;

export const tokenRevokeReasons = ['logout', 'password_changed', 'permissions_changed', 'user_deleted'] as const;
export const tokenRevokedData = z.object({
  token_hash: z.string(),
  revoked_at: z.string(),
  reason: z.string(),
});
export type TokenRevokedData = z.infer<typeof tokenRevokedData>;
export type TokenRevokeReason = (typeof tokenRevokeReasons)[number];
