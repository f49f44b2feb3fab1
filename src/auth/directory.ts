import type { ZodType, ZodTypeDef } from 'zod';
import type { RecordedEvent } from '../events/index.js';
import { streamPrefixes } from '../events/index.js';
import type { EventStore, Subscription } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { createHash } from 'node:crypto';
import { parseTimestamp } from '../events/time.js';
import {
  authEventTypes,
  tokenIssuedData,
  tokenRevokedData,
  tokenUsedData,
  userCreatedData,
  userDeletedData,
  userPasswordChangedData,
  userPermissionsChangedData,
  userUpdatedData,
  type PermissionGrant,
} from './events.js';
import { isTokenExpired, type TokenTiming, type TokenUse } from './tokens.js';

/** A user as the directory holds it. Internal to src/auth: it carries the password hash. */
export interface UserRecord {
  readonly uuid: string;
  readonly username: string;
  readonly name: string;
  readonly passwordHash: string;
  /** The permission values, from `grants` (what every access decision reads). */
  readonly permissions: readonly string[];
  readonly grants: readonly PermissionGrant[];
  readonly context: string;
  readonly tmCreate: string;
  readonly tmUpdate: string | null;
}

export interface TokenRecord extends TokenUse {
  readonly tokenHash: string;
  readonly userUuid: string;
}

export class DirectoryTimeoutError extends Error {
  override readonly name = 'DirectoryTimeoutError';
}

