import { forbidden } from '../http/errors.js';
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

/** Throws 403 (a valid token, but not enough rights: ARCHITECTURE.md "HTTP contract"). */
export function requirePermission(user: AuthUser, permission: Permission): void {
  if (!hasPermission(user, permission)) throw forbidden(`permission ${permission} is required`);
}

/** `null`: any valid token will do. */
export type RouteRule = (method: string, path: string) => Permission | null | undefined;

/**
 * Which permission a route needs. For now every API area needs `admin` (00-basics §4 proposes it
 * for `/admin` and for the PBX areas alike); the only exception is ending your own token, which
 * any token holder may do. Later areas (`/me`, `/user`: `user`) add a rule in front.
 */
export const defaultRouteRules: readonly RouteRule[] = [
  (method, path) => (method === 'DELETE' && path === '/admin/login' ? null : undefined),
  () => permissions.admin,
];

export function requiredPermission(rules: readonly RouteRule[], method: string, path: string): Permission | null {
  for (const rule of rules) {
    const permission = rule(method, path);
    if (permission !== undefined) return permission;
  }
  // No rule decided: fail closed.
  return permissions.admin;
}
