/**
 * Issue 13 (P4): `/manager/trunks` and `/manager/sdialplans` against the real Asterisk sandbox. A trunk (five
 * same-named objects of pjsip.conf) registers to this Asterisk itself, to a peer endpoint the test adds through
 * `/pjsip/*` (not pjtrunk, whose contact other tests see); deleting it leaves pjsip.conf as it was. A `jade…`
 * context added as an sdialplan runs a Local call once pbx_config is reloaded. Asterisk's own view comes from a
 * raw AMI session; the test puts both files and the running modules back.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { amiGet, SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const trunk = 'jade-e2e-trunk';
const peer = 'jade-e2e-peer';
const password = `pw-${randomBytes(8).toString('hex')}`;
const context = 'jade_e2e_msdp';

function configHeaders(frame: AmiFrame): string[] {
  return frame.headers.filter(([name]) => /^(Category|Line|Templates|IsTemplate)-/i.test(name)).map(([name, value]) => `${name}: ${value}`);
}

describe('/manager/trunks and /manager/sdialplans against a real Asterisk 22 (issue 13)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  let originalPjsip: string[];
  let originalDialplan: string[];

  const getConfig = async (file: string): Promise<string[]> => configHeaders((await probe.action({ Action: 'GetConfig', Filename: file })).response);
  const asteriskNames = async (action: string): Promise<string[]> => (await probe.action({ Action: action })).events.map((e) => amiGet(e, 'ObjectName') ?? '');

  before(async function () {
    const sandbox = getSandbox();
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    originalPjsip = await getConfig('pjsip.conf');
    originalDialplan = await getConfig('extensions.conf');
    jade = await startTestJade(sandbox);
    await waitForAmi(jade);
    await eventually(async () => (listOf((await jade.get('/v1/pjsip/endpoints')).body).length > 0 ? true : undefined), 10_000, 'the endpoints');
  });

  after(async function () {
    if (jade && (await jade.get(`/v1/manager/trunks/${trunk}`)).status === 200) await jade.delete(`/v1/manager/trunks/${trunk}`);
    for (const kind of ['endpoints', 'aors', 'auths']) {
      if (jade && (await jade.get(`/v1/pjsip/${kind}/${peer}`)).status === 200) await jade.delete(`/v1/pjsip/${kind}/${peer}`);
    }
    if (jade && (await jade.get(`/v1/manager/sdialplans/${context}`)).status === 200) await jade.delete(`/v1/manager/sdialplans/${context}`);
    if (probe && originalPjsip) {
      expect(await getConfig('pjsip.conf')).to.deep.equal(originalPjsip);
      expect(await getConfig('extensions.conf')).to.deep.equal(originalDialplan);
      await probe.action({ Action: 'ModuleLoad', Module: 'res_pjsip.so', LoadType: 'reload' });
      await probe.action({ Action: 'Command', Command: 'dialplan reload' });
    }
    probe?.close();
    await jade?.stop();
  });

  it('creates a trunk: Asterisk shows its endpoint and outbound registration, the registration comes up; deleting it leaves pjsip.conf as it was', async function () {
    const sandbox = getSandbox();
    // The far end: an endpoint of this Asterisk the trunk registers to.
    for (const [kind, body] of [
      ['endpoints', { name: peer, transport: 'transport-udp', context: 'customers', disallow: 'all', allow: 'ulaw', auth: peer, aors: peer }],
      ['aors', { name: peer, max_contacts: '1', remove_existing: 'yes' }],
      ['auths', { name: peer, auth_type: 'userpass', username: peer, password }],
    ] as const) {
      const made = await jade.post(`/v1/pjsip/${kind}`, body);
      expect(made.status, made.text).to.equal(200);
    }
    const withPeer = await getConfig('pjsip.conf');

    const created = await jade.post('/v1/manager/trunks', {
      name: trunk, server_uri: `sip:127.0.0.1:${sandbox.sipPort}`, client_uri: `sip:${peer}@127.0.0.1:${sandbox.sipPort}`,
      username: peer, password, contact: `sip:127.0.0.1:${sandbox.sipPort}`, context: 'customers',
      // A TEST-NET address: the identify is written, but no sandbox traffic comes from it.
      hostname: '192.0.2.10',
    });
    expect(created.status, created.text).to.equal(200);
    expect(created.text).to.not.include(password);
    // The answer waited for the read models; Asterisk has the endpoint (PJSIPShowEndpoint) and the registration.
    expect((await jade.get(`/v1/pjsip/endpoints/${trunk}`)).status).to.equal(200);
    expect((await jade.get(`/v1/pjsip/registration_outbounds/${trunk}`)).status).to.equal(200);
    const detail = await probe.action({ Action: 'PJSIPShowEndpoint', Endpoint: trunk });
    const endpoint = detail.events.find((e) => amiGet(e, 'Event') === 'EndpointDetail');
    expect(endpoint && amiGet(endpoint, 'Context')).to.equal('customers');
    expect(await asteriskNames('PJSIPShowRegistrationsOutbound')).to.include(trunk);
    const identify = detail.events.find((e) => amiGet(e, 'Event') === 'IdentifyDetail');
    expect(identify && amiGet(identify, 'Match')).to.match(/^192\.0\.2\.10/);

    const registered = await eventually(async () => {
      const row = resultOf((await jade.get(`/v1/manager/trunks/${trunk}`)).body);
      return row.status === 'Registered' ? row : undefined;
    }, 30_000, 'the trunk registered');
    expect(registered).to.deep.equal({
      name: trunk, server_uri: `sip:127.0.0.1:${sandbox.sipPort}`, client_uri: `sip:${peer}@127.0.0.1:${sandbox.sipPort}`, username: peer,
      password: '[redacted]', contact: `sip:127.0.0.1:${sandbox.sipPort}`, context: 'customers', hostname: '192.0.2.10', status: 'Registered',
    });
    const list = await jade.get('/v1/manager/trunks');
    expect(listOf(list.body).map((t) => t.name)).to.deep.equal([trunk]);
    expect(list.text).to.not.include(password);

    const updated = await jade.put(`/v1/manager/trunks/${trunk}`, { context: 'agents' });
    expect(updated.status, updated.text).to.equal(200);
    await eventually(async () => {
      const again = await probe.action({ Action: 'PJSIPShowEndpoint', Endpoint: trunk });
      const row = again.events.find((e) => amiGet(e, 'Event') === 'EndpointDetail');
      return row && amiGet(row, 'Context') === 'agents' ? true : undefined;
    }, 10_000, 'the new context');

    const gone = await jade.delete(`/v1/manager/trunks/${trunk}`);
    expect(gone.status, gone.text).to.equal(200);
    expect((await jade.get(`/v1/pjsip/endpoints/${trunk}`)).status).to.equal(404);
    expect((await jade.get(`/v1/manager/trunks/${trunk}`)).status).to.equal(404);
    expect(await asteriskNames('PJSIPShowEndpoints')).to.not.include(trunk);
    expect(await asteriskNames('PJSIPShowRegistrationsOutbound')).to.not.include(trunk);
    expect(await getConfig('pjsip.conf')).to.deep.equal(withPeer);

    for (const kind of ['auths', 'aors', 'endpoints']) expect((await jade.delete(`/v1/pjsip/${kind}/${peer}`)).status, kind).to.equal(200);
    expect(await getConfig('pjsip.conf')).to.deep.equal(originalPjsip);
  });

  it('creates a jade sdialplan context; after PUT /core/modules/pbx_config a Local call runs it; deleting it leaves extensions.conf as it was', async function () {
    const data = [{ exten: '> 700,1,Answer()' }, { same: '> n,Set(JADE_MSDP=ran)' }, { same: '> n,Wait(30)' }, { same: '> n,Hangup()' }];
    const created = await jade.post('/v1/manager/sdialplans', { name: context, data });
    expect(created.status, created.text).to.equal(200);
    expect(resultOf((await jade.get(`/v1/manager/sdialplans/${context}`)).body)).to.deep.equal({ name: context, data });
    // The hand-written contexts are not the manager's.
    expect(listOf((await jade.get('/v1/manager/sdialplans')).body).map((s) => s.name)).to.include(context).and.not.include.members(['demo', 'agents', 'customers']);
    expect((await jade.get('/v1/manager/sdialplans/demo')).status).to.equal(404);

    const reload = await jade.put('/v1/core/modules/pbx_config');
    expect(reload.status, reload.text).to.equal(200);
    const call = await jade.post('/v1/core/channels', { channel: `Local/700@${context}`, application: 'Wait', data: '30' });
    expect(call.status, call.text).to.equal(200);
    const uniqueId = (call.body?.result as { unique_id: string }).unique_id;
    const ran = await eventually(async () => {
      const got = await jade.get(`/v1/calls/${uniqueId}`);
      const timeline = ((got.body?.result as { timeline?: Row[] } | undefined)?.timeline ?? []);
      return timeline.find((e) => e.type === 'Newexten' && (e.data as Row).Context === context && (e.data as Row).Application === 'Set') as Row | undefined;
    }, 10_000, 'a Newexten of the new context');
    expect(ran.data).to.include({ Extension: '700', AppData: 'JADE_MSDP=ran' });
    expect((await jade.delete(`/v1/core/channels/${uniqueId}`)).status).to.equal(200);

    const gone = await jade.delete(`/v1/manager/sdialplans/${context}`);
    expect(gone.status, gone.text).to.equal(200);
    expect((await jade.get(`/v1/manager/sdialplans/${context}`)).status).to.equal(404);
    expect(await getConfig('extensions.conf')).to.deep.equal(originalDialplan);
  });
});
