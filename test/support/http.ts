import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type Koa from 'koa';

/** A Koa app listening on a free port of 127.0.0.1, for tests that go through real HTTP. */
export interface TestServer {
  readonly baseUrl: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function listen(app: Koa): Promise<TestServer> {
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // fetch keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface RequestOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Sent as `Authorization: Basic base64(username:password)`. */
  readonly basic?: { readonly username: string; readonly password: string };
  /** Serialised as JSON unless it is already a string (to send malformed JSON). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Query parameters, appended to the path. */
  readonly query?: Readonly<Record<string, string>>;
}

/** The envelope as a test reads it: every member optional, so assertions say what they expect. */
export interface EnvelopeBody {
  readonly api_ver?: string;
  readonly statuscode?: number;
  readonly timestamp?: string;
  readonly result?: unknown;
  readonly error?: { readonly code: number; readonly message: string; readonly details?: unknown };
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The raw body text (to assert what never appears in it). */
  readonly text: string;
  /** The parsed JSON body; undefined when the body is not JSON. */
  readonly body: EnvelopeBody | undefined;
}

export interface HttpClient {
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  get(path: string, options?: RequestOptions): Promise<TestResponse>;
  post(path: string, options?: RequestOptions): Promise<TestResponse>;
  put(path: string, options?: RequestOptions): Promise<TestResponse>;
  delete(path: string, options?: RequestOptions): Promise<TestResponse>;
}

export function httpClient(baseUrl: string): HttpClient {
  const request = async (method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> => {
    const url = new URL(path, baseUrl);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.append(key, value);
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.basic) headers.authorization = `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`, 'utf8').toString('base64')}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(url, { method, headers, body });
    const text = await response.text();
    let parsed: EnvelopeBody | undefined;
    try {
      parsed = JSON.parse(text) as EnvelopeBody;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  };
  return {
    request,
    get: (path, options) => request('GET', path, options),
    post: (path, options) => request('POST', path, options),
    put: (path, options) => request('PUT', path, options),
    delete: (path, options) => request('DELETE', path, options),
  };
}
