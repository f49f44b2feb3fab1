import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { JadeEvent } from '../../../src/events/index.js';
import type { EventStore, LogSource } from '../../../src/eventstore/index.js';
import { queryLog, type LogQuery } from '../../../src/history/log.js';

/** A writer and a log source reading what it writes; the source is opened before the fixture's events. */
export interface LogSourceFixture {
  readonly writer: EventStore;
  readonly source: LogSource;
  close(): Promise<void>;
}

export type LogSourceFactory = () => Promise<LogSourceFixture>;

const event = (type: string, data: Record<string, unknown> = {}): JadeEvent => ({ type, data, metadata: {} });

/** A time before any event was recorded. */
const longAgo = '2000-01-01T00:00:00.000000000Z';

/**
 * The behaviour every LogSource adapter (src/eventstore/log-port.ts) must show, over one log:
 * three moments of recording, 40 `Noise` on `pbx-a`, one `Wanted` on `call-x` (position 41),
 * then 40 `Noise` and one more `Wanted` (82). Gaps of a few ms keep the moments apart in
 * `recorded_at`; the SQLite store records each group of concurrent appends with one timestamp.
 */
export function logSourceContract(name: string, open: LogSourceFactory): void {
  describe(`log source contract: ${name}`, function () {
    let fixture: LogSourceFixture;
    let source: LogSource;
    const positions = async (query: Partial<LogQuery>, budget?: number): Promise<number[]> =>
      (await queryLog(source, { fromPosition: 1, limit: 1000, ...query }, budget)).events.map((e) => e.position);

    before(async function () {
      fixture = await open();
      source = fixture.source;
      const { writer } = fixture;
      await Promise.all(Array.from({ length: 40 }, (_, i) => writer.append('pbx-a', [event('Noise', { i })])));
      await sleep(5);
      await writer.append('call-x', [event('Wanted')]);
      await sleep(5);
      await Promise.all(Array.from({ length: 40 }, (_, i) => writer.append('pbx-a', [event('Noise', { i })])));
      await writer.append('call-x', [event('Wanted')]);
    });

    after(async function () {
      await fixture?.close();
    });

    it('sees what the writer commits, including after it opened', async function () {
      expect(await source.head()).to.equal(82);
      await fixture.writer.append('pbx-a', [event('Late')]);
      expect(await source.head()).to.equal(83);
      expect(await source.get(83)).to.include({ type: 'Late', stream: 'pbx-a', revision: 80 });
    });

    it('gets one event by position, and nothing outside the log', async function () {
      expect(await source.get(41)).to.include({ position: 41, type: 'Wanted', stream: 'call-x', revision: 0 });
      expect((await source.get(1))?.data).to.have.property('i');
      expect(await source.get(0)).to.equal(undefined);
      expect(await source.get(84)).to.equal(undefined);
    });

    it('pages a sparse filter within the scan budget and resumes where it stopped', async function () {
      const first = await queryLog(source, { types: ['Wanted'], fromPosition: 1, limit: 10 }, 30);
      expect(first.events).to.deep.equal([]);
      expect(first.nextPosition).to.be.a('number').and.greaterThan(1);
      const second = await queryLog(source, { types: ['Wanted'], fromPosition: first.nextPosition!, limit: 1 }, 1000);
      expect(second.events.map((e) => e.position)).to.deep.equal([41]);
      expect(second.nextPosition).to.equal(82);
    });

    it('turns times into positions by binary search, and filters since/until exactly', async function () {
      const wanted = (await source.get(41))!;
      expect(await source.positionAt(wanted.recordedAt)).to.equal(41);
      expect(await source.positionAt(longAgo)).to.equal(0);
      const only = await queryLog(source, { since: wanted.recordedAt, until: wanted.recordedAt, fromPosition: 1, limit: 100 });
      expect(only.events.map((e) => e.position)).to.deep.equal([41]);
      const stream = await queryLog(source, { stream: 'call-x', since: wanted.recordedAt, fromPosition: 1, limit: 100 });
      expect(stream.events.map((e) => e.position)).to.deep.equal([41, 82]);
    });

    it('answers the head for a time after the last event', async function () {
      const last = (await source.get(await source.head()))!;
      expect(await source.positionAt(last.recordedAt)).to.equal(await source.head());
      expect(await source.positionAt('2999-01-01T00:00:00.000000000Z')).to.equal(await source.head());
    });

    it('filters by stream, stream prefix and any of several types', async function () {
      expect(await positions({ stream: 'call-x' })).to.deep.equal([41, 82]);
      expect(await positions({ streamPrefix: 'call-' })).to.deep.equal([41, 82]);
      expect(await positions({ streamPrefix: 'pbx-', types: ['Wanted'] })).to.deep.equal([]);
      expect(await positions({ types: ['Wanted', 'Late'] })).to.deep.equal([41, 82, 83]);
      expect(await positions({ stream: 'call-y' })).to.deep.equal([]);
    });

    it('reads a position range inclusively, within the log', async function () {
      expect(await positions({ fromPosition: 40, toPosition: 42 })).to.deep.equal([40, 41, 42]);
      expect(await positions({ stream: 'call-x', fromPosition: 42 })).to.deep.equal([82]);
      expect(await positions({ stream: 'call-x', toPosition: 81 })).to.deep.equal([41]);
      expect(await positions({ fromPosition: 83, toPosition: 1000 })).to.deep.equal([83]);
      expect(await positions({ fromPosition: 84 })).to.deep.equal([]);
    });

    it('pages by limit with next_position, null at the end, and the pages add up to the log', async function () {
      const first = await queryLog(source, { fromPosition: 1, limit: 10 });
      expect(first.events.map((e) => e.position)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(first.nextPosition).to.equal(11);
      expect(await queryLog(source, { types: ['Wanted'], fromPosition: 1, limit: 1 })).to.deep.include({ nextPosition: 82 });
      expect(await queryLog(source, { types: ['Wanted'], fromPosition: 1, limit: 2 })).to.deep.include({ nextPosition: null });
      const seen: number[] = [];
      let from: number | null = 1;
      while (from !== null) {
        const page = await queryLog(source, { fromPosition: from, limit: 25 });
        seen.push(...page.events.map((e) => e.position));
        from = page.nextPosition;
      }
      expect(seen).to.deep.equal(Array.from({ length: 83 }, (_, i) => i + 1));
    });

    it('bounds by recorded time on either side alone', async function () {
      const wanted = (await source.get(41))!;
      expect(await positions({ until: wanted.recordedAt, types: ['Noise', 'Wanted'] })).to.have.length(41);
      expect((await positions({ since: wanted.recordedAt }))[0]).to.equal(41);
      expect(await positions({ until: longAgo })).to.deep.equal([]);
    });
  });
}
