import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import {
  contactId,
  manualEndpointFields,
  pjsipProjection,
  snakeCase,
  toAorObject,
  toContactObject,
  toEndpointObject,
  toRegistrationObject,
} from '../../../projections/pjsip/index.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import type { RecordedEvent } from '../../../src/events/index.js';
import { parseAmiFrames } from './support/ami-capture.js';
import { LogBuilder } from './support/events.js';
import { sandboxCaptureEvents } from './support/sandbox-capture.js';

function run(events: readonly RecordedEvent[]) {
  const projection = new MemoryProjection(pjsipProjection.inner);
  const changes = projection.apply(events);
  return { projection, changes };
}

/** Asterisk 22's answer to `PJSIPShowEndpoint pjagent-01` in the sandbox: EndpointDetail, AuthDetail, TransportDetail, AorDetail. */
const endpointAnswer = parseAmiFrames(readFileSync(fileURLToPath(new URL('./support/pjsip-show-endpoint.txt', import.meta.url)), 'utf8'));

const endpointListItem = (name: string, overrides: Record<string, string> = {}) => ({
  Event: 'EndpointList',
  ObjectType: 'endpoint',
  ObjectName: name,
  Transport: 'transport-udp',
  Aor: name,
  Auths: name,
  OutboundAuths: '',
  Contacts: '',
  DeviceState: 'Unavailable',
  ActiveChannels: '0',
  ...overrides,
});

const aorListItem = (name: string, contacts = '') => ({
  Event: 'AorList',
  ObjectType: 'aor',
  ObjectName: name,
  MinimumExpiration: '60',
  DefaultExpiration: '3600',
  QualifyTimeout: '3.000000',
  Qualify2xxOnly: 'false',
  Mailboxes: '',
  SupportPath: 'false',
  RemoveUnavailable: 'false',
  VoicemailExtension: '',
  MaxContacts: '1',
  AuthenticateQualify: 'false',
  Contacts: contacts,
  MaximumExpiration: '7200',
  QualifyFrequency: '0',
  RemoveExisting: 'true',
  OutboundProxy: '',
});

const authListItem = (name: string) => ({
  Event: 'AuthList',
  ObjectType: 'auth',
  ObjectName: name,
  Username: name,
  Md5Cred: '',
  Realm: '',
  AuthType: 'userpass',
  Password: `${name}-secret`,
  NonceLifetime: '32',
  SupportedAlgorithmsUas: 'MD5',
});

const contactListItem = (aor: string, uri: string) => ({
  Event: 'ContactList',
  ObjectType: 'contact',
  ObjectName: contactId(aor, uri),
  ViaAddr: '127.0.0.1',
  QualifyTimeout: '3.000000',
  Qualify2xxOnly: 'false',
  CallId: 'c67ef58c-3b65',
  RegServer: '',
  PruneOnBoot: 'no',
  Path: '',
  Endpoint: aor,
  ViaPort: '5070',
  AuthenticateQualify: 'no',
  Uri: uri,
  QualifyFrequency: '0',
  UserAgent: 'sipp-jade',
  ExpirationTime: '1795818197',
  OutboundProxy: '',
  Status: 'NonQualified',
  RoundtripUsec: 'N/A',
});

const registrationItem = (status: string) => ({
  Event: 'OutboundRegistrationDetail',
  ObjectType: 'registration',
  ObjectName: 'pjtrunk-reg',
  MaxRetries: '1000',
  ClientUri: 'sip:pjtrunk@127.0.0.1:44987',
  AuthRejectionPermanent: 'true',
  ServerUri: 'sip:127.0.0.1:44987',
  SupportPath: 'false',
  RetryInterval: '5',
  Expiration: '300',
  Transport: 'transport-udp',
  Line: 'false',
  ContactUser: 'pjtrunk',
  Endpoint: '',
  ForbiddenRetryInterval: '5',
  OutboundAuth: 'pjtrunk',
  OutboundProxy: '',
  FatalRetryInterval: '0',
  SecurityNegotiation: 'no',
  Status: status,
  NextReg: '0',
});

