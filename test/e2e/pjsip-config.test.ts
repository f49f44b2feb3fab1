/**
 * Issue 12: PJSIP objects written into pjsip.conf through jade against the real Asterisk sandbox. An endpoint,
 * its aor and its auth share one name (three `[name]` categories told apart by `type=`); each write reloads
 * res_pjsip and answers once jade's read model shows the object. A sipp UA then registers with the
 * credentials written. Asterisk's own view comes from a raw AMI session; the test puts pjsip.conf back.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { contactId } from '../../projections/pjsip/index.js';
import { amiGet, SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { freeUdpPort, sippRegister } from '../support/sipp.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const ua = 'jade-e2e-ua';
const password = `pw-${randomBytes(8).toString('hex')}`;

function configHeaders(frame: AmiFrame): string[] {
  return frame.headers.filter(([name]) => /^(Category|Line|Templates|IsTemplate)-/i.test(name)).map(([name, value]) => `${name}: ${value}`);
}

describe('PJSIP objects in pjsip.conf against a real Asterisk 22 (issue 12)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  let original: string[];

  const getConfig = async (): Promise<string[]> => configHeaders((await probe.action({ Action: 'GetConfig', Filename: 'pjsip.conf' })).response);
  const asteriskNames = async (action: string): Promise<string[]> => (await probe.action({ Action: action })).events.map((e) => amiGet(e, 'ObjectName') ?? '');

  before(async function () {
    const sandbox = getSandbox();
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    original = await getConfig();
    jade = await startTestJade(sandbox);
    await waitForAmi(jade);
    await eventually(async () => (listOf((await jade.get('/v1/pjsip/endpoints')).body).length > 0 ? true : undefined), 10_000, 'the endpoints');
  });

  after(async function () {
    // Whatever happened: the objects go, the file is what it was (GetConfig; comments of the sandbox's file are not kept), res_pjsip runs it.
    for (const kind of ['endpoints', 'aors', 'auths', 'registration_outbounds']) {
      if (jade && (await jade.get(`/v1/pjsip/${kind}/${ua}`)).status === 200) await jade.delete(`/v1/pjsip/${kind}/${ua}`);
    }
    if (probe && original) {
      expect(await getConfig()).to.deep.equal(original);
      await probe.action({ Action: 'ModuleLoad', Module: 'res_pjsip.so', LoadType: 'reload' });
      expect(await asteriskNames('PJSIPShowEndpoints')).to.not.include(ua);
    }
    probe?.close();
    await jade?.stop();
  });

  it('creates an endpoint, an aor and an auth of one name: Asterisk lists them, a UA registers with the credentials, and deleting them removes the endpoint', async function () {
    const sandbox = getSandbox();
    const endpoint = await jade.post('/v1/pjsip/endpoints', {
      name: ua, transport: 'transport-udp', context: 'agents', disallow: 'all', allow: 'ulaw', auth: ua, aors: ua,
    });
    expect(endpoint.status, endpoint.text).to.equal(200);
    // The answer waited for the read model: the endpoint is there at once, and its detail came from PJSIPShowEndpoint.
    expect(resultOf((await jade.get(`/v1/pjsip/endpoints/${ua}`)).body)).to.include({ object_name: ua });
    expect(await asteriskNames('PJSIPShowEndpoints')).to.include(ua);
    const detail = await eventually(async () => {
      const row = resultOf((await jade.get(`/v1/pjsip/endpoints/${ua}`)).body);
      return row.context === 'agents' ? row : undefined;
    }, 10_000, 'the endpoint detail');
    expect(detail).to.include({ transport: 'transport-udp', aors: ua, auth: ua });

    const aor = await jade.post('/v1/pjsip/aors', { name: ua, max_contacts: '1', remove_existing: 'yes' });
    expect(aor.status, aor.text).to.equal(200);
    expect((await jade.get(`/v1/pjsip/aors/${ua}`)).status).to.equal(200);
    const auth = await jade.post('/v1/pjsip/auths', { name: ua, auth_type: 'userpass', username: ua, password });
    expect(auth.status, auth.text).to.equal(200);
    expect(auth.text).to.not.include(password);
    const authRow = await jade.get(`/v1/pjsip/auths/${ua}`);
    expect(resultOf(authRow.body)).to.include({ username: ua, password: '[redacted]' });
    expect(authRow.text).to.not.include(password);
    // The log keeps the password (a rollback needs it); the log API masks it.
    const log = await jade.get('/v1/events', { query: { stream: 'config-pjsip.conf' } });
    expect(log.text).to.include('[redacted]').and.not.include(password);

    // Three categories [jade-e2e-ua] in the file, told apart by type.
    const file = await getConfig();
    const cats = file.filter((h) => h.endsWith(`: ${ua}`) && h.startsWith('Category-')).length;
    expect(cats).to.equal(3);
    // The sandbox's own objects survived the whole-file rewrite.
    expect(await asteriskNames('PJSIPShowEndpoints')).to.include.members(['pjagent-01', 'pjtrunk', ua]);

    const localPort = await freeUdpPort();
    const uri = `sip:${ua}@127.0.0.1:${localPort}`;
    await sippRegister({ user: ua, password, sipPort: sandbox.sipPort, localPort, expires: 120 });
    const id = contactId(ua, uri);
    const contact = await eventually(async () => {
      const row = listOf((await jade.get('/v1/pjsip/contacts')).body).find((c) => c.id === id);
      return row?.user_agent === 'sipp-jade' ? row : undefined;
    }, 10_000, 'the contact of the new endpoint');
    expect(contact).to.include({ aor: ua, endpoint_name: ua, uri });
    // A wrong password is refused by the auth written (sipp fails on the 401/403).
    const otherPort = await freeUdpPort();
    let refused = false;
    await sippRegister({ user: ua, password: `${password}-wrong`, sipPort: sandbox.sipPort, localPort: otherPort, expires: 120 }).catch(() => (refused = true));
    expect(refused, 'a REGISTER with a wrong password').to.equal(true);
    await sippRegister({ user: ua, password, sipPort: sandbox.sipPort, localPort, expires: 0 });
    await eventually(async () => (listOf((await jade.get('/v1/pjsip/contacts')).body).some((c) => c.id === id) ? undefined : true), 10_000, 'the contact to go');

    for (const kind of ['auths', 'aors', 'endpoints']) {
      const gone = await jade.delete(`/v1/pjsip/${kind}/${ua}`);
      expect(gone.status, gone.text).to.equal(200);
      expect((await jade.get(`/v1/pjsip/${kind}/${ua}`)).status, kind).to.equal(404);
    }
    expect(await asteriskNames('PJSIPShowEndpoints')).to.not.include(ua);
    expect(await asteriskNames('PJSIPShowAors')).to.not.include(ua);
    expect(await getConfig()).to.deep.equal(original);
  });

  it('updates an outbound registration in place with PUT and refuses what cannot be written, sending nothing', async function () {
    const sandbox = getSandbox();
    const created = await jade.post('/v1/pjsip/registration_outbounds', {
      name: ua, transport: 'transport-udp', outbound_auth: 'pjtrunk', server_uri: `sip:127.0.0.1:${sandbox.sipPort}`,
      client_uri: `sip:pjtrunk@127.0.0.1:${sandbox.sipPort}`, contact_user: 'pjtrunk', expiration: '300', max_random_initial_delay: '0',
    });
    expect(created.status, created.text).to.equal(200);
    expect(resultOf((await jade.get(`/v1/pjsip/registration_outbounds/${ua}`)).body)).to.include({ expiration: 300 });
    expect(await asteriskNames('PJSIPShowRegistrationsOutbound')).to.include(ua);
    const again = await jade.post('/v1/pjsip/registration_outbounds', { name: ua, server_uri: 'sip:x' });
    expect(again.status).to.equal(400);

    const updated = await jade.put(`/v1/pjsip/registration_outbounds/${ua}`, {
      transport: 'transport-udp', outbound_auth: 'pjtrunk', server_uri: `sip:127.0.0.1:${sandbox.sipPort}`,
      client_uri: `sip:pjtrunk@127.0.0.1:${sandbox.sipPort}`, contact_user: 'pjtrunk', expiration: '600', max_random_initial_delay: '0',
    });
    expect(updated.status, updated.text).to.equal(200);
    await eventually(async () => (resultOf((await jade.get(`/v1/pjsip/registration_outbounds/${ua}`)).body).expiration === 600 ? true : undefined), 10_000, 'expiration 600');

    const before = await getConfig();
    const crlf = await jade.put(`/v1/pjsip/registration_outbounds/${ua}`, { server_uri: 'sip:x\r\nAction: Logoff' });
    expect(crlf.status).to.equal(400);
    expect(JSON.stringify(crlf.body)).to.include(`${ua}.server_uri`);
    const wrongType = await jade.put(`/v1/pjsip/registration_outbounds/${ua}`, { type: 'endpoint' });
    expect(wrongType.status).to.equal(400);
    expect((await jade.put('/v1/pjsip/endpoints/jade-e2e-none', { context: 'x' })).status).to.equal(404);
    expect(await getConfig()).to.deep.equal(before);

    const gone = await jade.delete(`/v1/pjsip/registration_outbounds/${ua}`);
    expect(gone.status, gone.text).to.equal(200);
    expect((await jade.get(`/v1/pjsip/registration_outbounds/${ua}`)).status).to.equal(404);
    expect(await getConfig()).to.deep.equal(original);
  });
});
