/**
 * The sandbox itself: a real Asterisk 22 with the AMI, dialplan, queues, parking and
 * PJSIP that the other e2e tests rely on. Talks to Asterisk only through a raw AMI
 * socket, the CLI and sipp, never through jade's own modules.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { amiGet, SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { getSandbox } from './hooks.js';

const SIPP_SCENARIO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/sipp/register.xml');

function isEvent(name: string, fields: Record<string, string> = {}): (frame: AmiFrame) => boolean {
  return (frame) => amiGet(frame, 'Event') === name && Object.entries(fields).every(([k, v]) => amiGet(frame, k) === v);
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** One sipp REGISTER (with digest auth) from a fixed local port; resolves when sipp saw 200 OK. */
function sippRegister(opts: { user: string; password: string; sipPort: number; localPort: number; expires: number }): Promise<void> {
  const args = [
    '-sf', SIPP_SCENARIO,
    '-m', '1',
    '-i', '127.0.0.1',
    '-p', String(opts.localPort),
    '-s', opts.user,
    '-au', opts.user,
    '-ap', opts.password,
    '-key', 'expires', String(opts.expires),
    '-timeout', '10s',
    '-timeout_error',
    '-nostdin',
    `127.0.0.1:${opts.sipPort}`,
  ];
  return new Promise((resolve, reject) => {
    execFile('sipp', args, { timeout: 20_000, cwd: path.dirname(SIPP_SCENARIO) }, (error, stdout, stderr) => {
      if (error) reject(new Error(`sipp failed (${error.message}):\n${stdout.slice(-1500)}\n${stderr}`));
      else resolve();
    });
  });
}

