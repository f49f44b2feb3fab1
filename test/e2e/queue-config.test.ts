/**
 * Issue 12: queues.conf through jade against the real Asterisk sandbox. A PUT on /v1/queue/queues/sales_2
 * reloads app_queue and Asterisk's QueueStatus (read on a raw AMI session, and through jade's GET routes)
 * shows the new strategy and members; the backup holds the previous text and a rollback restores GetConfig.
 * The test leaves queues.conf and the live queues as it found them (other e2e tests use sales_1/sales_2).
 */
import { expect } from 'chai';
import { SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const header = (frame: AmiFrame, name: string): string | undefined => frame.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

function configHeaders(frame: AmiFrame): string[] {
  return frame.headers.filter(([name]) => /^(Category|Line|Templates|IsTemplate)-/i.test(name)).map(([name, value]) => `${name}: ${value}`);
}

describe('queue configuration against a real Asterisk 22 (issue 12)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  let original: string[];

  const getConfig = async (): Promise<string[]> => configHeaders((await probe.action({ Action: 'GetConfig', Filename: 'queues.conf' })).response);
  const history = async (): Promise<Row[]> => listOf((await jade.get('/v1/queue/settings/history')).body);
  /** Asterisk's own view of a queue: QueueStatus on the raw session. */
  const queueStatus = async (queue: string) => {
    const { events } = await probe.action({ Action: 'QueueStatus', Queue: queue });
    const params = events.find((e) => header(e, 'Event') === 'QueueParams');
    return { strategy: params && header(params, 'Strategy'), members: events.filter((e) => header(e, 'Event') === 'QueueMember').map((e) => header(e, 'Location')).sort() };
  };

  before(async function () {
    const sandbox = getSandbox();
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    original = await getConfig();
    jade = await startTestJade(sandbox, { overrides: { config: { driftCheckSeconds: 1 } } });
    await waitForAmi(jade);
    await eventually(async () => ((await history()).length > 0 ? true : undefined), 10_000, 'the first version of queues.conf');
  });

  after(async function () {
    // Whatever happened: queues.conf as the sandbox wrote it, and app_queue running it.
    if (jade && JSON.stringify(await getConfig()) !== JSON.stringify(original)) {
      const [first] = await history();
      await jade.post('/v1/queue/setting/rollback', { to: first!.position });
    }
    await probe?.action({ Action: 'ModuleLoad', Module: 'app_queue.so', LoadType: 'reload' });
    expect((await queueStatus('sales_2')).members).to.deep.equal([]);
    probe?.close();
    await jade?.stop();
  });

  it('PUT /v1/queue/queues/sales_2 with a new strategy and a member: Asterisk runs it as soon as jade answers', async function () {
    const setting = resultOf((await jade.get('/v1/queue/setting')).body);
    const { strategy: _old, ...rest } = setting.sales_2 as Record<string, string>;
    const put = await jade.put('/v1/queue/queues/sales_2', { ...rest, strategy: 'leastrecent', member: ['> Local/agent-03@agents'] });
    expect(put.status, put.text).to.equal(200);
    // Asterisk's QueueStatus agrees, and so do jade's GETs, with no waiting.
    expect(await queueStatus('sales_2')).to.deep.equal({ strategy: 'leastrecent', members: ['Local/agent-03@agents'] });
    expect(resultOf((await jade.get('/v1/queue/queues/sales_2')).body).strategy).to.equal('leastrecent');
    const members = listOf((await jade.get('/v1/queue/members?queue_name=sales_2')).body).filter((m) => m.queue_name === 'sales_2');
    expect(members.map((m) => m.location)).to.deep.equal(['Local/agent-03@agents']);
    // sales_1 (built from a template) is untouched.
    expect((await queueStatus('sales_1')).members).to.deep.equal(['Local/agent-01@agents', 'Local/agent-02@agents']);
    // The §0 convention survives Asterisk: jade knows it wrote `member =>`.
    expect((resultOf((await jade.get('/v1/queue/setting')).body).sales_2 as Row).member).to.equal('> Local/agent-03@agents');
  });

  it('GET /v1/queue/settings lists the backup holding the previous file; the admin page shows it as text', async function () {
    const backups = listOf((await jade.get('/v1/queue/settings')).body);
    const backup = backups[backups.length - 1]!;
    expect(String(backup.filename)).to.match(/^queues\.conf\.\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
    expect((backup.sales_2 as Row).strategy).to.equal('ringall');
    expect(backup.sales_2).to.not.have.property('member');
    const pages = listOf((await jade.get('/v1/admin/queue/configurations')).body);
    expect(pages[0]!.name).to.equal('queues.conf');
    expect(pages[0]!.data).to.include('member => Local/agent-03@agents');
    expect(pages[1]!.name).to.equal(backup.filename);
    expect(pages[1]!.data).to.include('[sales_2]\n');
    expect(pages[1]!.data).to.not.include('agent-03');
  });

  it('takes back the whole file as GET /v1/queue/setting gave it, sales_1 built from a template included: nothing changes', async function () {
    const before = await getConfig();
    const setting = resultOf((await jade.get('/v1/queue/setting')).body);
    const put = await jade.put('/v1/queue/setting', setting);
    expect(put.status, put.text).to.equal(200);
    expect(await getConfig()).to.deep.equal(before);
  });

  it('refuses CR/LF in a key or a value with 400, and GetConfig is unchanged', async function () {
    const before = await getConfig();
    for (const body of [{ strategy: 'ringall\r\nAction: Originate' }, { 'strategy\nx': 'ringall' }]) {
      const response = await jade.put('/v1/queue/queues/sales_2', body);
      expect(response.status, response.text).to.equal(400);
    }
    expect((await jade.post('/v1/queue/queues', { name: 'evil\r\nqueue' })).status).to.equal(400);
    expect(await getConfig()).to.deep.equal(before);
  });

  it('rolls back to the first version: GetConfig equals what it was before the change, and after a reload sales_2 has no member', async function () {
    const [first] = await history();
    const back = await jade.post('/v1/queue/setting/rollback', { to: first!.position });
    expect(back.status, back.text).to.equal(200);
    expect(await getConfig()).to.deep.equal(original);
    // A rollback does not reload (as PUT /queue/setting); reloading runs the restored file.
    await probe.action({ Action: 'ModuleLoad', Module: 'app_queue.so', LoadType: 'reload' });
    expect(await queueStatus('sales_2')).to.deep.equal({ strategy: 'ringall', members: [] });
  });
});
