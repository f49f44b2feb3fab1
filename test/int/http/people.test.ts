import { expect } from 'chai';
import { permissions } from '../../../src/auth/index.js';
import { streams, type AmiFields, type JadeEvent } from '../../../src/events/index.js';
import { nowTimestamp } from '../../../src/events/time.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';
import { snapshotEvent } from '../readmodels/support.js';

type Row = Record<string, unknown>;
const resultOf = (r: TestResponse): Row => (r.body?.result ?? {}) as Row;
const listOf = (r: TestResponse): Row[] => ((r.body?.result as { list?: Row[] } | undefined)?.list ?? []);

/** Two endpoints Asterisk has, one registered (NOT_INUSE), one not. */
function pbxState(at: string): JadeEvent[] {
  const endpoint = (name: string, state: string): AmiFields => ({
    Event: 'EndpointList', ObjectType: 'endpoint', ObjectName: name, Transport: 'transport-udp', Aor: name, Auths: name, OutboundAuths: '', Contacts: '', DeviceState: state, ActiveChannels: '0',
  });
  const auth = (name: string): AmiFields => ({ Event: 'AuthList', ObjectType: 'auth', ObjectName: name, Username: name, Md5Cred: '', Realm: 'jade', AuthType: 'userpass', Password: `${name}-secret`, NonceLifetime: '32' });
  return [
    snapshotEvent('PJSIPShowEndpoints', { items: [endpoint('pjagent-01', 'Not in use'), endpoint('pjagent-02', 'Unavailable')] }, at),
    snapshotEvent('PJSIPShowAuths', { items: [auth('pjagent-01'), auth('pjagent-02')] }, at),
    snapshotEvent('DeviceStateList', { items: [{ Event: 'DeviceStateChange', Device: 'PJSIP/pjagent-01', State: 'NOT_INUSE' }, { Event: 'DeviceStateChange', Device: 'PJSIP/pjagent-02', State: 'UNAVAILABLE' }] }, at),
  ];
}

