import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqliteEventStore } from '../../../src/eventstore/sqlite/sqlite-event-store.js';
import { queryLog } from '../../../src/history/log.js';
import { SqliteLogSource } from '../../../src/history/sqlite-log.js';

describe('the log read from the SQLite file beside its writer', () => {
  let dir: string;
  let store: SqliteEventStore;
  let source: SqliteLogSource;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jade-log-'));
    store = await SqliteEventStore.open({ dataDir: dir });
    // Three groups with three recorded_at values: 40 noise, 1 wanted, 40 noise + 1 wanted.
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.append('pbx-a', [{ type: 'Noise', data: { i }, metadata: {} }])));
    await new Promise((resolve) => setTimeout(resolve, 5));
    await store.append('call-x', [{ type: 'Wanted', data: {}, metadata: {} }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.append('pbx-a', [{ type: 'Noise', data: { i }, metadata: {} }])));
    await store.append('call-x', [{ type: 'Wanted', data: {}, metadata: {} }]);
    // Opened while the store holds the data dir's lock: a reader needs no lock.
    source = SqliteLogSource.open(dir);
  });

  after(async () => {
    source?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sees what the writer commits, including after it opened', async () => {
    expect(await source.head()).to.equal(82);
    await store.append('pbx-a', [{ type: 'Late', data: {}, metadata: {} }]);
    expect(await source.head()).to.equal(83);
    expect(await source.get(83)).to.include({ type: 'Late', stream: 'pbx-a', revision: 80 });
  });

  it('pages a sparse filter within the scan budget and resumes where it stopped', async () => {
    const first = await queryLog(source, { types: ['Wanted'], fromPosition: 1, limit: 10 }, 30);
    expect(first.events).to.deep.equal([]);
    expect(first.nextPosition).to.be.a('number').and.greaterThan(1);
    const second = await queryLog(source, { types: ['Wanted'], fromPosition: first.nextPosition!, limit: 1 }, 1000);
    expect(second.events.map((e) => e.position)).to.deep.equal([41]);
    expect(second.nextPosition).to.equal(82);
  });

  it('turns times into positions by binary search, and filters since/until exactly', async () => {
    const wanted = (await source.get(41))!;
    expect(await source.positionAt(wanted.recordedAt)).to.equal(41);
    expect(await source.positionAt('2000-01-01T00:00:00.000000000Z')).to.equal(0);
    const only = await queryLog(source, { since: wanted.recordedAt, until: wanted.recordedAt, fromPosition: 1, limit: 100 });
    expect(only.events.map((e) => e.position)).to.deep.equal([41]);
    const stream = await queryLog(source, { stream: 'call-x', since: wanted.recordedAt, fromPosition: 1, limit: 100 });
    expect(stream.events.map((e) => e.position)).to.deep.equal([41, 82]);
  });
});
