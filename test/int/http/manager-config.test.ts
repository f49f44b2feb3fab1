import { expect } from 'chai';
import { permissions } from '../../../src/auth/index.js';
import { FakeAmi, type FakeFrame } from '../../support/fake-ami.js';
import { FakeConfigFiles, type FakeCategory } from '../../support/fake-config.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../../support/jade.js';

/**
 * `/manager/trunks` and `/manager/sdialplans` (catalog 30) over HTTP against the fake Asterisk: a trunk is five
 * same-named objects of pjsip.conf written in one write (reload res_pjsip, answer once the read models show it);
 * sdialplans are the `jade…` contexts of extensions.conf. 400 / 404 / 403 and a stale version (409).
 */

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const secret = 'trunk-secret-4242';

const pjsip = (): FakeCategory[] => [
  { name: 'transport-udp', lines: [{ key: 'type', value: 'transport' }, { key: 'protocol', value: 'udp' }] },
  { name: 'pjagent-01', lines: [{ key: 'type', value: 'endpoint' }, { key: 'context', value: 'agents' }] },
];

describe('manager config routes: /manager/trunks and /manager/sdialplans (fake Asterisk)', function () {
  this.timeout(30_000);
  let fake: FakeAmi;
  let configs: FakeConfigFiles;
  let jade: RunningJade;
  let managerToken: string;
  let userToken: string;

  const updates = (): number => fake.actions.filter((a) => a.action?.toLowerCase() === 'updateconfig').length;
  const etag = async (path: string): Promise<number> => Number(String((await jade.get(path)).headers.get('etag') ?? '').replace(/"/g, ''));
  const ofType = (type: string) => (configs.files.get('pjsip.conf') ?? []).filter((c) => c.lines.some((l) => l.key === 'type' && l.value === type));
  /** What res_pjsip would list for pjsip.conf as the fake has it. */
  const scriptPjsip = () => {
    fake.onList('PJSIPShowEndpoints', 'EndpointList', ofType('endpoint').map((c): FakeFrame => ({
      ObjectType: 'endpoint', ObjectName: c.name, Transport: '', Aor: c.name, Auths: '', OutboundAuths: '', Contacts: '', DeviceState: 'Unavailable', ActiveChannels: '0',
    })));
    fake.onList('PJSIPShowRegistrationsOutbound', 'OutboundRegistrationDetail', ofType('registration').map((c): FakeFrame => ({
      ObjectType: 'registration', ObjectName: c.name, ServerUri: c.lines.find((l) => l.key === 'server_uri')?.value ?? '',
      ClientUri: c.lines.find((l) => l.key === 'client_uri')?.value ?? '', Status: 'Registered', Expiration: '3600',
    })), 'OutboundRegistrationDetailComplete');
  };

  before(async () => {
    fake = await FakeAmi.start();
    configs = new FakeConfigFiles(fake);
    configs.files.set('pjsip.conf', pjsip());
    configs.set('extensions.conf', { general: { static: 'yes' }, agents: { exten: '_X.,1,NoOp(agents)' }, 'jade-queue': { exten: '_X.,1,NoOp(jade-queue)', same: 'n,Queue(jade-queue)' } });
    scriptPjsip();
    configs.onReload = () => scriptPjsip();
    jade = await startTestJade(undefined, {
      overrides: {
        ami: { host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret, reconnectInitialMs: 50, reconnectMaxMs: 200 },
        commands: { readYourWritesTimeoutMs: 2000 },
      },
    });
    await waitForAmi(jade);
    await eventually(async () => (listOf((await jade.get('/v1/pjsip/endpoints')).body).length === 1 ? true : undefined), 5000, 'the endpoints');
    const people = { manager: [permissions.manager], user: [permissions.user] } as const;
    for (const [role, perms] of Object.entries(people)) {
      await jade.jade.auth.service.createUser({ username: `p4-${role}`, name: role, password: `${role}-pw`, permissions: [...perms] });
    }
    const login = async (path: string, username: string, password: string) =>
      ((await jade.http.post(path, { basic: { username, password } })).body?.result as { authtoken: string }).authtoken;
    managerToken = await login('/v1/manager/login', 'p4-manager', 'manager-pw');
    userToken = await login('/v1/me/login', 'p4-user', 'user-pw');
  });

  after(async () => {
    await jade?.stop();
    await fake?.close();
  });

  it('a manager creates a trunk (five objects of one name), reads it with the live status and no password, updates and deletes it', async () => {
    const sent = await jade.http.post('/v1/manager/trunks', {
      token: managerToken,
      body: { name: 'trunk1', server_uri: 'sip:sip.example.com', client_uri: 'sip:1234@sip.example.com', username: '1234', password: secret, contact: 'sip:sip.example.com', context: 'from-trunk', hostname: 'sip.example.com', extra: 1 },
    });
    expect(sent.status, sent.text).to.equal(200);
    expect(sent.text).to.not.include(secret);
    expect(configs.reloads.at(-1)).to.match(/^res_pjsip/);
    // The answer waited for the read models.
    expect((await jade.get('/v1/pjsip/endpoints/trunk1')).status).to.equal(200);
    expect((await jade.get('/v1/pjsip/registration_outbounds/trunk1')).status).to.equal(200);
    const objects = (configs.files.get('pjsip.conf') ?? []).filter((c) => c.name === 'trunk1').map((c) => c.lines.find((l) => l.key === 'type')?.value);
    expect(objects).to.deep.equal(['endpoint', 'aor', 'auth', 'registration', 'identify']);
    expect(configs.files.get('pjsip.conf')!.slice(0, 2)).to.deep.equal(pjsip());

    const one = await jade.http.get('/v1/manager/trunks/trunk1', { token: managerToken });
    expect(one.status, one.text).to.equal(200);
    expect(resultOf(one.body)).to.deep.equal({
      name: 'trunk1', server_uri: 'sip:sip.example.com', client_uri: 'sip:1234@sip.example.com', username: '1234', password: '[redacted]',
      contact: 'sip:sip.example.com', context: 'from-trunk', hostname: 'sip.example.com', status: 'Registered',
    });
    const list = await jade.http.get('/v1/manager/trunks', { token: managerToken });
    expect(listOf(list.body).map((t) => t.name)).to.deep.equal(['trunk1']);
    expect(list.text).to.not.include(secret);
    // The log keeps the password for a rollback; the log API masks it.
    const log = await jade.get('/v1/events', { query: { stream: 'config-pjsip.conf' } });
    expect(log.text).to.include('trunk.create').and.not.include(secret);

    const put = await jade.http.put('/v1/manager/trunks/trunk1', { token: managerToken, body: { context: 'from-trunk-2', name: 'ignored' } });
    expect(put.status, put.text).to.equal(200);
    expect(resultOf((await jade.get('/v1/manager/trunks/trunk1')).body)).to.include({ context: 'from-trunk-2', username: '1234', server_uri: 'sip:sip.example.com' });

    const gone = await jade.http.delete('/v1/manager/trunks/trunk1', { token: managerToken });
    expect(gone.status, gone.text).to.equal(200);
    expect(configs.files.get('pjsip.conf')).to.deep.equal(pjsip());
    expect((await jade.get('/v1/pjsip/endpoints/trunk1')).status).to.equal(404);
    expect((await jade.get('/v1/manager/trunks/trunk1')).status).to.equal(404);
  });

  it('trunks: 400 for wrong types, a missing name or server_uri, CR/LF, a taken name; 404 for an unknown trunk; 403 for a user; 409 for a stale version; nothing sent', async () => {
    const sent = updates();
    const bad: [string, Row][] = [
      ['no name', { server_uri: 'sip:a', client_uri: 'sip:b@a' }],
      ['name not a string', { name: 5, server_uri: 'sip:a', client_uri: 'sip:b@a' }],
      ['no server_uri', { name: 't2', client_uri: 'sip:b@a' }],
      ['password not a string', { name: 't2', server_uri: 'sip:a', client_uri: 'sip:b@a', password: 42 }],
      ['CR/LF in a value', { name: 't2', server_uri: 'sip:a\r\nAction: Originate', client_uri: 'sip:b@a' }],
      ['LF in the name', { name: 't\n2', server_uri: 'sip:a', client_uri: 'sip:b@a' }],
      ['an agent endpoint name', { name: 'pjagent-01', server_uri: 'sip:a', client_uri: 'sip:b@a' }],
    ];
    for (const [what, body] of bad) {
      const answer = await jade.post('/v1/manager/trunks', body);
      expect(answer.status, `${what}: ${answer.text}`).to.equal(400);
    }
    // pjagent-01 is an endpoint, not a trunk (no registration of its name).
    for (const answer of [jade.get('/v1/manager/trunks/pjagent-01'), jade.get('/v1/manager/trunks/nope'), jade.put('/v1/manager/trunks/nope', { context: 'x' }), jade.delete('/v1/manager/trunks/nope')]) {
      expect((await answer).status).to.equal(404);
    }
    for (const answer of [
      jade.http.get('/v1/manager/trunks', { token: userToken }),
      jade.http.post('/v1/manager/trunks', { token: userToken, body: { name: 't3', server_uri: 'sip:a', client_uri: 'sip:b@a' } }),
      jade.http.delete('/v1/manager/trunks/x', { token: userToken }),
    ]) expect((await answer).status).to.equal(403);
    expect(updates()).to.equal(sent);

    const created = await jade.post('/v1/manager/trunks', { name: 't4', server_uri: 'sip:a', client_uri: 'sip:b@a' });
    expect(created.status, created.text).to.equal(200);
    const version = await etag('/v1/manager/trunks/t4');
    const afterCreate = updates();
    expect((await jade.post('/v1/manager/trunks', { name: 't4', server_uri: 'sip:a', client_uri: 'sip:b@a' })).status).to.equal(400);
    expect((await jade.put('/v1/manager/trunks/t4', { context: 'a\nb' })).status).to.equal(400);
    const stale = await jade.http.put(`/v1/manager/trunks/t4?version=${version - 1}`, { token: jade.token, body: { context: 'x' } });
    expect(stale.status, stale.text).to.equal(409);
    expect(updates()).to.equal(afterCreate);
    // Without username/password no auth is written and nothing names one.
    expect(resultOf((await jade.get('/v1/manager/trunks/t4')).body)).to.deep.equal({ name: 't4', server_uri: 'sip:a', client_uri: 'sip:b@a', status: 'Registered' });
    expect((await jade.delete(`/v1/manager/trunks/t4?version=${version}`)).status).to.equal(200);
    expect(configs.files.get('pjsip.conf')).to.deep.equal(pjsip());
  });

  it('sdialplans: lists only the jade contexts, creates, reads, replaces and deletes one; other contexts are 404 / 400; 403 for a user; 409 stale', async () => {
    const list = await jade.http.get('/v1/manager/sdialplans', { token: managerToken });
    expect(list.status, list.text).to.equal(200);
    expect(listOf(list.body)).to.deep.equal([{ name: 'jade-queue', data: [{ exten: '_X.,1,NoOp(jade-queue)' }, { same: 'n,Queue(jade-queue)' }] }]);

    const created = await jade.http.post('/v1/manager/sdialplans', { token: managerToken, body: { name: 'jade-test', data: [{ exten: '> 100,1,NoOp(t)' }, { same: '> n,Hangup()' }] } });
    expect(created.status, created.text).to.equal(200);
    expect(configs.get('extensions.conf')['jade-test']).to.deep.equal({ exten: '100,1,NoOp(t)', same: 'n,Hangup()' });
    expect(configs.reloads).to.not.include('pbx_config');
    expect(resultOf((await jade.get('/v1/manager/sdialplans/jade-test')).body)).to.deep.equal({ name: 'jade-test', data: [{ exten: '> 100,1,NoOp(t)' }, { same: '> n,Hangup()' }] });
    // The same store as /admin/dialplan/sdps.
    expect((await jade.get('/v1/admin/dialplan/sdps/jade-test')).status).to.equal(200);
    const put = await jade.http.put('/v1/manager/sdialplans/jade-test', { token: managerToken, body: { data: [{ exten: '> 200,1,Answer()' }] } });
    expect(put.status, put.text).to.equal(200);
    expect(configs.get('extensions.conf')['jade-test']).to.deep.equal({ exten: '200,1,Answer()' });

    const sent = updates();
    const bad: [string, Promise<{ status: number }>][] = [
      ['exists', jade.post('/v1/manager/sdialplans', { name: 'jade-test', data: [] })],
      ['no name', jade.post('/v1/manager/sdialplans', { data: [] })],
      ['not jade', jade.post('/v1/manager/sdialplans', { name: 'agents2', data: [] })],
      ['PUT not jade', jade.put('/v1/manager/sdialplans/agents', { data: [] })],
      ['data not an array', jade.put('/v1/manager/sdialplans/jade-test', { data: 'x' })],
      ['CR/LF', jade.put('/v1/manager/sdialplans/jade-test', { data: [{ exten: '1,1,NoOp()\r\nAction: Originate' }] })],
      ['general', jade.put('/v1/manager/sdialplans/general', { data: [] })],
    ];
    for (const [what, request] of bad) expect((await request).status, what).to.equal(400);
    for (const request of [jade.get('/v1/manager/sdialplans/agents'), jade.delete('/v1/manager/sdialplans/agents'), jade.get('/v1/manager/sdialplans/jade-nope'), jade.delete('/v1/manager/sdialplans/jade-nope')]) {
      expect((await request).status).to.equal(404);
    }
    for (const request of [jade.http.get('/v1/manager/sdialplans', { token: userToken }), jade.http.delete('/v1/manager/sdialplans/jade-test', { token: userToken })]) {
      expect((await request).status).to.equal(403);
    }
    const version = await etag('/v1/manager/sdialplans/jade-test');
    const stale = await jade.http.put(`/v1/manager/sdialplans/jade-test?version=${version - 1}`, { token: jade.token, body: { data: [] } });
    expect(stale.status, stale.text).to.equal(409);
    expect(updates()).to.equal(sent);

    expect((await jade.http.delete('/v1/manager/sdialplans/jade-test', { token: managerToken })).status).to.equal(200);
    expect(configs.get('extensions.conf')).to.not.have.property('jade-test');
    expect(configs.get('extensions.conf')).to.have.property('agents');
  });
});
