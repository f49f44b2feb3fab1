import { expect } from 'chai';
import { getAgi, getAgiJson, listAgis, listAgisJson } from '../../../projections/agis.js';
import { getChannel, getChannelJson, listChannels } from '../../../projections/channels.js';
import { getModule, listModules, listModulesJson } from '../../../projections/modules.js';
import { getSystem, listSystems } from '../../../projections/systems.js';
import { appendCapture, appendReconnect, harness, type Harness } from './support.js';

describe('read-model queries', function () {
  this.timeout(20_000);
  let h: Harness;

  before(async () => {
    h = await harness();
    await appendCapture(h.store);
    const runner = h.runner();
    await runner.catchUp();
    const live = (await listChannels(h.readModels.db, '2026-11-27T21:00:00Z')).map((c) => c.unique_id);
    await appendReconnect(h.store, live);
    await runner.catchUp();
  });
  after(async () => {
    await h.close();
  });

  it('channels: the SQLite-built JSON and the typed rows agree, duration included, to the millisecond edge', async () => {
    const channel = await getChannel(h.readModels.db, '9999.1', '2026-11-27T21:00:00Z');
    expect(channel).to.include({ channel: 'PJSIP/new-00000001', application: 'Wait', duration: 3 });
    const created = channel!.tm_create;
    for (const now of ['2026-11-27T21:00:00Z', '2026-11-27T21:00:07.9999Z', '2026-11-27T20:59:57.0005Z', '2026-11-27T20:00:00Z', created]) {
      const typed = await getChannel(h.readModels.db, '9999.1', now);
      const json = JSON.parse((await getChannelJson(h.readModels.db, '9999.1', now))!) as unknown;
      expect(json, now).to.deep.equal(typed);
    }
    expect(await getChannel(h.readModels.db, 'nope', '2026-11-27T21:00:00Z')).to.equal(undefined);
  });

  it('agis: list and detail, as objects and as SQLite JSON', async () => {
    const list = await listAgis(h.readModels.db);
    expect(list.map((a) => a.unique_id)).to.deep.equal(['9999.1']);
    expect(list[0]!.cmd['c-1']).to.include({ result: '200 result=0\n', command: null });
    expect(JSON.parse(await listAgisJson(h.readModels.db))).to.deep.equal(list);
    expect(JSON.parse((await getAgiJson(h.readModels.db, '9999.1'))!)).to.deep.equal(await getAgi(h.readModels.db, '9999.1'));
  });

  it('modules: found with or without .so; list JSON equals the rows', async () => {
    expect(await getModule(h.readModels.db, 'app_queue.so')).to.include({ name: 'app_queue', load: 'Running', size: null });
    expect(await getModule(h.readModels.db, 'chan_mobile')).to.include({ load: 'Not Running' });
    expect(JSON.parse(await listModulesJson(h.readModels.db))).to.deep.equal(await listModules(h.readModels.db));
  });

  it('systems: one object with id "1"', async () => {
    const list = await listSystems(h.readModels.db);
    expect(list.map((s) => s.id)).to.deep.equal(['1']);
    expect(await getSystem(h.readModels.db, '1')).to.include({ ast_version: '22.10.0', current_calls: list[0]!.current_calls, max_load_avg: 0 });
    expect(await getSystem(h.readModels.db, '2')).to.equal(undefined);
  });
});
