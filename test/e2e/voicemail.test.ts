/**
 * Issue 15 against the real Asterisk 22 sandbox: a message left by a Local channel (one side VoiceMail(6001@vm-demo),
 * the other playing demo-thanks into it), seen through jade (counts, listing, WAV download with Range), deleted
 * (files, counts on REST and in Asterisk's MailboxCount, realtime), traversal attempts against the real spool, and a
 * mailbox created and deleted through voicemail.conf + an app_voicemail reload. jade's voicemail.spoolDir is the
 * sandbox instance's own spool (asterisk-sandbox.ts `voicemailSpoolDir`).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import { publishTopic, type ClientToServerEvents, type ServerToClientEvents, type WireEvent } from '../../src/realtime/index.js';
import { amiGet, SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const userId = '6001@vm-demo';
const topic = publishTopic('/voicemail/users/', userId);
const query = 'context=vm-demo&mailbox=6001';

/** The fmt and data chunks of a RIFF/WAVE file. */
function readWav(bytes: Buffer): { sampleRate: number; channels: number; bitsPerSample: number; dataBytes: number } {
  expect(bytes.subarray(0, 4).toString('latin1')).to.equal('RIFF');
  expect(bytes.subarray(8, 12).toString('latin1')).to.equal('WAVE');
  let at = 12;
  let fmt: { sampleRate: number; channels: number; bitsPerSample: number } | undefined;
  while (at + 8 <= bytes.length) {
    const id = bytes.subarray(at, at + 4).toString('latin1');
    const size = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') fmt = { channels: bytes.readUInt16LE(at + 10), sampleRate: bytes.readUInt32LE(at + 12), bitsPerSample: bytes.readUInt16LE(at + 22) };
    if (id === 'data') {
      if (!fmt) throw new Error('data chunk before fmt');
      return { ...fmt, dataBytes: Math.min(size, bytes.length - at - 8) };
    }
    at += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

/** A raw GET whose path is sent exactly as written (fetch would normalise `../`). */
function rawGet(baseUrl: string, rawPath: string, token: string): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: rawPath, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('voicemail against a real Asterisk 22 (issue 15)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  const events: WireEvent[] = [];
  const frames: AmiFrame[] = [];
  let spool: string;
  const inbox = () => path.join(spool, 'vm-demo', '6001', 'INBOX');
  const user = async (): Promise<Row> => resultOf((await jade.get(`/v1/voicemail/users/${encodeURIComponent(userId)}`)).body);
  const liveMailboxes = async (): Promise<string[]> => (await probe.action({ Action: 'VoicemailUsersList' })).events.map((e) => `${amiGet(e, 'VoiceMailbox')}@${amiGet(e, 'VMContext')}`);

  before(async function () {
    const sandbox = getSandbox();
    spool = sandbox.voicemailSpoolDir;
    // The shared sandbox's mailbox starts empty whatever ran before.
    fs.rmSync(path.join(spool, 'vm-demo', '6001'), { recursive: true, force: true });
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    probe.onFrame((frame) => frames.push(frame));
    await probe.action({ Action: 'VoicemailRefresh', Context: 'vm-demo', Mailbox: '6001' });
    jade = await startTestJade(sandbox, { overrides: { voicemail: { spoolDir: spool } } });
    await waitForAmi(jade);
    await eventually(async () => ((await jade.get('/v1/voicemail/users/6001%40vm-demo')).status === 200 ? true : undefined), 10_000, 'mailbox 6001@vm-demo');
    socket = socketIoClient(jade.baseUrl, { transports: ['websocket'], auth: { authtoken: jade.token }, reconnection: false, forceNew: true });
    socket.on('events', (batch) => events.push(...batch));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const ack = await socket.emitWithAck('subscribe', topic);
    expect(ack).to.not.have.property('error');
  });

  after(async function () {
    socket?.disconnect();
    // Whatever happened: the test mailbox leaves voicemail.conf and Asterisk's list.
    if (jade && (await jade.get('/v1/voicemail/users/6050%40vm-demo')).status === 200) {
      await jade.delete('/v1/voicemail/users/6050%40vm-demo');
      await jade.put('/v1/core/modules/app_voicemail');
    }
    probe?.close();
    await jade?.stop();
  });

  it('leaves a message from a Local channel: within a second of MessageWaiting the count is 1, the message is listed, the WAV downloads (and a Range)', async function () {
    expect(resultOf((await jade.get('/v1/voicemail/users/6001%40vm-demo')).body)).to.include({ new_message_count: 0 });
    const originate = await probe.action({ Action: 'Originate', Channel: 'Local/s@vm-play', Context: 'vm-leave', Exten: '6001', Priority: '1', Async: 'true', Timeout: '10000' });
    expect(amiGet(originate.response, 'Response')).to.equal('Success');
    const waiting = await eventually(() => frames.find((f) => amiGet(f, 'Event') === 'MessageWaiting' && amiGet(f, 'Mailbox') === userId && amiGet(f, 'New') === '1'), 60_000, 'MessageWaiting from Asterisk');
    const seenAt = Date.now();
    // "Within a second": the REST answer follows Asterisk's MWI that fast (polled every 100 ms).
    await eventually(async () => ((await user()).new_message_count === 1 ? true : undefined), 1000, 'new_message_count 1 within a second of MessageWaiting');
    console.log(`      voicemail: REST new_message_count=1 ${Date.now() - seenAt} ms after Asterisk's MessageWaiting (Waiting ${amiGet(waiting, 'Waiting')})`);

    const listed = listOf((await jade.get(`/v1/voicemail/vms?${query}`)).body);
    expect(listed).to.have.length(1);
    const message = listed[0]!;
    expect(message).to.include({ msgname: 'msg0000', dir: 'INBOX', status: 'unread', origmailbox: '6001', exten: '6001', context: 'vm-leave' });
    expect(String(message.callerchan)).to.match(/^Local\/s@vm-play-/);
    expect(String(message.msg_id)).to.match(/^\d+-\d+$/);
    expect(Number(message.duration)).to.be.greaterThan(0);
    expect(Object.values(message).every((v) => typeof v === 'string')).to.equal(true);

    const onDisk = fs.readFileSync(path.join(inbox(), 'msg0000.wav'));
    const url = `${jade.baseUrl}/v1/voicemail/vms/msg0000?${query}&dir=INBOX`;
    const download = await fetch(url, { headers: { authorization: `Bearer ${jade.token}` } });
    expect(download.status).to.equal(200);
    expect(download.headers.get('content-type')).to.equal('audio/wav');
    expect(download.headers.get('content-disposition')).to.equal('attachment; filename=msg0000.wav');
    expect(download.headers.get('content-length')).to.equal(String(onDisk.length));
    const body = Buffer.from(await download.arrayBuffer());
    expect(body.equals(onDisk)).to.equal(true);
    const wav = readWav(body);
    expect(wav).to.include({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    const seconds = wav.dataBytes / (wav.sampleRate * wav.channels * (wav.bitsPerSample / 8));
    console.log(`      voicemail: msg0000.wav ${onDisk.length} bytes, ${seconds.toFixed(2)} s of audio, duration=${String(message.duration)}`);
    expect(Math.abs(seconds - Number(message.duration))).to.be.at.most(1);

    const ranged = await fetch(url, { headers: { authorization: `Bearer ${jade.token}`, range: 'bytes=1000-1999' } });
    expect(ranged.status).to.equal(206);
    expect(ranged.headers.get('content-range')).to.equal(`bytes 1000-1999/${onDisk.length}`);
    expect(ranged.headers.get('content-length')).to.equal('1000');
    expect(Buffer.from(await ranged.arrayBuffer()).equals(onDisk.subarray(1000, 2000))).to.equal(true);

    await eventually(() => events.find((e) => e.event === 'voicemail.message.create' && (e.data as Row).msg_id === message.msg_id), 5000, 'voicemail.message.create');
    await eventually(() => events.find((e) => e.event === 'voicemail.user.update' && (e.data as Row).new_message_count === 1), 5000, 'voicemail.user.update (1)');
  });

  it('deletes it: the files are gone, the counts are 0 on REST and in MailboxCount, and the realtime events arrived', async function () {
    const [message] = listOf((await jade.get(`/v1/voicemail/vms?${query}`)).body);
    const deleted = await jade.delete(`/v1/voicemail/vms/msg0000?${query}&dir=INBOX`);
    expect(deleted.status, deleted.text).to.equal(200);
    expect(fs.readdirSync(inbox()).filter((n) => n.startsWith('msg'))).to.deep.equal([]);
    expect(listOf((await jade.get(`/v1/voicemail/vms?${query}`)).body)).to.deep.equal([]);
    expect(await user()).to.include({ new_message_count: 0, old_message_count: 0 });
    const count = await probe.action({ Action: 'MailboxCount', Mailbox: userId });
    expect(amiGet(count.response, 'NewMessages')).to.equal('0');
    expect(amiGet(count.response, 'OldMessages')).to.equal('0');
    const gone = await eventually(() => events.find((e) => e.event === 'voicemail.message.delete'), 5000, 'voicemail.message.delete');
    expect(gone.data).to.include({ msg_id: message!.msg_id, user_id: userId });
    await eventually(() => events.find((e) => e.event === 'voicemail.user.update' && (e.data as Row).new_message_count === 0), 5000, 'voicemail.user.update (0)');
    const commands = listOf((await jade.get('/v1/commands')).body);
    expect(commands.find((c) => c.type === 'VoicemailMessageDelete')).to.include({ outcome: 'succeeded' });
  });

  it('refuses traversal against the real spool (../, %2e%2e%2f, absolute, a planted symlink out): 400 or 404, nothing outside read', async function () {
    const outside = fs.mkdtempSync(path.join(tmpdir(), 'jade-e2e-vm-'));
    const secret = 'E2E-SECRET-NOT-IN-THE-SPOOL';
    fs.writeFileSync(path.join(outside, 'secret.wav'), secret);
    const planted = path.join(spool, 'vm-demo', '6099', 'INBOX');
    fs.mkdirSync(planted, { recursive: true });
    try {
      fs.writeFileSync(path.join(planted, 'msg0000.txt'), '[message]\norigmailbox=6099\nduration=1\n');
      fs.symlinkSync(path.join(outside, 'secret.wav'), path.join(planted, 'msg0000.wav'));
      fs.symlinkSync(outside, path.join(spool, 'vm-demo', '6098'));
      const attempts = [
        `/v1/voicemail/vms/../../../../etc/passwd?${query}&dir=INBOX`,
        `/v1/voicemail/vms/%2e%2e%2f%2e%2e%2fetc%2fpasswd?${query}&dir=INBOX`,
        '/v1/voicemail/vms/msg0000?context=%2e%2e%2f%2e%2e&mailbox=6001&dir=INBOX',
        `/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=${encodeURIComponent(outside)}&dir=INBOX`,
        '/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=6099&dir=INBOX',
        '/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=6098&dir=INBOX',
        '/v1/voicemail/vms?context=vm-demo&mailbox=%2fetc',
      ];
      for (const attempt of attempts) {
        const answer = await rawGet(jade.baseUrl, attempt, jade.token);
        expect([400, 404], `${attempt}: ${answer.status}`).to.include(answer.status);
        expect(answer.body).to.not.include(secret);
        expect(answer.body).to.not.include('root:x:0:0');
      }
    } finally {
      fs.rmSync(path.join(spool, 'vm-demo', '6099'), { recursive: true, force: true });
      fs.rmSync(path.join(spool, 'vm-demo', '6098'), { force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it('creates a mailbox through the API: after the app_voicemail reload VoicemailUsersList lists it (and jade); deleted and reloaded outside jade, it is gone from both', async function () {
    const created = await jade.post('/v1/voicemail/users', { context: 'vm-demo', mailbox: '6050', password: '4321', full_name: 'E2E Box', timezone: 'central' });
    expect(created.status, created.text).to.equal(200);
    expect(resultOf((await jade.get('/v1/voicemail/setting')).body)['vm-demo']).to.have.property('6050');
    expect(await liveMailboxes()).to.not.include('6050@vm-demo');
    expect((await jade.put('/v1/core/modules/app_voicemail')).status).to.equal(200);
    await eventually(async () => ((await liveMailboxes()).includes('6050@vm-demo') ? true : undefined), 10_000, 'Asterisk to list 6050');
    const listed = await eventually(async () => listOf((await jade.get('/v1/voicemail/users')).body).find((u) => u.id === '6050@vm-demo'), 10_000, 'jade to list 6050');
    expect(listed).to.include({ full_name: 'E2E Box', timezone: 'central', context: 'vm-demo', mailbox: '6050' });

    expect((await jade.delete('/v1/voicemail/users/6050%40vm-demo')).status).to.equal(200);
    // This time reloaded behind jade's back (as from the CLI): jade sees Asterisk's Reload event and lists again.
    const reload = await probe.action({ Action: 'ModuleLoad', Module: 'app_voicemail.so', LoadType: 'reload' });
    expect(amiGet(reload.response, 'Response')).to.equal('Success');
    await eventually(async () => (!(await liveMailboxes()).includes('6050@vm-demo') ? true : undefined), 10_000, 'Asterisk to drop 6050');
    await eventually(async () => ((await jade.get('/v1/voicemail/users/6050%40vm-demo')).status === 404 ? true : undefined), 10_000, 'jade to drop 6050');
  });
});
