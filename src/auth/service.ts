import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { JadeEvent } from '../events/index.js';
import { streams } from '../events/index.js';
import { formatTimestamp } from '../events/time.js';
import type { EventStore, ExpectedRevision } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { validate } from '../validation.js';
import { bootstrapFirstAdmin } from './bootstrap.js';
import { UserDirectory } from './directory.js';
import { LastAdminError, PermissionAlreadyGrantedError, UnknownUserError, UsernameTakenError } from './errors.js';
import {
  authEventTypes,
  permissions as permissionNames,
  type Permission,
  type PermissionGrant,
  type TokenRevokeReason,
  type UserCreatedData,
  type UserDeletedData,
  type UserPasswordChangedData,
  type UserPermissionsChangedData,
  type UserUpdatedData,
} from './events.js';
import type { UserRecord } from './directory.js';
import { defaultScryptParams, hashPassword, type ScryptParams } from './password.js';
import { defaultLoginProtection, PasswordCheck, type LoginProtection, type Refusal } from './password-check.js';
import { mayUse, type AuthUser } from './permissions.js';
import { TokenSessions } from './token-sessions.js';
import { systemClock, tokenHash, tokenTiming, type Clock } from './tokens.js';
import {
  newUserSchema,
  permissionSchema,
  toAuthUser,
  toGrantViews,
  toManagerView,
  toView,
  userChangesSchema,
  userEvent,
  type ManagerUserView,
  type NewUser,
  type PermissionGrantView,
  type UserChanges,
  type UserView,
} from './user-fields.js';

// The service's surface as it was before its parts got their own modules: routes and index.ts import it from here.
export { defaultLoginProtection, type LoginProtection, type Refusal } from './password-check.js';
export {
  contextSchema,
  nameSchema,
  passwordSchema,
  permissionListSchema,
  permissionSchema,
  usernameSchema,
  type ManagerUserView,
  type NewUser,
  type PermissionGrantView,
  type UserChanges,
  type UserView,
} from './user-fields.js';

export type LoginResult =
  | { readonly ok: true; readonly token: string; readonly user: AuthUser }
  | { readonly ok: false; readonly reason: 'credentials' | 'permission' }
  | Refusal;

/** The caller's current password, checked before a change of it (`PUT /admin/info {old_password}`). */
export type PasswordCheckResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'wrong' | 'unknown_user' } | Refusal;

export interface AuthServiceOptions {
  readonly store: EventStore;
  readonly logger: Logger;
  readonly tokenIdleSeconds: number;
  /** `JADE_ADMIN_PASSWORD`; empty: bootstrap generates one. */
  readonly adminPassword: string;
  readonly clock?: Clock;
  /** Lower it in tests only: the default costs ~60 ms per hash on purpose. */
  readonly scrypt?: ScryptParams;
  /** Where the generated admin password goes (default: one line on stdout). */
  readonly print?: (line: string) => void;
  /** How long a write waits for the directory to fold it in before the request fails. */
  readonly writeTimeoutMs?: number;
  readonly loginProtection?: LoginProtection;
  /** False for the CLI's offline user commands: an empty log gets no generated admin from them. */
  readonly bootstrap?: boolean;
}

/**
 * Users, passwords and tokens. Every decision is taken against the directory (current state),
 * every change is an event in the user's stream, and every write waits until the directory has
 * folded it in, so the caller's next request already sees it (a logged-out token is dead at once).
 *
 * The facade over the parts: the password check with its brake (password-check.ts), the tokens
 * (token-sessions.ts), the first admin (bootstrap.ts), the user's fields (user-fields.ts). The user
 * writes stay here, one at a time.
 */
export class AuthService {
  readonly directory: UserDirectory;
  private readonly store: EventStore;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly scrypt: ScryptParams;
  private readonly print: (line: string) => void;
  private readonly writeTimeoutMs: number;
  private readonly adminPassword: string;
  private readonly bootstrap: boolean;
  /** User writes run one at a time, so "is this username free?" and the append cannot interleave in this process. */
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly passwords: PasswordCheck;
  private readonly tokens: TokenSessions;

