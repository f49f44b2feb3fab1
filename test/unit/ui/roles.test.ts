import { expect } from 'chai';
import { mayUse, routeAccess, routeTable, type AuthUser } from '../../../src/auth/permissions.js';
import { permissions } from '../../../src/auth/events.js';
import { Api, ApiError } from '../../../ui/api.js';
import { actionRoutes, loginPaths, mayDo, type ActionName, type DashboardRole } from '../../../ui/roles.js';

/**
 * The dashboard logs in as admin or, for an account without admin, as manager, and shows only the buttons
 * the role may use: what it shows must be what the server's route table lets that role do, or a click ends in a 403.
 */
describe('dashboard roles', () => {
  const userWith = (role: DashboardRole): AuthUser => ({ uuid: 'u', username: role, permissions: [permissions[role]] });

  it('shows an action exactly when the route table lets the role send its request', () => {
    for (const role of Object.keys(mayDo) as DashboardRole[]) {
      for (const action of Object.keys(actionRoutes) as ActionName[]) {
        const { method, path } = actionRoutes[action];
        const access = routeAccess(routeTable, method, path);
        const permitted = access.kind !== 'permission' || mayUse(userWith(role), access.anyOf);
        expect(mayDo[role][action], `${role} ${action} (${method} ${path})`).to.equal(permitted);
      }
    }
  });

  it('each role logs in where the route table lets anyone try', () => {
    for (const path of Object.values(loginPaths)) expect(routeAccess(routeTable, 'POST', path.replace(/^\/v1/, '')).kind, path).to.equal('public');
  });

  describe('login choice', () => {
    const realFetch = globalThis.fetch;
    let calls: string[];

    /** A server answering each login path with the given status (200 carries a token named after the path). */
    function serve(statuses: Readonly<Record<string, number>>): void {
      calls = [];
      globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
        const path = String(input);
        calls.push(`${init?.method ?? 'GET'} ${path}`);
        const status = statuses[path] ?? 404;
        const body = status === 200 ? { statuscode: 200, result: { authtoken: `token of ${path}` } } : { statuscode: status, error: { message: `refused ${status}` } };
        return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch;
    }

    afterEach(() => {
      globalThis.fetch = realFetch;
    });

    it('an admin gets the admin token and one login call', async () => {
      serve({ [loginPaths.admin]: 200 });
      const api = new Api();
      expect(await api.login('admin', 'pw')).to.equal(`token of ${loginPaths.admin}`);
      expect(api.role).to.equal('admin');
      expect(calls).to.deep.equal([`POST ${loginPaths.admin}`]);
    });

    it('a manager, refused the admin login with 403, gets the manager token', async () => {
      serve({ [loginPaths.admin]: 403, [loginPaths.manager]: 200 });
      const api = new Api();
      expect(await api.login('boss', 'pw')).to.equal(`token of ${loginPaths.manager}`);
      expect(api.role).to.equal('manager');
      expect(calls).to.deep.equal([`POST ${loginPaths.admin}`, `POST ${loginPaths.manager}`]);
    });

    it('wrong credentials (401) are not tried at the manager login', async () => {
      serve({ [loginPaths.admin]: 401, [loginPaths.manager]: 200 });
      const api = new Api();
      const error = await api.login('admin', 'wrong').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ApiError).with.property('status', 401);
      expect(api.token).to.equal(undefined);
      expect(calls).to.deep.equal([`POST ${loginPaths.admin}`]);
    });

    it('an account neither admin nor manager gets the manager login\'s 403 and no token', async () => {
      serve({ [loginPaths.admin]: 403, [loginPaths.manager]: 403 });
      const api = new Api();
      const error = await api.login('someone', 'pw').catch((e: unknown) => e);
      expect(error).to.be.instanceOf(ApiError).with.property('status', 403);
      expect(api.token).to.equal(undefined);
      expect(calls).to.have.length(2);
    });

    it('logs out at the login that issued the token', async () => {
      serve({ [loginPaths.admin]: 403, [loginPaths.manager]: 200 });
      const api = new Api();
      await api.login('boss', 'pw');
      await api.logout();
      expect(calls[calls.length - 1]).to.equal(`DELETE ${loginPaths.manager}`);
      expect(api.token).to.equal(undefined);
    });
  });
});
