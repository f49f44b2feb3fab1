import { randomBytes, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { JadeEvent } from '../events/index.js';
import { streams } from '../events/index.js';
import type { EventStore, ExpectedRevision } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { validate } from '../validation.js';
import { UsernameTakenError } from './errors.js';
import { formatTimestamp } from '../events/time.js';
import { UserDirectory, type TokenRecord, type UserRecord } from './directory.js';
import {
  authEventTypes,
  permissions as permissionNames,
  type Permission,
  type TokenIssuedData,
  type TokenRevokedData,
  type TokenRevokeReason,
  type TokenUsedData,
  type UserCreatedData,
  type UserPasswordChangedData,
  type UserUpdatedData,
} from './events.js';
import { defaultScryptParams, hashPassword, verifyPassword, type ScryptParams } from './password.js';
import { mayUse, type AuthUser } from './permissions.js';
import { LoginBrake, type BrakeConfig, type LoginAttempt } from './login-brake.js';
import { WorkLimiter, type LimiterPolicy } from './work-limiter.js';
import { isTokenExpired, newToken, shouldRecordUse, systemClock, tokenHash, tokenTiming, type Clock, type TokenTiming } from './tokens.js';

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

const newUserSchema = z.object({ username: usernameSchema, name: nameSchema, password: passwordSchema });
const userChangesSchema = z.object({ name: nameSchema.optional(), password: passwordSchema.optional() });

export interface NewUser {
  readonly username: string;
  readonly name: string;
  readonly password: string;
  readonly permissions: readonly Permission[];
}

export interface UserChanges {
  readonly name?: string;
  readonly password?: string;
}

/**
 * `throttled`: too many failures for this username or address, or this address already has its
 * share of password checks in flight; `busy`: the password-hashing queue is full for everyone.
 * Either way nothing was checked, and the refusal says when to retry.
 */
export type Refusal = { readonly ok: false; readonly reason: 'throttled' | 'busy'; readonly retryAfterMs: number };

export type LoginResult =
  | { readonly ok: true; readonly token: string; readonly user: AuthUser }
  | { readonly ok: false; readonly reason: 'credentials' | 'permission' }
  | Refusal;

/** The caller's current password, checked before a change of it (`PUT /admin/info {old_password}`). */
export type PasswordCheckResult = { readonly ok: true } | { readonly ok: false; readonly reason: 'wrong' | 'unknown_user' } | Refusal;

type CheckOutcome = { readonly kind: 'checked'; readonly valid: boolean } | { readonly kind: 'refused'; readonly refusal: Refusal };

/** The login brake and the hashing cap (README "Login brake"; config keys `auth.login*`, `auth.passwordHash*`). */
export interface LoginProtection {
  readonly brake: BrakeConfig;
  readonly hashing: LimiterPolicy;
  /** Retry-After for a `busy` refusal. */
  readonly busyRetryMs: number;
}

export const defaultLoginProtection: LoginProtection = {
  brake: {
    user: { failuresBeforeDelay: 5, baseDelayMs: 1000, maxDelayMs: 300_000, memoryMs: 900_000, maxKeys: 10_000 },
    // An address may be a whole office behind NAT: more room before the brake.
    address: { failuresBeforeDelay: 20, baseDelayMs: 1000, maxDelayMs: 300_000, memoryMs: 900_000, maxKeys: 10_000 },
  },
  // libuv runs 4 threads; leaving some free keeps file and DNS work moving during a flood.
  hashing: { maxConcurrent: 2, maxQueued: 16, maxPerKey: 2 },
  busyRetryMs: 1000,
};

/** Logged usernames are the caller's words: keep a line bounded whatever was sent. */
const LOGGED_USERNAME_CHARS = 64;

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
}

const SWEEP_EVERY_MS = 60_000;

/**
 * Users, passwords and tokens. Every decision is taken against the directory (current state),
 * every change is an event in the user's stream, and every write waits until the directory has
 * folded it in, so the caller's next request already sees it (a logged-out token is dead at once).
 */
