import { expect } from 'chai';
import { agisProjection, getAgi } from '../../../projections/agis.js';
import { dialplansProjection, getDpmaScript } from '../../../projections/dialplans.js';
import { DialplanRunner } from '../../../src/dialplans/index.js';
import { DpResourceCommands } from '../../../src/dp/commands.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { silentLogger } from '../../../src/logger.js';
import { openReadModelDb } from '../../../src/readmodels/database.js';
import { createProjectionRunner } from '../../../src/readmodels/runner.js';
import { createReadModelSync } from '../../../src/readmodels/sync.js';
import { dumpAllTables } from '../readmodels/support.js';
import { AgiAsterisk, startEventFor } from './support.js';

/**
 * Rebuild equals live for the async-dialplan read models: the dpmas and steps (projections/dialplans.ts) after
 * creates, edits and deletes, and the AGI sessions (projections/agis.ts) after runs that completed (across a
 * runner restart with a step of unknown outcome and its late result), failed, or never started, then ended.
 */
describe('async dialplans: rebuild equals live', function () {
  this.timeout(30_000);

  it('dp_dpmas, dp_dialplans and agis rebuilt from the log equal the live tables, row for row', async () => {
    const store = new MemoryEventStore();
    const readModels = await openReadModelDb(':memory:');
    const runner = createProjectionRunner({ store, readModels });
    await runner.start();
    const sync = createReadModelSync(runner);
    const dp = new DpResourceCommands({ store, db: readModels.db, readModels: sync, settleTimeoutMs: 2000 });
    const ctx = dp.context({ uuid: 'admin', username: 'admin' });
    const results = (command: string) => (command === 'BOGUS' ? '510 Invalid or unknown command\n' : command === 'HANGUP' ? '200 result=1\n' : '200 result=0\n');
    const asterisk = new AgiAsterisk(store, results);
    const commands = { store, ami: asterisk, readModels: sync, logger: silentLogger(), settleTimeoutMs: 2000 };
    const make = () => new DialplanRunner({ store, db: readModels.db, readModels: runner, commands, loadScript: (uuid) => getDpmaScript(readModels.db, uuid), logger: silentLogger() });
    let dialplans = make();
    await dialplans.start();
    const settle = async () => {
      for (let i = 0; i < 10; i += 1) {
        await new Promise((resolve) => setImmediate(resolve));
        await dialplans.settle();
        await runner.waitForPosition(await store.headPosition(), 5000);
      }
    };

    // Resources: two dpmas with steps (one edited, one step deleted), one created and deleted.
    const a = (await dp.dpmas.create(ctx, { name: 'a', detail: 'main' })).uuid;
    const b = (await dp.dpmas.create(ctx, { name: 'b', on_error: 'continue' })).uuid;
    const gone = (await dp.dpmas.create(ctx, { name: 'gone' })).uuid;
    await dp.dpmas.delete(ctx, gone, {});
    for (const [sequence, command] of ['ANSWER', 'EXEC Wait 3', 'HANGUP'].entries()) await dp.dialplans.create(ctx, { dpma_uuid: a, sequence: sequence + 1, command });
    const stray = (await dp.dialplans.create(ctx, { dpma_uuid: b, sequence: 9, command: 'NOOP' })).uuid;
    await dp.dialplans.delete(ctx, stray, {});
    const bogus = (await dp.dialplans.create(ctx, { dpma_uuid: b, sequence: 1, command: 'ANSWER' })).uuid;
    await dp.dialplans.update(ctx, bogus, { command: 'BOGUS', name: 'fails' });
    await dp.dpmas.update(ctx, a, { detail: 'edited' });

    // U2 runs a, with jade restarted while its Wait runs; U3 runs b (510); U4 names a dpma that is no more.
    asterisk.hold = true;
    await store.append('call-L2', [startEventFor(2, a)]);
    await settle();
    await asterisk.held.shift()!();
    await settle();
    await dialplans.stop();
    dialplans = make();
    await dialplans.start();
    const listing = (ids: string[]) => ({
      type: 'AmiSnapshot',
      data: { action: 'CoreShowChannels', items: ids.map((Uniqueid) => ({ Event: 'CoreShowChannel', Uniqueid })), response: { Response: 'Success' }, round: 'r' },
      metadata: { node: 'test' },
    });
    await store.append('pbx-test', [listing(['U2'])]);
    await settle();
    asterisk.hold = false;
    for (const release of asterisk.held.splice(0)) await release();
    await settle();
    await store.append('call-L3', [startEventFor(3, b)]);
    await store.append('call-L4', [startEventFor(4, gone)]);
    await settle();
    for (const n of [2, 3]) {
      await store.append(`call-L${n}`, [
        { type: 'AsyncAGIEnd', data: { Channel: `Local/${n}@demo-1;2`, Uniqueid: `U${n}`, Linkedid: `L${n}` }, metadata: { node: 'test' } },
        { type: 'Hangup', data: { Channel: `Local/${n}@demo-1;2`, Uniqueid: `U${n}`, Linkedid: `L${n}`, Cause: '16' }, metadata: { node: 'test' } },
      ]);
    }
    await store.append('pbx-test', [listing([])]);
    await settle();

    const reasons = await Promise.all(['U2', 'U3', 'U4'].map(async (id) => {
      const agi = await getAgi(readModels.db, id);
      return [agi?.status, agi?.dialplan?.reason];
    }));
    expect(reasons).to.deep.equal([['ended', 'completed'], ['ended', 'step_failed'], ['ended', 'unknown_dpma']]);
    const types = (await store.readStream('call-L2')).map((e) => e.type);
    expect(types).to.include.members(['DialplanStepOutcomeUnknown']);

    const projections = [dialplansProjection, agisProjection];
    const live = await dumpAllTables(readModels, projections);
    expect(live.dp_dpmas).to.have.length(2);
    expect(live.dp_dialplans).to.have.length(4);
    expect(live.agis).to.have.length(3);
    await runner.rebuild(['dialplans', 'agis']);
    expect(await dumpAllTables(readModels, projections)).to.deep.equal(live);

    await dialplans.stop();
    await runner.stop();
    await readModels.close();
  });
});
