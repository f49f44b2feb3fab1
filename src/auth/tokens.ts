import { createHash, randomUUID } from 'node:crypto';

/** Milliseconds since the epoch; injected so tests can move time. */
export type Clock = () => number;
export const systemClock: Clock = () => Date.now();

/** The manual's authtoken is a UUID; v4 carries 122 random bits from the CSPRNG. */
export function newToken(): string {
  return randomUUID();
}

/** Longer than any token we issue; stops a caller from making us hash megabytes per request. */
const MAX_TOKEN_LENGTH = 128;

/**
 * The id under which a token is stored and looked up. A plain SHA-256 is enough (no salt, no KDF):
 * the input is 122 random bits, not a guessable password, and a lookup must cost microseconds.
 */
export function tokenHash(token: string): string | undefined {
  if (token === '' || token.length > MAX_TOKEN_LENGTH) return undefined;
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface TokenTiming {
  /** A token unused this long is dead. */
  readonly idleMs: number;
  /** A use is recorded in the log (`TokenUsed`) at most this often per token. */
  readonly recordUseEveryMs: number;
}

/**
 * Recording every use would write an event per request; recording none would let a restart
 * forget that a token was in use and expire it early. Recording at most every tenth of the idle
 * time (between 1 s and 60 s) bounds both: after a restart a token can expire at most that much early.
 */
export function tokenTiming(idleSeconds: number): TokenTiming {
  const idleMs = idleSeconds * 1000;
  return { idleMs, recordUseEveryMs: Math.min(60_000, Math.max(1_000, idleMs / 10)) };
}

/** What the idle logic needs to know about one token. */
export interface TokenUse {
  /** Last use this process knows of (or the issue time). */
  readonly lastUsedMs: number;
  /** Last use that is (being) written to the log. */
  readonly lastRecordedUseMs: number;
}

export function isTokenExpired(use: TokenUse, nowMs: number, timing: TokenTiming): boolean {
  return nowMs - use.lastUsedMs >= timing.idleMs;
}

export function shouldRecordUse(use: TokenUse, nowMs: number, timing: TokenTiming): boolean {
  return nowMs - use.lastRecordedUseMs >= timing.recordUseEveryMs;
}
