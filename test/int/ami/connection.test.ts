import { expect } from 'chai';
import { silentLogger } from '../../../src/logger.js';
import { AmiConnection, type AmiLinkListener } from '../../../src/ami/connection.js';
import { AmiActionError, AmiLinkLostError, AmiNotConnectedError, AmiTimeoutError, AmiUnsafeValueError } from '../../../src/ami/port.js';
import type { AmiFields } from '../../../src/events/index.js';
import { FakeAmi, fakeModuleShow } from '../../support/fake-ami.js';
import { amiConfig, capturingLogger, waitFor } from './helpers.js';

describe('AmiConnection against a fake AMI server', () => {
  let fake: FakeAmi;
  let connection: AmiConnection | undefined;

  beforeEach(async () => {
    fake = await FakeAmi.start();
  });

  afterEach(async () => {
    await connection?.stop();
    connection = undefined;
    await fake.close();
  });

  function connect(overrides: Parameters<typeof amiConfig>[1] = {}, logger = silentLogger()): AmiConnection {
    connection = new AmiConnection({ ...amiConfig(fake, overrides), logger });
    connection.start();
    return connection;
  }

  async function connected(overrides: Parameters<typeof amiConfig>[1] = {}): Promise<AmiConnection> {
    const link = connect(overrides);
    await waitFor(() => link.state().connected, 3000, 'login');
    return link;
  }

  it('logs in with the configured username and secret and reports connected with since', async () => {
    expect(new AmiConnection({ ...amiConfig(fake), logger: silentLogger() }).state()).to.deep.equal({ connected: false, since: null, lastEventAt: null });
    const link = await connected();
    const login = await fake.waitForAction('Login');
    expect(login).to.include({ username: 'jade', secret: 's3cret' });
    expect(link.state().connected).to.equal(true);
    expect(link.state().since).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it("answers action() with Asterisk's response, sending the caller's ActionID", async () => {
    const link = await connected();
    const response = await link.action({ Action: 'Ping', ActionID: 'command-uuid-1' });
    expect(response).to.include({ Response: 'Success', Ping: 'Pong', ActionID: 'command-uuid-1' });
    expect((await fake.waitForAction('Ping')).actionid).to.equal('command-uuid-1');
  });

  it('generates an ActionID when the caller gives none', async () => {
    const link = await connected();
    await link.action({ Action: 'Ping' });
    expect((await fake.waitForAction('Ping')).actionid).to.be.a('string').and.not.equal('');
  });

  it("rejects on Response: Error with AmiActionError keeping Asterisk's Message", async () => {
    fake.on('Hangup', () => [{ Response: 'Error', Message: 'No such channel' }]);
    const link = await connected();
    const error = await link.action({ Action: 'Hangup', Channel: 'PJSIP/gone-0001' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AmiActionError);
    expect(error).to.include({ message: 'No such channel', action: 'Hangup' });
    expect((error as AmiActionError).response).to.include({ Response: 'Error', Message: 'No such channel' });
  });

  it('rejects with AmiTimeoutError when Asterisk does not answer in time', async () => {
    fake.on('Originate', () => undefined);
    const link = await connected();
    const started = Date.now();
    const error = await link.action({ Action: 'Originate', Channel: 'Local/1@x' }, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AmiTimeoutError);
    expect(error).to.include({ action: 'Originate', timeoutMs: 150 });
    expect(Date.now() - started).to.be.within(140, 1000);
  });

  it('rejects at once with AmiNotConnectedError when the link is down', async () => {
    const link = new AmiConnection({ ...amiConfig(fake), logger: silentLogger() });
    const started = Date.now();
    const error = await link.action({ Action: 'Ping' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AmiNotConnectedError);
    expect(Date.now() - started).to.be.below(50);
  });

  it('rejects a CR/LF value with AmiUnsafeValueError naming the field, and writes nothing to the socket', async () => {
    const link = await connected();
    await link.action({ Action: 'Ping' });
    const before = fake.received;
    const error = await link.action({ Action: 'Originate', Channel: 'Local/1@x', Exten: '100\r\nAction: Hangup\r\nChannel: all' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(AmiUnsafeValueError);
    expect(error).to.have.property('field', 'Exten');
    await link.action({ Action: 'Ping', ActionID: 'after' });
    expect(fake.received.slice(before.length)).to.equal('Action: Ping\r\nActionID: after\r\n\r\n');
  });

  it('collects a list action into one result', async () => {
    fake.onList('CoreShowChannels', 'CoreShowChannel', [
      { Channel: 'PJSIP/100-00000001', Uniqueid: '1.1', Linkedid: '1.1' },
      { Channel: 'PJSIP/200-00000002', Uniqueid: '1.2', Linkedid: '1.1' },
    ]);
    const link = await connected();
    const result = await link.listAction({ Action: 'CoreShowChannels' });
    expect(result.response).to.include({ Response: 'Success', EventList: 'start' });
    expect(result.items.map((item) => item.Channel)).to.deep.equal(['PJSIP/100-00000001', 'PJSIP/200-00000002']);
    expect(result.items[0]).to.include({ Event: 'CoreShowChannel', Uniqueid: '1.1' });
    expect(result.complete).to.include({ Event: 'CoreShowChannelsComplete', ListItems: '2' });
  });

  it('returns every Output line of a Command (Asterisk 22 sends one Output header per line)', async () => {
    const link = await connected();
    const result = await link.command('module show');
    expect(result.output).to.deep.equal(fakeModuleShow);
    expect(result.response).to.include({ Response: 'Success', Message: 'Command output follows' });
    expect(result.response).to.not.have.property('Output');
  });

  it('rejects pending actions with AmiLinkLostError (written, never answered: Asterisk may have acted) when the link drops', async () => {
    fake.on('QueueStatus', () => undefined);
    const link = await connected();
    const pending = link.listAction({ Action: 'QueueStatus' }).catch((e: unknown) => e);
    await fake.waitForAction('QueueStatus');
    fake.dropClients();
    const error = await pending;
    expect(error).to.be.instanceOf(AmiLinkLostError);
    expect(error).to.not.be.instanceOf(AmiNotConnectedError);
    expect((error as AmiLinkLostError).action).to.equal('QueueStatus');
  });

  it('starts while Asterisk is down, says it is waiting, and connects once Asterisk listens', async () => {
    await fake.close();
    const { logger, text } = capturingLogger();
    const link = connect({}, logger);
    await waitFor(() => text().includes('waiting for Asterisk AMI'), 2000, 'waiting log');
    expect(link.state().connected).to.equal(false);
    expect(link.state().since).to.be.a('string');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fake.listen();
    await waitFor(() => link.state().connected, 2000, 'reconnect after Asterisk came up');
  });

  it('keeps retrying a rejected login with backoff, and never logs the secret', async () => {
    const { logger, text } = capturingLogger();
    const link = connect({ secret: 'wrong-secret-XYZ' }, logger);
    await waitFor(() => fake.actions.filter((a) => a.action === 'Login').length >= 3, 3000, 'three login attempts');
    expect(link.state().connected).to.equal(false);
    expect(fake.logins).to.equal(0);
    expect(text()).to.include('AMI login rejected');
    expect(text()).to.not.include('wrong-secret-XYZ');
  });

  it('declares the link dead when a Ping goes unanswered, and reconnects', async () => {
    const link = await connected({ keepaliveMs: 100 });
    fake.answerPing = false;
    const disconnectedAt = Date.now();
    await waitFor(() => !link.state().connected, 1000, 'dead link detected');
    expect(Date.now() - disconnectedAt).to.be.below(500);
    fake.answerPing = true;
    await waitFor(() => fake.logins >= 2 && link.state().connected, 2000, 'reconnect');
  });

  it('keeps a link that still delivers data while its Pong is late (a backlog after a pause), and drops it once silent', async () => {
    const link = await connected({ keepaliveMs: 100 });
    fake.answerPing = false;
    const pusher = setInterval(() => fake.push([{ Event: 'Newexten', Privilege: 'dialplan,all', Channel: 'Local/1@x-1;1' }]), 30);
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(link.state().connected, 'data is proof of life').to.equal(true);
      expect(fake.logins, 'the link was never dropped and re-made').to.equal(1);
    } finally {
      clearInterval(pusher);
    }
    await waitFor(() => !link.state().connected, 1000, 'the silent link detected');
    fake.answerPing = true;
  });

  it('gives up a connection that never greets (not AMI) and tries again', async () => {
    await fake.close();
    fake = await FakeAmi.start({ greeting: null });
    connect({ actionTimeoutMs: 100 });
    await waitFor(() => fake.accepted >= 3, 2000, 'repeated connection attempts');
    expect(fake.actions).to.deep.equal([]);
    expect(connection?.state().connected).to.equal(false);
  });

  it('delivers events that share a TCP chunk with the login response, after connected()', async () => {
    await fake.close();
    fake = await FakeAmi.start({ afterLogin: [{ Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' }] });
    const seen: string[] = [];
    const listener: AmiLinkListener = {
      connected: () => seen.push('connected'),
      event: (fields: AmiFields) => seen.push(fields.Event ?? ''),
      raw: () => seen.push('raw'),
      disconnected: () => seen.push('disconnected'),
    };
    const link = new AmiConnection({ ...amiConfig(fake), logger: silentLogger() });
    connection = link;
    link.listen(listener);
    link.start();
    await waitFor(() => seen.length >= 2);
    expect(seen).to.deep.equal(['connected', 'FullyBooted']);
    expect(link.state().lastEventAt).to.be.a('string');
  });
});
