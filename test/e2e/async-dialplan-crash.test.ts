/**
 * Issue 14: SIGKILL jade in the middle of an async-AGI dialplan run against the Asterisk sandbox, start it again on
 * the same data dir. Asterisk's own events (a probe AMI connection of the test's, independent of jade) show each
 * step ran once, in order, on the same channel; the call's timeline shows every step sent once. A step whose result
 * came while jade was down is recorded with an unknown outcome and the script goes on with the next step.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { amiGet, SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { httpClient, type HttpClient } from '../support/http.js';
import { eventually } from '../support/jade.js';
import { exited, freePort, serveJade } from '../support/jade-process.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const password = 'dp-crash-secret';
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const dataOf = (e: Row): Row => e.data as Row;

interface Client {
  get(path: string): ReturnType<HttpClient['get']>;
  post(path: string, body: unknown): ReturnType<HttpClient['post']>;
}

async function connect(http: HttpClient): Promise<Client> {
  await eventually(async () => {
    const health = await http.get('/v1/health');
    return (health.body?.result as { ami?: { connected?: boolean } } | undefined)?.ami?.connected ? true : undefined;
  }, 30_000, 'jade to serve and connect');
  const login = await http.post('/v1/admin/login', { basic: { username: 'admin', password } });
  const token = (login.body?.result as { authtoken: string }).authtoken;
  return { get: (path) => http.get(path, { token }), post: (path, body) => http.post(path, { token, body }) };
}

describe('async-AGI dialplans: jade killed with SIGKILL mid-script', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  let child: ChildProcess | undefined;
  let probe: SandboxAmi;
  /** Asterisk's AsyncAGIExec events, as the probe saw them. */
  const execs: AmiFrame[] = [];

  before(async function () {
    const sandbox = getSandbox();
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    probe.onFrame((frame) => {
      if (amiGet(frame, 'Event') === 'AsyncAGIExec') execs.push(frame);
    });
  });

  afterEach(async function () {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  after(function () {
    probe?.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh jade on a data dir of its own; `restart` kills it with SIGKILL and serves the same dir again. */
  async function startJade() {
    const dataDir = mkdtempSync(join(tmpdir(), 'jade-dp-crash-'));
    dirs.push(dataDir);
    const port = await freePort();
    const http = httpClient(`http://127.0.0.1:${port}`);
    const serve = () => serveJade({ dataDir, port, adminPassword: password, env: getSandbox().jadeEnv() });
    child = serve();
    const jade = { client: await connect(http) };
    return {
      jade,
      async kill() {
        child!.kill('SIGKILL');
        await exited(child!);
      },
      async serveAgain() {
        child = serve();
        jade.client = await connect(http);
      },
    };
  }

  async function createDpma(client: Client, name: string, commands: string[]): Promise<string> {
    const dpma = await client.post('/v1/dp/dpmas', { name });
    expect(dpma.status, dpma.text).to.equal(200);
    const uuid = String(resultOf(dpma.body).uuid);
    for (const [index, command] of commands.entries()) {
      const step = await client.post('/v1/dp/dialplans', { name: `${name} ${index + 1}`, dpma_uuid: uuid, sequence: index + 1, command });
      expect(step.status, step.text).to.equal(200);
    }
    return uuid;
  }

  async function originate(client: Client, dpma: string): Promise<string> {
    const created = await client.post('/v1/core/channels', { channel: 'Local/100@demo', application: 'AGI', data: `agi:async,jade_dialplan,${dpma}` });
    expect(created.status, created.text).to.equal(200);
    return String(resultOf(created.body).unique_id);
  }

  const timeline = async (client: Client, linkedId: string): Promise<Row[]> => (resultOf((await client.get(`/v1/calls/${linkedId}`)).body).timeline ?? []) as Row[];

  const timelineWith = (client: Client, linkedId: string, what: string, test: (events: Row[]) => boolean): Promise<Row[]> =>
    eventually(async () => {
      const events = await timeline(client, linkedId);
      return test(events) ? events : undefined;
    }, 60_000, what);

  const stepSent = (step: number) => (events: Row[]) => events.some((e) => e.type === 'DialplanStepSent' && dataOf(e).step === step);
  const ended = (events: Row[]) => events.some((e) => e.type === 'DialplanRunEnded');
  const execsOf = (uniqueId: string): AmiFrame[] => execs.filter((frame) => amiGet(frame, 'Uniqueid') === uniqueId);

  /** What both tests check after the run ended: every step sent once, each ran once in Asterisk, in order, on one channel. */
  function expectEachStepOnce(events: Row[], uniqueId: string, commands: string[]): Row[] {
    const sent = events.filter((e) => e.type === 'DialplanStepSent').map(dataOf);
    expect(sent.map((d) => d.step), 'each step sent once, in order').to.deep.equal(commands.map((_, i) => i));
    expect(sent.map((d) => d.command)).to.deep.equal(commands);
    const asterisk = execsOf(uniqueId);
    expect(asterisk.map((frame) => amiGet(frame, 'CommandId') ?? amiGet(frame, 'CommandID')), "Asterisk's AsyncAGIExec: once per step, in order").to.deep.equal(sent.map((d) => d.command_id));
    expect(new Set(asterisk.map((frame) => amiGet(frame, 'Channel'))).size, 'the same channel throughout').to.equal(1);
    for (const frame of asterisk) expect(decodeURIComponent(amiGet(frame, 'Result') ?? '')).to.match(/^200 /);
    return sent;
  }

  it('continues at step 2 on the same channel after a restart during step 1; no step runs twice', async function () {
    const commands = ['ANSWER', 'EXEC Wait 3', 'EXEC Wait 3', 'EXEC Wait 3', 'HANGUP'];
    const { jade, kill, serveAgain } = await startJade();
    const dpma = await createDpma(jade.client, 'crash run', commands);
    const uniqueId = await originate(jade.client, dpma);
    await timelineWith(jade.client, uniqueId, 'step 1 (the first Wait 3) sent', stepSent(1));
    await kill();
    await serveAgain();

    const events = await timelineWith(jade.client, uniqueId, 'the run to end after the restart', ended);
    const sent = expectEachStepOnce(events, uniqueId, commands);
    // Step 1's result came while jade was up again (late) or while it was down (outcome unknown): either way once.
    const completed = events.filter((e) => e.type === 'DialplanStepCompleted').map(dataOf);
    const unknown = events.filter((e) => e.type === 'DialplanStepOutcomeUnknown').map(dataOf);
    expect(new Set(completed.map((d) => d.command_id)).size, 'no result recorded twice').to.equal(completed.length);
    expect(completed.filter((d) => d.step !== 1).map((d) => d.command_id)).to.deep.equal(sent.filter((d) => d.step !== 1).map((d) => d.command_id));
    // Normally the reconnect snapshot comes first (step 1 recorded unknown); its result may also beat it into the log.
    expect([[], [1]]).to.deep.include(unknown.map((d) => d.step));
    const end = dataOf(events.find((e) => e.type === 'DialplanRunEnded')!);
    expect(end).to.include({ unique_id: uniqueId, reason: 'completed' });
    const step1 = completed.find((d) => d.step === 1);
    if (step1) expect(step1).to.include({ result_code: 200, command_id: sent[1]!.command_id, ...(unknown.length > 0 ? { late: true } : {}) });
    else expect(end.unknown_steps).to.deep.equal([1]);
  });

  it('a step whose result came while jade was down is recorded outcome unknown and the script goes on', async function () {
    const commands = ['ANSWER', 'EXEC Wait 3', 'EXEC Playback beep', 'HANGUP'];
    const { jade, kill, serveAgain } = await startJade();
    const dpma = await createDpma(jade.client, 'crash missed', commands);
    const uniqueId = await originate(jade.client, dpma);
    const before = await timelineWith(jade.client, uniqueId, 'step 1 (Wait 3) sent', stepSent(1));
    const waitId = String(dataOf(before.find((e) => e.type === 'DialplanStepSent' && dataOf(e).step === 1)!).command_id);
    await kill();
    // Asterisk finishes the Wait while jade is down: its AsyncAGIExec reaches no one but the probe.
    await eventually(async () => (execsOf(uniqueId).some((frame) => amiGet(frame, 'CommandId') === waitId) ? true : undefined), 30_000, 'the Wait 3 to finish');
    await serveAgain();

    const events = await timelineWith(jade.client, uniqueId, 'the run to end after the restart', ended);
    expectEachStepOnce(events, uniqueId, commands);
    const unknown = events.filter((e) => e.type === 'DialplanStepOutcomeUnknown').map(dataOf);
    expect(unknown).to.have.length(1);
    expect(unknown[0]).to.include({ unique_id: uniqueId, step: 1, command_id: waitId, reason: 'link_lost' });
    const completed = events.filter((e) => e.type === 'DialplanStepCompleted').map(dataOf);
    expect(completed.map((d) => d.step)).to.deep.equal([0, 2, 3]);
    const end = dataOf(events.find((e) => e.type === 'DialplanRunEnded')!);
    expect(end).to.deep.include({ unique_id: uniqueId, reason: 'completed', unknown_steps: [1] });
    // The AGI read model keeps the ended session with the run's end and the last result.
    const agi = resultOf((await jade.client.get(`/v1/core/agis/${uniqueId}`)).body);
    expect(agi).to.deep.include({ status: 'ended' });
    expect(agi.dialplan).to.deep.include({ dpma_uuid: dpma, reason: 'completed' });
  });

  it('a channel hung up while jade was down ends the run channel_gone at the restart, sending nothing more', async function () {
    const commands = ['ANSWER', 'EXEC Wait 20', 'HANGUP'];
    const { jade, kill, serveAgain } = await startJade();
    const dpma = await createDpma(jade.client, 'crash gone', commands);
    const uniqueId = await originate(jade.client, dpma);
    const before = await timelineWith(jade.client, uniqueId, 'step 1 (Wait 20) sent', stepSent(1));
    const channel = String(dataOf(before.find((e) => e.type === 'DialplanRunStarted')!).channel);
    await kill();
    const hungUp = await probe.action({ Action: 'Hangup', Channel: channel });
    expect(amiGet(hungUp.response, 'Response'), 'the probe hung the channel up').to.equal('Success');
    await serveAgain();

    const events = await timelineWith(jade.client, uniqueId, 'the run to end after the restart', ended);
    expect(events.filter((e) => e.type === 'DialplanStepSent').map((e) => dataOf(e).step)).to.deep.equal([0, 1]);
    expect(events.filter((e) => e.type === 'DialplanStepOutcomeUnknown')).to.deep.equal([]);
    expect(dataOf(events.find((e) => e.type === 'DialplanRunEnded')!)).to.include({ unique_id: uniqueId, reason: 'channel_gone', step: 1, hangup: false });
    const agi = await eventually(async () => {
      const row = resultOf((await jade.client.get(`/v1/core/agis/${uniqueId}`)).body);
      return row.status === 'ended' && (row.dialplan as Row | null)?.reason === 'channel_gone' ? row : undefined;
    }, 30_000, 'the AGI session ended with channel_gone');
    expect(agi.dialplan).to.deep.include({ dpma_uuid: dpma, step: 1 });
  });
});