  constructor(options: AuthServiceOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.scrypt = options.scrypt ?? defaultScryptParams;
    this.print = options.print ?? ((line) => process.stdout.write(`${line}\n`));
    this.writeTimeoutMs = options.writeTimeoutMs ?? 5000;
    this.adminPassword = options.adminPassword;
    this.bootstrap = options.bootstrap ?? true;
    this.directory = new UserDirectory(options.logger);
    this.passwords = new PasswordCheck(options.loginProtection ?? defaultLoginProtection, this.scrypt, this.clock, this.logger);
    this.tokens = new TokenSessions(this.directory, this.store, this.clock, tokenTiming(options.tokenIdleSeconds), this.logger);
  }

  /** Loads users and tokens from the log, follows it, and creates the first admin if there is no user at all. */
  async start(): Promise<void> {
    await this.directory.follow(this.store);
    if (this.bootstrap) {
      await bootstrapFirstAdmin({
        userCount: this.directory.userCount,
        adminPassword: this.adminPassword,
        createUser: (input) => this.createUser(input),
        print: this.print,
        logger: this.logger,
      });
    }
    this.tokens.startForgetting();
  }

  async stop(): Promise<void> {
    this.tokens.stopForgetting();
    await this.tokens.drain();
    await this.writeQueue.catch(() => undefined);
    await this.directory.stop();
  }

  /**
   * Checks credentials and issues a token. `requiredPermission` refuses (without issuing) a user
   * whose password is right but who holds none of them (admin always qualifies): `/admin/login`
   * is for admins (00-basics §4), `/manager/login` for managers. `address` is the caller's remote
   * address, for the per-address brake and the failure log.
   */
  async login(username: string, password: string, requiredPermission?: Permission | readonly Permission[], address?: string): Promise<LoginResult> {
    const user = this.directory.userByUsername(username);
    const outcome = await this.passwords.check({ username, address }, user?.passwordHash, password, 'login');
    if (outcome.kind === 'refused') return outcome.refusal;
    if (!user || !outcome.valid) return { ok: false, reason: 'credentials' };
    const authUser = toAuthUser(user);
    const required = requiredPermission === undefined ? [] : typeof requiredPermission === 'string' ? [requiredPermission] : requiredPermission;
    if (required.length > 0 && !mayUse(authUser, required)) return { ok: false, reason: 'permission' };
    const issued = this.tokens.issue(user);
    await this.write(user.uuid, [issued.event], 'any');
    return { ok: true, token: issued.token, user: authUser };
  }

  /**
   * Checks a user's current password (before changing it), under the same brake as a login:
   * a stolen token must not become a way to guess the password behind it.
   */
  async checkCurrentPassword(uuid: string, password: string, address?: string): Promise<PasswordCheckResult> {
    const user = this.directory.userByUuid(uuid);
    if (!user) return { ok: false, reason: 'unknown_user' };
    const outcome = await this.passwords.check({ username: user.username, address }, user.passwordHash, password, 'password_change');
    if (outcome.kind === 'refused') return outcome.refusal;
    return outcome.valid ? { ok: true } : { ok: false, reason: 'wrong' };
  }

  /**
   * The user a token belongs to, or undefined when it is unknown, revoked or idle too long.
   * Synchronous (memory only) so every request and the socket.io handshake can afford it.
   */
  verifyToken(token: string): AuthUser | undefined {
    return this.tokens.verify(token);
  }

  /**
   * Whether a token is still good, without counting this as a use (the realtime layer re-checks its open
   * connections' tokens every fraction of a second; that must not keep them alive). `revoked` covers every
   * token this process no longer knows: logged out, revoked by a password change, or never issued.
   */
  tokenState(token: string): 'live' | 'expired' | 'revoked' {
    return this.tokens.state(token);
  }

  /** Ends a token. False when it was not valid anyway (unknown, revoked, idle). */
  async logout(token: string): Promise<boolean> {
    const found = this.tokens.lookup(token);
    if (!found) return false;
    await this.write(found.user.uuid, [this.tokens.revokeEvent(found.hash, 'logout', found.user.uuid)], 'any');
    return true;
  }

  userView(uuid: string): UserView | undefined {
    const user = this.directory.userByUuid(uuid);
    return user && toView(user);
  }

  /** Every user as `/admin/user/users` shows it (never the password nor its hash). */
  listUsers(): UserView[] {
    return this.directory.allUsers().map(toView);
  }

