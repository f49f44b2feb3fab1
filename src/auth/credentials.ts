/** Reading credentials off a request: HTTP Basic for login, the authtoken for everything else. */

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/**
 * `Authorization: Basic base64(username:password)` (RFC 7617). The password may itself contain
 * `:`, so split at the first one only. Returns undefined when there is no Basic header and
 * `'malformed'` when there is one we cannot read.
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials | 'malformed' | undefined {
  if (header === undefined || header === '') return undefined;
  const match = /^basic[ \t]+([A-Za-z0-9+/=_-]*)[ \t]*$/i.exec(header);
  if (!match) return /^basic(?:\s|$)/i.test(header) ? 'malformed' : undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The token a request presents: `Authorization: Bearer <token>` or the manual's `?authtoken=`.
 * The header wins when both are there (it is the one proxies do not log).
 */
export function extractToken(authorization: string | undefined, query: unknown): string | undefined {
  if (authorization) {
    const match = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (match) return match[1];
  }
  // Koa gives a repeated parameter as an array; take the first rather than refuse.
  const raw = query === undefined || query === null ? undefined : Array.isArray(query) ? query[0] : query;
  return typeof raw === 'string' && raw !== '' ? raw : undefined;
}
