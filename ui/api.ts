import { loginPaths, type DashboardRole } from './roles.js';

/**
 * The dashboard's REST client: jade's public API, as any client would use it. The token comes from
 * `POST /v1/admin/login`, or `POST /v1/manager/login` for an account without admin (HTTP basic auth
 * both), and goes in `Authorization: Bearer`. The server's clock is
 * learnt from each envelope's `timestamp`, so durations tick from jade's time, not the laptop's.
 */

export type Row = Record<string, unknown>;

interface Envelope {
  readonly statuscode?: number;
  readonly timestamp?: string;
  readonly result?: unknown;
  readonly error?: { readonly code?: string; readonly message?: string };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** jade's timestamps carry nine fraction digits; Date.parse is only sure of three. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

export class Api {
  token: string | undefined;
  /** Which login issued the token: what the page lets this user do (roles.ts). */
  role: DashboardRole = 'admin';
  /** Server time minus local time, from the last envelope. */
  skewMs = 0;
  /** Called when a token-carrying request is refused with 401 (logout, expiry). */
  onUnauthorized: (() => void) | undefined;

  serverNow(): number {
    return Date.now() + this.skewMs;
  }

  /**
   * Admin first; a 403 there (right credentials, no admin permission) tries the manager login. A 401 (wrong
   * credentials) is not tried again: that would count twice against the login brake and say nothing new.
   */
  async login(username: string, password: string): Promise<string> {
    const basic = `Basic ${btoa(unescape(encodeURIComponent(`${username}:${password}`)))}`;
    let role: DashboardRole = 'admin';
    let result: Row;
    try {
      result = (await this.call('POST', loginPaths.admin, undefined, basic)) as Row;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 403)) throw error;
      role = 'manager';
      result = (await this.call('POST', loginPaths.manager, undefined, basic)) as Row;
    }
    const token = result.authtoken;
    if (typeof token !== 'string') throw new ApiError(500, 'the login answer has no authtoken');
    this.token = token;
    this.role = role;
    return token;
  }

  async logout(): Promise<void> {
    if (this.token === undefined) return;
    try {
      await this.request('DELETE', loginPaths[this.role]);
    } finally {
      this.token = undefined;
    }
  }

  request(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.call(method, path, body, this.token === undefined ? undefined : `Bearer ${this.token}`);
  }

  async list(path: string): Promise<Row[]> {
    const result = (await this.request('GET', path)) as { list?: unknown } | undefined;
    return Array.isArray(result?.list) ? (result.list as Row[]) : [];
  }

  private async call(method: string, path: string, body: unknown, authorization: string | undefined): Promise<unknown> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authorization !== undefined) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      // No credentials mode: the token is in the header, and a 401 to a basic-auth login must not make the
      // browser pop up its own password prompt (Fetch only prompts when the request includes credentials).
      response = await fetch(path, { method, headers, credentials: 'omit', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ApiError(0, `jade did not answer (${error instanceof Error ? error.message : String(error)})`);
    }
    let envelope: Envelope = {};
    try {
      envelope = (await response.json()) as Envelope;
    } catch {
      // A proxy's HTML error page: the status says enough.
    }
    const serverTime = parseTime(envelope.timestamp);
    if (serverTime !== undefined) this.skewMs = serverTime - Date.now();
    if (!response.ok) {
      if (response.status === 401 && authorization?.startsWith('Bearer ') === true) this.onUnauthorized?.();
      throw new ApiError(response.status, envelope.error?.message ?? `${method} ${path}: HTTP ${response.status}`);
    }
    return envelope.result;
  }
}