  /** Every user as `/manager/users` shows it: plus `context` and `permissions`. */
  listManagerUsers(): ManagerUserView[] {
    return this.directory.allUsers().map(toManagerView);
  }

  managerUserView(uuid: string): ManagerUserView | undefined {
    const user = this.directory.userByUuid(uuid);
    return user && toManagerView(user);
  }

  userByUsername(username: string): UserView | undefined {
    const user = this.directory.userByUsername(username);
    return user && toView(user);
  }

  /** Every grant of every user (`/admin/user/permissions`). */
  listGrants(): PermissionGrantView[] {
    return this.directory.allUsers().flatMap(toGrantViews);
  }

  grant(grantUuid: string): PermissionGrantView | undefined {
    return this.listGrants().find((g) => g.uuid === grantUuid);
  }

  /** Refuses a username that exists (UsernameTakenError). Validates with the field schemas (zod errors). */
  createUser(input: NewUser, actor?: AuthUser): Promise<UserView> {
    return this.exclusive(async () => {
      // validate(): a bad field is a 400 naming it, whoever the caller is (route or bootstrap).
      const { username, name, password, context } = validate(newUserSchema, input);
      const wanted = validate(userChangesSchema, { permissions: input.permissions }).permissions ?? [];
      if (this.directory.userByUsername(username)) throw new UsernameTakenError(username);
      const uuid = randomUUID();
      const data: UserCreatedData = {
        uuid,
        username,
        name,
        password_hash: await hashPassword(password, this.scrypt),
        permissions: [...new Set(wanted)].map((permission) => ({ permission, uuid: randomUUID() })),
        ...(context === undefined ? {} : { context }),
        created_at: this.timestamp(),
      };
      // no_stream: the uuid is fresh, so this can only fail on a bug, never overwrite a user.
      await this.write(uuid, [userEvent(authEventTypes.userCreated, data, actor?.uuid)], 'no_stream');
      return toView(this.directory.userByUuid(uuid)!);
    });
  }

  /**
   * Changes name and/or password. A password change also revokes the user's other tokens
   * (`keepToken` survives: the caller who changed it stays logged in). False for an unknown user.
   */
  updateUser(uuid: string, changes: UserChanges, actor: AuthUser, keepToken?: string): Promise<boolean> {
    return this.exclusive(async () => {
      const user = this.directory.userByUuid(uuid);
      if (!user) return false;
      const valid = validate(userChangesSchema, changes);
      const now = this.timestamp();
      const events: JadeEvent[] = [];
      const nameChanged = valid.name !== undefined && valid.name !== user.name;
      const contextChanged = valid.context !== undefined && valid.context !== user.context;
      if (nameChanged || contextChanged) {
        const data: UserUpdatedData = {
          uuid,
          ...(nameChanged ? { name: valid.name } : {}),
          ...(contextChanged ? { context: valid.context } : {}),
          updated_at: now,
        };
        events.push(userEvent(authEventTypes.userUpdated, data, actor.uuid));
      }
      const revoked = new Set<string>();
      const revokeAll = (reason: TokenRevokeReason, kept?: string): void => {
        for (const token of this.directory.tokensOf(uuid)) {
          if (token.tokenHash === kept || revoked.has(token.tokenHash)) continue;
          revoked.add(token.tokenHash);
          events.push(this.tokens.revokeEvent(token.tokenHash, reason, actor.uuid));
        }
      };
      if (valid.permissions !== undefined) {
        const wanted = [...new Set(valid.permissions)];
        const grants = wanted.map((permission) => user.grants.find((g) => g.permission === permission) ?? { uuid: randomUUID(), permission });
        const lost = user.grants.some((g) => !wanted.includes(g.permission as Permission));
        const changed = lost || grants.length !== user.grants.length;
        if (changed) {
          if (user.permissions.includes(permissionNames.admin) && !wanted.includes(permissionNames.admin)) this.refuseLastAdmin(uuid);
          events.push(this.permissionsEvent(uuid, grants, now, actor));
          // Fewer rights: every open session of the user ends, so nothing authorized before (a realtime subscription) outlives them.
          if (lost) revokeAll('permissions_changed');
        }
      }
      if (valid.password !== undefined) {
        const hash = await hashPassword(valid.password, this.scrypt);
        const data: UserPasswordChangedData = { uuid, password_hash: hash, changed_at: now };
        events.push(userEvent(authEventTypes.userPasswordChanged, data, actor.uuid));
        revokeAll('password_changed', keepToken === undefined ? undefined : tokenHash(keepToken));
      }
      // One append: the new password and the revocations land together or not at all.
      if (events.length > 0) await this.write(uuid, events, 'any');
      return true;
    });
  }

