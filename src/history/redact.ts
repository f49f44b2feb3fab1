import { redactEventData } from '../auth/events.js';

/**
 * What never leaves the server through the log, call history or command audit: password hashes
 * (auth's own list, `redactEventData`), token hashes (a SHA-256 of a live token is a key to brute
 * force offline and a way to correlate sessions), and anything named like a secret that some
 * request or Asterisk response might carry (`Secret`, `password`).
 */
const masked = '[redacted]';
const secretKey = /^(password|passwd|secret|token|authtoken)$|(_hash|_password|_secret|_token)$/i;

/** Deep copy of a JSON value with every secret-looking key masked. */
export function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = secretKey.test(key) ? masked : redactValue(inner);
  return out;
}

/** An event's data as the API may show it. */
export function redactData(data: Readonly<Record<string, unknown>>): Record<string, unknown> {
  // Auth's list first: it is the contract for its own events; the pattern catches what it does not name.
  return redactValue(redactEventData(data)) as Record<string, unknown>;
}