interface Waiter {
  readonly position: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

const NS_PER_MS = 1_000_000n;

/**
 * The uuid of a grant written before grants had their own (the first admin of an older log):
 * derived from the user and the permission, so every replay gives the same one.
 */
export function legacyGrantUuid(userUuid: string, permission: string): string {
  const hex = createHash('sha256').update(`grant:${userUuid}:${permission}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function toMs(timestamp: string): number | undefined {
  const ns = parseTimestamp(timestamp);
  return ns === undefined ? undefined : Number(ns / NS_PER_MS);
}

/** Wait before re-subscribing after the store dropped the subscription. */
const RESUBSCRIBE_DELAY_MS = 1000;

/**
 * Users and live tokens, in process memory, for lookups on every request without a store read.
 * The state is a pure fold of the `user-` streams: rebuilt from the log at start and kept current
 * by following the store's global order, so every process sees every other process's writes.
 */
export class UserDirectory {
  private readonly users = new Map<string, UserRecord>();
  private readonly uuidByUsername = new Map<string, string>();
  private readonly tokens = new Map<string, TokenRecord>();
  private appliedPosition = 0;
  private waiters: Waiter[] = [];
  private subscription: Subscription | undefined;
  private stopped = false;
  private resubscribeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly logger: Logger) {}

  /** Last log position folded in (user event or not). */
  get position(): number {
    return this.appliedPosition;
  }

  get userCount(): number {
    return this.users.size;
  }

  userByUuid(uuid: string): UserRecord | undefined {
    return this.users.get(uuid);
  }

  /** Every user, oldest first (creation order of the log). */
  allUsers(): UserRecord[] {
    return [...this.users.values()];
  }

  userByUsername(username: string): UserRecord | undefined {
    const uuid = this.uuidByUsername.get(username);
    return uuid === undefined ? undefined : this.users.get(uuid);
  }

  token(hash: string): TokenRecord | undefined {
    return this.tokens.get(hash);
  }

  tokensOf(userUuid: string): TokenRecord[] {
    return [...this.tokens.values()].filter((token) => token.userUuid === userUuid);
  }

  /** A use this process saw; in memory only (the caller decides when a `TokenUsed` is due). */
  noteUse(hash: string, nowMs: number, recorded: boolean): void {
    const token = this.tokens.get(hash);
    if (!token) return;
    this.tokens.set(hash, {
      ...token,
      lastUsedMs: Math.max(token.lastUsedMs, nowMs),
      lastRecordedUseMs: recorded ? Math.max(token.lastRecordedUseMs, nowMs) : token.lastRecordedUseMs,
    });
  }

  /** Drops idle tokens so memory does not grow with every login ever made; they are dead anyway. */
  forgetExpired(nowMs: number, timing: TokenTiming): number {
    let dropped = 0;
    for (const [hash, token] of this.tokens) {
      if (isTokenExpired(token, nowMs, timing)) {
        this.tokens.delete(hash);
        dropped += 1;
      }
    }
    return dropped;
  }

  /**
   * Follows the store from the start of the log and resolves once it has folded in everything
   * that was in the log when called (so a fresh process answers lookups like a running one).
   */
  async follow(store: EventStore): Promise<void> {
    this.stopped = false;
    const head = await store.headPosition();
    this.subscribe(store);
    await this.waitForPosition(head);
  }

  private subscribe(store: EventStore): void {
    this.subscription = store.subscribeToAll({
      afterPosition: this.appliedPosition,
      onEvents: (events) => this.apply(events),
      onError: (error) => {
        // Losing the feed would silently freeze logins and logouts: say so, then pick up where we were.
        this.logger.error({ err: error, position: this.appliedPosition }, 'user directory lost its subscription; re-subscribing');
        this.subscription = undefined;
        if (this.stopped) return;
        this.resubscribeTimer = setTimeout(() => {
          this.resubscribeTimer = undefined;
          if (!this.stopped) this.subscribe(store);
        }, RESUBSCRIBE_DELAY_MS);
        this.resubscribeTimer.unref();
      },
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resubscribeTimer) clearTimeout(this.resubscribeTimer);
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.close();
    for (const waiter of this.waiters) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(new DirectoryTimeoutError('user directory stopped'));
    }
    this.waiters = [];
  }

  /** Resolves once `position` is folded in: read-your-writes for this module's own appends. */
  waitForPosition(position: number, timeoutMs?: number): Promise<void> {
    if (this.appliedPosition >= position) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiters = this.waiters.filter((w) => w !== waiter);
              reject(new DirectoryTimeoutError(`user directory did not reach position ${position} within ${timeoutMs} ms`));
            }, timeoutMs);
      const waiter: Waiter = { position, resolve, reject, timer };
      this.waiters.push(waiter);
    });
  }

  /** Folds a batch in, in log order. Exposed for tests; the subscription calls it otherwise. */
  apply(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      if (event.position <= this.appliedPosition) continue;
      if (event.stream.startsWith(streamPrefixes.user)) this.applyUserEvent(event);
      this.appliedPosition = event.position;
    }
    if (this.waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.position <= this.appliedPosition) {
        if (waiter.timer) clearTimeout(waiter.timer);
        waiter.resolve();
      } else {
        still.push(waiter);
      }
    }
    this.waiters = still;
  }

  /** Parses an event's data; a malformed one is skipped and logged, never allowed to stop the fold. */
  private parse<T>(schema: ZodType<T, ZodTypeDef, unknown>, event: RecordedEvent): T | undefined {
    const parsed = schema.safeParse(event.data);
    if (parsed.success) return parsed.data;
    // Only the position and type: the data may hold a password hash.
    this.logger.warn({ position: event.position, type: event.type, stream: event.stream }, 'skipping malformed user event');
    return undefined;
  }

  private applyUserEvent(event: RecordedEvent): void {
    switch (event.type) {
      case authEventTypes.userCreated: {
        const data = this.parse(userCreatedData, event);
        if (!data || this.users.has(data.uuid)) return;
        const grants = data.permissions.map((p) => ({ uuid: p.uuid ?? legacyGrantUuid(data.uuid, p.permission), permission: p.permission }));
        this.users.set(data.uuid, {
          uuid: data.uuid,
          username: data.username,
          name: data.name,
          passwordHash: data.password_hash,
          permissions: grants.map((g) => g.permission),
          grants,
          context: data.context ?? '',
          tmCreate: data.created_at,
          tmUpdate: null,
        });
        this.uuidByUsername.set(data.username, data.uuid);
        return;
      }
      case authEventTypes.userUpdated: {
        const data = this.parse(userUpdatedData, event);
        const user = data && this.users.get(data.uuid);
        if (!data || !user) return;
        this.users.set(user.uuid, { ...user, name: data.name ?? user.name, context: data.context ?? user.context, tmUpdate: data.updated_at });
        return;
      }
      case authEventTypes.userPermissionsChanged: {
        const data = this.parse(userPermissionsChangedData, event);
        const user = data && this.users.get(data.uuid);
        if (!data || !user) return;
        this.users.set(user.uuid, { ...user, grants: data.permissions, permissions: data.permissions.map((g) => g.permission), tmUpdate: data.changed_at });
        return;
      }
      case authEventTypes.userDeleted: {
        const data = this.parse(userDeletedData, event);
        const user = data && this.users.get(data.uuid);
        if (!data || !user) return;
        this.users.delete(user.uuid);
        if (this.uuidByUsername.get(user.username) === user.uuid) this.uuidByUsername.delete(user.username);
        for (const [hash, token] of this.tokens) if (token.userUuid === user.uuid) this.tokens.delete(hash);
        return;
      }
      case authEventTypes.userPasswordChanged: {
        const data = this.parse(userPasswordChangedData, event);
        const user = data && this.users.get(data.uuid);
        if (!data || !user) return;
        this.users.set(user.uuid, { ...user, passwordHash: data.password_hash, tmUpdate: data.changed_at });
        return;
      }
      case authEventTypes.tokenIssued: {
        const data = this.parse(tokenIssuedData, event);
        const issuedMs = data && toMs(data.issued_at);
        if (!data || issuedMs === undefined || !this.users.has(data.user_uuid)) return;
        this.tokens.set(data.token_hash, { tokenHash: data.token_hash, userUuid: data.user_uuid, lastUsedMs: issuedMs, lastRecordedUseMs: issuedMs });
        return;
      }
      case authEventTypes.tokenUsed: {
        const data = this.parse(tokenUsedData, event);
        const usedMs = data && toMs(data.used_at);
        const token = data && this.tokens.get(data.token_hash);
        if (!token || usedMs === undefined) return;
        this.tokens.set(token.tokenHash, {
          ...token,
          lastUsedMs: Math.max(token.lastUsedMs, usedMs),
          lastRecordedUseMs: Math.max(token.lastRecordedUseMs, usedMs),
        });
        return;
      }
      case authEventTypes.tokenRevoked: {
        const data = this.parse(tokenRevokedData, event);
        if (data) this.tokens.delete(data.token_hash);
        return;
      }
      default:
        // Other event types in user- streams belong to later features; ignoring them keeps old code replayable.
        return;
    }
  }
}
