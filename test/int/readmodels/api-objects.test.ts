import { expect } from 'chai';
import { getAgi, getAgiJson, listAgis, listAgisJson, toAgiObject } from '../../../projections/agis.js';
import { getChannelJson, listChannels, listChannelsJson, toChannelObject, type ChannelRow } from '../../../projections/channels.js';
import { appendCapture, appendReconnect, harness, type Harness } from './support.js';

/** The REST answer (SQLite JSON) and the realtime payload (JS object) come from one declaration: the same text. */
describe('API objects: REST JSON and realtime payload are one render', function () {
  this.timeout(20_000);
  let h: Harness;
  const now = '2026-11-27T21:00:07.9999Z';

  before(async () => {
    h = await harness();
    await appendCapture(h.store);
    const runner = h.runner();
    await runner.catchUp();
    await appendReconnect(h.store, (await listChannels(h.readModels.db, now)).map((c) => c.unique_id));
    await runner.catchUp();
  });
  after(async () => {
    await h.close();
  });

  it('channels: JSON.stringify of the realtime object is the SQLite JSON, key for key', async () => {
    const rows: (ChannelRow & { node: string })[] = (await listChannels(h.readModels.db, now)).map(({ duration: _, ...row }) => row);
    expect(rows).to.not.be.empty;
    expect(JSON.stringify(rows.map((row) => toChannelObject(row, now)))).to.equal(await listChannelsJson(h.readModels.db, now));
    for (const row of rows) expect(JSON.stringify(toChannelObject(row, now))).to.equal(await getChannelJson(h.readModels.db, row.unique_id, now));
  });

  it('agis: JSON.stringify of the realtime object is the SQLite JSON, key for key', async () => {
    const rows = await listAgis(h.readModels.db);
    expect(rows).to.not.be.empty;
    expect(JSON.stringify(rows.map(toAgiObject))).to.equal(await listAgisJson(h.readModels.db));
    const one = await getAgi(h.readModels.db, rows[0]!.unique_id);
    expect(JSON.stringify(toAgiObject(one!))).to.equal(await getAgiJson(h.readModels.db, rows[0]!.unique_id));
  });
});
