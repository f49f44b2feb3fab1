import type { ClientSession, CloseReason } from './connection.js';

/**
 * The re-check of open connections' tokens: a connection outlives its handshake, so a token that is
 * logged out, revoked by a password change or idle too long must still close the connections opened
 * with it. Polling, not a revocation signal from auth: it also catches idle expiry, which no event announces.
 */

/** A quarter second: well inside the "closed within a second" of a revoked token, and a Map walk of hash lookups per tick. */
export const TOKEN_CHECK_MS = 250;

export type TokenState = 'live' | 'expired' | 'revoked';

const tokenReasons: Readonly<Record<Exclude<TokenState, 'live'>, CloseReason>> = {
  revoked: { code: 'token_revoked', message: 'the authtoken was revoked (logout or password change); log in again' },
  expired: { code: 'token_expired', message: 'the authtoken expired (idle too long); log in again' },
};

/** Why a session's connection must close now, or undefined while its token is live (or it has none). */
export function tokenCloseReason(session: ClientSession, tokenState: (token: string) => TokenState): CloseReason | undefined {
  if (session.token === undefined) return undefined;
  const state = tokenState(session.token);
  return state === 'live' ? undefined : tokenReasons[state];
}

/** Sweeps every `everyMs` until the returned stop is called; the timer never keeps the process alive. */
export function startTokenSweep(
  fanout: { sweep(check: (session: ClientSession) => CloseReason | undefined): void },
  tokenState: (token: string) => TokenState,
  everyMs: number = TOKEN_CHECK_MS,
): () => void {
  const timer = setInterval(() => fanout.sweep((session) => tokenCloseReason(session, tokenState)), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
