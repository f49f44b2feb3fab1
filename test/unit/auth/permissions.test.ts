import { expect } from 'chai';
import { requireAccess, routeAccess, routeTable, type AuthUser, type RouteAccess } from '../../../src/auth/permissions.js';
import { mapError } from '../../../src/http/error-middleware.js';

const user = (...permissions: string[]): AuthUser => ({ uuid: 'u', username: 'u', permissions });
const allowed = (who: AuthUser, access: RouteAccess): boolean => {
  try {
    requireAccess(who, access);
    return true;
  } catch (error) {
    if (mapError(error)?.status === 403) return false;
    throw error;
  }
};

describe('route table', () => {
  it('makes exactly ping, health and the three POST logins public', () => {
    expect(routeAccess(routeTable, 'GET', '/ping').kind).to.equal('public');
    expect(routeAccess(routeTable, 'HEAD', '/health').kind).to.equal('public');
    for (const path of ['/admin/login', '/manager/login', '/me/login']) {
      expect(routeAccess(routeTable, 'POST', path).kind).to.equal('public');
      expect(routeAccess(routeTable, 'DELETE', path).kind).to.equal('token');
      expect(routeAccess(routeTable, 'GET', path).kind).to.equal('permission');
    }
    expect(routeAccess(routeTable, 'POST', '/ping').kind).to.equal('permission');
    expect(routeAccess(routeTable, 'GET', '/pingx').kind).to.equal('permission');
  });

  it("makes the dashboard's page public for GET only, and nothing beside it", () => {
    for (const path of ['/', '/ui', '/ui/app.js']) {
      expect(routeAccess(routeTable, 'GET', path).kind, path).to.equal('public');
      expect(routeAccess(routeTable, 'HEAD', path).kind, path).to.equal('public');
      expect(routeAccess(routeTable, 'POST', path).kind, path).to.equal('permission');
    }
    expect(routeAccess(routeTable, 'GET', '/uix').kind).to.equal('permission');
  });

  it('matches prefixes on whole segments only', () => {
    const manager = user('manager');
    expect(allowed(manager, routeAccess(routeTable, 'GET', '/core'))).to.equal(true);
    expect(allowed(manager, routeAccess(routeTable, 'GET', '/core/channels/x'))).to.equal(true);
    expect(allowed(manager, routeAccess(routeTable, 'GET', '/corex'))).to.equal(false);
  });

  it('fails closed: a path no rule names is for admin only', () => {
    const access = routeAccess(routeTable, 'GET', '/brand/new/area');
    expect(allowed(user('manager', 'user'), access)).to.equal(false);
    expect(allowed(user('admin'), access)).to.equal(true);
  });

  it('gives admin every route, manager the PBX areas but not /admin or /events, user only /me and /user', () => {
    const cases: Array<[string, string, boolean, boolean, boolean]> = [
      // method, path, admin, manager, user
      ['GET', '/admin/info', true, false, false],
      ['POST', '/admin/projections/rebuild', true, false, false],
      ['GET', '/admin/core/channels', true, false, false],
      ['GET', '/events/12', true, false, false],
      ['POST', '/core/channels', true, true, false],
      ['DELETE', '/queue/members/x', true, true, false],
      ['PUT', '/ob/campaigns/x', true, true, false],
      ['POST', '/plans', true, true, false],
      ['GET', '/dialplan/x', true, true, false],
      ['GET', '/voicemail/users', true, true, false],
      ['GET', '/registries', true, true, false],
      ['GET', '/calls/abc', true, true, false],
      ['GET', '/manager/users', true, true, false],
      ['GET', '/me/info', true, false, true],
      // The admin alias of /admin/user/contacts (catalog 30, proposed); users read /me/contacts.
      ['GET', '/user/contacts', true, false, false],
      ['GET', '/me/buddies', true, false, true],
    ];
    for (const [method, path, admin, manager, plain] of cases) {
      const access = routeAccess(routeTable, method, path);
      expect([allowed(user('admin'), access), allowed(user('manager'), access), allowed(user('user'), access)], `${method} ${path}`).to.deep.equal([admin, manager, plain]);
    }
  });
});
