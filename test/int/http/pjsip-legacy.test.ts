import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { streams, type AmiFields, type JadeEvent } from '../../../src/events/index.js';
import { contactId } from '../../../projections/pjsip/index.js';
import { nowTimestamp } from '../../../src/events/time.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import { parseAmiFrames } from '../../unit/projections/support/ami-capture.js';
import { snapshotEvent } from '../readmodels/support.js';

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

const contactUri = 'sip:pjagent-01@127.0.0.1:5070';
const contact = contactId('pjagent-01', contactUri);

/** Asterisk 22's answer to `PJSIPShowEndpoint pjagent-01` (recorded from the sandbox), as it is with the UA registered. */
const endpointAnswer = parseAmiFrames(readFileSync(fileURLToPath(new URL('../../unit/projections/support/pjsip-show-endpoint.txt', import.meta.url)), 'utf8')).map((item) => {
  if (item.Event === 'EndpointDetail') return { ...item, DeviceState: 'Not in use' };
  if (item.Event === 'AorDetail') return { ...item, Contacts: `pjagent-01/${contactUri}`, TotalContacts: '1', ContactsRegistered: '1' };
  return item;
});

/** What the snapshot round after a connect records, for an Asterisk with two endpoints, one registered UA and a trunk registration. */
function pbxState(at: string): JadeEvent[] {
  const endpoint = (name: string, contacts: string, state: string): AmiFields => ({
    Event: 'EndpointList', ObjectType: 'endpoint', ObjectName: name, Transport: 'transport-udp', Aor: name, Auths: name, OutboundAuths: '', Contacts: contacts, DeviceState: state, ActiveChannels: '0',
  });
  const aor = (name: string, contacts: string): AmiFields => ({
    Event: 'AorList', ObjectType: 'aor', ObjectName: name, MinimumExpiration: '60', DefaultExpiration: '3600', QualifyTimeout: '3.000000', Mailboxes: '', SupportPath: 'false',
    VoicemailExtension: '', MaxContacts: '1', AuthenticateQualify: 'false', Contacts: contacts, MaximumExpiration: '7200', QualifyFrequency: '0', RemoveExisting: 'true', OutboundProxy: '',
  });
  const auth = (name: string): AmiFields => ({ Event: 'AuthList', ObjectType: 'auth', ObjectName: name, Username: name, Md5Cred: '', Realm: '', AuthType: 'userpass', Password: `${name}-secret`, NonceLifetime: '32' });
  return [
    snapshotEvent('PJSIPShowEndpoints', { items: [endpoint('pjagent-01', `pjagent-01/${contactUri}`, 'Not in use'), endpoint('pjagent-02', '', 'Unavailable')] }, at),
    snapshotEvent('PJSIPShowAors', { items: [aor('pjagent-01', `pjagent-01/${contactUri}`), aor('pjagent-02', '')] }, at),
    snapshotEvent('PJSIPShowAuths', { items: [auth('pjagent-01'), auth('pjagent-02')] }, at),
    snapshotEvent('PJSIPShowContacts', {
      items: [{
        Event: 'ContactList', ObjectType: 'contact', ObjectName: contact, ViaAddr: '127.0.0.1', ViaPort: '5070', QualifyTimeout: '3.000000', CallId: 'call-1', Path: '', Endpoint: 'pjagent-01',
        AuthenticateQualify: 'no', Uri: contactUri, QualifyFrequency: '60', UserAgent: 'sipp-jade', ExpirationTime: '1795818197', OutboundProxy: '', Status: 'Reachable', RoundtripUsec: '2400',
      }],
    }, at),
    snapshotEvent('PJSIPShowRegistrationsOutbound', {
      items: [{
        Event: 'OutboundRegistrationDetail', ObjectType: 'registration', ObjectName: 'pjtrunk-reg', MaxRetries: '1000', ClientUri: 'sip:pjtrunk@127.0.0.1:44987', ServerUri: 'sip:127.0.0.1:44987',
        AuthRejectionPermanent: 'true', SupportPath: 'false', RetryInterval: '5', Expiration: '300', Transport: 'transport-udp', Line: 'false', ContactUser: 'pjtrunk', Endpoint: '',
        ForbiddenRetryInterval: '5', OutboundAuth: 'pjtrunk', OutboundProxy: '', FatalRetryInterval: '0', Status: 'Registered', NextReg: '250',
      }],
    }, at),
    snapshotEvent('PJSIPShowEndpoint', { items: endpointAnswer }, at),
    snapshotEvent('Agents', {
      items: [
        { Event: 'Agents', Agent: '1001', Name: 'Agent One', Status: 'AGENT_IDLE', LoggedInTime: '1795818056', Channel: 'Local/1001@agent-login-00000000;2', ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: '5550100', CallerIDName: 'Jade Recorder', ConnectedLineNum: '5550100', ConnectedLineName: 'Jade Recorder', Language: 'en', AccountCode: '', Context: 'agent-login', Exten: '1001', Priority: '2', Uniqueid: '1795818056.1', Linkedid: '1795818056.0' },
        { Event: 'Agents', Agent: '1002', Name: 'Agent Two', Status: 'AGENT_LOGGEDOFF' },
      ],
    }, at),
    snapshotEvent('DeviceStateList', { items: [{ Event: 'DeviceStateChange', Device: 'Agent:1001', State: 'NOT_INUSE' }, { Event: 'DeviceStateChange', Device: 'PJSIP/pjagent-01', State: 'NOT_INUSE' }] }, at),
  ];
}

