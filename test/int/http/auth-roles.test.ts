import { expect } from 'chai';
import { permissions, type Permission } from '../../../src/auth/index.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';

type Role = 'admin' | 'manager' | 'user';

/** A user per role, made through the service as the people API will. The admin is the first admin (admin + user). */
const people: Record<Exclude<Role, 'admin'>, { username: string; password: string; permissions: Permission[] }> = {
  manager: { username: 'mia-manager', password: 'manager-pw', permissions: [permissions.manager] },
  user: { username: 'uma-user', password: 'user-pw', permissions: [permissions.user] },
};

/**
 * One route of every area and what each role gets. 404 means "let through by the gate, no
 * handler yet" (`/me/*`, `/user/*` come with later issues):
 * the point is that it is not 403.
 */
const table: ReadonlyArray<{ readonly method: 'GET'; readonly path: string; readonly expect: Record<Role, number> }> = [
  { method: 'GET', path: '/v1/admin/info', expect: { admin: 200, manager: 403, user: 403 } },
  { method: 'GET', path: '/v1/admin/projections', expect: { admin: 200, manager: 403, user: 403 } },
  { method: 'GET', path: '/v1/admin/core/channels', expect: { admin: 200, manager: 403, user: 403 } },
  { method: 'GET', path: '/v1/events', expect: { admin: 200, manager: 403, user: 403 } },
  { method: 'GET', path: '/v1/core/channels', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/queue/queues', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/park/parkinglots', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/pjsip/endpoints', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/ob/plans', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/campaigns', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/agents', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/peers', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/calls', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/commands', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/manager/users', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/admin/user/users', expect: { admin: 200, manager: 403, user: 403 } },
  { method: 'GET', path: '/v1/admin/user/permissions', expect: { admin: 200, manager: 403, user: 403 } },
  { method: 'GET', path: '/v1/dp/dpmas', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/voicemail/users', expect: { admin: 200, manager: 200, user: 403 } },
  { method: 'GET', path: '/v1/me/info', expect: { admin: 200, manager: 403, user: 200 } },
  // The admin alias of /admin/user/contacts (catalog 30, proposed).
  { method: 'GET', path: '/v1/user/contacts', expect: { admin: 200, manager: 403, user: 403 } },
  // No rule names it: only admin gets through (fail closed).
  { method: 'GET', path: '/v1/no/such/area', expect: { admin: 404, manager: 403, user: 403 } },
];

function expectError(response: TestResponse, status: number): void {
  expect(response.status, response.text).to.equal(status);
  expect(response.body?.statuscode).to.equal(status);
  expect(response.body?.error?.code).to.equal(status);
  expect(response.body?.error?.message).to.be.a('string');
  expect(response.body).to.not.have.property('result');
}

describe('HTTP roles: one route table decides every request', () => {
  let jade: RunningJade;
  const tokens = {} as Record<Role, string>;

  async function login(path: string, credentials: { username: string; password: string }): Promise<TestResponse> {
    return jade.http.post(path, { basic: credentials });
  }

  before(async () => {
    jade = await startTestJade(undefined);
    tokens.admin = jade.token;
    for (const [role, person] of Object.entries(people) as Array<[Exclude<Role, 'admin'>, (typeof people)['user']]>) {
      await jade.jade.auth.service.createUser({ username: person.username, name: role, password: person.password, permissions: person.permissions });
    }
    const manager = await login('/v1/manager/login', people.manager);
    expect(manager.status, manager.text).to.equal(200);
    tokens.manager = (manager.body?.result as { authtoken: string }).authtoken;
    const user = await login('/v1/me/login', people.user);
    expect(user.status, user.text).to.equal(200);
    tokens.user = (user.body?.result as { authtoken: string }).authtoken;
  });

  after(async () => {
    await jade.stop();
  });

  for (const route of table) {
    for (const role of ['admin', 'manager', 'user'] as const) {
      const status = route.expect[role];
      it(`${route.method} ${route.path} as ${role}: ${status}`, async () => {
        const response = await jade.http.request(route.method, route.path, { token: tokens[role] });
        if (status === 200) {
          expect(response.status, response.text).to.equal(200);
          expect(response.body?.statuscode).to.equal(200);
        } else {
          expectError(response, status);
        }
      });
    }
    it(`${route.method} ${route.path} without a token: 401`, async () => {
      expectError(await jade.http.request(route.method, route.path), 401);
    });
  }

  describe('the login routes', () => {
    it('issues manager tokens at /manager/login to managers and admins, 403 to a user-only account', async () => {
      expect((await login('/v1/manager/login', { username: 'admin', password: 'e2e-admin-secret' })).status).to.equal(200);
      expectError(await login('/v1/manager/login', people.user), 403);
    });

    it('issues tokens at /me/login to users and admins, 403 to a manager-only account', async () => {
      expect((await login('/v1/me/login', { username: 'admin', password: 'e2e-admin-secret' })).status).to.equal(200);
      expectError(await login('/v1/me/login', people.manager), 403);
    });

    it('keeps /admin/login admin-only', async () => {
      expectError(await login('/v1/admin/login', people.manager), 403);
      expectError(await login('/v1/admin/login', people.user), 403);
    });

    it('answers a wrong password with 401 and no credentials with 401 asking for Basic, on every login route', async () => {
      for (const path of ['/v1/manager/login', '/v1/me/login']) {
        expectError(await login(path, { username: people.user.username, password: 'nope' }), 401);
        const bare = await jade.http.post(path);
        expectError(bare, 401);
        expect(bare.headers.get('www-authenticate')).to.match(/^Basic /);
      }
    });

    it('lets any live token end itself at any of the three DELETE routes', async () => {
      for (const path of ['/v1/admin/login', '/v1/manager/login', '/v1/me/login']) {
        const fresh = await login('/v1/me/login', people.user);
        const token = (fresh.body?.result as { authtoken: string }).authtoken;
        expect((await jade.http.delete(path, { token })).status).to.equal(200);
        expectError(await jade.http.get('/v1/me/info', { token }), 401);
        expectError(await jade.http.delete(path), 401);
      }
    });
  });

  it('answers unknown routes with 401 without a token, whatever their spelling', async () => {
    for (const path of ['/v1/nothing', '/v1/manager/nothing', '/v1/me/nothing', '/nothing/at/all', '/V1/ADMIN/INFO/']) {
      expectError(await jade.http.get(path), 401);
    }
  });

  it('does not let a different spelling of an admin path past the table', async () => {
    for (const path of ['/V1/ADMIN/INFO', '/v1/admin/info/', '/v1//admin/info', '/v1/%61dmin/info']) {
      const response = await jade.http.get(path, { token: tokens.manager });
      expect(response.status, `${path}: ${response.text}`).to.be.oneOf([403, 404]);
    }
  });
});
