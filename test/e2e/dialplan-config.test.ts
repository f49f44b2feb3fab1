/**
 * Issue 12: extensions.conf through jade against the real Asterisk sandbox: a context added through
 * `/admin/dialplan/sdps` runs a Local call once pbx_config is reloaded; `/dialplan/setting` takes and gives the
 * file's text and says what AMI could not carry. Asterisk's own view comes from a raw AMI session; the test
 * puts extensions.conf and the running dialplan back.
 */
import { expect } from 'chai';
import { SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const context = 'jade_e2e_sdp';
const textContext = 'jade_e2e_text';

function configHeaders(frame: AmiFrame): string[] {
  return frame.headers.filter(([name]) => /^(Category|Line|Templates|IsTemplate)-/i.test(name)).map(([name, value]) => `${name}: ${value}`);
}

describe('dialplan configuration against a real Asterisk 22 (issue 12)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  let original: string[];

  const getConfig = async (): Promise<string[]> => configHeaders((await probe.action({ Action: 'GetConfig', Filename: 'extensions.conf' })).response);
  const putText = (text: string) => jade.http.put('/v1/dialplan/setting', { token: jade.token, body: text, headers: { 'content-type': 'text/plain' } });

  before(async function () {
    const sandbox = getSandbox();
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    original = await getConfig();
    jade = await startTestJade(sandbox);
    await waitForAmi(jade);
  });

  after(async function () {
    for (const name of [context, textContext]) {
      if (jade && (await jade.get(`/v1/admin/dialplan/sdps/${name}`)).status === 200) await jade.delete(`/v1/admin/dialplan/sdps/${name}`);
    }
    if (probe && original) {
      expect(await getConfig()).to.deep.equal(original);
      await probe.action({ Action: 'Command', Command: 'dialplan reload' });
    }
    probe?.close();
    await jade?.stop();
  });

  it('lists the contexts in line order, adds one with PUT /sdps/<name>, and after a pbx_config reload a Local call runs it', async function () {
    const sdps = listOf((await jade.get('/v1/admin/dialplan/sdps')).body);
    expect(sdps.map((s) => s.name)).to.include.members(['demo', 'agents', 'customers']).and.not.include.members(['general', 'globals']);
    const demo = sdps.find((s) => s.name === 'demo')!;
    expect((demo.data as Row[]).slice(0, 3)).to.deep.equal([{ exten: '100,1,Answer()' }, { same: 'n,Wait(300)' }, { same: 'n,Hangup()' }]);

    const data = [{ exten: '> 700,1,Answer()' }, { same: '> n,Set(JADE_SDP=ran)' }, { same: '> n,Wait(30)' }, { same: '> n,Hangup()' }];
    const put = await jade.put(`/v1/admin/dialplan/sdps/${context}`, { data });
    expect(put.status, put.text).to.equal(200);
    expect(resultOf(await jade.get(`/v1/admin/dialplan/sdps/${context}`).then((r) => r.body))).to.deep.equal({ name: context, data });
    expect(await getConfig()).to.include(`Line-${String(original.filter((h) => h.startsWith('Category-')).length).padStart(6, '0')}-000001: same=n,Set(JADE_SDP=ran)`);

    // Not reloaded by the write (catalog): Asterisk does not know the context yet.
    const before = await probe.action({ Action: 'Command', Command: `dialplan show ${context}` });
    expect(JSON.stringify(before.response.headers)).to.include(`There is no existence of '${context}' context`);
    const reload = await jade.put('/v1/core/modules/pbx_config');
    expect(reload.status, reload.text).to.equal(200);

    const created = await jade.post('/v1/core/channels', { channel: `Local/700@${context}`, application: 'Wait', data: '30' });
    expect(created.status, created.text).to.equal(200);
    const uniqueId = (created.body?.result as { unique_id: string }).unique_id;
    const ran = await eventually(async () => {
      const call = await jade.get(`/v1/calls/${uniqueId}`);
      const timeline = ((call.body?.result as { timeline?: Row[] } | undefined)?.timeline ?? []);
      return timeline.find((e) => e.type === 'Newexten' && (e.data as Row).Context === context && (e.data as Row).Application === 'Set') as Row | undefined;
    }, 10_000, 'a Newexten of the new context');
    expect(ran.data).to.include({ Extension: '700', AppData: 'JADE_SDP=ran' });
    expect((await jade.delete(`/v1/core/channels/${uniqueId}`)).status).to.equal(200);
  });

  it('refuses CR/LF in a key or a value with 400 naming it, and GetConfig is unchanged', async function () {
    const before = await getConfig();
    const inValue = await jade.put(`/v1/admin/dialplan/sdps/${context}`, { data: [{ exten: '> 701,1,NoOp(x)\r\nAction: Logoff' }] });
    expect(inValue.status).to.equal(400);
    expect(JSON.stringify(inValue.body)).to.include('data[0].exten');
    const inKey = await jade.put(`/v1/admin/dialplan/sdps/${context}`, { data: [{ 'ex\nten': '> 701,1,NoOp(x)' }] });
    expect(inKey.status).to.equal(400);
    const inName = await jade.post('/v1/admin/dialplan/sdps', { name: 'a\r\nb', data: [] });
    expect(inName.status).to.equal(400);
    const inText = await putText(`[${textContext}]\nexten => 1,1,NoOp(a\rb)\n`);
    expect(inText.status).to.equal(400);
    expect(await getConfig()).to.deep.equal(before);
  });

  it('deletes the context with DELETE /sdps/<name>', async function () {
    const gone = await jade.delete(`/v1/admin/dialplan/sdps/${context}`);
    expect(gone.status, gone.text).to.equal(200);
    expect((await jade.get(`/v1/admin/dialplan/sdps/${context}`)).status).to.equal(404);
    expect((await jade.delete(`/v1/admin/dialplan/sdps/${context}`)).status).to.equal(404);
    expect(await getConfig()).to.deep.equal(original);
  });

  it('gives the file as text, takes text back reporting what AMI cannot carry, and keeps the previous text as a backup', async function () {
    const got = await jade.get('/v1/dialplan/setting');
    expect(got.status).to.equal(200);
    const text = got.body?.result as string;
    expect(text).to.be.a('string').and.include('[demo]\nexten = 100,1,Answer()\nsame = n,Wait(300)');
    expect((await jade.get('/v1/dialplan/setting', { query: { format: 'json' } })).status).to.equal(400);

    const more = `${text}\n; a comment jade cannot keep\n#include jade-e2e-missing.conf\n[${textContext}]\nexten => 702,1,NoOp(text) ; trailing\n`;
    const lines = more.split('\n');
    const put = await putText(more);
    expect(put.status, put.text).to.equal(200);
    const dropped = resultOf(put.body).dropped as { line: number; text: string }[];
    expect(dropped).to.deep.include({ line: lines.indexOf('; a comment jade cannot keep') + 1, text: '; a comment jade cannot keep' });
    expect(dropped).to.deep.include({ line: lines.indexOf('#include jade-e2e-missing.conf') + 1, text: '#include jade-e2e-missing.conf' });
    expect(dropped.map((d) => d.text)).to.include(`exten => 702,1,NoOp(text) ; trailing`);
    expect(resultOf((await jade.get(`/v1/admin/dialplan/sdps/${textContext}`)).body)).to.deep.equal({ name: textContext, data: [{ exten: '> 702,1,NoOp(text)' }] });
    expect(await getConfig()).to.not.deep.equal(original);

    const backups = listOf((await jade.get('/v1/dialplan/settings')).body);
    const last = backups[backups.length - 1]!;
    expect(String(last.filename)).to.match(/^extensions\.conf\.\d{4}-/);
    expect(last.data).to.include('[demo]').and.not.include(textContext);

    // The admin page (the config-file router factory) lists the file first, then the backups newest first.
    const configurations = listOf((await jade.get('/v1/admin/dialplan/configurations')).body);
    expect(configurations[0]).to.include({ name: 'extensions.conf' });
    expect(configurations[0]!.data).to.include(`[${textContext}]`);
    expect(configurations.slice(1).map((c) => c.name)).to.include(last.filename);

    // JSON {data} works too; writing the first text back puts the file back.
    const back = await jade.put('/v1/dialplan/setting', { data: text });
    expect(back.status, back.text).to.equal(200);
    expect(await getConfig()).to.deep.equal(original);
  });

  it('keeps every version in /dialplan/settings/history with its line diff, and rolls back to the first one', async function () {
    const history = listOf((await jade.get('/v1/dialplan/settings/history')).body);
    expect(history.length, 'the first look and the writes above').to.be.greaterThan(2);
    const changed = history.find((v) => (v.diff as string[]).some((line) => line.startsWith('+') && line.includes(textContext)));
    expect(changed, 'a version whose diff adds the text context').to.not.equal(undefined);
    const sdp = await jade.put('/v1/admin/dialplan/sdps/jade_e2e_rollback', { data: [{ exten: '> 703,1,NoOp(rollback)' }] });
    expect(sdp.status, sdp.text).to.equal(200);
    expect(await getConfig()).to.not.deep.equal(original);
    const back = await jade.post('/v1/dialplan/setting/rollback', { to: history[0]!.position });
    expect(back.status, back.text).to.equal(200);
    expect(await getConfig()).to.deep.equal(original);
  });
});
