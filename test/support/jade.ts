import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { startJade, type Jade } from '../../src/main.js';
import type { AsteriskSandbox } from './asterisk-sandbox.js';
import { httpClient, type HttpClient, type RequestOptions, type TestResponse } from './http.js';
import { createTestDatabase, type TestDatabase } from './postgres.js';

export const testAdminPassword = 'e2e-admin-secret';

/** Cheap scrypt for tests: the cost parameters are not what is under test here. */
const testScrypt = { log2N: 10, r: 8, p: 1 };

export interface RunningJade {
  readonly jade: Jade;
  readonly config: Config;
  readonly baseUrl: string;
  readonly http: HttpClient;
  /** An admin token, logged in at start. */
  readonly token: string;
  /** Authenticated request helpers. */
  get(path: string, options?: RequestOptions): Promise<TestResponse>;
  post(path: string, body?: unknown): Promise<TestResponse>;
  put(path: string, body?: unknown): Promise<TestResponse>;
  delete(path: string): Promise<TestResponse>;
  stop(): Promise<void>;
}

export interface JadeTestOptions {
  /** Reuse a data dir (restart tests); a fresh temp dir otherwise, removed at stop. */
  readonly dataDir?: string;
  readonly overrides?: Record<string, unknown>;
}

/** Config for a jade pointed at the sandbox's AMI, listening on a free loopback port. */
export function sandboxConfig(sandbox: AsteriskSandbox | undefined, dataDir: string, overrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    env: { NODE_ENV: 'test' },
    overrides: {
      http: { host: '127.0.0.1', port: 0 },
      dataDir,
      eventstore: { type: 'sqlite' },
      admin: { password: testAdminPassword },
      log: { level: process.env.JADE_TEST_LOG_LEVEL ?? 'silent' },
      ami: sandbox
        ? { host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret }
        : { port: 1 },
      ...overrides,
    },
  });
}

/** The PostgreSQL database standing for each data dir a test passes in (kept until the test process ends). */
const databases = new Map<string, Promise<TestDatabase>>();

function databaseFor(dataDir: string, own: boolean): Promise<TestDatabase> {
  if (own) return createTestDatabase('jade');
  let database = databases.get(dataDir);
  if (!database) databases.set(dataDir, (database = createTestDatabase('jade')));
  return database;
}

/** Starts an in-process jade against the sandbox (or no Asterisk) and logs in as admin. */
export async function startTestJade(sandbox: AsteriskSandbox | undefined, options: JadeTestOptions = {}): Promise<RunningJade> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'jade-test-'));
  // JADE_TEST_STORE=postgres: the log and read models of every test jade in a PostgreSQL database of its own;
  // a restart on a given data dir finds the database of that dir again.
  const database = process.env.JADE_TEST_STORE === 'postgres' && options.overrides?.eventstore === undefined ? await databaseFor(dataDir, ownDir) : undefined;
  const overrides = database ? { ...options.overrides, eventstore: { type: 'postgres', postgresUrl: database.url } } : options.overrides;
  const config = sandboxConfig(sandbox, dataDir, overrides);
  const jade = await startJade(config, silentLogger(), { scrypt: testScrypt, print: () => undefined });
  const baseUrl = `http://127.0.0.1:${jade.port}`;
  const http = httpClient(baseUrl);
  const login = await http.post('/v1/admin/login', { basic: { username: 'admin', password: testAdminPassword } });
  const token = (login.body?.result as { authtoken?: string } | undefined)?.authtoken;
  if (login.status !== 200 || token === undefined) throw new Error(`test login failed: ${login.status} ${login.text}`);
  return {
    jade,
    config,
    baseUrl,
    http,
    token,
    get: (path, requestOptions = {}) => http.get(path, { token, ...requestOptions }),
    post: (path, body) => http.post(path, { token, body }),
    put: (path, body) => http.put(path, { token, body }),
    delete: (path) => http.delete(path, { token }),
    async stop() {
      await jade.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      if (ownDir) await database?.drop();
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until jade reports AMI connected and its first snapshot round is in the read models. */
export async function waitForAmi(running: RunningJade, timeoutMs = 15_000): Promise<void> {
  await eventually(async () => {
    const health = await running.http.get('/v1/health');
    const result = health.body?.result as { ami?: { connected?: boolean } } | undefined;
    if (!result?.ami?.connected) return undefined;
    const systems = await running.get('/v1/core/systems');
    const list = (systems.body?.result as { list?: unknown[] } | undefined)?.list ?? [];
    const modules = await running.get('/v1/core/modules');
    const mods = (modules.body?.result as { list?: unknown[] } | undefined)?.list ?? [];
    return list.length > 0 && mods.length > 0 ? true : undefined;
  }, timeoutMs, 'jade to connect to Asterisk and load its first snapshots');
}
