/**
 * Issue 10, "secrets in reads": Asterisk 22's AuthList/AuthDetail answers carry `Password` and `Md5Cred`
 * (and a config write's request and answer may carry `password=` lines). Every read path that shows
 * event data, command audit or auth objects must mask them: the clear value occurs nowhere in the body.
 */
import { expect } from 'chai';
import { amiEventTypes, streams } from '../../../src/events/index.js';
import { maskedSecret } from '../../../projections/lib/redact.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';

type Row = Record<string, unknown>;

const password = 'clear-Password-4711';
const md5Cred = 'clear-md5cred-0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const configSecret = 'clear-config-secret-9c9c';
const secrets = [password, md5Cred, configSecret];

const linkedId = '1800000000.1';

/** An AuthDetail/AuthList item as Asterisk 22 sends it (test/fixtures/ami-capture-pjsip-registered.txt), with both credentials set. */
const authItem = (event: 'AuthList' | 'AuthDetail', name: string): Row => ({
  Event: event,
  ObjectType: 'auth',
  ObjectName: name,
  OauthSecret: '',
  PasswordDigest: '',
  SupportedAlgorithmsUas: 'MD5',
  RefreshToken: '',
  Username: name,
  Md5Cred: md5Cred,
  Realm: '',
  AuthType: 'userpass',
  Password: password,
  SupportedAlgorithmsUac: 'MD5',
  NonceLifetime: '32',
  OauthClientid: '',
  ...(event === 'AuthDetail' ? { EndpointName: name } : {}),
});

function expectNoSecret(response: TestResponse, what: string): void {
  expect(response.status, `${what}: ${response.text}`).to.equal(200);
  for (const secret of secrets) expect(response.text, `${what} shows ${secret}`).not.to.include(secret);
}