export class AuthService {
  readonly directory: UserDirectory;
  private readonly store: EventStore;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timing: TokenTiming;
  private readonly scrypt: ScryptParams;
  private readonly print: (line: string) => void;
  private readonly writeTimeoutMs: number;
  private readonly adminPassword: string;
  /** User writes run one at a time, so "is this username free?" and the append cannot interleave in this process. */
  private writeQueue: Promise<unknown> = Promise.resolve();
  private readonly pendingUseRecords = new Set<Promise<void>>();
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Hash compared against when the username is unknown, so a miss costs as much as a wrong password. */
  private decoyHash: Promise<string> | undefined;
  private readonly brake: LoginBrake;
  private readonly hashing: WorkLimiter;
  private readonly busyRetryMs: number;

  constructor(options: AuthServiceOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.timing = tokenTiming(options.tokenIdleSeconds);
    this.scrypt = options.scrypt ?? defaultScryptParams;
    this.print = options.print ?? ((line) => process.stdout.write(`${line}\n`));
    this.writeTimeoutMs = options.writeTimeoutMs ?? 5000;
    this.adminPassword = options.adminPassword;
    this.directory = new UserDirectory(options.logger);
    const protection = options.loginProtection ?? defaultLoginProtection;
    this.brake = new LoginBrake(protection.brake);
    this.hashing = new WorkLimiter(protection.hashing);
    this.busyRetryMs = protection.busyRetryMs;
  }

  /** Loads users and tokens from the log, follows it, and creates the first admin if there is no user at all. */
  async start(): Promise<void> {
    await this.directory.follow(this.store);
    await this.bootstrap();
    this.sweepTimer = setInterval(() => this.directory.forgetExpired(this.clock(), this.timing), SWEEP_EVERY_MS);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    // Let in-flight TokenUsed appends finish, so a stop never races the store's close.
    await Promise.allSettled([...this.pendingUseRecords]);
    await this.writeQueue.catch(() => undefined);
    await this.directory.stop();
  }

  private async bootstrap(): Promise<void> {
    if (this.directory.userCount > 0) return;
    const generated = this.adminPassword === '';
    const password = generated ? randomBytes(18).toString('base64url') : this.adminPassword;
    const admin = await this.createUser({
      username: 'admin',
      name: 'Administrator',
      password,
      permissions: [permissionNames.admin, permissionNames.user],
    });
    if (generated) {
      // Printed, never logged: log lines are shipped and kept; this line is for the operator's eyes once.
      this.print(`admin password: ${password}`);
      this.logger.warn({ user_uuid: admin.uuid }, 'created user admin with a generated password (printed once on stdout); change it with PUT /v1/admin/info');
    } else {
      this.logger.info({ user_uuid: admin.uuid }, 'created user admin with the configured JADE_ADMIN_PASSWORD');
    }
  }

  /**
   * Checks credentials and issues a token. `requiredPermission` refuses (without issuing) a user
   * whose password is right but who holds none of them (admin always qualifies): `/admin/login`
   * is for admins (00-basics §4), `/manager/login` for managers. `address` is the caller's remote
   * address, for the per-address brake and the failure log.
   */
  async login(username: string, password: string, requiredPermission?: Permission | readonly Permission[], address?: string): Promise<LoginResult> {
    const user = this.directory.userByUsername(username);
    const outcome = await this.checkPassword({ username, address }, user?.passwordHash, password, 'login');
    if (outcome.kind === 'refused') return outcome.refusal;
    if (!user || !outcome.valid) return { ok: false, reason: 'credentials' };
    const authUser = toAuthUser(user);
    const required = requiredPermission === undefined ? [] : typeof requiredPermission === 'string' ? [requiredPermission] : requiredPermission;
    if (required.length > 0 && !mayUse(authUser, required)) return { ok: false, reason: 'permission' };
    const token = newToken();
    const data: TokenIssuedData = { token_hash: sha(token), user_uuid: user.uuid, issued_at: this.timestamp() };
    await this.write(user.uuid, [event(authEventTypes.tokenIssued, data, user.uuid)], 'any');
    return { ok: true, token, user: authUser };
  }

