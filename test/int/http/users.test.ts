import { expect } from 'chai';
import { AuthService } from '../../../src/auth/index.js';
import { silentLogger } from '../../../src/logger.js';
import { connected, ioClient } from '../realtime/support.js';
import { startTestJade, testAdminPassword, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';

interface UserItem {
  uuid: string;
  username: string;
  name: string;
  context?: string;
  permissions?: Array<{ permission: string }>;
  tm_create: string;
  tm_update: string | null;
}
interface Grant {
  uuid: string;
  user_uuid: string;
  permission: string;
}

const list = <T>(response: TestResponse): T[] => (response.body?.result as { list: T[] }).list;

/** 20-admin.md admin/user, 30-manager-me-user.md manager users: users and permission grants over a real server. */
describe('users and permissions: /admin/user/*, /manager/users', function () {
  this.timeout(30_000);
  let jade: RunningJade;
  /** Every secret this suite sends: none may come back in any response nor appear in /v1/events. */
  const secrets: string[] = [];
  const responses: string[] = [];

  const track = (response: TestResponse): TestResponse => {
    responses.push(response.text);
    return response;
  };
  const get = async (path: string, token = jade.token) => track(await jade.http.get(path, { token }));
  const post = async (path: string, body: unknown, token = jade.token) => track(await jade.http.post(path, { token, body }));
  const put = async (path: string, body: unknown, token = jade.token) => track(await jade.http.put(path, { token, body }));
  const del = async (path: string, token = jade.token) => track(await jade.http.delete(path, { token }));

  async function createManagerUser(username: string, password: string, permissions: string[], context = ''): Promise<UserItem> {
    secrets.push(password);
    const created = await post('/v1/manager/users', { username, password, name: `${username} name`, context, permissions: permissions.map((permission) => ({ permission })) });
    expect(created.status, created.text).to.equal(200);
    return created.body?.result as UserItem;
  }

  async function login(path: string, username: string, password: string): Promise<string> {
    const response = await jade.http.post(path, { basic: { username, password } });
    expect(response.status, response.text).to.equal(200);
    return (response.body?.result as { authtoken: string }).authtoken;
  }

  before(async () => {
    jade = await startTestJade(undefined);
    secrets.push(testAdminPassword);
  });

  after(async () => {
    await jade?.stop();
  });

  it('admin/user/users: create, list, get, update, delete; the password is never returned', async () => {
    secrets.push('alice-secret-1', 'alice-secret-2');
    const created = await post('/v1/admin/user/users', { username: 'alice', password: 'alice-secret-1', name: 'Alice', extra: 'ignored' });
    expect(created.status, created.text).to.equal(200);
    const alice = created.body?.result as UserItem;
    expect(alice).to.include({ username: 'alice', name: 'Alice', tm_update: null });
    expect(alice).to.not.have.property('password');
    const all = list<UserItem>(await get('/v1/admin/user/users'));
    expect(all.map((u) => u.username)).to.include.members(['admin', 'alice']);
    for (const user of all) expect(Object.keys(user).sort()).to.deep.equal(['name', 'tm_create', 'tm_update', 'username', 'uuid']);
    // A new user from /admin/user/users has no permissions (20-admin.md, proposed): it cannot log in anywhere.
    expect((await jade.http.post('/v1/me/login', { basic: { username: 'alice', password: 'alice-secret-1' } })).status).to.equal(403);

    expect((await put(`/v1/admin/user/users/${alice.uuid}`, { name: 'Alice B', password: 'alice-secret-2', username: 'alice' })).status).to.equal(200);
    const one = (await get(`/v1/admin/user/users/${alice.uuid}`)).body?.result as UserItem;
    expect(one).to.include({ uuid: alice.uuid, username: 'alice', name: 'Alice B' });
    expect(one.tm_update).to.be.a('string');
    expect(one).to.not.have.property('password');

    expect((await del(`/v1/admin/user/users/${alice.uuid}`)).status).to.equal(200);
    expect((await get(`/v1/admin/user/users/${alice.uuid}`)).status).to.equal(404);
    expect(list<UserItem>(await get('/v1/admin/user/users')).map((u) => u.username)).to.not.include('alice');
    // The username is free again.
    expect((await post('/v1/admin/user/users', { username: 'alice', password: 'alice-secret-1' })).status).to.equal(200);
  });

  it('admin/user/users: 400 for wrong types and missing fields, 400 for a changed username, 409 for a taken one or the last admin, 404 for unknown', async () => {
    const bad = await post('/v1/admin/user/users', { username: 42, password: 'x' });
    expect(bad.status).to.equal(400);
    expect(bad.body?.error?.details).to.deep.include({ fields: ['username'] });
    expect((await post('/v1/admin/user/users', { username: 'bob' })).status).to.equal(400);
    expect((await post('/v1/admin/user/users', { username: 'bo:b', password: 'p' })).status).to.equal(400);
    expect((await post('/v1/admin/user/users', { username: 'bob\r\nAction: x', password: 'p' })).status).to.equal(400);
    expect((await post('/v1/admin/user/users', { username: 'admin', password: 'p' })).status).to.equal(409);
    const admin = list<UserItem>(await get('/v1/admin/user/users')).find((u) => u.username === 'admin')!;
    expect((await put(`/v1/admin/user/users/${admin.uuid}`, { username: 'root' })).status).to.equal(400);
    expect((await put(`/v1/admin/user/users/${admin.uuid}`, { name: 7 })).status).to.equal(400);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await get(`/v1/admin/user/users/${missing}`)).status).to.equal(404);
    expect((await put(`/v1/admin/user/users/${missing}`, { name: 'x' })).status).to.equal(404);
    expect((await del(`/v1/admin/user/users/${missing}`)).status).to.equal(404);
    // The last admin cannot be deleted: nobody could manage users again.
    expect((await del(`/v1/admin/user/users/${admin.uuid}`)).status).to.equal(409);
  });

  it('manager/users: context and embedded permissions; PUT replaces the permission set; 400/404', async () => {
    const carol = await createManagerUser('carol', 'carol-secret', ['user'], 'demo');
    expect(carol).to.include({ username: 'carol', context: 'demo' });
    expect(carol.permissions).to.deep.equal([{ permission: 'user' }]);
    expect(carol).to.not.have.property('password');
    const all = list<UserItem>(await get('/v1/manager/users'));
    const admin = all.find((u) => u.username === 'admin')!;
    expect(admin.context).to.equal('');
    expect(admin.permissions).to.deep.equal([{ permission: 'admin' }, { permission: 'user' }]);

    expect((await put(`/v1/manager/users/${carol.uuid}`, { context: 'demo-test', permissions: [{ permission: 'user' }, { permission: 'manager' }] })).status).to.equal(200);
    const after = (await get(`/v1/manager/users/${carol.uuid}`)).body?.result as UserItem;
    expect(after).to.include({ context: 'demo-test', name: 'carol name' });
    expect(after.permissions).to.deep.equal([{ permission: 'user' }, { permission: 'manager' }]);

    expect((await post('/v1/manager/users', { username: 'dan', password: 'p', permissions: [{ permission: 'root' }] })).status).to.equal(400);
    expect((await post('/v1/manager/users', { username: 'dan', password: 'p', permissions: 'user' })).status).to.equal(400);
    expect((await post('/v1/manager/users', { username: 'dan', password: 'p', context: 'demo\r\nexten' })).status).to.equal(400);
    expect((await put(`/v1/manager/users/${carol.uuid}`, { context: ['x'] })).status).to.equal(400);
    const missing = '00000000-0000-4000-8000-000000000001';
    expect((await get(`/v1/manager/users/${missing}`)).status).to.equal(404);
    expect((await put(`/v1/manager/users/${missing}`, { name: 'x' })).status).to.equal(404);
    expect((await del(`/v1/manager/users/${missing}`)).status).to.equal(404);
    expect((await del(`/v1/manager/users/${carol.uuid}`)).status).to.equal(200);
    expect((await get(`/v1/manager/users/${carol.uuid}`)).status).to.equal(404);
  });

  it('roles: /admin/user/* is admin only; /manager/users admits managers, who cannot touch admin rights', async () => {
    await createManagerUser('mona', 'mona-secret', ['manager']);
    const ulf = await createManagerUser('ulf', 'ulf-secret', ['user']);
    const manager = await login('/v1/manager/login', 'mona', 'mona-secret');
    const user = await login('/v1/me/login', 'ulf', 'ulf-secret');
    for (const token of [manager, user]) {
      expect((await get('/v1/admin/user/users', token)).status).to.equal(403);
      expect((await get('/v1/admin/user/permissions', token)).status).to.equal(403);
      expect((await post('/v1/admin/user/permissions', { user_uuid: ulf.uuid, permission: 'admin' }, token)).status).to.equal(403);
    }
    expect((await get('/v1/manager/users', user)).status).to.equal(403);
    expect((await post('/v1/manager/users', { username: 'x', password: 'y' }, user)).status).to.equal(403);
    expect((await get('/v1/manager/users', manager)).status).to.equal(200);
    // A manager manages non-admins ...
    expect((await put(`/v1/manager/users/${ulf.uuid}`, { name: 'Ulf' }, manager)).status).to.equal(200);
    // ... but grants no admin, and neither changes nor deletes an admin.
    expect((await put(`/v1/manager/users/${ulf.uuid}`, { permissions: [{ permission: 'admin' }] }, manager)).status).to.equal(403);
    expect((await post('/v1/manager/users', { username: 'evil', password: 'p', permissions: [{ permission: 'admin' }] }, manager)).status).to.equal(403);
    const admin = list<UserItem>(await get('/v1/manager/users')).find((u) => u.username === 'admin')!;
    expect((await put(`/v1/manager/users/${admin.uuid}`, { name: 'pwned' }, manager)).status).to.equal(403);
    expect((await del(`/v1/manager/users/${admin.uuid}`, manager)).status).to.equal(403);
    expect(((await get(`/v1/manager/users/${ulf.uuid}`)).body?.result as UserItem).permissions).to.deep.equal([{ permission: 'user' }]);
  });

  it('admin/user/permissions: list, grant, get, revoke; 400 for a bad value or unknown user, 409 for a duplicate, 404 for unknown', async () => {
    const erin = await createManagerUser('erin', 'erin-secret', []);
    const granted = await post('/v1/admin/user/permissions', { user_uuid: erin.uuid, permission: 'user' });
    expect(granted.status, granted.text).to.equal(200);
    const grant = granted.body?.result as Grant;
    expect(grant).to.include({ user_uuid: erin.uuid, permission: 'user' });
    expect(list<Grant>(await get('/v1/admin/user/permissions'))).to.deep.include(grant);
    expect((await get(`/v1/admin/user/permissions/${grant.uuid}`)).body?.result).to.deep.equal(grant);
    expect(((await get(`/v1/manager/users/${erin.uuid}`)).body?.result as UserItem).permissions).to.deep.equal([{ permission: 'user' }]);
    await login('/v1/me/login', 'erin', 'erin-secret');

    expect((await post('/v1/admin/user/permissions', { user_uuid: erin.uuid, permission: 'user' })).status).to.equal(409);
    expect((await post('/v1/admin/user/permissions', { user_uuid: erin.uuid, permission: 'superuser' })).status).to.equal(400);
    expect((await post('/v1/admin/user/permissions', { user_uuid: erin.uuid })).status).to.equal(400);
    expect((await post('/v1/admin/user/permissions', { user_uuid: 5, permission: 'user' })).status).to.equal(400);
    expect((await post('/v1/admin/user/permissions', { user_uuid: '00000000-0000-4000-8000-000000000002', permission: 'user' })).status).to.equal(400);
    const missing = '00000000-0000-4000-8000-000000000003';
    expect((await get(`/v1/admin/user/permissions/${missing}`)).status).to.equal(404);
    expect((await del(`/v1/admin/user/permissions/${missing}`)).status).to.equal(404);

    expect((await del(`/v1/admin/user/permissions/${grant.uuid}`)).status).to.equal(200);
    expect((await get(`/v1/admin/user/permissions/${grant.uuid}`)).status).to.equal(404);
    expect(((await get(`/v1/manager/users/${erin.uuid}`)).body?.result as UserItem).permissions).to.deep.equal([]);
    // The first admin's grants (made at bootstrap) are listed too, each with its own uuid.
    const admin = list<UserItem>(await get('/v1/admin/user/users')).find((u) => u.username === 'admin')!;
    const adminGrants = list<Grant>(await get('/v1/admin/user/permissions')).filter((g) => g.user_uuid === admin.uuid);
    expect(adminGrants.map((g) => g.permission)).to.deep.equal(['admin', 'user']);
    // Revoking the only admin's admin grant is refused.
    expect((await del(`/v1/admin/user/permissions/${adminGrants[0]!.uuid}`)).status).to.equal(409);
  });

  it('deleting a user ends its token at once and closes its socket.io connection within a second', async () => {
    await createManagerUser('frank', 'frank-secret', ['user']);
    const frank = list<UserItem>(await get('/v1/manager/users')).find((u) => u.username === 'frank')!;
    const token = await login('/v1/me/login', 'frank', 'frank-secret');
    const socket = await connected(ioClient(jade.baseUrl, { token }));
    const disconnected = new Promise<number>((resolve) => socket.once('disconnect', () => resolve(Date.now())));
    const started = Date.now();
    expect((await del(`/v1/manager/users/${frank.uuid}`)).status).to.equal(200);
    expect((await jade.http.delete('/v1/me/login', { token })).status).to.equal(401);
    expect((await disconnected) - started).to.be.below(1000);
    socket.close();
    expect((await jade.http.post('/v1/me/login', { basic: { username: 'frank', password: 'frank-secret' } })).status).to.equal(401);
  });

  it('revoking a permission ends the user\'s tokens at once and closes its socket.io connection within a second', async () => {
    const gina = await createManagerUser('gina', 'gina-secret', ['manager']);
    const token = await login('/v1/manager/login', 'gina', 'gina-secret');
    expect((await get('/v1/manager/users', token)).status).to.equal(200);
    const socket = await connected(ioClient(jade.baseUrl, { token }));
    const disconnected = new Promise<number>((resolve) => socket.once('disconnect', () => resolve(Date.now())));
    const grant = list<Grant>(await get('/v1/admin/user/permissions')).find((g) => g.user_uuid === gina.uuid)!;
    const started = Date.now();
    expect((await del(`/v1/admin/user/permissions/${grant.uuid}`)).status).to.equal(200);
    expect((await get('/v1/manager/users', token)).status).to.equal(401);
    expect((await disconnected) - started).to.be.below(1000);
    socket.close();
  });

  it('no password appears in any response nor in clear in /v1/events (the log keeps only the hash, masked)', async () => {
    const all = await jade.http.get('/v1/events', { token: jade.token, query: { limit: '1000' } });
    responses.push(all.text);
    const types = new Set((all.body?.result as { list: Array<{ type: string }> }).list.map((e) => e.type));
    expect(types).to.include.members(['UserCreated', 'UserDeleted', 'UserPermissionsChanged', 'UserPasswordChanged']);
    expect(all.text).to.include('"password_hash":"[redacted]"');
    for (const text of responses) {
      for (const secret of secrets) expect(text, `response leaks ${secret}`).to.not.include(secret);
      expect(text).to.not.match(/"password"\s*:/);
    }
  });

  it('replaying the log gives the same users and grants as the live directory (rebuild equality)', async () => {
    const replay = new AuthService({ store: jade.jade.store, logger: silentLogger(), tokenIdleSeconds: 3600, adminPassword: '', bootstrap: false });
    await replay.start();
    try {
      expect(replay.listManagerUsers()).to.deep.equal(jade.jade.auth.service.listManagerUsers());
      expect(replay.listGrants()).to.deep.equal(jade.jade.auth.service.listGrants());
      expect(replay.listGrants().length).to.be.greaterThan(3);
    } finally {
      await replay.stop();
    }
  });
});
