/**
 * Issue 5 (PJSIP live state, device states, legacy /peers and /registries) end to end against the real
 * Asterisk sandbox: a SIP user agent registered with sipp shows as a contact and changes its endpoint's
 * device state; unregistering reverses it. Asterisk's own view comes from a raw AMI session.
 */
import { expect } from 'chai';
import { contactId } from '../../projections/pjsip/index.js';
import { amiGet, SandboxAmi } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { freeUdpPort, sippRegister } from '../support/sipp.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;

describe('PJSIP live state against a real Asterisk 22 (issue 5)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;

  const names = async (action: string, header: string): Promise<string[]> => (await probe.action({ Action: action })).events.map((e) => amiGet(e, header) ?? '').sort();
  const ours = async (p: string, key: string): Promise<string[]> => listOf((await jade.get(p)).body).map((row) => String(row[key])).sort();

  before(async function () {
    const sandbox = getSandbox();
    jade = await startTestJade(sandbox);
    await waitForAmi(jade);
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
  });

  after(async function () {
    probe?.close();
    await jade?.stop();
  });

  it('lists the endpoints, AORs and auths Asterisk lists, with every manual endpoint field once its detail is fetched', async function () {
    await eventually(async () => ((await ours('/v1/pjsip/endpoints', 'object_name')).length > 0 ? true : undefined), 10_000, 'the endpoints');
    expect(await ours('/v1/pjsip/endpoints', 'object_name')).to.deep.equal(await names('PJSIPShowEndpoints', 'ObjectName'));
    expect(await ours('/v1/pjsip/aors', 'object_name')).to.deep.equal(await names('PJSIPShowAors', 'ObjectName'));
    expect(await ours('/v1/pjsip/auths', 'object_name')).to.deep.equal(await names('PJSIPShowAuths', 'ObjectName'));

    // The configuration comes from one PJSIPShowEndpoint per endpoint, fetched after the list.
    const endpoint = await eventually(async () => {
      const row = resultOf((await jade.get('/v1/admin/pjsip/endpoints/pjagent-01')).body);
      return row.context === 'agents' ? row : undefined;
    }, 10_000, "pjagent-01's detail");
    expect(endpoint).to.include({ object_type: 'endpoint', transport: 'transport-udp', aors: 'pjagent-01', auth: 'pjagent-01', dtmf_mode: 'rfc4733', allow: '(ulaw|alaw|gsm)', timers_sess_expires: 1800 });
    // Issue 10: the password is masked (the catalog's example shows it in clear; this contract changed).
    const authResponse = await jade.get('/v1/pjsip/auths/pjagent-01');
    expect(resultOf(authResponse.body)).to.include({ username: 'pjagent-01', password: '[redacted]', md5_cred: '[redacted]', endpoint_name: 'pjagent-01', auth_type: 'userpass' });
    expect(authResponse.text).not.to.include(getSandbox().pjsipUsers[0]!.password);
    const allAuths = await jade.get('/v1/pjsip/auths');
    for (const user of getSandbox().pjsipUsers) expect(allAuths.text).not.to.include(user.password);
  });

  it('a UA registered with sipp shows its contact and the endpoint becomes available; unregistering reverses it', async function () {
    const sandbox = getSandbox();
    const user = sandbox.pjsipUsers[0]!;
    const localPort = await freeUdpPort();
    const uri = `sip:${user.name}@127.0.0.1:${localPort}`;
    const id = contactId(user.name, uri);
    const deviceState = async (): Promise<unknown> => resultOf((await jade.get('/v1/device_states/', { query: { device: `PJSIP/${user.name}` } })).body).state;

    await sippRegister({ user: user.name, password: user.password, sipPort: sandbox.sipPort, localPort, expires: 120 });

    // The follow-up PJSIPShowContacts fills what ContactStatus does not say (user agent, via address, expiry).
    const contact = await eventually(async () => {
      const row = await jade.get(`/v1/pjsip/contacts/${encodeURIComponent(id)}`);
      return row.status === 200 && resultOf(row.body).user_agent === 'sipp-jade' ? resultOf(row.body) : undefined;
    }, 10_000, 'the registered contact');
    expect(contact).to.include({ id, uri, aor: user.name, endpoint_name: user.name, via_address: `127.0.0.1:${localPort}` });
    expect(contact.reg_expire).to.be.a('number').above(Date.now() / 1000);
    // Issue 10: every field ContactList reports is filled, with the manual's types (catalog 70 §2.5).
    expect(contact).to.include({ user_agent: 'sipp-jade', qualify_frequency: 0, qualify_timout: 3, authentication_qualify: 0, outbound_proxy: '', path: '' });
    for (const name of ['call_id', 'user_agent', 'via_address', 'outbound_proxy', 'path']) expect(contact[name], name).to.be.a('string');
    expect(contact.call_id).to.be.a('string').and.not.equal('');
    for (const name of ['reg_expire', 'qualify_frequency', 'qualify_timout', 'authentication_qualify']) expect(contact[name], name).to.be.a('number');
    expect(listOf((await jade.get('/v1/pjsip/contacts')).body).find((row) => row.id === id)).to.deep.equal(contact);
    expect(await ours('/v1/pjsip/contacts', 'id')).to.deep.equal(await names('PJSIPShowContacts', 'ObjectName'));
    await eventually(async () => ((await deviceState()) === 'NOT_INUSE' ? true : undefined), 5_000, 'device state NOT_INUSE');
    expect(resultOf((await jade.get(`/v1/pjsip/endpoints/${user.name}`)).body)).to.include({ device_state: 'Not in use' });
    expect(resultOf((await jade.get(`/v1/pjsip/aors/${user.name}`)).body)).to.include({ total_contacts: 1, contacts: `${user.name}/${uri}` });
    expect(resultOf((await jade.get('/v1/peers/', { query: { peer: `PJSIP/${user.name}` } })).body)).to.include({ status: 'Registered', address: `127.0.0.1:${localPort}` });

    await sippRegister({ user: user.name, password: user.password, sipPort: sandbox.sipPort, localPort, expires: 0 });

    await eventually(async () => ((await jade.get(`/v1/pjsip/contacts/${encodeURIComponent(id)}`)).status === 404 ? true : undefined), 10_000, 'the contact to go');
    await eventually(async () => ((await deviceState()) === 'UNAVAILABLE' ? true : undefined), 5_000, 'device state UNAVAILABLE');
    expect(resultOf((await jade.get(`/v1/pjsip/endpoints/${user.name}`)).body)).to.include({ device_state: 'Unavailable' });
    expect(resultOf((await jade.get(`/v1/pjsip/aors/${user.name}`)).body)).to.include({ total_contacts: 0 });
    expect(resultOf((await jade.get('/v1/peers/', { query: { peer: user.name } })).body)).to.include({ status: 'Unregistered' });
    expect(await ours('/v1/pjsip/contacts', 'id')).to.deep.equal(await names('PJSIPShowContacts', 'ObjectName'));
  });

  it("shows the trunk's outbound registration as Asterisk reports it, and as a legacy registry", async function () {
    const sandbox = getSandbox();
    const registration = await eventually(async () => {
      const row = resultOf((await jade.get('/v1/pjsip/registration_outbounds/pjtrunk-reg')).body);
      return row.status === 'Registered' ? row : undefined;
    }, 15_000, 'pjtrunk-reg registered');
    expect(registration).to.include({ server_uri: `sip:127.0.0.1:${sandbox.sipPort}`, client_uri: `sip:pjtrunk@127.0.0.1:${sandbox.sipPort}`, expiration: 300, outbound_auth: 'pjtrunk' });
    const { events } = await probe.action({ Action: 'PJSIPShowRegistrationsOutbound' });
    const theirs = events.find((e) => amiGet(e, 'Event') === 'OutboundRegistrationDetail' && amiGet(e, 'ObjectName') === 'pjtrunk-reg');
    expect(amiGet(theirs!, 'Status')).to.equal('Registered');

    const account = `pjtrunk@127.0.0.1:${sandbox.sipPort}`;
    expect(listOf((await jade.get('/v1/registries')).body)).to.deep.equal([{ account, node: 'asterisk' }]);
    expect(resultOf((await jade.get('/v1/registries/', { query: { account } })).body)).to.include({ state: 'Registered', username: 'pjtrunk', port: sandbox.sipPort, refresh: 300 });
  });
});