  /**
   * Checks a user's current password (before changing it), under the same brake as a login:
   * a stolen token must not become a way to guess the password behind it.
   */
  async checkCurrentPassword(uuid: string, password: string, address?: string): Promise<PasswordCheckResult> {
    const user = this.directory.userByUuid(uuid);
    if (!user) return { ok: false, reason: 'unknown_user' };
    const outcome = await this.checkPassword({ username: user.username, address }, user.passwordHash, password, 'password_change');
    if (outcome.kind === 'refused') return outcome.refusal;
    return outcome.valid ? { ok: true } : { ok: false, reason: 'wrong' };
  }

  /**
   * The one place a password is verified: a locked username or address is refused before any
   * hashing, hashing waits its turn in the limiter (or is refused when the queue is full), and
   * a failure is counted and logged with the username and address, never the password.
   * An unknown user is checked against a decoy hash, so a miss costs as much as a wrong password.
   */
  private async checkPassword(attempt: LoginAttempt, hash: string | undefined, password: string, purpose: 'login' | 'password_change'): Promise<CheckOutcome> {
    const who = { username: attempt.username.slice(0, LOGGED_USERNAME_CHARS), remote_address: attempt.address ?? null, purpose };
    const lockedMs = this.brake.lockedForMs(attempt, this.clock());
    if (lockedMs > 0) {
      this.logger.warn({ ...who, retry_after_ms: lockedMs }, 'login refused: too many failed attempts');
      return { kind: 'refused', refusal: { ok: false, reason: 'throttled', retryAfterMs: lockedMs } };
    }
    const expected = hash ?? (await (this.decoyHash ??= hashPassword(randomUUID(), this.scrypt)));
    const admission = this.hashing.run(attempt.address, () => verifyPassword(password, expected));
    if (!admission.admitted) {
      this.logger.warn({ ...who, limit: admission.reason }, 'login refused: password checks are saturated');
      // key-busy: this address already holds its share of the queue (its problem: 429); busy: everyone's is full (503).
      const reason = admission.reason === 'key-busy' ? 'throttled' : 'busy';
      return { kind: 'refused', refusal: { ok: false, reason, retryAfterMs: this.busyRetryMs } };
    }
    // Awaited even for an unknown user: answering before the decoy check ends would tell the
    // caller which usernames exist (and hand back the slot's answer while the work still runs).
    const matched = await admission.result;
    const valid = hash !== undefined && matched;
    if (valid) {
      this.brake.recordSuccess(attempt);
    } else {
      const now = this.clock();
      this.brake.recordFailure(attempt, now);
      const failures = this.brake.failures(attempt, now);
      this.logger.warn({ ...who, user_failures: failures.user, address_failures: failures.address }, 'login failed');
    }
    return { kind: 'checked', valid };
  }

  /**
   * The user a token belongs to, or undefined when it is unknown, revoked or idle too long.
   * Synchronous (memory only) so every request and the socket.io handshake can afford it.
   */
  verifyToken(token: string): AuthUser | undefined {
    const found = this.lookup(token);
    if (!found) return undefined;
    const { hash, record, user, now } = found;
    const recordUse = shouldRecordUse(record, now, this.timing);
    // Mark it recorded before the append lands, so concurrent requests do not each write one.
    this.directory.noteUse(hash, now, recordUse);
    if (recordUse) this.recordUse(user.uuid, hash, now);
    return toAuthUser(user);
  }

  /**
   * Whether a token is still good, without counting this as a use (the realtime layer re-checks its open
   * connections' tokens every fraction of a second; that must not keep them alive). `revoked` covers every
   * token this process no longer knows: logged out, revoked by a password change, or never issued.
   */
  tokenState(token: string): 'live' | 'expired' | 'revoked' {
    const hash = tokenHash(token);
    const record = hash === undefined ? undefined : this.directory.token(hash);
    if (!record || !this.directory.userByUuid(record.userUuid)) return 'revoked';
    return isTokenExpired(record, this.clock(), this.timing) ? 'expired' : 'live';
  }

  /** A live token and its user, without counting this as a use. */
  private lookup(token: string): { hash: string; record: TokenRecord; user: UserRecord; now: number } | undefined {
    const hash = tokenHash(token);
    const record = hash === undefined ? undefined : this.directory.token(hash);
    if (hash === undefined || !record) return undefined;
    const user = this.directory.userByUuid(record.userUuid);
    const now = this.clock();
    if (!user || isTokenExpired(record, now, this.timing)) return undefined;
    return { hash, record, user, now };
  }

