import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { queryLog, toWireEvent } from '../../../src/history/log.js';
import { StoreLogSource } from '../../../src/eventstore/store-log-source.js';
import type { RecordedEvent } from '../../../src/events/index.js';

async function storeWith(types: readonly string[]): Promise<MemoryEventStore> {
  const store = new MemoryEventStore();
  for (const [index, type] of types.entries()) await store.append(index % 2 === 0 ? 'call-a' : 'pbx-x', [{ type, data: { n: index }, metadata: {} }]);
  return store;
}

describe('log queries', () => {
  it('stops a sparse filter at the scan budget with a next_position to resume from, and still finds every match', async () => {
    const store = await storeWith([...Array<string>(50).fill('Noise'), 'Wanted', 'Noise', 'Wanted']);
    const source = new StoreLogSource(store);
    const first = await queryLog(source, { types: ['Wanted'], fromPosition: 1, limit: 10 }, 20);
    expect(first).to.deep.equal({ events: [], nextPosition: 21 });
    const found: number[] = [];
    let from: number | null = 1;
    let pages = 0;
    while (from !== null) {
      const page = await queryLog(source, { types: ['Wanted'], fromPosition: from, limit: 10 }, 20);
      found.push(...page.events.map((event) => event.position));
      from = page.nextPosition;
      pages += 1;
    }
    expect(found).to.deep.equal([51, 53]);
    expect(pages).to.equal(3);
  });

  it('answers next_position null exactly when nothing else matches, and the next match otherwise', async () => {
    const source = new StoreLogSource(await storeWith(['A', 'B', 'A', 'B', 'A']));
    expect(await queryLog(source, { types: ['A'], fromPosition: 1, limit: 2 })).to.deep.include({ nextPosition: 5 });
    expect(await queryLog(source, { types: ['A'], fromPosition: 1, limit: 3 })).to.deep.include({ nextPosition: null });
    expect((await queryLog(source, { stream: 'pbx-x', fromPosition: 1, toPosition: 3, limit: 10 })).events.map((e) => e.position)).to.deep.equal([2]);
    expect((await queryLog(source, { streamPrefix: 'call-', fromPosition: 2, limit: 10 })).events.map((e) => e.position)).to.deep.equal([3, 5]);
  });

  it('finds the last position recorded at or before a time', async () => {
    const store = await storeWith(['A', 'B', 'C']);
    const source = new StoreLogSource(store);
    const [a, , c] = await store.readAll();
    expect(await source.positionAt(a!.recordedAt)).to.equal(1);
    expect(await source.positionAt('2000-01-01T00:00:00.000000000Z')).to.equal(0);
    expect(await source.positionAt(c!.recordedAt)).to.equal(3);
    expect(await source.get(2)).to.include({ type: 'B' });
    expect(await source.get(4)).to.equal(undefined);
  });

  it('masks password and token hashes and secret-named fields, at any depth, in data and metadata', () => {
    const event: RecordedEvent = {
      position: 1,
      stream: 'user-1',
      revision: 0,
      type: 'Anything',
      data: { username: 'a', password_hash: 'scrypt$x', token_hash: 'abc', nested: { Secret: 's', list: [{ password: 'p' }] }, UsingPassword: '1' },
      metadata: { authtoken: 't' },
      recordedAt: '2026-01-01T00:00:00.000000000Z',
    };
    const wire = toWireEvent(event);
    expect(wire.data).to.deep.equal({
      username: 'a',
      password_hash: '[redacted]',
      token_hash: '[redacted]',
      nested: { Secret: '[redacted]', list: [{ password: '[redacted]' }] },
      UsingPassword: '1',
    });
    expect(wire.metadata).to.deep.equal({ authtoken: '[redacted]' });
    expect(wire).to.include({ position: 1, stream: 'user-1', revision: 0, type: 'Anything', recorded_at: '2026-01-01T00:00:00.000000000Z' });
  });
});