describe('secrets in reads are masked on every read path (issue 10)', function () {
  this.timeout(30_000);
  let jade: RunningJade;
  let detailPosition: number;

  before(async () => {
    jade = await startTestJade(undefined);
    const pbx = streams.pbx('asterisk');
    await jade.jade.store.append(pbx, [
      { type: amiEventTypes.snapshot, data: { action: 'PJSIPShowAuths', items: [authItem('AuthList', 'pjagent-01'), authItem('AuthList', 'pjagent-02')], response: { Response: 'Success' } }, metadata: { node: 'asterisk' } },
    ]);
    const detail = await jade.jade.store.append(pbx, [
      { type: amiEventTypes.snapshot, data: { action: 'PJSIPShowEndpoint', items: [authItem('AuthDetail', 'pjagent-01')], response: { Response: 'Success' } }, metadata: { node: 'asterisk' } },
      { type: 'AuthDetail', data: authItem('AuthDetail', 'pjagent-02'), metadata: { node: 'asterisk' } },
    ]);
    detailPosition = detail.lastPosition;
    // A call whose stream carries credentials (a channel variable dump, say), and a command on it
    // whose request and Asterisk answer carry them as a config write would.
    const channel = { Channel: 'PJSIP/pjagent-01-00000001', Uniqueid: linkedId, Linkedid: linkedId, ChannelState: '4', ChannelStateDesc: 'Ring', CallerIDNum: '100', CallerIDName: 'a', Context: 'demo', Exten: '200', Priority: '1' };
    await jade.jade.store.append(`call-${linkedId}`, [
      { type: 'Newchannel', data: channel, metadata: { node: 'asterisk' } },
      { type: 'UserEvent', data: { ...channel, UserEvent: 'creds', Password: password, Md5Cred: md5Cred, Secret: configSecret }, metadata: { node: 'asterisk' } },
    ]);
    const metadata = { commandId: 'cmd-secret', userId: 'u-1', correlationId: 'cmd-secret' };
    await jade.jade.store.append('command-cmd-secret', [
      {
        type: 'ConfigWriteRequested',
        data: {
          command_id: 'cmd-secret',
          command_type: 'ConfigWrite',
          request: { filename: 'pjsip.conf', 'Var-000000': 'password', 'Value-000000': configSecret, settings: { md5_cred: md5Cred } },
          targets: { linked_id: linkedId },
          user_uuid: 'u-1',
          username: 'admin',
        },
        metadata,
      },
      {
        type: 'ConfigWriteSucceeded',
        data: { command_id: 'cmd-secret', response: { Response: 'Success', 'Line-000000-000001': `password=${password}`, 'Line-000000-000002': `md5_cred = ${md5Cred}` }, result: { Password: password } },
        metadata,
      },
    ]);
    await jade.jade.runner.waitForPosition(await jade.jade.store.headPosition(), 10_000);
  });

  after(async () => {
    await jade?.stop();
  });

  it('GET /v1/events and /v1/events/<position>: AuthList/AuthDetail Password and Md5Cred are masked', async () => {
    const list = await jade.get('/v1/events', { query: { limit: '1000' } });
    expectNoSecret(list, 'GET /v1/events');
    const entries = (list.body?.result as { list: Row[] }).list;
    const detail = entries.find((entry) => entry.type === 'AuthDetail')!;
    expect(detail.data).to.include({ Password: maskedSecret, Md5Cred: maskedSecret, Username: 'pjagent-02' });
    expectNoSecret(await jade.get(`/v1/events/${detailPosition}`), 'GET /v1/events/<position>');
    expectNoSecret(await jade.get('/v1/events', { query: { stream: `call-${linkedId}` } }), 'GET /v1/events?stream=');
  });

  it('GET /v1/calls/<linked_id>: the timeline and the commands of the call are masked', async () => {
    const call = await jade.get(`/v1/calls/${linkedId}`);
    expectNoSecret(call, 'GET /v1/calls/<linked_id>');
    const result = call.body?.result as { timeline: Row[]; commands: Row[] };
    expect(result.timeline.map((event) => event.type)).to.deep.equal(['Newchannel', 'UserEvent']);
    expect(result.commands.map((command) => command.uuid)).to.deep.equal(['cmd-secret']);
    expectNoSecret(await jade.get(`/v1/calls/${linkedId}`, { query: { at: String(await jade.jade.store.headPosition()) } }), 'GET /v1/calls/<linked_id>?at=');
  });

  it('GET /v1/commands and /v1/commands/<uuid>: request, response and result are masked, the rest kept', async () => {
    expectNoSecret(await jade.get('/v1/commands'), 'GET /v1/commands');
    const one = await jade.get('/v1/commands/cmd-secret');
    expectNoSecret(one, 'GET /v1/commands/<uuid>');
    expect(one.body?.result).to.deep.include({
      request: { filename: 'pjsip.conf', 'Var-000000': 'password', 'Value-000000': maskedSecret, settings: { md5_cred: maskedSecret } },
      response: { Response: 'Success', 'Line-000000-000001': `password=${maskedSecret}`, 'Line-000000-000002': `md5_cred = ${maskedSecret}` },
      result: { Password: maskedSecret },
    });
  });

  it('GET /v1/pjsip/auths (list, one, the admin copy, at=) masks password and md5_cred', async () => {
    const list = await jade.get('/v1/pjsip/auths');
    expectNoSecret(list, 'GET /v1/pjsip/auths');
    const auths = (list.body?.result as { list: Row[] }).list;
    expect(auths.map((auth) => auth.object_name)).to.deep.equal(['pjagent-01', 'pjagent-02']);
    for (const auth of auths) expect(auth).to.include({ password: maskedSecret, md5_cred: maskedSecret, username: auth.object_name, auth_type: 'userpass', object_type: 'auth' });
    const one = await jade.get('/v1/pjsip/auths/pjagent-01');
    expectNoSecret(one, 'GET /v1/pjsip/auths/<name>');
    expect(one.body?.result).to.include({ object_name: 'pjagent-01', password: maskedSecret, md5_cred: maskedSecret });
    expectNoSecret(await jade.get('/v1/admin/pjsip/auths'), 'GET /v1/admin/pjsip/auths');
    expectNoSecret(await jade.get('/v1/pjsip/auth/pjagent-02'), 'GET /v1/pjsip/auth/<name>');
    expectNoSecret(await jade.get('/v1/pjsip/auths', { query: { at: String(detailPosition) } }), 'GET /v1/pjsip/auths?at=');
  });
});