  /** Fire-and-forget: a request must not wait for, or fail on, bookkeeping about its own token. */
  private recordUse(userUuid: string, hash: string, nowMs: number): void {
    const data: TokenUsedData = { token_hash: hash, used_at: formatTimestamp(new Date(nowMs)) };
    const pending = this.store
      .append(streams.user(userUuid), [event(authEventTypes.tokenUsed, data, userUuid)], 'any')
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error, user_uuid: userUuid }, 'could not record a token use; idle expiry after a restart may come early'),
      )
      .finally(() => this.pendingUseRecords.delete(pending));
    this.pendingUseRecords.add(pending);
  }

  /** Ends a token. False when it was not valid anyway (unknown, revoked, idle). */
  async logout(token: string): Promise<boolean> {
    const found = this.lookup(token);
    if (!found) return false;
    await this.write(found.user.uuid, [this.revokeEvent(found.hash, 'logout', found.user.uuid)], 'any');
    return true;
  }

  userView(uuid: string): UserView | undefined {
    const user = this.directory.userByUuid(uuid);
    return user && toView(user);
  }

  /** Refuses a username that exists (UsernameTakenError). Validates with the schemas above (zod errors). */
  createUser(input: NewUser, actor?: AuthUser): Promise<UserView> {
    return this.exclusive(async () => {
      // validate(): a bad field is a 400 naming it, whoever the caller is (route or bootstrap).
      const { username, name, password } = validate(newUserSchema, input);
      if (this.directory.userByUsername(username)) throw new UsernameTakenError(username);
      const uuid = randomUUID();
      const data: UserCreatedData = {
        uuid,
        username,
        name,
        password_hash: await hashPassword(password, this.scrypt),
        permissions: input.permissions.map((permission) => ({ permission })),
        created_at: this.timestamp(),
      };
      // no_stream: the uuid is fresh, so this can only fail on a bug, never overwrite a user.
      await this.write(uuid, [event(authEventTypes.userCreated, data, actor?.uuid)], 'no_stream');
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
      if (valid.name !== undefined && valid.name !== user.name) {
        const data: UserUpdatedData = { uuid, name: valid.name, updated_at: now };
        events.push(event(authEventTypes.userUpdated, data, actor.uuid));
      }
      if (valid.password !== undefined) {
        const hash = await hashPassword(valid.password, this.scrypt);
        const data: UserPasswordChangedData = { uuid, password_hash: hash, changed_at: now };
        events.push(event(authEventTypes.userPasswordChanged, data, actor.uuid));
        const kept = keepToken === undefined ? undefined : tokenHash(keepToken);
        for (const token of this.directory.tokensOf(uuid)) {
          if (token.tokenHash !== kept) events.push(this.revokeEvent(token.tokenHash, 'password_changed', actor.uuid));
        }
      }
      // One append: the new password and the revocations land together or not at all.
      if (events.length > 0) await this.write(uuid, events, 'any');
      return true;
    });
  }

  private revokeEvent(hash: string, reason: TokenRevokeReason, actorUuid: string): JadeEvent {
    const data: TokenRevokedData = { token_hash: hash, revoked_at: this.timestamp(), reason };
    return event(authEventTypes.tokenRevoked, data, actorUuid);
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

function sha(token: string): string {
  // newToken() output is never empty nor long, so tokenHash always answers for it.
  return tokenHash(token)!;
}

function event<T extends Record<string, unknown>>(type: string, data: T, actorUuid: string | undefined): JadeEvent {
  return { type, data, metadata: actorUuid === undefined ? {} : { userId: actorUuid } };
}

function toAuthUser(user: UserRecord): AuthUser {
  return { uuid: user.uuid, username: user.username, permissions: user.permissions };
}

function toView(user: UserRecord): UserView {
  return { uuid: user.uuid, username: user.username, name: user.name, tm_create: user.tmCreate, tm_update: user.tmUpdate };
}
