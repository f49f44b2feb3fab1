/**
 * The brake on guessing passwords: failed logins are counted per username and per remote address,
 * and past a threshold each further failure locks that key for an exponentially growing time.
 * A locked key is refused before any password work (no scrypt), so guessing costs the guesser
 * time and costs us nothing.
 *
 * Memory is bounded: each table keeps at most `maxKeys` entries and drops the least recently
 * failed one beyond that; an entry is forgotten `memoryMs` after its last failure (the decay).
 */

export interface BrakePolicy {
  /** Failures allowed before the first lock. */
  readonly failuresBeforeDelay: number;
  /** The first lock; each further failure doubles it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** An entry without a new failure for this long is forgotten (counter back to zero). */
  readonly memoryMs: number;
  readonly maxKeys: number;
}

interface Failures {
  readonly count: number;
  readonly lastFailureMs: number;
}

/** How long a key with `count` failures is locked after its last failure: 0 below the threshold. */
export function lockDurationMs(count: number, policy: BrakePolicy): number {
  if (count < policy.failuresBeforeDelay) return 0;
  const doublings = count - policy.failuresBeforeDelay;
  // 2^31 ms is weeks: beyond that the cap has long applied, and the exponent stays finite.
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(doublings, 31));
}

/** Failure counts per key (a username or an address), least recently failed first. */
export class FailureTable {
  /** A Map iterates in insertion order: re-inserting on every failure keeps it ordered by recency. */
  private readonly entries = new Map<string, Failures>();

  constructor(private readonly policy: BrakePolicy) {}

  get size(): number {
    return this.entries.size;
  }

  /** Milliseconds the key is still locked for; 0 when it may try. */
  lockedForMs(key: string, nowMs: number): number {
    const entry = this.live(key, nowMs);
    if (!entry) return 0;
    return Math.max(0, entry.lastFailureMs + lockDurationMs(entry.count, this.policy) - nowMs);
  }

  recordFailure(key: string, nowMs: number): void {
    const count = (this.live(key, nowMs)?.count ?? 0) + 1;
    this.entries.delete(key);
    this.entries.set(key, { count, lastFailureMs: nowMs });
    while (this.entries.size > this.policy.maxKeys) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  failures(key: string, nowMs: number): number {
    return this.live(key, nowMs)?.count ?? 0;
  }

  private live(key: string, nowMs: number): Failures | undefined {
    const entry = this.entries.get(key);
    if (entry && nowMs - entry.lastFailureMs >= this.policy.memoryMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

export interface BrakeConfig {
  readonly user: BrakePolicy;
  readonly address: BrakePolicy;
}

/** Who is trying: the username typed and the TCP peer (undefined when not over HTTP, e.g. in-process callers). */
export interface LoginAttempt {
  readonly username: string;
  readonly address: string | undefined;
}

/** Longer usernames cannot exist (usernameSchema); cutting them keeps a table entry small whatever a caller sends. */
const MAX_KEY_LENGTH = 64;

/** Per-username and per-address failure tables, consulted together. */
export class LoginBrake {
  private readonly users: FailureTable;
  private readonly addresses: FailureTable;

  constructor(config: BrakeConfig) {
    this.users = new FailureTable(config.user);
    this.addresses = new FailureTable(config.address);
  }

  /** 0 when the attempt may go ahead; otherwise how long until it may (the longer of the two locks). */
  lockedForMs(attempt: LoginAttempt, nowMs: number): number {
    const user = this.users.lockedForMs(userKey(attempt.username), nowMs);
    const address = attempt.address === undefined ? 0 : this.addresses.lockedForMs(attempt.address, nowMs);
    return Math.max(user, address);
  }

  recordFailure(attempt: LoginAttempt, nowMs: number): void {
    this.users.recordFailure(userKey(attempt.username), nowMs);
    if (attempt.address !== undefined) this.addresses.recordFailure(attempt.address, nowMs);
  }

  /**
   * The right password clears the username's count. The address keeps its count: otherwise one
   * guesser holding a single valid account could wipe its address's record between guesses.
   */
  recordSuccess(attempt: LoginAttempt): void {
    this.users.reset(userKey(attempt.username));
  }

  failures(attempt: LoginAttempt, nowMs: number): { readonly user: number; readonly address: number } {
    return {
      user: this.users.failures(userKey(attempt.username), nowMs),
      address: attempt.address === undefined ? 0 : this.addresses.failures(attempt.address, nowMs),
    };
  }
}

function userKey(username: string): string {
  return username.length > MAX_KEY_LENGTH ? username.slice(0, MAX_KEY_LENGTH) : username;
}