/** A GET with a JSON body, as the manual's legacy examples send it (fetch refuses to). */
function getWithBody(running: RunningJade, path: string, body: string): Promise<{ status: number; json: { result?: unknown; error?: { message: string } } }> {
  const url = new URL(path, running.baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: { authorization: `Bearer ${running.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as { result?: unknown } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('pjsip and legacy REST routes (the whole app on a real port, no Asterisk)', function () {
  this.timeout(20_000);
  let running: RunningJade;

  before(async () => {
    running = await startTestJade(undefined);
    const { lastPosition } = await running.jade.store.append(streams.pbx('test'), pbxState(nowTimestamp()));
    await running.jade.runner.waitForPosition(lastPosition, 5000);
  });

  after(async () => {
    await running?.stop();
  });

  it('needs a token like every other area', async () => {
    expect((await running.http.get('/v1/pjsip/endpoints')).status).to.equal(401);
    expect((await running.http.get('/v1/peers')).status).to.equal(401);
  });

  describe('/pjsip', () => {
    it('lists endpoints with the manual field names and serves the detail fields once fetched', async () => {
      const list = listOf((await running.get('/v1/pjsip/endpoints')).body);
      expect(list.map((e) => [e.object_name, e.device_state])).to.deep.equal([['pjagent-01', 'Not in use'], ['pjagent-02', 'Unavailable']]);
      const one = resultOf((await running.get('/v1/admin/pjsip/endpoints/pjagent-01')).body);
      expect(one).to.include({ object_name: 'pjagent-01', object_type: 'endpoint', context: 'agents', dtmf_mode: 'rfc4733', timers_sess_expires: 1800, aors: 'pjagent-01', auth: 'pjagent-01' });
      expect(Object.keys(one)).to.include.members(['rel_100', 'g_726_non_standard', 'tm_update', 'contacts']);
      // Not fetched yet: the manual's fields are there, null.
      expect(resultOf((await running.get('/pjsip/endpoints/pjagent-02')).body)).to.include({ object_name: 'pjagent-02', context: null });
      expect((await running.get('/v1/pjsip/endpoints/nope')).status).to.equal(404);
    });

    it('serves AORs, auths (also as /auth) and outbound registrations by name', async () => {
      expect(resultOf((await running.get('/v1/pjsip/aors/pjagent-01')).body)).to.include({ object_type: 'aor', endpoint_name: 'pjagent-01', total_contacts: 1, contacts_registered: 1, qualify_timeout: 3 });
      expect(listOf((await running.get('/v1/pjsip/auths')).body).map((a) => a.object_name)).to.deep.equal(['pjagent-01', 'pjagent-02']);
      expect(resultOf((await running.get('/v1/admin/pjsip/auth/pjagent-02')).body)).to.include({ object_type: 'auth', username: 'pjagent-02', endpoint_name: 'pjagent-02', nonce_lifetime: 32 });
      expect(resultOf((await running.get('/v1/pjsip/registration_outbounds/pjtrunk-reg')).body)).to.include({ status: 'Registered', server_uri: 'sip:127.0.0.1:44987', expiration: 300, next_reg: 250 });
      expect((await running.get('/v1/pjsip/registration_outbounds/nope')).status).to.equal(404);
    });

    it('serves a contact by its URI-encoded id, with the manual spellings', async () => {
      const encoded = encodeURIComponent(contact);
      expect(encoded).to.include('%3B%40');
      const one = await running.get(`/v1/pjsip/contacts/${encoded}`);
      expect(one.status).to.equal(200);
      expect(resultOf(one.body)).to.include({ id: contact, aor: 'pjagent-01', uri: contactUri, status: 'Reachable', qualify_timout: 3, authentication_qualify: 0, via_address: '127.0.0.1:5070', reg_expire: 1795818197, round_trip_usec: '2400' });
      expect(listOf((await running.get('/v1/admin/pjsip/contacts')).body)).to.have.length(1);
    });
  });

  describe('legacy paths', () => {
    it('/agents lists ids; /agents/ takes the id from a GET body (the manual) or the query', async () => {
      expect(listOf((await running.get('/v1/agents')).body)).to.deep.equal([{ id: '1001', node: 'test' }, { id: '1002', node: 'test' }]);
      const byBody = await getWithBody(running, '/agents/', '{"id": "1001"}');
      expect(byBody.status).to.equal(200);
      expect(resultOf(byBody.json)).to.include({ id: '1001', name: 'Agent One', status: 'AGENT_IDLE', logged_in_time: 1795818056, channel_name: 'Local/1001@agent-login-00000000;2', channel_state: 6, priority: '2', unique_id: '1795818056.1' });
      const byQuery = await running.get('/v1/agents/', { query: { id: '1002' } });
      expect(resultOf(byQuery.body)).to.include({ id: '1002', status: 'AGENT_LOGGEDOFF', channel_name: null });
    });

    it('a detail call without its key is 400 naming it; an unknown key is 404; a bad body is 400', async () => {
      const missing = await running.get('/v1/agents/');
      expect(missing.status).to.equal(400);
      expect(missing.body?.error?.message).to.match(/\bid\b/);
      expect((await running.get('/v1/device_states/', { query: { device: 'PJSIP/nope' } })).status).to.equal(404);
      expect((await getWithBody(running, '/v1/agents/', '{"id": ')).status).to.equal(400);
      expect((await getWithBody(running, '/v1/agents/', '{"id": 1001}')).json.error?.message).to.match(/id/);
    });

    it('/device_states lists devices; /device_states/ gives one with its state name', async () => {
      expect(listOf((await running.get('/v1/device_states')).body)).to.deep.equal([{ device: 'Agent:1001', node: 'test' }, { device: 'PJSIP/pjagent-01', node: 'test' }]);
      const one = await getWithBody(running, '/device_states/', '{"device": "Agent:1001"}');
      expect(resultOf(one.json)).to.include({ device: 'Agent:1001', state: 'NOT_INUSE' });
      expect(resultOf((await running.get('/v1/device_states/', { query: { device: 'PJSIP/pjagent-01' } })).body)).to.include({ state: 'NOT_INUSE' });
    });

    it('/peers are the PJSIP endpoints; /peers/ accepts PJSIP/<name>, SIP/<name> or a bare name', async () => {
      expect(listOf((await running.get('/v1/peers')).body)).to.deep.equal([{ peer: 'PJSIP/pjagent-01', node: 'test' }, { peer: 'PJSIP/pjagent-02', node: 'test' }]);
      for (const key of ['PJSIP/pjagent-01', 'SIP/pjagent-01', 'pjagent-01']) {
        const peer = await getWithBody(running, '/v1/peers/', JSON.stringify({ peer: key }));
        expect(peer.status, key).to.equal(200);
        expect(resultOf(peer.json), key).to.include({ peer: 'PJSIP/pjagent-01', status: 'Registered', address: '127.0.0.1:5070', monitor_status: 'OK (2 ms)', channel_type: 'PJSIP', chan_object_type: 'endpoint', dynamic: 'yes', force_port: 'yes', comedia: 'no' });
      }
      expect(resultOf((await running.get('/v1/peers/', { query: { peer: 'pjagent-02' } })).body)).to.include({ status: 'Unregistered', address: '', monitor_status: 'UNKNOWN' });
      expect((await running.get('/v1/peers/', { query: { peer: 'pjagent-99' } })).status).to.equal(404);
    });

    it('/registries are the outbound registrations, as <user>@<host>:<port>; /registries/ also accepts <user>@<host>', async () => {
      expect(listOf((await running.get('/v1/registries')).body)).to.deep.equal([{ account: 'pjtrunk@127.0.0.1:44987', node: 'test' }]);
      for (const account of ['pjtrunk@127.0.0.1:44987', 'pjtrunk@127.0.0.1']) {
        const one = await getWithBody(running, '/registries/', JSON.stringify({ account }));
        expect(one.status, account).to.equal(200);
        expect(resultOf(one.json), account).to.include({ account: 'pjtrunk@127.0.0.1:44987', state: 'Registered', username: 'pjtrunk', domain: '127.0.0.1', domain_port: 44987, host: '127.0.0.1', port: 44987, refresh: 300 });
        expect(resultOf(one.json).registration_time).to.be.a('number').above(0);
      }
    });
  });
});
