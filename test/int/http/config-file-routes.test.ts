import { expect } from 'chai';
import { FakeAmi, type FakeFrame } from '../../support/fake-ami.js';
import { FakeConfigFiles } from '../../support/fake-config.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../../support/jade.js';

/**
 * The generic config-file routes (src/http/config-file-routes.ts) over HTTP against the fake Asterisk, on the
 * areas built with it: /queue (queues.conf, with cfg_queues and the /queue/queues writes that reload app_queue)
 * and /voicemail (voicemail.conf). Every page, the 400/404 cases and a stale version (409).
 */

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

const queues = {
  general: { persistentmembers: 'yes' },
  sales_1: { strategy: 'ringall', member: ['Local/agent-01@agents,0,agent-01', 'Local/agent-02@agents,0,agent-02'] },
};
const voicemail = {
  general: { format: 'wav49|gsm|wav', maxlogins: '3' },
  default: { '1234': '4242,Example Mailbox,root@localhost' },
};

/** What app_queue's QueueStatus would answer for this queues.conf. */
function queueStatus(sections: Record<string, Record<string, string | string[]>>): FakeFrame[] {
  const items: FakeFrame[] = [];
  for (const [name, options] of Object.entries(sections)) {
    if (name === 'general') continue;
    items.push({ Event: 'QueueParams', Queue: name, Max: '0', Strategy: String(options.strategy ?? 'ringall'), Calls: '0', Holdtime: '0', TalkTime: '0', Completed: '0', Abandoned: '0', ServiceLevel: '60', ServicelevelPerf: '0.0', ServicelevelPerf2: '0.0', Weight: '0' });
    const members = options.member === undefined ? [] : Array.isArray(options.member) ? options.member : [options.member];
    for (const m of members) {
      const [location, , memberName] = m.split(',');
      items.push({ Event: 'QueueMember', Queue: name, Name: memberName ?? location!, Location: location!, StateInterface: location!, Membership: 'static', Penalty: '0', CallsTaken: '0', LastCall: '0', LastPause: '0', LoginTime: '0', InCall: '0', Status: '1', Paused: '0', PausedReason: '', Wrapuptime: '0' });
    }
  }
  return [{ Response: 'Success', EventList: 'start', Message: 'Queue status will follow' }, ...items, { Event: 'QueueStatusComplete', EventList: 'Complete', ListItems: String(items.length) }];
}

