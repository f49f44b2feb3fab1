import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { ScratchReadModels } from '../../../src/history/scratch.js';
import { listChannels } from '../../../projections/channels.js';
import { channelFields } from '../projections/support/events.js';

async function storeWithChannels(count: number): Promise<MemoryEventStore> {
  const store = new MemoryEventStore();
  for (let i = 1; i <= count; i++) {
    await store.append(`call-${i}.1`, [{ type: 'Newchannel', data: channelFields(`${i}.1`), metadata: { receivedAt: '2026-01-01T00:00:00.000000000Z' } }]);
  }
  return store;
}

const now = '2026-01-01T00:00:01.000000000Z';

describe('point-in-time scratch read models', () => {
  it('holds the read models as of the position asked: one channel per Newchannel up to it', async () => {
    const scratch = new ScratchReadModels({ store: await storeWithChannels(5) });
    for (const position of [0, 2, 5]) {
      const lease = await scratch.acquire(position);
      expect((await listChannels(lease.db, now)).length, `at ${position}`).to.equal(position);
      lease.release();
    }
    await scratch.close();
  });

  it('reuses a built position, and builds a later one from a copy of the nearest earlier one', async () => {
    const scratch = new ScratchReadModels({ store: await storeWithChannels(10) });
    (await scratch.acquire(4)).release();
    (await scratch.acquire(4)).release();
    expect(scratch.stats()).to.include({ builds: 1, replayed: 4 });
    const later = await scratch.acquire(10);
    expect(scratch.stats()).to.include({ builds: 2, replayed: 10 });
    expect((await listChannels(later.db, now)).length).to.equal(10);
    later.release();
    const earlier = await scratch.acquire(4);
    expect((await listChannels(earlier.db, now)).length, 'the copy left the earlier one as it was').to.equal(4);
    earlier.release();
    await scratch.close();
  });

  it('keeps only the most recently used few, and never closes one still being read', async () => {
    const scratch = new ScratchReadModels({ store: await storeWithChannels(6), capacity: 2 });
    const held = await scratch.acquire(1);
    (await scratch.acquire(2)).release();
    (await scratch.acquire(3)).release();
    expect(scratch.stats().cached).to.deep.equal([2, 3]);
    // Evicted while leased: still readable until released.
    expect((await listChannels(held.db, now)).length).to.equal(1);
    held.release();
    await scratch.close();
  });
});
