import * as fs from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { io as socketIoClient } from 'socket.io-client';
import { publishTopic, type WireEvent } from '../../../src/realtime/index.js';
import { FakeAmi } from '../../support/fake-ami.js';
import { FakeConfigFiles } from '../../support/fake-config.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../../support/jade.js';

/**
 * /voicemail over HTTP against the fake Asterisk and a temporary spool directory (issue 15): mailboxes from
 * VoicemailUsersList and MessageWaiting, voicemail.conf writes, messages and downloads from the spool, a delete
 * with renumbering and VoicemailRefresh, traversal attempts, realtime on the mailbox's topic.
 */

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const file = 'voicemail.conf';
const topic = publishTopic('/voicemail/users/', '6001@vm-demo');

const userEntry = (fresh: string) => ({
  VMContext: 'vm-demo', VoiceMailbox: '6001', Fullname: 'Alice Jones', Email: 'alice@example.com', Pager: '', ServerEmail: 'asterisk',
  FromString: '', MailCommand: '/usr/sbin/sendmail -t', Language: '', TimeZone: 'central', Callback: '', Dialout: '', UniqueID: '',
  ExitContext: '', SayDurationMinimum: '2', SayEnvelope: 'Yes', SayCID: 'No', AttachMessage: 'No', AttachmentFormat: '', DeleteMessage: 'No',
  VolumeGain: '0.50', CanReview: 'No', CanMarkUrgent: 'No', CallOperator: 'No', MaxMessageCount: '10', MaxMessageLength: '300',
  NewMessageCount: fresh, OldMessageCount: '1',
});

const info = (n: number, extra: Record<string, string> = {}): string =>
  [';', '; Message Information file', ';', '[message]', 'origmailbox=6001', 'context=vm-leave', 'macrocontext=', 'exten=6001', 'rdnis=unknown', 'priority=1',
    `callerchan=Local/s@vm-play-0000000${n};2`, 'callerid=<unknown>', 'origdate=Tue Dec  1 10:00:00 PM UTC 2026', `origtime=${1764626400 + n}`, 'category=',
    `msg_id=${1764626400 + n}-0000000${n}`, 'flag=', 'duration=3', ...Object.entries(extra).map(([k, v]) => `${k}=${v}`)].join('\n') + '\n';