describe('config-file routes: /queue and /voicemail over HTTP (fake Asterisk)', function () {
  this.timeout(30_000);
  let fake: FakeAmi;
  let configs: FakeConfigFiles;
  let jade: RunningJade;

  const updates = (): number => fake.actions.filter((a) => a.action?.toLowerCase() === 'updateconfig').length;
  const versionOf = async (path: string): Promise<number> => Number(String((await jade.get(path)).headers.get('etag') ?? '').replace(/"/g, ''));
  const scriptQueues = () => fake.on('QueueStatus', () => queueStatus(configs.get('queues.conf')));

  before(async () => {
    fake = await FakeAmi.start();
    configs = new FakeConfigFiles(fake);
    configs.set('queues.conf', queues);
    configs.set('voicemail.conf', voicemail);
    scriptQueues();
    configs.onReload = () => scriptQueues();
    jade = await startTestJade(undefined, {
      overrides: {
        ami: { host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret, reconnectInitialMs: 50, reconnectMaxMs: 200 },
        commands: { readYourWritesTimeoutMs: 2000 },
      },
    });
    await waitForAmi(jade);
    for (const area of ['queue', 'voicemail']) {
      await eventually(async () => (listOf((await jade.get(`/v1/${area}/settings/history`)).body).length === 1 ? true : undefined), 5000, `${area} observed`);
    }
  });

  after(async () => {
    await jade?.stop();
    await fake?.close();
  });

  it('GET /voicemail/setting answers voicemail.conf as §0 JSON; PUT replaces it and the backup holds the old file', async () => {
    const got = await jade.get('/v1/voicemail/setting');
    expect(got.status, got.text).to.equal(200);
    expect(resultOf(got.body)).to.deep.equal(voicemail);
    const wanted = { ...voicemail, default: { '1234': '> 4242,Example Mailbox,root@localhost', '1235': '> 1111,Second' } };
    const put = await jade.http.put(`/v1/voicemail/setting?version=${await versionOf('/v1/voicemail/setting')}`, { token: jade.token, body: wanted });
    expect(put.status, put.text).to.equal(200);
    expect(configs.get('voicemail.conf').default).to.deep.equal({ '1234': '4242,Example Mailbox,root@localhost', '1235': '1111,Second' });
    expect(resultOf((await jade.get('/v1/voicemail/setting')).body)).to.deep.equal(wanted);
    const [backup] = listOf((await jade.get('/v1/voicemail/settings')).body);
    const { filename, ...sections } = backup!;
    expect(String(filename)).to.match(/^voicemail\.conf\.\d{4}-\d{2}-\d{2}T/);
    expect(sections).to.deep.equal(voicemail);
    expect(resultOf((await jade.get(`/v1/voicemail/settings/${encodeURIComponent(String(filename))}`)).body)).to.deep.equal({ list: voicemail });
    // voicemail is no config-reloading write: nothing reloaded.
    expect(configs.reloads).to.deep.equal([]);
  });

  it('refuses a stale version with 409 and sends nothing', async () => {
    const version = await versionOf('/v1/voicemail/setting');
    const sent = updates();
    const stale = await jade.http.put(`/v1/voicemail/setting?version=${version - 1}`, { token: jade.token, body: voicemail });
    expect(stale.status, stale.text).to.equal(409);
    const staleText = await jade.http.put(`/v1/admin/voicemail/configurations/voicemail.conf?version=${version - 1}`, { token: jade.token, body: { data: '[general]\n' } });
    expect(staleText.status, staleText.text).to.equal(409);
    expect(updates()).to.equal(sent);
  });

  it('rolls voicemail.conf back to the observed version', async () => {
    const [observed] = listOf((await jade.get('/v1/voicemail/settings/history')).body);
    const back = await jade.post('/v1/voicemail/setting/rollback', { to: observed!.position });
    expect(back.status, back.text).to.equal(200);
    expect(configs.get('voicemail.conf')).to.deep.equal(voicemail);
    expect((await jade.post('/v1/voicemail/setting/rollback', { to: 999_999 })).status).to.equal(404);
  });

  it('GET /admin/<area>/configurations lists the file as text first, then backups newest first', async () => {
    const list = listOf((await jade.get('/v1/admin/voicemail/configurations')).body);
    expect(list.map((c) => String(c.name).replace(/\.\d{4}-.*Z$/, '.<ts>'))).to.deep.equal(['voicemail.conf', 'voicemail.conf.<ts>', 'voicemail.conf.<ts>']);
    expect(list[0]!.data).to.equal('[general]\nformat = wav49|gsm|wav\nmaxlogins = 3\n\n[default]\n1234 = 4242,Example Mailbox,root@localhost\n');
    expect(String(list[1]!.name) > String(list[2]!.name)).to.equal(true);
    // The newest backup holds the file before the rollback (with 1235).
    expect(list[1]!.data).to.include('1235 => 1111,Second');
    const one = await jade.get(`/v1/admin/voicemail/configurations/${encodeURIComponent(String(list[2]!.name))}`);
    expect(resultOf(one.body)).to.deep.equal({ name: list[2]!.name, data: list[2]!.data });
    const queueList = listOf((await jade.get('/v1/admin/queue/configurations')).body);
    expect(queueList).to.have.length(1);
    expect(queueList[0]).to.deep.include({ name: 'queues.conf' });
  });

  it('PUT /admin/queue/configurations/queues.conf writes the text and says what could not travel (dropped)', async () => {
    const text = '[general]\npersistentmembers = yes\n; a comment\n\n[sales_1]\nstrategy = ringall\nmember => Local/agent-01@agents,0,agent-01\nmember => Local/agent-02@agents,0,agent-02\n#include extra.conf\n';
    const put = await jade.put('/v1/admin/queue/configurations/queues.conf', { data: text });
    expect(put.status, put.text).to.equal(200);
    expect((resultOf(put.body).dropped as Row[]).map((d) => d.line)).to.deep.equal([3, 4, 9, 10]);
    expect(configs.get('queues.conf')).to.deep.equal(queues);
    const current = resultOf((await jade.get('/v1/admin/queue/configurations/queues.conf')).body);
    expect(current.data).to.include('member => Local/agent-01@agents,0,agent-01');
  });

  it('answers 400 for a PUT on a backup, a DELETE of the current file, bad names and bad text; 404 for unknown backups', async () => {
    const backup = String(listOf((await jade.get('/v1/admin/voicemail/configurations')).body)[1]!.name);
    const sent = updates();
    const cases: [string, Promise<{ status: number; text: string }>][] = [
      ['PUT a backup', jade.put(`/v1/admin/voicemail/configurations/${encodeURIComponent(backup)}`, { data: '[general]\n' })],
      ['DELETE the file', jade.delete('/v1/admin/voicemail/configurations/voicemail.conf')],
      ['a name not <file>.<ts>', jade.get('/v1/admin/voicemail/configurations/other.conf')],
      ['PUT without data', jade.put('/v1/admin/voicemail/configurations/voicemail.conf', { text: 'x' })],
      ['CR in the text', jade.put('/v1/admin/voicemail/configurations/voicemail.conf', { data: '[general]\nformat = wav\rAction: Originate\n' })],
      ['a line before any category', jade.put('/v1/admin/voicemail/configurations/voicemail.conf', { data: 'format = wav\n' })],
    ];
    for (const [what, request] of cases) expect((await request).status, what).to.equal(400);
    const unknown = 'voicemail.conf.2018-01-03T21:12:39.537427535Z';
    expect((await jade.get(`/v1/admin/voicemail/configurations/${unknown}`)).status).to.equal(404);
    expect((await jade.delete(`/v1/admin/voicemail/configurations/${unknown}`)).status).to.equal(404);
    expect(updates()).to.equal(sent);
    // DELETE a backup hides it from both listings.
    expect((await jade.delete(`/v1/admin/voicemail/configurations/${encodeURIComponent(backup)}`)).status).to.equal(200);
    expect(listOf((await jade.get('/v1/admin/voicemail/configurations')).body).map((c) => c.name)).to.not.include(backup);
    expect(listOf((await jade.get('/v1/voicemail/settings')).body).map((c) => c.filename)).to.not.include(backup);
  });

  it('cfg_queues lists the sections without [general], creates, reads, replaces (both body shapes) and removes one', async () => {
    // The text PUT before wrote the members with "=>": jade knows it (GetConfig cannot tell).
    const arrows = { ...queues.sales_1, member: queues.sales_1.member.map((m) => `> ${m}`) };
    expect(listOf((await jade.get('/v1/admin/queue/cfg_queues')).body)).to.deep.equal([{ name: 'sales_1', data: arrows }]);
    const created = await jade.post('/v1/admin/queue/cfg_queues', { name: 'support', data: { strategy: 'leastrecent' } });
    expect(created.status, created.text).to.equal(200);
    expect(configs.get('queues.conf').support).to.deep.equal({ strategy: 'leastrecent' });
    expect(configs.reloads).to.deep.equal([]);
    expect(resultOf((await jade.get('/v1/admin/queue/cfg_queues/support')).body)).to.deep.equal({ name: 'support', data: { strategy: 'leastrecent' } });
    expect((await jade.put('/v1/admin/queue/cfg_queues/support', { data: { strategy: 'rrmemory' } })).status).to.equal(200);
    expect(configs.get('queues.conf').support).to.deep.equal({ strategy: 'rrmemory' });
    expect((await jade.put('/v1/admin/queue/cfg_queues/support', { strategy: 'random', timeout: '10' })).status).to.equal(200);
    expect(configs.get('queues.conf').support).to.deep.equal({ strategy: 'random', timeout: '10' });
    // The rest of the file is untouched.
    expect(configs.get('queues.conf').sales_1).to.deep.equal(queues.sales_1);
    expect((await jade.delete('/v1/admin/queue/cfg_queues/support')).status).to.equal(200);
    expect(configs.get('queues.conf')).to.not.have.property('support');
  });

  it('cfg_queues: 400 for an existing name, a missing name or data, [general], CR/LF; 404 for an unknown section; 409 for a stale version', async () => {
    const sent = updates();
    const bad: [string, Promise<{ status: number }>][] = [
      ['exists', jade.post('/v1/admin/queue/cfg_queues', { name: 'sales_1', data: {} })],
      ['no name', jade.post('/v1/admin/queue/cfg_queues', { data: {} })],
      ['no data', jade.post('/v1/admin/queue/cfg_queues', { name: 'x' })],
      ['general', jade.put('/v1/admin/queue/cfg_queues/general', { data: {} })],
      ['CR/LF in a value', jade.post('/v1/admin/queue/cfg_queues', { name: 'x', data: { strategy: 'ringall\r\nAction: Originate' } })],
      ['CR/LF in a key', jade.post('/v1/admin/queue/cfg_queues', { name: 'x', data: { 'a\nb': '1' } })],
      ['LF in a name', jade.post('/v1/admin/queue/cfg_queues', { name: 'x\ny', data: {} })],
    ];
    for (const [what, request] of bad) expect((await request).status, what).to.equal(400);
    for (const request of [jade.get('/v1/admin/queue/cfg_queues/nope'), jade.put('/v1/admin/queue/cfg_queues/nope', { data: {} }), jade.delete('/v1/admin/queue/cfg_queues/nope')]) {
      expect((await request).status).to.equal(404);
    }
    const version = await versionOf('/v1/queue/setting');
    const stale = await jade.http.put(`/v1/admin/queue/cfg_queues/sales_1?version=${version - 1}`, { token: jade.token, body: { data: {} } });
    expect(stale.status, stale.text).to.equal(409);
    expect(updates()).to.equal(sent);
    expect(configs.get('queues.conf').sales_1).to.deep.equal(queues.sales_1);
  });

  it('PUT /queue/queues/<name> replaces the section, reloads app_queue and answers once /queue/queues shows it; POST and DELETE too', async () => {
    const put = await jade.put('/v1/queue/queues/sales_1', { strategy: 'leastrecent', member: ['> Local/agent-03@agents,0,agent-03'] });
    expect(put.status, put.text).to.equal(200);
    expect(configs.reloads.at(-1)).to.match(/^app_queue/);
    expect(resultOf((await jade.get('/v1/queue/queues/sales_1')).body).strategy).to.equal('leastrecent');
    expect(listOf((await jade.get('/v1/queue/members')).body).filter((m) => m.queue_name === 'sales_1').map((m) => m.location)).to.deep.equal(['Local/agent-03@agents']);

    const created = await jade.post('/v1/queue/queues', { name: 'test create queue', strategy: 'ringall' });
    expect(created.status, created.text).to.equal(200);
    expect(resultOf((await jade.get(`/v1/queue/queues/${encodeURIComponent('test create queue')}`)).body).name).to.equal('test create queue');
    expect((await jade.post('/v1/queue/queues', { name: 'test create queue' })).status).to.equal(400);
    expect((await jade.delete(`/v1/queue/queues/${encodeURIComponent('test create queue')}`)).status).to.equal(200);
    expect((await jade.get(`/v1/queue/queues/${encodeURIComponent('test create queue')}`)).status).to.equal(404);
    expect((await jade.put('/v1/queue/queues/nope', { strategy: 'ringall' })).status).to.equal(404);
    const sent = updates();
    expect((await jade.put('/v1/queue/queues/sales_1', { strategy: 'ringall\r\nAction: Originate' })).status).to.equal(400);
    expect(updates()).to.equal(sent);
  });
});
