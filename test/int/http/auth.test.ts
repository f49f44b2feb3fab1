import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { silentLogger } from '../../../src/logger.js';
import { loadConfig } from '../../../src/config.js';
import { createAuth, authEventTypes, permissions, type Auth } from '../../../src/auth/index.js';
import { httpClient, listen, type HttpClient, type TestResponse, type TestServer } from '../../support/http.js';
import { offlineHealth, testHttpApp } from '../../support/app.js';

const IDLE_SECONDS = 900;
const ADMIN = { username: 'admin', password: 'admin-secret' };
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

/** Auth plus a real listening server over one store; `restart()` replaces both, as a process restart would. */
class Harness {
  auth!: Auth;
  server!: TestServer;
  http!: HttpClient;
  readonly printed: string[] = [];
  /** Every response body this harness saw, to check what never leaks. */
  readonly bodies: string[] = [];
  private nowMs = Date.now();

  constructor(
    readonly store: MemoryEventStore,
    private readonly adminPassword = ADMIN.password,
  ) {}

  advance(ms: number): void {
    this.nowMs += ms;
  }

  async start(): Promise<void> {
    const logger = silentLogger();
    const config = loadConfig({ env: { NODE_ENV: 'test' }, overrides: { admin: { password: this.adminPassword }, auth: { tokenIdleSeconds: IDLE_SECONDS } } });
    this.auth = createAuth({
      store: this.store,
      config,
      logger,
      clock: () => this.nowMs,
      // Cheap scrypt: these tests are about HTTP behaviour; the unit tests cover the default cost.
      scrypt: { log2N: 10, r: 8, p: 1 },
      print: (line) => this.printed.push(line),
    });
    await this.auth.start();
    const app = testHttpApp({ logger, auth: this.auth, health: offlineHealth(this.store) });
    this.server = await listen(app);
    const client = httpClient(this.server.baseUrl);
    const record = async (response: Promise<TestResponse>): Promise<TestResponse> => {
      const settled = await response;
      this.bodies.push(settled.text);
      return settled;
    };
    this.http = {
      request: (method, path, options) => record(client.request(method, path, options)),
      get: (path, options) => record(client.get(path, options)),
      post: (path, options) => record(client.post(path, options)),
      put: (path, options) => record(client.put(path, options)),
      delete: (path, options) => record(client.delete(path, options)),
    };
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.auth.stop();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async login(credentials = ADMIN): Promise<string> {
    const response = await this.http.post('/v1/admin/login', { basic: credentials });
    expect(response.status, response.text).to.equal(200);
    const result = response.body?.result as { authtoken?: unknown } | undefined;
    expect(result?.authtoken).to.match(uuidPattern);
    return String(result?.authtoken);
  }
}

function expectError(response: TestResponse, status: number): void {
  expect(response.status, response.text).to.equal(status);
  expect(response.body?.statuscode).to.equal(status);
  expect(response.body?.error?.code).to.equal(status);
  expect(response.body).to.not.have.property('result');
}

describe('HTTP auth: /admin/login, /admin/info and the token gate', () => {
  let store: MemoryEventStore;
  let h: Harness;

  beforeEach(async () => {
    store = new MemoryEventStore();
    h = new Harness(store);
    await h.start();
  });

  afterEach(async () => {
    await h.stop();
    // Whatever a test did, no response may carry a password or its hash.
    for (const body of h.bodies) {
      expect(body).to.not.include('$scrypt$');
      expect(body).to.not.include('password_hash');
      expect(body).to.not.include(ADMIN.password);
    }
    await store.close();
  });

  describe('POST /admin/login', () => {
    it('returns a UUID authtoken in the envelope for the right Basic credentials', async () => {
      const response = await h.http.post('/v1/admin/login', { basic: ADMIN });
      expect(response.status).to.equal(200);
      expect(response.body?.api_ver).to.equal('0.1');
      expect(response.body?.statuscode).to.equal(200);
      expect(response.body?.timestamp).to.match(timestampPattern);
      expect((response.body?.result as { authtoken: string }).authtoken).to.match(uuidPattern);
    });

    it('answers on the unversioned path too', async () => {
      const response = await h.http.post('/admin/login', { basic: ADMIN });
      expect(response.status).to.equal(200);
    });

    it('is 401 for a wrong password and for an unknown user, with the same message', async () => {
      const wrong = await h.http.post('/v1/admin/login', { basic: { username: 'admin', password: 'nope' } });
      const unknown = await h.http.post('/v1/admin/login', { basic: { username: 'ghost', password: ADMIN.password } });
      expectError(wrong, 401);
      expectError(unknown, 401);
      expect(wrong.body?.error?.message).to.equal(unknown.body?.error?.message);
    });

    it('is 401 asking for Basic when no credentials are sent', async () => {
      const response = await h.http.post('/v1/admin/login');
      expectError(response, 401);
      expect(response.headers.get('www-authenticate')).to.match(/^Basic /);
    });

    it('is 400 for a Basic header that does not decode to username:password', async () => {
      const response = await h.http.post('/v1/admin/login', { headers: { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` } });
      expectError(response, 400);
    });

    it('is 403 for right credentials of a user without permission admin', async () => {
      await h.auth.service.createUser({ username: 'agent', name: 'Agent', password: 'agent-pw', permissions: [permissions.user] });
      const response = await h.http.post('/v1/admin/login', { basic: { username: 'agent', password: 'agent-pw' } });
      expectError(response, 403);
    });
  });

  describe('the token gate', () => {
    it('accepts the token in the authtoken query parameter and as a Bearer header', async () => {
      const token = await h.login();
      const byQuery = await h.http.get('/v1/admin/info', { query: { authtoken: token } });
      const byHeader = await h.http.get('/v1/admin/info', { token });
      expect(byQuery.status).to.equal(200);
      expect(byHeader.status).to.equal(200);
      expect(byQuery.body?.result).to.deep.equal(byHeader.body?.result);
    });

    it('is 401 without a token, naming the Bearer scheme', async () => {
      const response = await h.http.get('/v1/admin/info');
      expectError(response, 401);
      expect(response.headers.get('www-authenticate')).to.match(/^Bearer /);
    });

    it('is 401 for an unknown token', async () => {
      expectError(await h.http.get('/v1/admin/info', { token: '7ac326bf-e146-493a-b9c7-bfb990264b59' }), 401);
      expectError(await h.http.get('/v1/admin/info', { query: { authtoken: 'garbage' } }), 401);
    });

    it('is 401 for a token idle longer than the configured time, and not before', async () => {
      const token = await h.login();
      h.advance(IDLE_SECONDS * 1000 - 1000);
      expect((await h.http.get('/v1/admin/info', { token })).status).to.equal(200);
      h.advance(IDLE_SECONDS * 1000);
      expectError(await h.http.get('/v1/admin/info', { token }), 401);
    });

    it('is 401, not 404, for an unknown route without a token (no probing for routes)', async () => {
      expectError(await h.http.get('/v1/no/such/route'), 401);
      const token = await h.login();
      expectError(await h.http.get('/v1/no/such/route', { token }), 404);
    });

    it('lets the public routes through without a token', async () => {
      expect((await h.http.get('/v1/health')).status).to.equal(200);
      expect((await h.http.get('/ping')).status).to.equal(200);
      expect((await h.http.get('/v1/ping/')).status).to.equal(200);
      expect((await h.http.request('HEAD', '/v1/health')).status).to.equal(200);
    });

    it('leaves the socket.io and WebSocket paths to their own handshake, and nothing that merely starts alike', async () => {
      // No such routes in this app: 404 shows the gate let them through, 401 that it did not.
      expect((await h.http.get('/socket.io/', { query: { EIO: '4', transport: 'polling' } })).status).to.equal(404);
      expect((await h.http.get('/ws')).status).to.equal(404);
      expectError(await h.http.get('/wsx'), 401);
      expectError(await h.http.get('/socket.io-admin'), 401);
    });

    it('does not let a public GET route open other methods on the same path', async () => {
      expectError(await h.http.delete('/v1/health'), 401);
      expectError(await h.http.get('/v1/admin/login'), 401);
    });

    it('is 403 for a valid token whose user lacks permission admin', async () => {
      await h.auth.service.createUser({ username: 'agent', name: 'Agent', password: 'agent-pw', permissions: [permissions.user] });
      // /admin/login refuses agents; a later /me/login issues their tokens through the same service.
      const issued = await h.auth.service.login('agent', 'agent-pw');
      if (!issued.ok) throw new Error('agent login failed');
      expectError(await h.http.get('/v1/admin/info', { token: issued.token }), 403);
      expectError(await h.http.put('/v1/admin/info', { token: issued.token, body: { name: 'x' } }), 403);
      // Ending one's own token needs no permission.
      expect((await h.http.delete('/v1/admin/login', { token: issued.token })).status).to.equal(200);
      expectError(await h.http.get('/v1/admin/info', { token: issued.token }), 401);
    });
  });

  describe('DELETE /admin/login', () => {
    it('ends the token: the same token is 401 afterwards', async () => {
      const token = await h.login();
      const response = await h.http.delete('/v1/admin/login', { query: { authtoken: token } });
      expect(response.status).to.equal(200);
      expect(response.body?.statuscode).to.equal(200);
      expect(response.body).to.not.have.property('result');
      expectError(await h.http.get('/v1/admin/info', { token }), 401);
      expectError(await h.http.delete('/v1/admin/login', { token }), 401);
    });

    it('is 401 without a token or with an unknown one', async () => {
      expectError(await h.http.delete('/v1/admin/login'), 401);
      expectError(await h.http.delete('/v1/admin/login', { query: { authtoken: 'nope' } }), 401);
    });

    it('leaves the user\'s other tokens alive', async () => {
      const first = await h.login();
      const second = await h.login();
      await h.http.delete('/v1/admin/login', { token: first });
      expect((await h.http.get('/v1/admin/info', { token: second })).status).to.equal(200);
    });
  });

  describe('GET /admin/info', () => {
    it('shows the current user with the catalog\'s fields and no password', async () => {
      const token = await h.login();
      const response = await h.http.get('/v1/admin/info', { token });
      expect(response.status).to.equal(200);
      const result = response.body?.result as Record<string, unknown>;
      expect(Object.keys(result).sort()).to.deep.equal(['name', 'tm_create', 'tm_update', 'username', 'uuid']);
      expect(result.username).to.equal('admin');
      expect(result.name).to.equal('Administrator');
      expect(result.uuid).to.match(uuidPattern);
      expect(result.tm_create).to.match(timestampPattern);
      expect(result.tm_update).to.equal(null);
    });
  });

  describe('PUT /admin/info', () => {
    it('changes the name', async () => {
      const token = await h.login();
      expect((await h.http.put('/v1/admin/info', { token, body: { name: 'Chief' } })).status).to.equal(200);
      const info = (await h.http.get('/v1/admin/info', { token })).body?.result as Record<string, unknown>;
      expect(info.name).to.equal('Chief');
      expect(info.tm_update).to.match(timestampPattern);
    });

    it('changes the password: the old one stops working, the new one logs in, the caller\'s token stays valid', async () => {
      const token = await h.login();
      const other = await h.login();
      const response = await h.http.put('/v1/admin/info', { token, body: { password: 'brand-new-pw', old_password: ADMIN.password } });
      expect(response.status).to.equal(200);
      expect(response.body).to.not.have.property('result');
      expectError(await h.http.post('/v1/admin/login', { basic: ADMIN }), 401);
      await h.login({ username: 'admin', password: 'brand-new-pw' });
      expect((await h.http.get('/v1/admin/info', { token })).status).to.equal(200);
      expectError(await h.http.get('/v1/admin/info', { token: other }), 401);
    });

    it('refuses a password change without old_password: 400 naming old_password, and nothing changes (not the name either)', async () => {
      const token = await h.login();
      const other = await h.login();
      const before = (await store.readAll()).length;
      const response = await h.http.put('/v1/admin/info', { token, body: { name: 'Chief', password: 'taken-over-pw' } });
      expectError(response, 400);
      expect(response.body?.error?.message).to.match(/^old_password /);
      expect(response.body?.error?.details).to.deep.equal({ fields: ['old_password'] });
      expect((await store.readAll()).length).to.equal(before);
      const info = (await h.http.get('/v1/admin/info', { token })).body?.result as Record<string, unknown>;
      expect(info.name).to.equal('Administrator');
      await h.login();
      expect((await h.http.get('/v1/admin/info', { token: other })).status).to.equal(200);
    });

    it('refuses a wrong old_password with 403: the password, the name and the other tokens stay as they were', async () => {
      const token = await h.login();
      const other = await h.login();
      const response = await h.http.put('/v1/admin/info', { token, body: { name: 'Chief', password: 'taken-over-pw', old_password: 'a-guess' } });
      expectError(response, 403);
      expect(response.body?.error?.message).to.include('old_password');
      expectError(await h.http.post('/v1/admin/login', { basic: { username: 'admin', password: 'taken-over-pw' } }), 401);
      await h.login();
      expect((await h.http.get('/v1/admin/info', { token: other })).status).to.equal(200);
      const info = (await h.http.get('/v1/admin/info', { token })).body?.result as Record<string, unknown>;
      expect(info.name).to.equal('Administrator');
    });

    it('brakes guessing old_password with a stolen token like logins: 429 with Retry-After, no check at all', async () => {
      const token = await h.login();
      const failuresBeforeDelay = loadConfig({ env: { NODE_ENV: 'test' } }).auth.loginFailuresBeforeDelay;
      for (let i = 0; i < failuresBeforeDelay; i += 1) {
        expectError(await h.http.put('/v1/admin/info', { token, body: { password: 'x-pw', old_password: `guess-${i}` } }), 403);
      }
      // Even the right old password is not checked while the username is locked.
      const braked = await h.http.put('/v1/admin/info', { token, body: { password: 'x-pw', old_password: ADMIN.password } });
      expectError(braked, 429);
      expect(Number(braked.headers.get('retry-after'))).to.be.greaterThan(0);
      h.advance(60_000);
      expect((await h.http.put('/v1/admin/info', { token, body: { password: 'x-pw', old_password: ADMIN.password } })).status).to.equal(200);
    });

    it('ignores unknown and read-only fields, so a client may PUT back what it GETs', async () => {
      const token = await h.login();
      const before = (await h.http.get('/v1/admin/info', { token })).body?.result as Record<string, unknown>;
      const response = await h.http.put('/v1/admin/info', { token, body: { ...before, username: 'renamed', uuid: 'x', color: 'blue' } });
      expect(response.status).to.equal(200);
      const after = (await h.http.get('/v1/admin/info', { token })).body?.result as Record<string, unknown>;
      expect(after.username).to.equal('admin');
      expect(after.uuid).to.equal(before.uuid);
    });

    it('is 400 naming the field for a wrong type, and changes nothing', async () => {
      const token = await h.login();
      const badName = await h.http.put('/v1/admin/info', { token, body: { name: 42 } });
      expectError(badName, 400);
      expect(badName.body?.error?.message).to.match(/^name: /);
      const badPassword = await h.http.put('/v1/admin/info', { token, body: { name: 'Chief', password: '' } });
      expectError(badPassword, 400);
      expect(badPassword.body?.error?.message).to.match(/^password: /);
      const info = (await h.http.get('/v1/admin/info', { token })).body?.result as Record<string, unknown>;
      expect(info.name).to.equal('Administrator');
    });

    it('is 400 for a body that is not JSON or not an object', async () => {
      const token = await h.login();
      expectError(await h.http.put('/v1/admin/info', { token, body: '{"name":' }), 400);
      expectError(await h.http.put('/v1/admin/info', { token, body: '["name"]' }), 400);
    });
  });

  describe('across restarts', () => {
    it('creates admin only on the first start', async () => {
      await h.restart();
      await h.restart();
      const created = (await store.readAll()).filter((e) => e.type === authEventTypes.userCreated);
      expect(created).to.have.length(1);
      await h.login();
    });

    it('keeps tokens valid after a restart of the auth module over the same store', async () => {
      const token = await h.login();
      await h.restart();
      const response = await h.http.get('/v1/admin/info', { token });
      expect(response.status).to.equal(200);
      expect((response.body?.result as Record<string, unknown>).username).to.equal('admin');
    });

    it('keeps a logout and a password change after a restart', async () => {
      const loggedOut = await h.login();
      const token = await h.login();
      await h.http.delete('/v1/admin/login', { token: loggedOut });
      expect((await h.http.put('/v1/admin/info', { token, body: { password: 'after-restart-pw', old_password: ADMIN.password } })).status).to.equal(200);
      await h.restart();
      expectError(await h.http.get('/v1/admin/info', { token: loggedOut }), 401);
      expectError(await h.http.post('/v1/admin/login', { basic: ADMIN }), 401);
      await h.login({ username: 'admin', password: 'after-restart-pw' });
    });
  });

  describe('bootstrap without a configured password', () => {
    it('prints a generated admin password once, which then logs in', async () => {
      const fresh = new Harness(new MemoryEventStore(), '');
      await fresh.start();
      try {
        expect(fresh.printed).to.have.length(1);
        const password = /^admin password: (\S+)$/.exec(fresh.printed[0]!)?.[1];
        expect(password).to.be.a('string');
        await fresh.login({ username: 'admin', password: password! });
        await fresh.restart();
        expect(fresh.printed).to.have.length(1);
      } finally {
        await fresh.stop();
        await fresh.store.close();
      }
    });
  });
});
