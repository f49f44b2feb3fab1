import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { silentLogger } from '../../../src/logger.js';
import { openReadModelDb } from '../../../src/readmodels/database.js';
import { createProjectionRunner } from '../../../src/readmodels/runner.js';
import { createReadModelSync } from '../../../src/readmodels/sync.js';
import { DialplanRunner, type DpmaScript } from '../../../src/dialplans/index.js';
import { getAgi } from '../../../projections/agis.js';
import { AgiAsterisk, startEvent } from './support.js';

/** The runner against the memory store, the real projections and an AGI-speaking Asterisk double (support.ts). */
async function harness(script: DpmaScript | undefined, results: (command: string) => string = () => '200 result=0\n') {
  const store = new MemoryEventStore();
  const readModels = await openReadModelDb(':memory:');
  const runner = createProjectionRunner({ store, readModels });
  await runner.start();
  const asterisk = new AgiAsterisk(store, results);
  const commands = { store, ami: asterisk, readModels: createReadModelSync(runner), logger: silentLogger(), settleTimeoutMs: 2000 };
  const make = () => new DialplanRunner({ store, db: readModels.db, readModels: runner, commands, loadScript: async () => script, logger: silentLogger() });
  const h = {
    store,
    readModels,
    asterisk,
    dialplans: make(),
    async settle() {
      for (let i = 0; i < 10; i += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        await h.dialplans.settle();
        await runner.waitForPosition(await store.headPosition(), 5000);
      }
    },
    /** A `CoreShowChannels` snapshot listing these channels, as ingest records one after a (re)connect. */
    async snapshot(uniqueIds: string[]) {
      const items = uniqueIds.map((Uniqueid) => ({ Event: 'CoreShowChannel', Channel: 'Local/100@demo-1;2', Uniqueid, Linkedid: 'L1' }));
      await store.append('pbx-test', [{ type: 'AmiSnapshot', data: { action: 'CoreShowChannels', items, response: { Response: 'Success' }, round: 'r' }, metadata: { node: 'test' } }]);
      await h.settle();
    },
    async types() {
      return (await store.readStream('call-L1')).map((e) => e.type);
    },
    async restart() {
      await h.dialplans.stop();
      h.dialplans = make();
      await h.dialplans.start();
      await h.settle();
    },
    async close() {
      await h.dialplans.stop();
      await runner.stop();
      await readModels.close();
    },
  };
  await h.dialplans.start();
  return h;
}

const script = (commands: string[], onError: 'hangup' | 'continue' = 'hangup'): DpmaScript => ({
  dpma: { uuid: 'D1', on_error: onError },
  steps: commands.map((command, i) => ({ uuid: `s${i}`, sequence: i + 1, command })),
  version: 1,
});

