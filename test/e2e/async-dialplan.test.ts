/**
 * Issue 14 end to end: a dpma's steps run on a live call that enters AGI(agi:async,jade_dialplan,<dpma>),
 * against the real Asterisk sandbox. The runner's record (DialplanRun..., DialplanStep... events) and Asterisk's own
 * AsyncAGIExec events are read from the call's timeline.
 */
import { expect } from 'chai';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, WireEvent } from '../../src/realtime/index.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;

describe('Async-AGI dialplans on live calls against a real Asterisk 22', function () {
  this.timeout(120_000);
  let jade: RunningJade;

  before(async function () {
    jade = await startTestJade(getSandbox());
    await waitForAmi(jade);
  });

  after(async function () {
    await jade?.stop();
  });

  async function createDpma(name: string, commands: string[]): Promise<string> {
    const dpma = await jade.post('/v1/dp/dpmas', { name, detail: `${name} detail` });
    expect(dpma.status, dpma.text).to.equal(200);
    const uuid = String(resultOf(dpma.body).uuid);
    for (const [index, command] of commands.entries()) {
      const step = await jade.post('/v1/dp/dialplans', { name: `${name} ${index + 1}`, dpma_uuid: uuid, sequence: index + 1, command });
      expect(step.status, step.text).to.equal(200);
    }
    return uuid;
  }

  async function originate(dpma: string): Promise<string> {
    const created = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', application: 'AGI', data: `agi:async,jade_dialplan,${dpma}` });
    expect(created.status, created.text).to.equal(200);
    return String(resultOf(created.body).unique_id);
  }

  async function timelineUntilEnded(linkedId: string): Promise<Row[]> {
    return eventually(async () => {
      const timeline = ((resultOf((await jade.get(`/v1/calls/${linkedId}`)).body).timeline ?? []) as Row[]);
      return timeline.some((e) => e.type === 'DialplanRunEnded') ? timeline : undefined;
    }, 60_000, 'DialplanRunEnded on the call timeline');
  }

  const dataOf = (e: Row): Row => e.data as Row;

  /** A socket.io client subscribed to every AGI session's topic, keeping what it is sent. */
  async function watchAgis(): Promise<{ events: WireEvent[]; close(): void }> {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = socketIoClient(jade.baseUrl, { transports: ['websocket'], auth: { authtoken: jade.token }, reconnection: false, forceNew: true });
    const events: WireEvent[] = [];
    socket.on('events', (batch) => events.push(...batch));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const ack = await socket.emitWithAck('subscribe', '/core/agis/');
    if ('error' in ack) throw new Error(`subscribe refused: ${ack.error}`);
    return { events, close: () => socket.disconnect() };
  }

  /** The AGI read model after the run: the ended session with the run's end reason. */
  async function endedAgi(uniqueId: string, reason: string): Promise<Row> {
    return eventually(async () => {
      const agi = resultOf((await jade.get(`/v1/core/agis/${uniqueId}`)).body);
      return agi.status === 'ended' && (agi.dialplan as Row | null)?.reason === reason ? agi : undefined;
    }, 30_000, `the AGI session ended with ${reason}`);
  }

  /** The `core.agi.update` that published the run's end on the session's topic. */
  async function publishedEnd(watcher: { events: WireEvent[] }, uniqueId: string, reason: string): Promise<WireEvent> {
    return eventually(
      () => watcher.events.find((e) => e.event === 'core.agi.update' && (e.data as Row).unique_id === uniqueId && ((e.data as Row).dialplan as Row | null)?.reason === reason),
      30_000,
      `core.agi.update with the run's end (${reason})`,
    );
  }

  it('runs ANSWER, EXEC Playback beep, EXEC Wait 1, HANGUP in order, each answered 200, as Asterisk executed them', async function () {
    const commands = ['ANSWER', 'EXEC Playback beep', 'EXEC Wait 1', 'HANGUP'];
    const dpma = await createDpma('e2e run', commands);

    // Both URL families read the same dpma.
    const dp = resultOf((await jade.get(`/v1/dp/dpmas/${dpma}`)).body);
    const admin = resultOf((await jade.get(`/v1/admin/dialplan/adpmas/${dpma}`)).body);
    const shared = Object.keys(dp).filter((key) => key in admin);
    expect(shared).to.include.members(['uuid', 'name', 'detail']);
    for (const key of shared) expect(admin[key], key).to.deep.equal(dp[key]);

    const watcher = await watchAgis();
    const uniqueId = await originate(dpma);
    // The AGI read model while the session exists: the last row seen.
    let lastAgi: Row | undefined;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const answer = await jade.get(`/v1/core/agis/${uniqueId}`);
        if (answer.status === 200) lastAgi = resultOf(answer.body);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    let timeline: Row[];
    try {
      timeline = await timelineUntilEnded(uniqueId);
    } finally {
      polling = false;
      await poller;
    }

    const sent = timeline.filter((e) => e.type === 'DialplanStepSent').map(dataOf);
    expect(sent.map((d) => d.command)).to.deep.equal(commands);
    expect(sent.map((d) => d.step)).to.deep.equal([0, 1, 2, 3]);
    const completed = timeline.filter((e) => e.type === 'DialplanStepCompleted').map(dataOf);
    expect(completed.map((d) => d.command_id)).to.deep.equal(sent.map((d) => d.command_id));
    for (const d of completed) expect(d.result_code, JSON.stringify(d)).to.equal(200);
    const ended = dataOf(timeline.find((e) => e.type === 'DialplanRunEnded')!);
    expect(ended).to.include({ unique_id: uniqueId, dpma_uuid: dpma, reason: 'completed' });

    // Asterisk executed the same commands in the same order.
    const execs = timeline.filter((e) => e.type === 'AsyncAGIExec' && dataOf(e).Uniqueid === uniqueId).map(dataOf);
    expect(execs.map((d) => d.CommandId ?? d.CommandID)).to.deep.equal(sent.map((d) => d.command_id));
    for (const d of execs) expect(decodeURIComponent(String(d.Result)), JSON.stringify(d)).to.match(/^200/);
    const lastId = String(sent[3].command_id);
    expect(decodeURIComponent(String(execs[3].Result))).to.match(/^200 result=/);

    // The AGI read model: every command it holds is ours, with Asterisk's result once executed.
    expect(lastAgi, 'the AGI session was readable while it ran').to.not.equal(undefined);
    const cmd = lastAgi!.cmd as Record<string, { command: string; result: string | null }>;
    const byId = new Map(sent.map((d) => [String(d.command_id), String(d.command)]));
    const resultById = new Map(execs.map((d) => [String(d.CommandId ?? d.CommandID), decodeURIComponent(String(d.Result))]));
    expect(Object.keys(cmd).length).to.be.greaterThan(0);
    for (const [id, entry] of Object.entries(cmd)) {
      expect(entry.command, id).to.equal(byId.get(id));
      if (entry.result) expect(entry.result, id).to.equal(resultById.get(id));
    }
    const lastCompleted = completed[3];
    expect(lastCompleted.command_id).to.equal(lastId);
    expect(String(resultById.get(lastId))).to.match(new RegExp(`^${lastCompleted.result_code} result=${String(lastCompleted.result)}`));

    // The AGI read model ends with the last result: the session is kept ended, with every command's result and the run's end.
    const final = await endedAgi(uniqueId, 'completed');
    const finalCmd = final.cmd as Record<string, { command: string; result: string | null }>;
    expect(Object.keys(finalCmd)).to.have.members(sent.map((d) => String(d.command_id)));
    expect(finalCmd[lastId]).to.include({ command: 'HANGUP', result: resultById.get(lastId) });
    expect(final.dialplan).to.deep.include({ dpma_uuid: dpma, reason: 'completed' });
    expect(final.tm_end).to.be.a('string');
    // It is no longer in the list of sessions, which are the ones Asterisk has now.
    const list = (resultOf((await jade.get('/v1/core/agis')).body).list ?? []) as Row[];
    expect(list.map((agi) => agi.unique_id)).to.not.include(uniqueId);
    // The end was published on the session's topic.
    const update = await publishedEnd(watcher, uniqueId, 'completed');
    expect(((update.data as Row).cmd as Record<string, { result: string | null }>)[lastId]!.result).to.equal(resultById.get(lastId));
    watcher.close();
  });

  it('ends the run with step_failed and 510 on an unknown command, the reason in the AGI read model', async function () {
    const dpma = await createDpma('e2e unknown', ['FOO BAR']);
    const watcher = await watchAgis();
    const uniqueId = await originate(dpma);
    const timeline = await timelineUntilEnded(uniqueId);
    const sent = timeline.filter((e) => e.type === 'DialplanStepSent').map(dataOf);
    expect(sent.map((d) => d.command)).to.deep.equal(['FOO BAR']);
    const completed = timeline.filter((e) => e.type === 'DialplanStepCompleted').map(dataOf);
    expect(completed.map((d) => d.result_code)).to.deep.equal([510]);
    const ended = dataOf(timeline.find((e) => e.type === 'DialplanRunEnded')!);
    expect(ended).to.include({ unique_id: uniqueId, dpma_uuid: dpma, reason: 'step_failed', result_code: 510 });
    const agi = await endedAgi(uniqueId, 'step_failed');
    expect(agi.dialplan).to.deep.include({ dpma_uuid: dpma, reason: 'step_failed', step: 0, result_code: 510, hangup: true });
    await publishedEnd(watcher, uniqueId, 'step_failed');
    watcher.close();
  });

  it('an unknown dpma and a dpma without steps end at once, hung up, with the reason in the log and the AGI read model', async function () {
    const empty = String(resultOf((await jade.post('/v1/dp/dpmas', { name: 'e2e empty' })).body).uuid);
    for (const [dpma, reason] of [['5b1d7c52-0000-4000-8000-000000000000', 'unknown_dpma'], [empty, 'no_steps']] as const) {
      const uniqueId = await originate(dpma);
      const timeline = await timelineUntilEnded(uniqueId);
      expect(timeline.filter((e) => e.type === 'DialplanStepSent'), reason).to.deep.equal([]);
      expect(dataOf(timeline.find((e) => e.type === 'DialplanRunEnded')!)).to.include({ unique_id: uniqueId, dpma_uuid: dpma, reason, hangup: true });
      const agi = await endedAgi(uniqueId, reason);
      expect(agi.dialplan, reason).to.deep.include({ dpma_uuid: dpma, reason, version: null });
      // Hung up by the run (on_error hangup): the channel is gone.
      await eventually(async () => ((await jade.get(`/v1/core/channels/${uniqueId}`)).status === 404 ? true : undefined), 30_000, `${reason}: the channel hung up`);
    }
  });

  it('on_error continue: a 520 (usage) ends the run without hanging up; the channel leaves the AGI for the rest of its dialplan', async function () {
    const dpma = String(resultOf((await jade.post('/v1/dp/dpmas', { name: 'e2e continue', on_error: 'continue' })).body).uuid);
    const step = await jade.post('/v1/dp/dialplans', { name: 'usage', dpma_uuid: dpma, sequence: 1, command: 'GET DATA' });
    expect(step.status, step.text).to.equal(200);
    const uniqueId = await originate(dpma);
    const timeline = await timelineUntilEnded(uniqueId);
    const ended = dataOf(timeline.find((e) => e.type === 'DialplanRunEnded')!);
    expect(ended).to.include({ unique_id: uniqueId, reason: 'step_failed', result_code: 520, hangup: false });
    const agi = await endedAgi(uniqueId, 'step_failed');
    expect(agi.dialplan).to.deep.include({ result_code: 520, hangup: false });
    // Not hung up by the run: it sent ASYNCAGI BREAK, so the channel leaves the AGI for the rest of its dialplan.
    const commands = Object.values(agi.cmd as Record<string, { command: string | null }>).map((c) => c.command);
    expect(commands).to.deep.equal(['GET DATA', 'ASYNCAGI BREAK']);
  });
});