  /**
   * Deletes a user, revoking its tokens in the same append (its next request is a 401, its realtime
   * connections close on the next sweep). False for an unknown user.
   */
  deleteUser(uuid: string, actor: AuthUser | undefined): Promise<boolean> {
    return this.exclusive(async () => {
      const user = this.directory.userByUuid(uuid);
      if (!user) return false;
      if (user.permissions.includes(permissionNames.admin)) this.refuseLastAdmin(uuid);
      const data: UserDeletedData = { uuid, username: user.username, deleted_at: this.timestamp() };
      const events: JadeEvent[] = [userEvent(authEventTypes.userDeleted, data, actor?.uuid)];
      for (const token of this.directory.tokensOf(uuid)) events.push(this.tokens.revokeEvent(token.tokenHash, 'user_deleted', actor?.uuid ?? uuid));
      await this.write(uuid, events, 'any');
      return true;
    });
  }

  /** Grants `permission` to a user (UnknownUserError, PermissionAlreadyGrantedError). */
  grantPermission(userUuid: string, permission: string, actor: AuthUser | undefined): Promise<PermissionGrantView> {
    return this.exclusive(async () => {
      const valid = validate(z.object({ permission: permissionSchema }), { permission }).permission;
      const user = this.directory.userByUuid(userUuid);
      if (!user) throw new UnknownUserError(userUuid);
      if (user.permissions.includes(valid)) throw new PermissionAlreadyGrantedError(userUuid, valid);
      const grant = { uuid: randomUUID(), permission: valid };
      await this.write(userUuid, [this.permissionsEvent(userUuid, [...user.grants, grant], this.timestamp(), actor)], 'any');
      return { uuid: grant.uuid, user_uuid: userUuid, permission: valid };
    });
  }

  /** Revokes one grant, and with it every token of its user. False for an unknown grant. */
  revokePermission(grantUuid: string, actor: AuthUser | undefined): Promise<boolean> {
    return this.exclusive(async () => {
      const user = this.directory.allUsers().find((u) => u.grants.some((g) => g.uuid === grantUuid));
      if (!user) return false;
      const grant = user.grants.find((g) => g.uuid === grantUuid)!;
      if (grant.permission === permissionNames.admin) this.refuseLastAdmin(user.uuid);
      const events: JadeEvent[] = [this.permissionsEvent(user.uuid, user.grants.filter((g) => g.uuid !== grantUuid), this.timestamp(), actor)];
      for (const token of this.directory.tokensOf(user.uuid)) events.push(this.tokens.revokeEvent(token.tokenHash, 'permissions_changed', actor?.uuid ?? user.uuid));
      await this.write(user.uuid, events, 'any');
      return true;
    });
  }

  private permissionsEvent(uuid: string, grants: readonly PermissionGrant[], now: string, actor: AuthUser | undefined): JadeEvent {
    const data: UserPermissionsChangedData = { uuid, permissions: grants.map((g) => ({ uuid: g.uuid, permission: g.permission })), changed_at: now };
    return userEvent(authEventTypes.userPermissionsChanged, data, actor?.uuid);
  }

  /** Throws when `uuid` is the only user holding `admin` (it is about to lose it). */
  private refuseLastAdmin(uuid: string): void {
    const others = this.directory.allUsers().some((u: UserRecord) => u.uuid !== uuid && u.permissions.includes(permissionNames.admin));
    if (!others) throw new LastAdminError();
  }

  private async write(userUuid: string, events: readonly JadeEvent[], expected: ExpectedRevision): Promise<void> {
    const result = await this.store.append(streams.user(userUuid), events, expected);
    await this.directory.waitForPosition(result.lastPosition, this.writeTimeoutMs);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(work, work);
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  private timestamp(): string {
    return formatTimestamp(new Date(this.clock()));
  }
}