/** A raw GET whose path is sent exactly as written (fetch would normalise `../`). */
function rawGet(baseUrl: string, rawPath: string, token: string): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: rawPath, method: 'GET', headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('voicemail over HTTP (fake Asterisk, temporary spool)', function () {
  this.timeout(30_000);
  let fake: FakeAmi;
  let configs: FakeConfigFiles;
  let jade: RunningJade;
  let spool: string;
  let outside: string;
  const inbox = () => path.join(spool, 'vm-demo', '6001', 'INBOX');
  const secret = 'SECRET-OUTSIDE-THE-SPOOL';

  before(async () => {
    spool = fs.mkdtempSync(path.join(tmpdir(), 'jade-vm-spool-'));
    outside = fs.mkdtempSync(path.join(tmpdir(), 'jade-vm-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.wav'), secret);
    fs.writeFileSync(path.join(outside, 'msg0009.txt'), info(9));
    fs.mkdirSync(inbox(), { recursive: true });
    fs.mkdirSync(path.join(spool, 'vm-demo', '6001', 'Old'), { recursive: true });
    for (const n of [0, 1, 2]) {
      fs.writeFileSync(path.join(inbox(), `msg000${n}.txt`), info(n));
      fs.writeFileSync(path.join(inbox(), `msg000${n}.wav`), Buffer.from(`RIFF-audio-of-message-${n}-`.repeat(20)));
    }
    fs.writeFileSync(path.join(inbox(), 'msg0001.gsm'), Buffer.from('gsm-of-1'));
    fs.writeFileSync(path.join(spool, 'vm-demo', '6001', 'Old', 'msg0000.txt'), info(5));
    fs.writeFileSync(path.join(spool, 'vm-demo', '6001', 'Old', 'msg0000.WAV'), Buffer.from('wav49'));
    // Planted: a mailbox whose folder is a symlink out of the spool, and a message whose audio is one.
    fs.mkdirSync(path.join(spool, 'vm-demo', 'evil'), { recursive: true });
    fs.symlinkSync(outside, path.join(spool, 'vm-demo', 'evil', 'INBOX'));
    fs.mkdirSync(path.join(spool, 'vm-demo', '6002', 'INBOX'), { recursive: true });
    fs.writeFileSync(path.join(spool, 'vm-demo', '6002', 'INBOX', 'msg0000.txt'), info(0));
    fs.symlinkSync(path.join(outside, 'secret.wav'), path.join(spool, 'vm-demo', '6002', 'INBOX', 'msg0000.wav'));
    fs.symlinkSync(path.join(outside, 'msg0009.txt'), path.join(spool, 'vm-demo', '6002', 'INBOX', 'msg0001.txt'));

    fake = await FakeAmi.start();
    configs = new FakeConfigFiles(fake);
    configs.set(file, { general: { format: 'wav' }, 'vm-demo': { '6001': '8762,Alice Jones,alice@example.com,,tz=central' } });
    fake.onList('VoicemailUsersList', 'VoicemailUserEntry', [userEntry('3')]);
    fake.on('VoicemailRefresh', () => [{ Response: 'Success', Message: 'Refresh sent' }]);
    fake.on('MailboxCount', () => [{ Response: 'Success', Message: 'Mailbox Message Count', Mailbox: '6001@vm-demo', UrgMessages: '0', NewMessages: '2', OldMessages: '1' }]);
    jade = await startTestJade(undefined, {
      overrides: {
        ami: { host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret, reconnectInitialMs: 50, reconnectMaxMs: 200 },
        commands: { readYourWritesTimeoutMs: 2000 },
        voicemail: { spoolDir: spool },
      },
    });
    await waitForAmi(jade);
    await eventually(async () => (listOf((await jade.get('/v1/voicemail/users')).body).length === 1 ? true : undefined), 5000, 'the mailbox list');
  });

  after(async () => {
    await jade?.stop();
    await fake?.close();
    fs.rmSync(spool, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('lists the mailboxes Asterisk lists, every catalog field with its type', async () => {
    const [user] = listOf((await jade.get('/v1/voicemail/users')).body);
    expect(user).to.include({ id: '6001@vm-demo', context: 'vm-demo', mailbox: '6001', full_name: 'Alice Jones', email: 'alice@example.com', attach_message: 'No', say_envelope: 'Yes', timezone: 'central' });
    expect(user).to.include({ max_message_count: 10, max_message_length: 300, new_message_count: 3, old_message_count: 1, say_duration_minimum: 2, volume_gain: 0.5 });
    for (const key of ['server_email', 'mail_command', 'delete_message', 'call_operator', 'callback', 'can_review', 'dialout', 'exit_context', 'from_string', 'language', 'imap_flag', 'imap_port', 'imap_server', 'imap_user', 'say_cid', 'unique_id', 'tm_update']) {
      expect(user, key).to.have.property(key).that.is.a('string');
    }
    const one = await jade.get(`/v1/voicemail/users/${encodeURIComponent('6001@vm-demo')}`);
    expect(one.status).to.equal(200);
    expect(resultOf(one.body)).to.deep.equal(user);
    expect((await jade.get('/v1/voicemail/users/9999%40vm-demo')).status).to.equal(404);
  });

  it('follows MessageWaiting: the counts change and voicemail.user.update arrives on the mailbox topic', async () => {
    const socket = socketIoClient(jade.baseUrl, { transports: ['websocket'], auth: { authtoken: jade.token }, reconnection: false, forceNew: true });
    const events: WireEvent[] = [];
    socket.on('events', (batch: WireEvent[]) => events.push(...batch));
    try {
      await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
      const ack = await socket.emitWithAck('subscribe', topic);
      expect(ack).to.not.have.property('error');
      fake.push([{ Event: 'MessageWaiting', Mailbox: '6001@vm-demo', Waiting: '1', New: '4', Old: '1' }]);
      const update = await eventually(() => events.find((e) => e.event === 'voicemail.user.update' && (e.data as Row).new_message_count === 4), 5000, 'voicemail.user.update');
      expect(update.topic).to.equal(topic);
      expect(resultOf((await jade.get('/v1/voicemail/users/6001%40vm-demo')).body)).to.include({ new_message_count: 4, old_message_count: 1 });
      // A message Asterisk saves and announces by MWI: jade reads the mailbox and a create goes out; gone from disk, a delete.
      fs.writeFileSync(path.join(inbox(), 'msg0003.txt'), info(3));
      fs.writeFileSync(path.join(inbox(), 'msg0003.wav'), 'RIFF-3');
      fake.push([{ Event: 'MessageWaiting', Mailbox: '6001@vm-demo', Waiting: '1', New: '5', Old: '1' }]);
      const created = await eventually(() => events.find((e) => e.event === 'voicemail.message.create' && (e.data as Row).msgname === 'msg0003'), 5000, 'voicemail.message.create');
      expect(created.topic).to.equal(topic);
      expect(created.data).to.include({ user_id: '6001@vm-demo', msg_id: '1764626403-00000003', dir: 'INBOX', status: 'unread', duration: '3' });
      fs.rmSync(path.join(inbox(), 'msg0003.txt'));
      fs.rmSync(path.join(inbox(), 'msg0003.wav'));
      fake.push([{ Event: 'MessageWaiting', Mailbox: '6001@vm-demo', Waiting: '1', New: '4', Old: '1' }]);
      const deleted = await eventually(() => events.find((e) => e.event === 'voicemail.message.delete' && (e.data as Row).msgname === 'msg0003'), 5000, 'voicemail.message.delete');
      expect(deleted.data).to.include({ msg_id: '1764626403-00000003' });
      // The read model holds every message of the mailbox, whenever it was first read.
      const rows = await jade.jade.readModels.db.selectFrom('voicemail_messages').select(['dir', 'msgname']).where('user_id', '=', '6001@vm-demo').execute();
      expect(rows.map((r) => `${r.dir}/${r.msgname}`).sort()).to.deep.equal(['INBOX/msg0000', 'INBOX/msg0001', 'INBOX/msg0002', 'Old/msg0000']);
    } finally {
      socket.disconnect();
    }
  });

  it('lists the messages of every folder with their metadata as strings, status by folder, and filters by dir', async () => {
    const all = await jade.get('/v1/voicemail/vms', { query: { context: 'vm-demo', mailbox: '6001' } });
    expect(all.status, all.text).to.equal(200);
    const list = listOf(all.body);
    expect(list.map((m) => `${m.dir}/${m.msgname}/${m.status}`)).to.deep.equal(['INBOX/msg0000/unread', 'INBOX/msg0001/unread', 'INBOX/msg0002/unread', 'Old/msg0000/read']);
    expect(list[1]).to.include({ msg_id: '1764626401-00000001', origmailbox: '6001', duration: '3', callerchan: 'Local/s@vm-play-00000001;2', origtime: '1764626401', rdnis: 'unknown', category: '', flag: '' });
    expect(Object.values(list[1]!).every((v) => typeof v === 'string')).to.equal(true);
    const old = await jade.get('/v1/voicemail/vms', { query: { context: 'vm-demo', mailbox: '6001', dir: 'Old' } });
    expect(listOf(old.body).map((m) => m.msgname)).to.deep.equal(['msg0000']);
    expect((await jade.get('/v1/voicemail/vms', { query: { context: 'vm-demo' } })).status).to.equal(400);
    expect((await jade.get('/v1/voicemail/vms', { query: { context: 'vm-demo', mailbox: '6001', dir: 'Spam' } })).body?.error?.details).to.deep.equal({ fields: ['dir'] });
  });

  it('downloads the audio with its type, disposition and length, and answers a Range with 206 and those bytes', async () => {
    const onDisk = fs.readFileSync(path.join(inbox(), 'msg0001.wav'));
    const url = `${jade.baseUrl}/v1/voicemail/vms/msg0001?context=vm-demo&mailbox=6001&dir=INBOX`;
    const whole = await fetch(url, { headers: { authorization: `Bearer ${jade.token}` } });
    expect(whole.status).to.equal(200);
    expect(whole.headers.get('content-type')).to.equal('audio/wav');
    expect(whole.headers.get('content-disposition')).to.equal('attachment; filename=msg0001.wav');
    expect(whole.headers.get('content-length')).to.equal(String(onDisk.length));
    expect(whole.headers.get('accept-ranges')).to.equal('bytes');
    expect(Buffer.from(await whole.arrayBuffer()).equals(onDisk)).to.equal(true);

    const part = await fetch(url, { headers: { authorization: `Bearer ${jade.token}`, range: 'bytes=10-29' } });
    expect(part.status).to.equal(206);
    expect(part.headers.get('content-range')).to.equal(`bytes 10-29/${onDisk.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(onDisk.subarray(10, 30))).to.equal(true);
    const tail = await fetch(url, { headers: { authorization: `Bearer ${jade.token}`, range: 'bytes=-5' } });
    expect(Buffer.from(await tail.arrayBuffer()).equals(onDisk.subarray(onDisk.length - 5))).to.equal(true);
    const beyond = await fetch(url, { headers: { authorization: `Bearer ${jade.token}`, range: `bytes=${onDisk.length}-` } });
    expect(beyond.status).to.equal(416);
    expect(beyond.headers.get('content-range')).to.equal(`bytes */${onDisk.length}`);

    // `.WAV` (wav49) when there is no `.wav`; a missing message is a JSON 404.
    const wav49 = await fetch(`${jade.baseUrl}/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=6001&dir=Old`, { headers: { authorization: `Bearer ${jade.token}` } });
    expect(wav49.headers.get('content-disposition')).to.equal('attachment; filename=msg0000.WAV');
    expect(wav49.headers.get('content-type')).to.equal('audio/wav');
    const missing = await jade.get('/v1/voicemail/vms/msg0042', { query: { context: 'vm-demo', mailbox: '6001', dir: 'INBOX' } });
    expect(missing.status).to.equal(404);
    expect(missing.body?.error).to.be.an('object');
  });

  it('refuses traversal (../, %2e%2e%2f, absolute paths, symlinks planted in the spool): 400 or 404, nothing outside read', async () => {
    const attempts = [
      '/v1/voicemail/vms/../../../etc/passwd?context=vm-demo&mailbox=6001&dir=INBOX',
      '/v1/voicemail/vms/%2e%2e%2f%2e%2e%2fsecret?context=vm-demo&mailbox=6001&dir=INBOX',
      '/v1/voicemail/vms/msg0000?context=..%2f..%2f..&mailbox=6001&dir=INBOX',
      '/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=%2e%2e&dir=INBOX',
      `/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=${encodeURIComponent(outside)}&dir=INBOX`,
      '/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=6001&dir=..%2f..%2f6002%2fINBOX',
      '/v1/voicemail/vms?context=vm-demo&mailbox=%2fetc',
      '/v1/voicemail/vms/msg0009?context=vm-demo&mailbox=evil&dir=INBOX',
      '/v1/voicemail/vms/msg0000?context=vm-demo&mailbox=6002&dir=INBOX',
      '/v1/voicemail/vms/secret?context=vm-demo&mailbox=evil&dir=INBOX',
    ];
    for (const attempt of attempts) {
      const answer = await rawGet(jade.baseUrl, attempt, jade.token);
      expect([400, 404], `${attempt}: ${answer.status} ${answer.body}`).to.include(answer.status);
      expect(answer.body, attempt).to.not.include(secret);
    }
    // The mailbox whose folder leads out lists nothing; the symlinked .txt of 6002 is not listed either.
    expect(listOf((await jade.get('/v1/voicemail/vms', { query: { context: 'vm-demo', mailbox: 'evil' } })).body)).to.deep.equal([]);
    expect(listOf((await jade.get('/v1/voicemail/vms', { query: { context: 'vm-demo', mailbox: '6002' } })).body).map((m) => m.msgname)).to.deep.equal(['msg0000']);
    const bad = await jade.get('/v1/voicemail/vms', { query: { context: '../vm-demo', mailbox: '6001' } });
    expect(bad.status).to.equal(400);
    expect(bad.body?.error?.details).to.deep.equal({ fields: ['context'] });
  });

  it('deletes a message: its files go, the folder is renumbered, VoicemailRefresh is sent, the command is in /v1/commands', async () => {
    const refreshes = fake.actions.filter((a) => a.action === 'VoicemailRefresh').length;
    const deleted = await jade.delete('/v1/voicemail/vms/msg0001?context=vm-demo&mailbox=6001&dir=INBOX');
    expect(deleted.status, deleted.text).to.equal(200);
    expect(fs.readdirSync(inbox()).filter((n) => !n.startsWith('.')).sort()).to.deep.equal(['msg0000.txt', 'msg0000.wav', 'msg0001.txt', 'msg0001.wav']);
    // The old msg0002 is msg0001 now: its own metadata moved with it.
    expect(fs.readFileSync(path.join(inbox(), 'msg0001.txt'), 'utf8')).to.include('msg_id=1764626402-00000002');
    const refresh = fake.actions.filter((a) => a.action === 'VoicemailRefresh');
    expect(refresh.length).to.equal(refreshes + 1);
    expect(refresh[refresh.length - 1]).to.include({ context: 'vm-demo', mailbox: '6001' });
    // The counts MailboxCount gave are the mailbox's at once.
    expect(resultOf((await jade.get('/v1/voicemail/users/6001%40vm-demo')).body)).to.include({ new_message_count: 2, old_message_count: 1 });

    const commands = listOf((await jade.get('/v1/commands')).body);
    const command = commands.find((c) => c.type === 'VoicemailMessageDelete');
    expect(command, JSON.stringify(commands.map((c) => c.type))).to.not.equal(undefined);
    expect(command).to.include({ outcome: 'succeeded', username: 'admin' });
    expect((command!.request as Row).message).to.include({ msg_id: '1764626401-00000001', msgname: 'msg0001' });

    const again = await jade.delete('/v1/voicemail/vms/msg0005?context=vm-demo&mailbox=6001&dir=INBOX');
    expect(again.status).to.equal(404);
    expect((await jade.delete('/v1/voicemail/vms/..%2fmsg0000?context=vm-demo&mailbox=6001&dir=INBOX')).status).to.equal(400);
    await eventually(async () => {
      const messages = (await jade.jade.readModels.db.selectFrom('voicemail_messages').selectAll().where('user_id', '=', '6001@vm-demo').execute()).map((r) => `${r.dir}/${r.msgname}`).sort();
      return JSON.stringify(messages) === JSON.stringify(['INBOX/msg0000', 'INBOX/msg0001', 'Old/msg0000']) ? true : undefined;
    }, 5000, 'the message read model after the delete');
  });

  it('a refused VoicemailRefresh after the files went: recorded as Failed (not 500), and the read model still follows the disk', async () => {
    fake.on('VoicemailRefresh', () => [{ Response: 'Error', Message: 'Permission denied' }]);
    try {
      const answer = await jade.delete('/v1/voicemail/vms/msg0001?context=vm-demo&mailbox=6001&dir=INBOX');
      expect(answer.status, answer.text).to.be.within(400, 599);
      expect(answer.status).to.not.equal(500);
      expect(fs.readdirSync(inbox()).filter((n) => !n.startsWith('.')).sort()).to.deep.equal(['msg0000.txt', 'msg0000.wav']);
      const failed = listOf((await jade.get('/v1/commands')).body).filter((c) => c.type === 'VoicemailMessageDelete' && c.outcome === 'failed');
      expect(failed).to.have.length(1);
      await eventually(async () => {
        const rows = await jade.jade.readModels.db.selectFrom('voicemail_messages').select(['dir', 'msgname']).where('user_id', '=', '6001@vm-demo').execute();
        return JSON.stringify(rows.map((r) => `${r.dir}/${r.msgname}`).sort()) === JSON.stringify(['INBOX/msg0000', 'Old/msg0000']) ? true : undefined;
      }, 5000, 'the read model to follow the disk');
    } finally {
      fake.on('VoicemailRefresh', () => [{ Response: 'Success', Message: 'Refresh sent' }]);
    }
  });

  it('creates, updates and deletes a mailbox in voicemail.conf (the catalog line format), with a version each', async () => {
    const created = await jade.post('/v1/voicemail/users', { context: 'test1', mailbox: 'testmail', full_name: 'Bob Smith', email: 'bob@example.com', timezone: 'eastern', attach_message: 'Yes', volume_gain: '0.000000' });
    expect(created.status, created.text).to.equal(200);
    expect(configs.get(file).test1).to.deep.equal({ testmail: ',Bob Smith,bob@example.com,,tz=eastern|attach=Yes|volgain=0.000000' });
    expect((await jade.post('/v1/voicemail/users', { context: 'test1', mailbox: 'testmail' })).status).to.equal(400);
    const unknown = await jade.post('/v1/voicemail/users', { context: 'test1', mailbox: 'other', colour: 'blue' });
    expect(unknown.status).to.equal(400);
    expect(unknown.body?.error?.details).to.deep.equal({ fields: ['colour'] });
    expect((await jade.post('/v1/voicemail/users', { context: 'general', mailbox: 'x' })).status).to.equal(400);
    expect((await jade.post('/v1/voicemail/users', { context: 'test1', mailbox: 'x', full_name: 'a,b' })).status).to.equal(400);

    expect((await jade.put('/v1/voicemail/users/testmail%40test1', { full_name: 'pchero' })).status).to.equal(200);
    expect(configs.get(file).test1).to.deep.equal({ testmail: ',pchero,bob@example.com,,tz=eastern|attach=Yes|volgain=0.000000' });
    expect((await jade.put('/v1/voicemail/users/nobody%40test1', { full_name: 'x' })).status).to.equal(404);
    expect((await jade.put('/v1/voicemail/users/no-at-sign', { full_name: 'x' })).status).to.equal(400);

    expect((await jade.delete('/v1/voicemail/users/testmail%40test1')).status).to.equal(200);
    expect(configs.get(file).test1).to.deep.equal({});
    expect((await jade.delete('/v1/voicemail/users/testmail%40test1')).status).to.equal(404);
    const history = listOf((await jade.get('/v1/voicemail/settings/history')).body);
    expect(history.filter((v) => v.kind === 'updated').length).to.equal(3);
    // Nothing reloaded: the client reloads app_voicemail.
    expect(configs.reloads).to.deep.equal([]);
  });

  it('answers 503 naming voicemail.spoolDir when it is not set, and reads nothing', async () => {
    const bare = await startTestJade(undefined, {
      overrides: { ami: { host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret } },
    });
    try {
      for (const answer of [
        await bare.get('/v1/voicemail/vms', { query: { context: 'vm-demo', mailbox: '6001' } }),
        await bare.get('/v1/voicemail/vms/msg0000', { query: { context: 'vm-demo', mailbox: '6001', dir: 'INBOX' } }),
      ]) {
        expect(answer.status).to.equal(503);
        expect(answer.body?.error?.message).to.include('voicemail.spoolDir');
      }
    } finally {
      await bare.stop();
    }
  });
});