describe('pjsip projection', () => {
  it("computes Asterisk's contact id: <aor>;@<md5 of the URI> (as in the sandbox capture)", () => {
    expect(contactId('pjtrunk', 'sip:pjtrunk@127.0.0.1:44987')).to.equal('pjtrunk;@d3b065bc1062418f0c816053850cd8f8');
  });

  it('spells AMI headers in snake_case the way the manual does', () => {
    expect(snakeCase('DeviceStateBusyAt')).to.equal('device_state_busy_at');
    expect(snakeCase('CodecPrefsIncomingOffer')).to.equal('codec_prefs_incoming_offer');
    expect(snakeCase('RTPEngine')).to.equal('rtp_engine');
    expect(snakeCase('Md5Cred')).to.equal('md5_cred');
  });

  describe('endpoints', () => {
    it('come from the PJSIPShowEndpoints summary with the manual names, the rest of the manual fields null until detail', () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01')] });
      const row = run(log.all()).projection.row('pjsip_endpoints', 'pjagent-01')!;
      const object = toEndpointObject(row);

      expect(object).to.include({ object_name: 'pjagent-01', object_type: 'endpoint', transport: 'transport-udp', aors: 'pjagent-01', auth: 'pjagent-01', outbound_auth: '', device_state: 'Unavailable', active_channels: '0', context: null });
      for (const name of manualEndpointFields) expect(object, name).to.have.property(name);
    });

    it('take every EndpointDetail field of PJSIPShowEndpoint: the 115 manual names (+ tm_update) with their types, the rest in snake_case', () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01')] });
      log.snapshot('PJSIPShowEndpoint', { items: endpointAnswer });
      const object = toEndpointObject(run(log.all()).projection.row('pjsip_endpoints', 'pjagent-01')!);

      expect(manualEndpointFields).to.have.length(115);
      expect(object).to.include({
        context: 'agents',
        allow: '(ulaw|alaw|gsm)',
        dtmf_mode: 'rfc4733',
        rel_100: 'yes',
        caller_id: '<unknown>',
        account_code: '',
        g_726_non_standard: 'false',
        t38_udptl: 'false',
        device_state_busy_at: 0,
        timers_sess_expires: 1800,
        timers_min_se: '90',
        sub_min_expiry: '0',
        identify_by: 'username,ip',
        // Beyond the manual, snake_case:
        codec_prefs_incoming_offer: 'prefer:pending, operation:intersect, keep:all, transcode:allow',
        stir_shaken: 'no',
      });
      // Only `disallow` has no Asterisk 22 header.
      expect(manualEndpointFields.filter((name) => object[name] === null)).to.deep.equal(['disallow']);
    });

    it("show the endpoint's device state as Asterisk's text, kept current by DeviceStateChange", () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01')] });
      log.add('DeviceStateChange', { Device: 'PJSIP/pjagent-01', State: 'NOT_INUSE' });
      const registered = run(log.all()).projection.row('pjsip_endpoints', 'pjagent-01')!;
      log.add('DeviceStateChange', { Device: 'PJSIP/pjagent-01', State: 'UNAVAILABLE' });
      log.add('DeviceStateChange', { Device: 'PJSIP/unknown-endpoint', State: 'INUSE' });
      const { projection, changes } = run(log.all());

      expect(registered.device_state).to.equal('Not in use');
      expect(projection.row('pjsip_endpoints', 'pjagent-01')!.device_state).to.equal('Unavailable');
      expect(changes).to.have.length(3);
    });

    it('reconcile: an endpoint Asterisk no longer lists is deleted; none is deleted when the action failed', () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01'), endpointListItem('pjagent-02')] });
      log.add('AmiSnapshotFailed', { action: 'PJSIPShowEndpoints', round: 'r2', error: 'timeout' });
      expect(run(log.all()).projection.rows('pjsip_endpoints')).to.have.length(2);
      log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-02')] });
      const { projection, changes } = run(log.all());
      expect(projection.rows('pjsip_endpoints').map((r) => r.object_name)).to.deep.equal(['pjagent-02']);
      expect(changes.at(-1)).to.include({ op: 'delete', key: 'pjagent-01' });
    });

    it('an empty list (res_pjsip answers "No endpoints found") deletes them all', () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01')] });
      log.snapshot('PJSIPShowEndpoints', { items: [], response: { Response: 'Error', Message: 'No endpoints found' } });
      expect(run(log.all()).projection.rows('pjsip_endpoints')).to.deep.equal([]);
    });
  });

  describe('AORs and auths', () => {
    it('come from PJSIPShowAors/Auths with the manual names and types; their endpoint from the endpoints that name them', () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01')] });
      log.snapshot('PJSIPShowAors', { items: [aorListItem('pjagent-01')] });
      log.snapshot('PJSIPShowAuths', { items: [authListItem('pjagent-01')] });
      const { projection } = run(log.all());

      expect(toAorObject(projection.row('pjsip_aors', 'pjagent-01')!)).to.deep.equal({
        object_name: 'pjagent-01',
        object_type: 'aor',
        endpoint_name: 'pjagent-01',
        contacts: '',
        contacts_registered: 0,
        total_contacts: 0,
        authenticate_qualify: 'false',
        default_expiration: 3600,
        mailboxes: '',
        max_contacts: 1,
        maximum_expiration: 7200,
        minimum_expiration: 60,
        outbound_proxy: '',
        qualify_frequency: 0,
        qualify_timeout: 3,
        remove_existing: 'true',
        support_path: 'false',
        voicemail_extension: '',
        qualify2xx_only: 'false',
        remove_unavailable: 'false',
        tm_update: log.timeOf(2),
      });
      expect(projection.row('pjsip_auths', 'pjagent-01')).to.include({ object_type: 'auth', username: 'pjagent-01', auth_type: 'userpass', password: 'pjagent-01-secret', md5_cred: '', realm: '', nonce_lifetime: 32, endpoint_name: 'pjagent-01' });
    });

    it("take the AOR's counts from AorDetail", () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowAors', { items: [aorListItem('pjagent-01')] });
      const detail = endpointAnswer.map((item) => (item.Event === 'AorDetail' ? { ...item, TotalContacts: '1', ContactsRegistered: '1', Contacts: 'pjagent-01/sip:pjagent-01@127.0.0.1:5070' } : item));
      log.snapshot('PJSIPShowEndpoint', { items: detail });
      expect(run(log.all()).projection.row('pjsip_aors', 'pjagent-01')).to.include({ endpoint_name: 'pjagent-01', total_contacts: 1, contacts_registered: 1 });
    });
  });

  describe('contacts', () => {
    const uri = 'sip:pjagent-01@127.0.0.1:5070';
    const id = contactId('pjagent-01', uri);

    it('a registration (ContactStatus) creates the contact and adds it to its AOR and endpoint; Removed reverses it', () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01')] });
      log.snapshot('PJSIPShowAors', { items: [aorListItem('pjagent-01')] });
      log.add('ContactStatus', { URI: uri, ContactStatus: 'NonQualified', AOR: 'pjagent-01', EndpointName: 'pjagent-01', RoundtripUsec: '0' });
      const registered = run(log.all()).projection;
      log.add('ContactStatus', { URI: uri, ContactStatus: 'Removed', AOR: 'pjagent-01', EndpointName: 'pjagent-01', RoundtripUsec: '0' });
      const { projection, changes } = run(log.all());

      expect(toContactObject(registered.row('pjsip_contacts', id)!)).to.include({ id, uri, aor: 'pjagent-01', endpoint_name: 'pjagent-01', status: 'NonQualified', round_trip_usec: '0' });
      expect(registered.row('pjsip_aors', 'pjagent-01')).to.include({ contacts: `pjagent-01/${uri}`, total_contacts: 1, contacts_registered: 1 });
      expect(registered.row('pjsip_endpoints', 'pjagent-01')!.contacts).to.equal(`pjagent-01/${uri}`);

      expect(projection.rows('pjsip_contacts')).to.deep.equal([]);
      expect(projection.row('pjsip_aors', 'pjagent-01')).to.include({ contacts: '', total_contacts: 0 });
      expect(changes.find((c) => c.table === 'pjsip_contacts' && c.op === 'delete')).to.include({ key: id });
    });

    it('the PJSIPShowContacts list fills every catalog field, with the manual spellings qualify_timout and authentication_qualify', () => {
      const log = new LogBuilder();
      log.add('ContactStatus', { URI: uri, ContactStatus: 'NonQualified', AOR: 'pjagent-01', EndpointName: 'pjagent-01', RoundtripUsec: '0' });
      log.snapshot('PJSIPShowContacts', { items: [contactListItem('pjagent-01', uri)] });
      const contact = run(log.all()).projection.row('pjsip_contacts', id)!;
      expect(toContactObject(contact)).to.deep.equal({
        id,
        call_id: 'c67ef58c-3b65',
        uri,
        aor: 'pjagent-01',
        endpoint_name: 'pjagent-01',
        status: 'NonQualified',
        qualify_frequency: 0,
        qualify_timout: 3,
        authentication_qualify: 0,
        outbound_proxy: '',
        path: '',
        reg_expire: 1795818197,
        round_trip_usec: 'N/A',
        user_agent: 'sipp-jade',
        via_address: '127.0.0.1:5070',
        qualify2xx_only: 'false',
        reg_server: '',
        prune_on_boot: 'no',
        tm_update: log.timeOf(2),
      });
    });

    it('reachability changes update the status; a reconnect drops contacts Asterisk no longer has', () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowContacts', { items: [contactListItem('pjagent-01', uri), contactListItem('pjagent-02', 'sip:pjagent-02@127.0.0.1:5072')] });
      log.add('ContactStatus', { URI: uri, ContactStatus: 'Reachable', AOR: 'pjagent-01', EndpointName: 'pjagent-01', RoundtripUsec: '1500' });
      const reachable = run(log.all()).projection.row('pjsip_contacts', id)!;
      log.snapshot('PJSIPShowContacts', { items: [], response: { Response: 'Error', Message: 'No Contacts found' } });
      const { projection } = run(log.all());
      expect(reachable).to.include({ status: 'Reachable', round_trip_usec: '1500', user_agent: 'sipp-jade' });
      expect(projection.rows('pjsip_contacts')).to.deep.equal([]);
    });
  });

  describe('outbound registrations', () => {
    it('come from PJSIPShowRegistrationsOutbound (its AuthDetail items ignored); Registry events change the status', () => {
      const log = new LogBuilder();
      log.snapshot('PJSIPShowRegistrationsOutbound', { items: [registrationItem('Registered'), { Event: 'AuthDetail', ObjectType: 'auth', ObjectName: 'pjtrunk' }] });
      const first = run(log.all()).projection.row('pjsip_registration_outbounds', 'pjtrunk-reg')!;
      log.add('Registry', { ChannelType: 'PJSIP', Username: 'sip:pjtrunk@127.0.0.1:44987', Domain: 'sip:127.0.0.1:44987', Status: 'Rejected' });
      const { projection } = run(log.all());

      expect(toRegistrationObject(first)).to.include({
        object_name: 'pjtrunk-reg',
        object_type: 'registration',
        status: 'Registered',
        server_uri: 'sip:127.0.0.1:44987',
        client_uri: 'sip:pjtrunk@127.0.0.1:44987',
        max_retries: 1000,
        retry_interval: 5,
        fatal_retry_interval: 0,
        forbidden_retry_interval: 5,
        expiration: 300,
        next_reg: 0,
        outbound_auth: 'pjtrunk',
        registration_time: Date.UTC(2026, 0, 1) / 1000,
        security_negotiation: 'no',
      });
      expect(projection.rows('pjsip_registration_outbounds')).to.have.length(1);
      expect(projection.row('pjsip_registration_outbounds', 'pjtrunk-reg')).to.include({ status: 'Rejected', registration_time: Date.UTC(2026, 0, 1) / 1000 });
    });
  });

  it('over the recorded sandbox traffic, holds the endpoints, AORs, auths, contact and registration Asterisk listed last', () => {
    const { projection } = run(sandboxCaptureEvents());
    expect(projection.rows('pjsip_endpoints').map((r) => r.object_name)).to.deep.equal(['pjagent-01', 'pjagent-02', 'pjagent-03', 'pjtrunk']);
    expect(projection.rows('pjsip_aors').map((r) => r.object_name)).to.deep.equal(['pjagent-01', 'pjagent-02', 'pjagent-03', 'pjtrunk']);
    expect(projection.rows('pjsip_auths').map((r) => [r.object_name, r.endpoint_name])).to.deep.equal([
      ['pjagent-01', 'pjagent-01'],
      ['pjagent-02', 'pjagent-02'],
      ['pjagent-03', 'pjagent-03'],
      ['pjtrunk', 'pjtrunk'],
    ]);
    // pjagent-02 registered and unregistered during the capture; only the trunk's own registration stays.
    expect(projection.rows('pjsip_contacts').map((r) => r.id)).to.deep.equal(['pjtrunk;@d3b065bc1062418f0c816053850cd8f8']);
    expect(projection.rows('pjsip_registration_outbounds').map((r) => [r.object_name, r.status])).to.deep.equal([['pjtrunk-reg', 'Registered']]);
    expect(projection.row('pjsip_endpoints', 'pjagent-02')!.device_state).to.equal('Unavailable');
  });
});

