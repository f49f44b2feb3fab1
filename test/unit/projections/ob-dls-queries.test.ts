import { expect } from 'chai';
import { countDls, getDl, listDialableDls, listDialingDls, listDls } from '../../../projections/ob-dls.js';
import { obStreams, type DlFields } from '../../../src/events/index.js';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import {
  compareDialOrder,
  decideDlCreate,
  decideDlDialingStart,
  decideDlmaCreate,
  evolveDl,
  evolveDlma,
  isDlDialable,
  isDlFinished,
  planDefaults,
  type DlObject,
  type ObEvent,
  type RetryPolicy,
} from '../../../src/outbound/resources/index.js';
import { openReadModelDb, type ReadModelDb } from '../../../src/readmodels/database.js';
import { createProjectionRunner } from '../../../src/readmodels/index.js';
import { formatTimestamp } from '../../../src/events/time.js';

/**
 * The dialer picks entries with SQL (`listDialableDls`, `countDls`); the catalog's rule is stated once more
 * as pure functions (`isDlDialable`, `isDlFinished`, `compareDialOrder`). Both must agree on every entry.
 */

const DLMA = '33333333-3333-4333-8333-333333333333';
const OTHER_DLMA = '88888888-8888-4888-8888-888888888888';
const NOW = '2026-01-01T12:00:00.000000000Z';
const policy: RetryPolicy = { ...planDefaults, retry_delay: 60, max_retry_cnt_1: 2, max_retry_cnt_2: 1, max_retry_cnt_3: 0 };
const at = (offsetSeconds: number): string => formatTimestamp(BigInt(Date.parse(NOW)) * 1_000_000n + BigInt(offsetSeconds) * 1_000_000_000n);
const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Entries that exercise every clause of the rule (and a few that pass all of them). */
const cases: Partial<DlFields>[] = [
  { number_1: '300' },
  { number_1: '301', trycnt_1: 1, tm_last_hangup: at(-61) },
  { number_1: '302', trycnt_1: 1, tm_last_hangup: at(-60) },
  { number_1: '303', trycnt_1: 1, tm_last_hangup: at(-30) },
  { number_1: '304', trycnt_1: 2 },
  { number_1: '305', trycnt_1: 2, number_2: '405' },
  { number_1: '306', trycnt_1: 2, number_2: '406', trycnt_2: 1 },
  { number_3: '307' },
  { number_8: '308', trycnt_8: 4 },
  { number_1: '309', res_dial: 4 },
  { number_1: '310', res_dial: 5, trycnt_1: 1, tm_last_hangup: at(-3600) },
  { number_1: '311', status: 2 },
  { number_1: '312', status: 1 },
  {},
  { number_2: '313', trycnt_1: 3 },
];

describe('outbound dial list queries', () => {
  let readModels: ReadModelDb;
  let store: MemoryEventStore;
  const entries: DlObject[] = [];

  before(async () => {
    store = new MemoryEventStore();
    readModels = await openReadModelDb(':memory:');
    const append = async (stream: string, events: readonly ObEvent[]) =>
      store.append(stream, events.map((event) => ({ type: event.type, data: event.data as Record<string, unknown>, metadata: {} })));
    for (const dlmaUuid of [DLMA, OTHER_DLMA]) await append(obStreams.dlma(dlmaUuid), decideDlmaCreate(undefined, { uuid: dlmaUuid, fields: {}, now: at(-7200) }));
    const dlma = decideDlmaCreate(undefined, { uuid: DLMA, fields: {}, now: at(-7200) }).reduce(evolveDlma, undefined);
    for (const [index, fields] of cases.entries()) {
      const created = decideDlCreate(undefined, { uuid: uuid(index), fields: { dlma_uuid: DLMA, ...fields }, dlma, now: at(-7000 + index) });
      await append(obStreams.dl(uuid(index)), created);
      entries.push(created.reduce(evolveDl, undefined)!);
    }
    // One entry held by a dialing, and one entry of another dlma that must never show up.
    const held = { number_1: '320' };
    const heldCreated = decideDlCreate(undefined, { uuid: uuid(100), fields: { dlma_uuid: DLMA, ...held }, dlma, now: at(-5000) });
    const heldStarted = decideDlDialingStart(heldCreated.reduce(evolveDl, undefined), {
      uuid: uuid(100),
      dialing_uuid: uuid(200),
      campaign_uuid: uuid(300),
      plan_uuid: uuid(400),
      dial_index: 1,
      now: at(-10),
    });
    await append(obStreams.dl(uuid(100)), [...heldCreated, ...heldStarted]);
    entries.push([...heldCreated, ...heldStarted].reduce(evolveDl, undefined)!);
    await append(obStreams.dl(uuid(101)), decideDlCreate(undefined, { uuid: uuid(101), fields: { dlma_uuid: OTHER_DLMA, number_1: '999' }, dlma: { ...dlma!, uuid: OTHER_DLMA }, now: at(-9000) }));

    const runner = createProjectionRunner({ store, readModels });
    await runner.catchUp();
  });

  after(async () => {
    await store.close();
    await readModels.close();
  });

  it('stores each entry exactly as its stream folds', async () => {
    for (const entry of entries) expect(await getDl(readModels.db, entry.uuid)).to.deep.equal(entry);
  });

  it('lists a dlma’s entries in creation order, at most count', async () => {
    const listed = await listDls(readModels.db, DLMA, 5);
    expect(listed.map((dl) => dl.uuid)).to.deep.equal([uuid(0), uuid(1), uuid(2), uuid(3), uuid(4)]);
    expect((await listDls(readModels.db, DLMA)).length).to.equal(entries.length);
  });

  it('offers exactly the entries the rule calls dialable, in the rule’s order', async () => {
    const expected = entries.filter((dl) => isDlDialable(dl, policy, NOW)).sort(compareDialOrder).map((dl) => dl.uuid);
    // Least-tried first (0, 1, 1, 2, 3, 4 tries); the older of two equals first.
    expect(expected).to.deep.equal([uuid(0), uuid(1), uuid(10), uuid(5), uuid(14), uuid(8)]);
    const listed = await listDialableDls(readModels.db, DLMA, policy, NOW, 100);
    expect(listed.map((dl) => dl.uuid)).to.deep.equal(expected);
    expect((await listDialableDls(readModels.db, DLMA, policy, NOW)).map((dl) => dl.uuid)).to.deep.equal([uuid(0)]);
  });

  it('counts like the rule: total, held, dialable, finished and what is left', async () => {
    const counts = await countDls(readModels.db, DLMA, policy, NOW);
    const finished = entries.filter((dl) => isDlFinished(dl, policy)).length;
    expect(counts).to.deep.equal({
      total: entries.length,
      dialing: 1,
      dialable: entries.filter((dl) => isDlDialable(dl, policy, NOW)).length,
      finished,
      unfinished: entries.length - finished,
    });
  });

  it('lists the entries dialings hold (what the dialer reconciles after a restart)', async () => {
    expect((await listDialingDls(readModels.db)).map((dl) => dl.uuid)).to.deep.equal([uuid(100)]);
    expect(await listDialingDls(readModels.db, OTHER_DLMA)).to.deep.equal([]);
  });
});