describe('people: contacts, /me/info, /me/contacts, /me/buddies, /me/search', function () {
  this.timeout(30_000);
  let jade: RunningJade;
  const ids = {} as Record<'ann' | 'bob' | 'mia', string>;
  const tokens = {} as Record<'ann' | 'bob' | 'mia', string>;
  const as = (who: keyof typeof tokens, method: 'get' | 'post' | 'put' | 'delete', path: string, body?: unknown, query?: Record<string, string>) =>
    jade.http[method](path, { token: tokens[who], ...(body === undefined ? {} : { body }), ...(query ? { query } : {}) });

  before(async () => {
    jade = await startTestJade(undefined);
    const { lastPosition } = await jade.jade.store.append(streams.pbx('test'), pbxState(nowTimestamp()));
    await jade.jade.runner.waitForPosition(lastPosition, 5000);
    const people = [['ann', [permissions.user]], ['bob', [permissions.user]], ['mia', [permissions.manager]]] as const;
    for (const [name, perms] of people) {
      const view = await jade.jade.auth.service.createUser({ username: name, name: `${name} name`, password: `${name}-pw`, permissions: perms });
      ids[name] = view.uuid;
      const login = await jade.http.post(name === 'mia' ? '/v1/manager/login' : '/v1/me/login', { basic: { username: name, password: `${name}-pw` } });
      expect(login.status, login.text).to.equal(200);
      tokens[name] = (login.body?.result as { authtoken: string }).authtoken;
    }
  });

  after(async () => {
    await jade?.stop();
  });

  describe('/admin/user/contacts and /user/contacts', () => {
    it('creates, reads, updates and deletes a contact; the alias serves the same objects', async () => {
      const created = await jade.post('/v1/admin/user/contacts', { user_uuid: ids.bob, type: 'pjsip_endpoint', target: 'pjagent-02', name: 'desk', unknown: 1 });
      expect(created.status, created.text).to.equal(200);
      const contact = resultOf(created);
      expect(contact).to.include({ user_uuid: ids.bob, type: 'pjsip_endpoint', target: 'pjagent-02', name: 'desk', detail: null, tm_update: null });
      expect(Object.keys(contact).sort()).to.deep.equal(['detail', 'name', 'target', 'tm_create', 'tm_update', 'type', 'user_uuid', 'uuid']);
      const uuid = contact.uuid as string;
      expect(listOf(await jade.get('/v1/user/contacts')).map((c) => c.uuid)).to.include(uuid);
      expect(resultOf(await jade.get(`/v1/admin/user/contacts/${uuid}`))).to.deep.equal(contact);
      const put = await jade.put(`/v1/user/contacts/${uuid}`, { target: 'pjagent-01', detail: 'moved' });
      expect(put.status, put.text).to.equal(200);
      expect(resultOf(put)).to.include({ target: 'pjagent-01', detail: 'moved' });
      expect((await jade.delete(`/v1/admin/user/contacts/${uuid}`)).status).to.equal(200);
      expect((await jade.get(`/v1/admin/user/contacts/${uuid}`)).status).to.equal(404);
      expect((await jade.delete(`/v1/admin/user/contacts/${uuid}`)).status).to.equal(404);
      expect((await jade.put(`/v1/admin/user/contacts/${uuid}`, { name: 'x' })).status).to.equal(404);
    });

    it('400: an unknown target or user names the field; wrong types; CR/LF in the target', async () => {
      const unknownTarget = await jade.post('/v1/admin/user/contacts', { user_uuid: ids.bob, type: 'pjsip_endpoint', target: 'nope' });
      expect(unknownTarget.status).to.equal(400);
      expect((unknownTarget.body?.error as { details?: { fields?: string[] } } | undefined)?.details?.fields).to.deep.equal(['target']);
      const unknownUser = await jade.post('/v1/admin/user/contacts', { user_uuid: '00000000-0000-4000-8000-000000000000', type: 'pjsip_endpoint', target: 'pjagent-01' });
      expect((unknownUser.body?.error as { details?: { fields?: string[] } } | undefined)?.details?.fields).to.deep.equal(['user_uuid']);
      for (const body of [{ user_uuid: ids.bob, type: 'sip', target: 'pjagent-01' }, { user_uuid: 7, type: 'pjsip_endpoint', target: 'pjagent-01' }, { user_uuid: ids.bob, type: 'pjsip_endpoint', target: 'pjagent-01\r\nAction: Logoff' }, {}]) {
        expect((await jade.post('/v1/admin/user/contacts', body)).status, JSON.stringify(body)).to.equal(400);
      }
    });

    it('403 for a user and a manager', async () => {
      for (const who of ['ann', 'mia'] as const) {
        expect((await as(who, 'get', '/v1/admin/user/contacts')).status).to.equal(403);
        expect((await as(who, 'get', '/v1/user/contacts')).status).to.equal(403);
        expect((await as(who, 'post', '/v1/user/contacts', { user_uuid: ids.ann, type: 'pjsip_endpoint', target: 'pjagent-01' })).status).to.equal(403);
      }
    });
  });

  describe('/me', () => {
    let bobContact: string;
    let annContact: string;
    before(async () => {
      bobContact = resultOf(await jade.post('/v1/admin/user/contacts', { user_uuid: ids.bob, type: 'pjsip_endpoint', target: 'pjagent-01', name: 'bob desk' })).uuid as string;
      annContact = resultOf(await jade.post('/v1/admin/user/contacts', { user_uuid: ids.ann, type: 'pjsip_endpoint', target: 'pjagent-02' })).uuid as string;
    });

    it('/me/info: the owner without password, with its contacts; PUT name, password needs old_password', async () => {
      const info = resultOf(await as('bob', 'get', '/v1/me/info'));
      expect(info).to.include({ uuid: ids.bob, username: 'bob', name: 'bob name' });
      expect(info).to.not.have.property('password');
      expect((info.contacts as Row[]).map((c) => c.uuid)).to.deep.equal([bobContact]);
      expect((await as('bob', 'put', '/v1/me/info', { name: 'Bob B.' })).status).to.equal(200);
      expect(resultOf(await as('bob', 'get', '/v1/me/info')).name).to.equal('Bob B.');
      expect((await as('bob', 'put', '/v1/me/info', { password: 'new' })).status).to.equal(400);
      expect((await as('bob', 'put', '/v1/me/info', { name: 5 })).status).to.equal(400);
      expect((await as('bob', 'put', '/v1/me/info', { password: 'new', old_password: 'wrong' })).status).to.equal(403);
      expect((await jade.http.get('/v1/me/info')).status).to.equal(401);
      expect((await as('mia', 'get', '/v1/me/info')).status).to.equal(403);
      const events = JSON.stringify((await jade.get('/v1/events', { query: { count: '1000' } })).body);
      expect(events).to.not.include('bob-pw');
    });

    it('/me/contacts: only the owner\'s, with info and the device\'s live state; another\'s is 404', async () => {
      const list = listOf(await as('bob', 'get', '/v1/me/contacts'));
      expect(list.map((c) => c.uuid)).to.deep.equal([bobContact]);
      expect(list[0]!.info).to.deep.include({ id: 'pjagent-01', password: 'pjagent-01-secret', realm: 'jade' });
      expect(list[0]!.live).to.deep.include({ device: 'PJSIP/pjagent-01', device_state: 'NOT_INUSE', presence: 'available' });
      expect((await as('bob', 'get', `/v1/me/contacts/${bobContact}`)).status).to.equal(200);
      expect((await as('bob', 'get', `/v1/me/contacts/${annContact}`)).status).to.equal(404);
      expect((await as('mia', 'get', '/v1/me/contacts')).status).to.equal(403);
    });

    it('/me/buddies: CRUD for the owner, presence from the buddy\'s devices, another\'s buddy is 404', async () => {
      const created = await as('ann', 'post', '/v1/me/buddies', { uuid_user: ids.bob, name: 'Bob' });
      expect(created.status, created.text).to.equal(200);
      const buddy = resultOf(created);
      expect(buddy).to.include({ uuid_user: ids.bob, name: 'Bob', presence: 'available' });
      const uuid = buddy.uuid as string;
      expect(listOf(await as('ann', 'get', '/v1/me/buddies')).map((b) => b.uuid)).to.deep.equal([uuid]);
      expect(listOf(await as('bob', 'get', '/v1/me/buddies'))).to.deep.equal([]);
      // Bob's desk goes busy, then away: ann's buddy follows, whatever any client says.
      const device = (state: string): JadeEvent => ({ type: 'DeviceStateChange', data: { Event: 'DeviceStateChange', Device: 'PJSIP/pjagent-01', State: state }, metadata: {} });
      for (const [state, presence] of [['INUSE', 'busy'], ['UNAVAILABLE', 'unavailable'], ['NOT_INUSE', 'available']] as const) {
        const { lastPosition } = await jade.jade.store.append(streams.pbx('test'), [device(state)]);
        await jade.jade.runner.waitForPosition(lastPosition, 5000);
        expect(resultOf(await as('ann', 'get', `/v1/me/buddies/${uuid}`)).presence, state).to.equal(presence);
      }
      expect((await as('ann', 'put', `/v1/me/buddies/${uuid}`, { detail: 'colleague', presence: 'busy' })).status).to.equal(200);
      expect(resultOf(await as('ann', 'get', `/v1/me/buddies/${uuid}`))).to.include({ detail: 'colleague', presence: 'available' });
      // Bob cannot see, change or remove ann's buddy: 404, as for one that never existed.
      for (const method of ['get', 'put', 'delete'] as const) expect((await as('bob', method, `/v1/me/buddies/${uuid}`, method === 'put' ? { name: 'x' } : undefined)).status, method).to.equal(404);
      expect((await as('ann', 'get', '/v1/me/buddies/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
      // 400: yourself, an unknown user, a duplicate, wrong types.
      for (const body of [{ uuid_user: ids.ann }, { uuid_user: '00000000-0000-4000-8000-000000000000' }, { uuid_user: ids.bob }, { uuid_user: 3 }, {}, { uuid_user: ids.mia, name: 4 }]) {
        const r = await as('ann', 'post', '/v1/me/buddies', body);
        expect(r.status, JSON.stringify(body)).to.equal(400);
      }
      expect((await as('ann', 'put', `/v1/me/buddies/${uuid}`, { name: 9 })).status).to.equal(400);
      expect((await as('mia', 'get', '/v1/me/buddies')).status).to.equal(403);
      expect((await as('ann', 'delete', `/v1/me/buddies/${uuid}`)).status).to.equal(200);
      expect((await as('ann', 'get', `/v1/me/buddies/${uuid}`)).status).to.equal(404);
    });

    it('/me/search: exact username; type other than username is 400; 403 for a manager', async () => {
      expect(listOf(await as('ann', 'get', '/v1/me/search', undefined, { filter: 'bob', type: 'username' }))).to.deep.equal([{ name: 'Bob B.', username: 'bob', uuid: ids.bob }]);
      expect(listOf(await as('ann', 'get', '/v1/me/search', undefined, { filter: 'bo', type: 'username' }))).to.deep.equal([]);
      expect((await as('ann', 'get', '/v1/me/search', undefined, { filter: 'bob', type: 'email' })).status).to.equal(400);
      expect((await as('ann', 'get', '/v1/me/search', undefined, { type: 'username' })).status).to.equal(400);
      expect((await as('mia', 'get', '/v1/me/search', undefined, { filter: 'bob', type: 'username' })).status).to.equal(403);
    });

    it('a rebuild of the people read model equals the live one', async () => {
      await as('ann', 'post', '/v1/me/buddies', { uuid_user: ids.bob });
      const { sqlite } = jade.jade.readModels;
      const dump = (): Record<string, unknown[]> => Object.fromEntries(['user_contacts', 'me_buddies', 'people_devices'].map((t) => [t, sqlite.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
      const before = dump();
      expect(before.me_buddies).to.have.length(1);
      const rebuilt = await jade.post('/v1/admin/projections/rebuild', { name: 'people' });
      expect(rebuilt.status, rebuilt.text).to.equal(200);
      expect(dump()).to.deep.equal(before);
    });
  });
});
