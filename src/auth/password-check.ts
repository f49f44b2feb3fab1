import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import { LoginBrake, type BrakeConfig, type LoginAttempt } from './login-brake.js';
import { hashPassword, verifyPassword, type ScryptParams } from './password.js';
import type { Clock } from './tokens.js';
import { WorkLimiter, type LimiterPolicy } from './work-limiter.js';

/**
 * The one place a password is verified, for a login and before a password change alike: the login
 * brake, the cap on concurrent hashing, the decoy for unknown users and the failure log. Apart from
 * the service so a change of protection policy touches nothing about users or tokens.
 */

/**
 * `throttled`: too many failures for this username or address, or this address already has its
 * share of password checks in flight; `busy`: the password-hashing queue is full for everyone.
 * Either way nothing was checked, and the refusal says when to retry.
 */
export type Refusal = { readonly ok: false; readonly reason: 'throttled' | 'busy'; readonly retryAfterMs: number };

export type CheckOutcome = { readonly kind: 'checked'; readonly valid: boolean } | { readonly kind: 'refused'; readonly refusal: Refusal };

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

export class PasswordCheck {
  /** Hash compared against when the username is unknown, so a miss costs as much as a wrong password. */
  private decoyHash: Promise<string> | undefined;
  private readonly brake: LoginBrake;
  private readonly hashing: WorkLimiter;
  private readonly busyRetryMs: number;

  constructor(
    protection: LoginProtection,
    private readonly scrypt: ScryptParams,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.brake = new LoginBrake(protection.brake);
    this.hashing = new WorkLimiter(protection.hashing);
    this.busyRetryMs = protection.busyRetryMs;
  }

  /**
   * A locked username or address is refused before any hashing, hashing waits its turn in the limiter
   * (or is refused when the queue is full), and a failure is counted and logged with the username and
   * address, never the password. `hash` undefined: an unknown user, checked against the decoy.
   */
  async check(attempt: LoginAttempt, hash: string | undefined, password: string, purpose: 'login' | 'password_change'): Promise<CheckOutcome> {
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
}