describe('dialplan runner (int)', () => {
  it('runs the steps in order, one at a time, and fills the AGI read model', async () => {
    const h = await harness(script(['ANSWER', 'EXEC Playback beep', 'EXEC Wait 1', 'HANGUP']), (c) => (c === 'HANGUP' ? '200 result=1\n' : '200 result=0\n'));
    h.asterisk.hold = true;
    await h.store.append('call-L1', [startEvent]);
    await h.settle();
    expect(h.asterisk.agis.map((a) => a.Command)).to.deep.equal(['ANSWER']);
    for (let i = 0; i < 4; i += 1) {
      await h.asterisk.held.shift()!();
      await h.settle();
    }
    expect(h.asterisk.agis.map((a) => a.Command)).to.deep.equal(['ANSWER', 'EXEC Playback beep', 'EXEC Wait 1', 'HANGUP']);
    const types = (await h.types()).filter((t) => t.startsWith('Dialplan') || t === 'AsyncAGIExec');
    expect(types).to.deep.equal([
      'DialplanRunStarted',
      ...Array.from({ length: 4 }, () => ['DialplanStepSent', 'AsyncAGIExec', 'DialplanStepCompleted']).flat(),
      'DialplanRunEnded',
    ]);
    const ended = (await h.store.readStream('call-L1')).at(-1)!;
    expect(ended.data).to.include({ reason: 'completed' });
    const agi = await getAgi(h.readModels.db, 'U1');
    const cmds = Object.values(agi!.cmd);
    expect(cmds.map((c) => [c.command, c.result])).to.deep.include(['HANGUP', '200 result=1\n']);
    expect(h.asterisk.hangups).to.have.length(0);
    await h.close();
  });

  it('510 ends the run with the reason and hangs up (on_error hangup); continue does not hang up', async () => {
    const results = (c: string) => (c === 'BOGUS' ? '510 Invalid or unknown command\n' : '200 result=0\n');
    const h = await harness(script(['ANSWER', 'BOGUS', 'HANGUP']), results);
    await h.store.append('call-L1', [startEvent]);
    await h.settle();
    expect(h.asterisk.agis.map((a) => a.Command)).to.deep.equal(['ANSWER', 'BOGUS']);
    const ended = (await h.store.readStream('call-L1')).find((e) => e.type === 'DialplanRunEnded')!;
    expect(ended.data).to.include({ reason: 'step_failed', step: 1, result_code: 510, hangup: true });
    expect(h.asterisk.hangups).to.have.length(1);
    await h.close();

    const c = await harness(script(['ANSWER', 'BOGUS', 'HANGUP'], 'continue'), results);
    await c.store.append('call-L1', [startEvent]);
    await c.settle();
    expect(c.asterisk.hangups).to.have.length(0);
    await c.close();
  });

  it('unknown dpma ends unknown_dpma and hangs up; a refused AGI action ends agi_refused', async () => {
    const h = await harness(undefined);
    await h.store.append('call-L1', [startEvent]);
    await h.settle();
    expect((await h.store.readStream('call-L1')).find((e) => e.type === 'DialplanRunEnded')!.data).to.include({ reason: 'unknown_dpma' });
    expect(h.asterisk.hangups).to.have.length(1);
    await h.close();
    const r = await harness(script(['REFUSE', 'HANGUP']));
    await r.store.append('call-L1', [startEvent]);
    await r.settle();
    expect((await r.store.readStream('call-L1')).find((e) => e.type === 'DialplanRunEnded')!.data).to.include({ reason: 'agi_refused', step: 0 });
    await r.close();
  });

  it('a restart mid-script holds until the channel snapshot, records the step in flight outcome unknown, goes on, and matches its late result', async () => {
    const h = await harness(script(['ANSWER', 'EXEC Wait 3', 'EXEC Wait 3', 'HANGUP']));
    h.asterisk.hold = true;
    await h.store.append('call-L1', [startEvent]);
    await h.settle();
    await h.asterisk.held.shift()!();
    await h.settle();
    expect(h.asterisk.agis.map((a) => a.Command)).to.deep.equal(['ANSWER', 'EXEC Wait 3']);
    await h.restart();
    expect(h.asterisk.agis, 'nothing is sent before the channel snapshot').to.have.length(2);
    await h.snapshot(['U1']);
    expect(h.asterisk.agis.map((a) => a.Command), 'the next step goes; the one in flight is not sent again').to.deep.equal(['ANSWER', 'EXEC Wait 3', 'EXEC Wait 3']);
    const unknown = (await h.store.readStream('call-L1')).filter((e) => e.type === 'DialplanStepOutcomeUnknown');
    expect(unknown.map((e) => e.data)).to.deep.equal([{ unique_id: 'U1', step: 1, command_id: String(h.asterisk.agis[1]!.CommandID), reason: 'link_lost', detail: unknown[0]!.data.detail }]);
    // Asterisk finishes its queue in order: step 1's result, late, then step 2's, then HANGUP.
    h.asterisk.hold = false;
    await h.asterisk.held.shift()!();
    await h.settle();
    await h.asterisk.held.shift()!();
    await h.settle();
    expect(h.asterisk.agis.map((a) => a.Command)).to.deep.equal(['ANSWER', 'EXEC Wait 3', 'EXEC Wait 3', 'HANGUP']);
    const events = await h.store.readStream('call-L1');
    const completed = events.filter((e) => e.type === 'DialplanStepCompleted').map((e) => e.data);
    expect(completed.map((d) => [d.step, d.late ?? false])).to.deep.equal([[0, false], [1, true], [2, false], [3, false]]);
    expect(events.filter((e) => e.type === 'DialplanStepSent').map((e) => e.data.step)).to.deep.equal([0, 1, 2, 3]);
    expect(events.at(-1)!.data).to.include({ reason: 'completed' });
    expect(events.at(-1)!.data.unknown_steps).to.equal(undefined);
    await h.close();
  });

  it('a restart whose channel the snapshot no longer lists ends channel_gone, sending nothing', async () => {
    const h = await harness(script(['ANSWER', 'EXEC Wait 3', 'HANGUP']));
    h.asterisk.hold = true;
    await h.store.append('call-L1', [startEvent]);
    await h.settle();
    await h.restart();
    await h.snapshot([]);
    expect(h.asterisk.agis.map((a) => a.Command)).to.deep.equal(['ANSWER']);
    expect((await h.store.readStream('call-L1')).at(-1)!.data).to.include({ reason: 'channel_gone', step: 0, hangup: false });
    expect(h.asterisk.hangups).to.have.length(0);
    await h.close();
  });

  it('an AMI reconnect while jade runs is judged the same way: the step in flight outcome unknown, the next step sent', async () => {
    const h = await harness(script(['ANSWER', 'EXEC Wait 3', 'HANGUP']));
    h.asterisk.hold = true;
    await h.store.append('call-L1', [startEvent]);
    await h.settle();
    await h.store.append('pbx-test', [{ type: 'AmiDisconnected', data: { reason: 'test' }, metadata: { node: 'test' } }]);
    await h.settle();
    await h.snapshot(['U1']);
    expect(h.asterisk.agis.map((a) => a.Command)).to.deep.equal(['ANSWER', 'EXEC Wait 3']);
    expect((await h.types()).filter((t) => t.startsWith('DialplanStep'))).to.deep.equal(['DialplanStepSent', 'DialplanStepOutcomeUnknown', 'DialplanStepSent']);
    await h.close();
  });

  it('no steps ends no_steps (hang up by default); 520 ends step_failed like 510', async () => {
    const empty = await harness(script([]));
    await empty.store.append('call-L1', [startEvent]);
    await empty.settle();
    expect((await empty.store.readStream('call-L1')).find((e) => e.type === 'DialplanRunEnded')!.data).to.include({ reason: 'no_steps', hangup: true });
    expect(empty.asterisk.hangups).to.have.length(1);
    expect(empty.asterisk.agis).to.have.length(0);
    await empty.close();
    const usage = await harness(script(['ANSWER', 'GET DATA', 'HANGUP'], 'continue'), (c) => (c === 'GET DATA' ? '520-Invalid command syntax.  Proper usage follows:\nUsage: GET DATA <file to be streamed> [timeout] [maxdigits]\n520 End of proper usage.\n' : '200 result=0\n'));
    await usage.store.append('call-L1', [startEvent]);
    await usage.settle();
    expect(usage.asterisk.agis.map((a) => a.Command)).to.deep.equal(['ANSWER', 'GET DATA']);
    expect((await usage.store.readStream('call-L1')).find((e) => e.type === 'DialplanRunEnded')!.data).to.include({ reason: 'step_failed', step: 1, result_code: 520, hangup: false });
    expect(usage.asterisk.hangups).to.have.length(0);
    await usage.close();
  });

  it('the channel hanging up mid-script ends channel_gone', async () => {
    const h = await harness(script(['ANSWER', 'EXEC Wait 3']));
    h.asterisk.hold = true;
    await h.store.append('call-L1', [startEvent]);
    await h.settle();
    await h.store.append('call-L1', [{ type: 'Hangup', data: { Channel: 'Local/100@demo-1;2', Uniqueid: 'U1', Linkedid: 'L1', Cause: '16' }, metadata: { node: 'test' } }]);
    await h.settle();
    expect((await h.store.readStream('call-L1')).at(-1)!.data).to.include({ reason: 'channel_gone', step: 0 });
    expect(h.asterisk.hangups).to.have.length(0);
    await h.close();
  });
});