describe('pjsip contacts: every field Asterisk reports for a registered contact (issue 10)', () => {
  /** Recorded from the sandbox with sipp registered as pjagent-01: ContactList, PJSIPShowEndpoint's answer, AuthList. */
  const frames = parseAmiFrames(readFileSync(fileURLToPath(new URL('../../fixtures/ami-capture-pjsip-registered.txt', import.meta.url)), 'utf8'));
  const answerTo = (actionId: string) => frames.filter((frame) => frame.ActionID === actionId && frame.Event !== undefined);
  const contactList = answerTo('sandbox-1').filter((frame) => frame.Event === 'ContactList');
  const endpointAnswerWithContact = answerTo('sandbox-2');
  const detail = endpointAnswerWithContact.find((frame) => frame.Event === 'ContactStatusDetail')!;
  const id = detail.ID!;
  const uri = detail.URI!;
  const port = Number(uri.split(':').pop());

  /** The fields the manual lists for a contact, with their types (catalog 70 §2.5), as the recorded frames give them. */
  const expected = {
    id,
    uri,
    aor: 'pjagent-01',
    endpoint_name: 'pjagent-01',
    status: 'NonQualified',
    call_id: detail.CallID!,
    user_agent: 'sipp-jade',
    via_address: `127.0.0.1:${port}`,
    reg_expire: Number(detail.RegExpire),
    qualify_frequency: 0,
    qualify_timout: 3,
    authentication_qualify: 0,
    outbound_proxy: '',
    path: '',
    round_trip_usec: 'N/A',
  };

  const assertComplete = (contact: Record<string, unknown>): void => {
    expect(contact).to.include(expected);
    for (const name of ['call_id', 'user_agent', 'via_address', 'outbound_proxy', 'path', 'round_trip_usec']) expect(contact[name], name).to.be.a('string');
    for (const name of ['reg_expire', 'qualify_frequency', 'qualify_timout', 'authentication_qualify']) expect(contact[name], name).to.be.a('number');
  };

  it('the recording holds one ContactList item and one ContactStatusDetail for the same contact', () => {
    expect(contactList.map((item) => item.ObjectName)).to.deep.equal([id]);
    expect(contactId('pjagent-01', uri)).to.equal(id);
  });

  it('fills them from ContactList (PJSIPShowContacts)', () => {
    const log = new LogBuilder();
    log.snapshot('PJSIPShowContacts', { items: contactList });
    assertComplete(toContactObject(run(log.all()).projection.row('pjsip_contacts', id)!));
  });

  it('fills them from ContactStatusDetail (PJSIPShowEndpoint) for a contact ContactStatus announced with none of them', () => {
    const log = new LogBuilder();
    log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01')] });
    log.snapshot('PJSIPShowAors', { items: [aorListItem('pjagent-01')] });
    log.add('ContactStatus', { URI: uri, ContactStatus: 'Created', AOR: 'pjagent-01', EndpointName: 'pjagent-01', RoundtripUsec: '0' });
    log.add('ContactStatus', { URI: uri, ContactStatus: 'NonQualified', AOR: 'pjagent-01', EndpointName: 'pjagent-01', RoundtripUsec: '0' });
    const announced = toContactObject(run(log.all()).projection.row('pjsip_contacts', id)!);
    expect(announced.call_id).to.equal(null);
    log.snapshot('PJSIPShowEndpoint', { items: endpointAnswerWithContact });
    const { projection } = run(log.all());
    assertComplete(toContactObject(projection.row('pjsip_contacts', id)!));
    expect(projection.row('pjsip_aors', 'pjagent-01')).to.include({ total_contacts: 1, contacts: `pjagent-01/${uri}` });
  });

  it('creates the contact from ContactStatusDetail alone, and a later ContactList changes none of the manual fields', () => {
    const log = new LogBuilder();
    log.snapshot('PJSIPShowEndpoints', { items: [endpointListItem('pjagent-01')] });
    log.snapshot('PJSIPShowEndpoint', { items: endpointAnswerWithContact });
    const fromDetail = toContactObject(run(log.all()).projection.row('pjsip_contacts', id)!);
    assertComplete(fromDetail);
    log.snapshot('PJSIPShowContacts', { items: contactList });
    const fromBoth = toContactObject(run(log.all()).projection.row('pjsip_contacts', id)!);
    assertComplete(fromBoth);
  });
});
