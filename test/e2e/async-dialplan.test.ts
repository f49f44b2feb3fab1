/**
 * Issue 14 end to end: a dpma's steps run on a live call that enters AGI(agi:async,jade_dialplan,<dpma>),
 * against the real Asterisk sandbox. The runner's record (DialplanRun..., DialplanStep... events) and Asterisk's own
 * AsyncAGIExec events are read from the call's timeline.
 */
import { expect } from 'chai';
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

  it('runs ANSWER, EXEC Playback beep, EXEC Wait 1, HANGUP in order, each answered 200, as Asterisk executed them', async function () {
    const commands = ['ANSWER', 'EXEC Playback beep', 'EXEC Wait 1', 'HANGUP'];
    const dpma = await createDpma('e2e run', commands);

    // Both URL families read the same dpma.
    const dp = resultOf((await jade.get(`/v1/dp/dpmas/${dpma}`)).body);
    const admin = resultOf((await jade.get(`/v1/admin/dialplan/adpmas/${dpma}`)).body);
    const shared = Object.keys(dp).filter((key) => key in admin);
    expect(shared).to.include.members(['uuid', 'name', 'detail']);
    for (const key of shared) expect(admin[key], key).to.deep.equal(dp[key]);

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
  });

  it('ends the run with step_failed and 510 on an unknown command', async function () {
    const dpma = await createDpma('e2e unknown', ['FOO BAR']);
    const uniqueId = await originate(dpma);
    const timeline = await timelineUntilEnded(uniqueId);
    const sent = timeline.filter((e) => e.type === 'DialplanStepSent').map(dataOf);
    expect(sent.map((d) => d.command)).to.deep.equal(['FOO BAR']);
    const completed = timeline.filter((e) => e.type === 'DialplanStepCompleted').map(dataOf);
    expect(completed.map((d) => d.result_code)).to.deep.equal([510]);
    const ended = dataOf(timeline.find((e) => e.type === 'DialplanRunEnded')!);
    expect(ended).to.include({ unique_id: uniqueId, dpma_uuid: dpma, reason: 'step_failed', result_code: 510 });
  });
});