describe('Asterisk sandbox (real Asterisk 22 in a Debian sid chroot)', function () {
  let ami: SandboxAmi;

  before(async function () {
    const sandbox = getSandbox();
    ami = await SandboxAmi.connect({
      host: sandbox.host,
      port: sandbox.amiPort,
      username: sandbox.amiUsername,
      secret: sandbox.amiSecret,
    });
  });

  after(function () {
    ami?.close();
  });

  it('accepts an AMI login on its own loopback port with its secret and refuses a wrong one', async function () {
    const sandbox = getSandbox();
    expect(sandbox.host).to.equal('127.0.0.1');
    const { response } = await ami.action({ Action: 'Ping' });
    expect(amiGet(response, 'Response')).to.equal('Success');
    expect(amiGet(response, 'Ping')).to.equal('Pong');

    const refused = SandboxAmi.connect({
      host: sandbox.host,
      port: sandbox.amiPort,
      username: sandbox.amiUsername,
      secret: `${sandbox.amiSecret}-wrong`,
      events: false,
    });
    let message = '';
    await refused.then(
      (conn) => conn.close(),
      (error: unknown) => {
        message = error instanceof Error ? error.message : String(error);
      },
    );
    expect(message).to.match(/Authentication failed/);
  });

  it('runs Asterisk 22.x and answers CLI commands', async function () {
    const version = await getSandbox().cli('core show version');
    expect(version).to.match(/^Asterisk 22\.\d+/);
  });

  it('originates Local/100@demo: Newchannel with the preset Uniqueid and a Timestamp, answered, then hung up', async function () {
    const uniqueId = `sbx-${randomUUID()}`;
    const { response } = await ami.action({
      Action: 'Originate',
      Channel: 'Local/100@demo',
      Application: 'Wait',
      Data: '30',
      Async: 'true',
      ChannelId: uniqueId,
      OtherChannelId: `${uniqueId}-2`,
    });
    expect(amiGet(response, 'Response')).to.equal('Success');

    const created = await ami.waitFor(isEvent('Newchannel', { Uniqueid: uniqueId }), { timeoutMs: 5_000, description: 'Newchannel of the originated call' });
    expect(amiGet(created, 'Channel')).to.match(/^Local\/100@demo-[0-9a-f]+;1$/);
    expect(amiGet(created, 'Linkedid')).to.equal(uniqueId);
    // timestampevents=yes: "<epoch seconds>.<microseconds>"
    expect(amiGet(created, 'Timestamp')).to.match(/^\d{10}\.\d{6}$/);

    const answered = await ami.waitFor(isEvent('OriginateResponse', { Uniqueid: uniqueId }), { timeoutMs: 5_000, description: 'OriginateResponse' });
    expect(amiGet(answered, 'Response')).to.equal('Success');
    expect(amiGet(answered, 'Reason')).to.equal('4');

    const hangup = await ami.action({ Action: 'Hangup', Channel: amiGet(created, 'Channel')! });
    expect(amiGet(hangup.response, 'Response')).to.equal('Success');
    await ami.waitFor(isEvent('Hangup', { Uniqueid: uniqueId }), { timeoutMs: 5_000, description: 'Hangup of the originated call' });
  });

  it('has customers that answer, are busy, never answer and fail (OriginateResponse Reason 4, 5, 3, 8)', async function () {
    this.timeout(30_000);
    const cases = [
      { number: '1001', reason: '4' },
      { number: '2001', reason: '5' },
      { number: '3001', reason: '3' },
      { number: '4001', reason: '8' },
    ].map((c) => ({ ...c, actionId: `sbx-${randomUUID()}` }));
    await Promise.all(
      cases.map((c) =>
        ami.action({
          Action: 'Originate',
          ActionID: c.actionId,
          Channel: `Local/${c.number}@customers`,
          Application: 'Wait',
          Data: '1',
          // The never-answering customer rings until this timeout.
          Timeout: '3000',
          Async: 'true',
        }),
      ),
    );
    const reasons = await Promise.all(
      cases.map(async (c) => {
        const response = await ami.waitFor(isEvent('OriginateResponse', { ActionID: c.actionId }), { timeoutMs: 15_000, description: `OriginateResponse for ${c.number}` });
        return { number: c.number, reason: amiGet(response, 'Reason') };
      }),
    );
    expect(reasons).to.deep.equal(cases.map((c) => ({ number: c.number, reason: c.reason })));
  });

  it('lists the two static Local members of sales_1 and none in sales_2', async function () {
    const sales1 = await getSandbox().cli('queue show sales_1');
    expect(sales1).to.match(/sales_1 has \d+ calls .* 'ringall' strategy/);
    expect(sales1).to.include('(Local/agent-01@agents)');
    expect(sales1).to.include('(Local/agent-02@agents)');
    expect(await getSandbox().cli('queue show sales_2')).to.include('No Members');
  });

  it('puts a Queue(sales_1) caller through to a Local member', async function () {
    const uniqueId = `sbx-${randomUUID()}`;
    await ami.action({ Action: 'Originate', Channel: 'Local/300@demo', Application: 'Wait', Data: '30', Async: 'true', ChannelId: uniqueId });
    const joined = await ami.waitFor(isEvent('QueueCallerJoin', { Linkedid: uniqueId, Queue: 'sales_1' }), { timeoutMs: 5_000, description: 'QueueCallerJoin' });
    expect(amiGet(joined, 'Channel')).to.match(/^Local\/300@demo-[0-9a-f]+;2$/);
    const connected = await ami.waitFor(isEvent('AgentConnect', { Linkedid: uniqueId }), { timeoutMs: 5_000, description: 'AgentConnect' });
    expect(amiGet(connected, 'Interface')).to.match(/^Local\/agent-0[12]@agents$/);
    // The exact caller channel: a regex would also hang up other tests' queue calls.
    // (AgentComplete is not awaited by Linkedid: after a caller hangup Asterisk often
    // sends it without the caller's channel fields.)
    await ami.action({ Action: 'Hangup', Channel: amiGet(joined, 'Channel')! });
    await ami.waitFor(isEvent('Hangup', { Uniqueid: uniqueId }), { timeoutMs: 5_000, description: 'Hangup of the queue caller' });
  });

  it('parks Local/200@demo in the default lot (701-720) with the configured timeout', async function () {
    const sandbox = getSandbox();
    const uniqueId = `sbx-${randomUUID()}`;
    await ami.action({ Action: 'Originate', Channel: 'Local/200@demo', Application: 'Wait', Data: '30', Async: 'true', ChannelId: uniqueId });
    const parked = await ami.waitFor(isEvent('ParkedCall', { ParkeeLinkedid: uniqueId }), { timeoutMs: 5_000, description: 'ParkedCall' });
    expect(amiGet(parked, 'Parkinglot')).to.equal('default');
    expect(Number(amiGet(parked, 'ParkingSpace'))).to.be.within(701, 720);
    expect(amiGet(parked, 'ParkingTimeout')).to.equal(String(sandbox.parkingTimeSeconds));

    await ami.action({ Action: 'Hangup', Channel: amiGet(parked, 'ParkeeChannel')! });
    await ami.waitFor(isEvent('ParkedCallGiveUp', { ParkeeLinkedid: uniqueId }), { timeoutMs: 5_000, description: 'ParkedCallGiveUp' });
  });

  it('registers pjagent-01 with sipp (digest auth): contact and device state appear, and go with Expires: 0', async function () {
    this.timeout(60_000);
    const sandbox = getSandbox();
    const user = sandbox.pjsipUsers[0]!;
    const localPort = await freeUdpPort();
    const contact = `${user.name}/sip:${user.name}@127.0.0.1:${localPort}`;
    const device = `PJSIP/${user.name}`;

    let from = ami.mark();
    await sippRegister({ user: user.name, password: user.password, sipPort: sandbox.sipPort, localPort, expires: 120 });
    // No qualify_frequency on the AOR: a new contact reports NonQualified, not Created.
    await ami.waitFor(isEvent('ContactStatus', { AOR: user.name, ContactStatus: 'NonQualified' }), { timeoutMs: 5_000, description: 'ContactStatus NonQualified', fromIndex: from });
    await ami.waitFor(isEvent('DeviceStateChange', { Device: device, State: 'NOT_INUSE' }), { timeoutMs: 5_000, description: `${device} NOT_INUSE`, fromIndex: from });
    expect(await sandbox.cli('pjsip show contacts')).to.include(contact);

    from = ami.mark();
    await sippRegister({ user: user.name, password: user.password, sipPort: sandbox.sipPort, localPort, expires: 0 });
    await ami.waitFor(isEvent('ContactStatus', { AOR: user.name, ContactStatus: 'Removed' }), { timeoutMs: 5_000, description: 'ContactStatus Removed', fromIndex: from });
    await ami.waitFor(isEvent('DeviceStateChange', { Device: device, State: 'UNAVAILABLE' }), { timeoutMs: 5_000, description: `${device} UNAVAILABLE`, fromIndex: from });
    expect(await sandbox.cli('pjsip show contacts')).not.to.include(contact);
  });

  it('has an outbound registration pjtrunk-reg that registers to Asterisk itself', async function () {
    // It registers shortly after boot; poll rather than race it.
    let status: string | undefined;
    for (let attempt = 0; attempt < 50 && status !== 'Registered'; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const { events } = await ami.action({ Action: 'PJSIPShowRegistrationsOutbound' });
      const registration = events.find(isEvent('OutboundRegistrationDetail', { ObjectName: 'pjtrunk-reg' }));
      status = registration === undefined ? undefined : amiGet(registration, 'Status');
    }
    expect(status).to.equal('Registered');
  });

  it('restarts on the same AMI port with the same secret within 10 s', async function () {
    this.timeout(30_000);
    const sandbox = getSandbox();
    const port = sandbox.amiPort;
    ami.close();
    await sandbox.restart();
    expect(sandbox.amiPort).to.equal(port);
    expect(sandbox.lastBootMs).to.be.below(10_000);
    ami = await SandboxAmi.connect({ host: sandbox.host, port, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    const { response } = await ami.action({ Action: 'CoreStatus' });
    expect(amiGet(response, 'Response')).to.equal('Success');
  });
});
