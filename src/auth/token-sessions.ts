import type { JadeEvent } from '../events/index.js';
import { streams } from '../events/index.js';
import { formatTimestamp } from '../events/time.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { TokenRecord, UserDirectory, UserRecord } from './directory.js';
import { authEventTypes, type TokenIssuedData, type TokenRevokedData, type TokenRevokeReason, type TokenUsedData } from './events.js';
import type { AuthUser } from './permissions.js';
import { isTokenExpired, newToken, shouldRecordUse, tokenHash, type Clock, type TokenTiming } from './tokens.js';
import { toAuthUser, userEvent } from './user-fields.js';

/**
 * The tokens of logged-in callers, as the directory knows them: checked on every request (memory only,
 * synchronous), their uses recorded now and then so idle expiry survives a restart, expired ones
 * forgotten. Issuing and revoking are events the service writes; their shapes are built here.
 */

const FORGET_EXPIRED_EVERY_MS = 60_000;

/** A live token and its user. */
export interface FoundToken {
  readonly hash: string;
  readonly record: TokenRecord;
  readonly user: UserRecord;
  readonly now: number;
}

export class TokenSessions {
  private readonly pendingUseRecords = new Set<Promise<void>>();
  private forgetTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly directory: UserDirectory,
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly timing: TokenTiming,
    private readonly logger: Logger,
  ) {}

  /** Forgets expired tokens now and then, so the directory stays as small as the live sessions. */
  startForgetting(): void {
    this.forgetTimer = setInterval(() => this.directory.forgetExpired(this.clock(), this.timing), FORGET_EXPIRED_EVERY_MS);
    this.forgetTimer.unref();
  }

  stopForgetting(): void {
    if (this.forgetTimer) clearInterval(this.forgetTimer);
    this.forgetTimer = undefined;
  }

  /** In-flight TokenUsed appends, settled: a stop must never race the store's close. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pendingUseRecords]);
  }

  /** See AuthService.verifyToken. */
  verify(token: string): AuthUser | undefined {
    const found = this.lookup(token);
    if (!found) return undefined;
    const { hash, record, user, now } = found;
    const recordUse = shouldRecordUse(record, now, this.timing);
    // Mark it recorded before the append lands, so concurrent requests do not each write one.
    this.directory.noteUse(hash, now, recordUse);
    if (recordUse) this.recordUse(user.uuid, hash, now);
    return toAuthUser(user);
  }

  /** See AuthService.tokenState. */
  state(token: string): 'live' | 'expired' | 'revoked' {
    const hash = tokenHash(token);
    const record = hash === undefined ? undefined : this.directory.token(hash);
    if (!record || !this.directory.userByUuid(record.userUuid)) return 'revoked';
    return isTokenExpired(record, this.clock(), this.timing) ? 'expired' : 'live';
  }

  /** A live token and its user, without counting this as a use. */
  lookup(token: string): FoundToken | undefined {
    const hash = tokenHash(token);
    const record = hash === undefined ? undefined : this.directory.token(hash);
    if (hash === undefined || !record) return undefined;
    const user = this.directory.userByUuid(record.userUuid);
    const now = this.clock();
    if (!user || isTokenExpired(record, now, this.timing)) return undefined;
    return { hash, record, user, now };
  }

  /** A fresh token for `user` and the event that makes it valid once appended. */
  issue(user: UserRecord): { readonly token: string; readonly event: JadeEvent } {
    const token = newToken();
    // newToken() output is never empty nor long, so tokenHash always answers for it.
    const data: TokenIssuedData = { token_hash: tokenHash(token)!, user_uuid: user.uuid, issued_at: this.timestamp() };
    return { token, event: userEvent(authEventTypes.tokenIssued, data, user.uuid) };
  }

  revokeEvent(hash: string, reason: TokenRevokeReason, actorUuid: string): JadeEvent {
    const data: TokenRevokedData = { token_hash: hash, revoked_at: this.timestamp(), reason };
    return userEvent(authEventTypes.tokenRevoked, data, actorUuid);
  }

  /** Fire-and-forget: a request must not wait for, or fail on, bookkeeping about its own token. */
  private recordUse(userUuid: string, hash: string, nowMs: number): void {
    const data: TokenUsedData = { token_hash: hash, used_at: formatTimestamp(new Date(nowMs)) };
    const pending = this.store
      .append(streams.user(userUuid), [userEvent(authEventTypes.tokenUsed, data, userUuid)], 'any')
      .then(
        () => undefined,
        (error: unknown) => this.logger.warn({ err: error, user_uuid: userUuid }, 'could not record a token use; idle expiry after a restart may come early'),
      )
      .finally(() => this.pendingUseRecords.delete(pending));
    this.pendingUseRecords.add(pending);
  }

  private timestamp(): string {
    return formatTimestamp(new Date(this.clock()));
  }
}
