import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { JadeEvent, RecordedEvent } from '../../../src/events/index.js';
import { ConcurrencyError, type AppendResult, type EventStore, type Subscription } from '../../../src/eventstore/port.js';

export interface EventStoreCapabilities {
  /** Positions are 1, 2, 3, ... with no holes (embedded stores); EventStoreDB's are log byte offsets. */
  readonly gapFreePositions: boolean;
  /** Each factory call gives an empty store (not true of a shared EventStoreDB server). */
  readonly emptyOnOpen: boolean;
}

export type EventStoreFactory = () => Promise<EventStore>;

const apiTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

function event(type: string, data: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): JadeEvent {
  return { type, data, metadata };
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

function expectIncreasing(positions: readonly number[], gapFree: boolean): void {
  for (let i = 1; i < positions.length; i++) {
    if (gapFree) expect(positions[i], `position #${i}`).to.equal(positions[i - 1]! + 1);
    else expect(positions[i], `position #${i}`).to.be.greaterThan(positions[i - 1]!);
  }
}

/**
 * The behaviour every EventStore adapter must show. Streams are named per test with a random token,
 * so the suite also runs against a shared, non-empty server; events of other tests are filtered out.
 */
export function eventStoreContract(name: string, factory: EventStoreFactory, capabilities: EventStoreCapabilities): void {
  describe(`event store contract: ${name}`, function () {
    let store: EventStore;
    let token: string;
    const open: Subscription[] = [];
    const stream = (label: string): string => `${label}-${token}`;
    const ours = (events: readonly RecordedEvent[]): RecordedEvent[] => events.filter((e) => e.stream.endsWith(token));

    beforeEach(async function () {
      token = randomUUID().slice(0, 8);
      store = await factory();
    });

    afterEach(async function () {
      await Promise.all(open.splice(0).map((subscription) => subscription.close()));
      await store.close();
    });

    describe('append', function () {
      it('appends to a new stream with no_stream and reports the last revision and the positions', async function () {
        const result = await store.append(stream('call'), [event('A'), event('B'), event('C')], 'no_stream');
        expect(result.nextExpectedRevision).to.equal(2);
        expect(result.firstPosition).to.be.greaterThan(0);
        if (capabilities.gapFreePositions) expect(result.lastPosition).to.equal(result.firstPosition + 2);
        else expect(result.lastPosition).to.be.greaterThan(result.firstPosition);
      });

      it('appends with any to a new and to an existing stream', async function () {
        expect((await store.append(stream('pbx'), [event('A')], 'any')).nextExpectedRevision).to.equal(0);
        expect((await store.append(stream('pbx'), [event('B')])).nextExpectedRevision).to.equal(1);
      });

      it('appends with the exact current revision', async function () {
        await store.append(stream('campaign'), [event('A'), event('B')], 'no_stream');
        const result = await store.append(stream('campaign'), [event('C')], 1);
        expect(result.nextExpectedRevision).to.equal(2);
      });

      it('rejects no_stream on an existing stream with a ConcurrencyError naming stream, expected and actual', async function () {
        await store.append(stream('command'), [event('A')], 'no_stream');
        const error = await rejection(store.append(stream('command'), [event('B')], 'no_stream'));
        expect(error).to.be.instanceOf(ConcurrencyError);
        expect(error).to.include({ stream: stream('command'), expected: 'no_stream', actual: 0 });
      });

      it('rejects an exact revision on a missing stream with actual no_stream', async function () {
        const error = await rejection(store.append(stream('user'), [event('A')], 0));
        expect(error).to.be.instanceOf(ConcurrencyError);
        expect(error).to.include({ stream: stream('user'), expected: 0, actual: 'no_stream' });
      });

      it('rejects a stale exact revision with the actual one, and writes nothing', async function () {
        await store.append(stream('plan'), [event('A'), event('B'), event('C')]);
        const error = await rejection(store.append(stream('plan'), [event('D')], 0));
        expect(error).to.be.instanceOf(ConcurrencyError);
        expect(error).to.include({ expected: 0, actual: 2 });
        expect((await store.readStream(stream('plan'))).map((e) => e.type)).to.deep.equal(['A', 'B', 'C']);
      });

      it('rejects an append of no events', async function () {
        expect(await rejection(store.append(stream('empty'), []))).to.be.instanceOf(RangeError);
      });
    });

    describe('readStream', function () {
      beforeEach(async function () {
        await store.append(stream('call'), [0, 1, 2, 3, 4].map((n) => event(`E${n}`, { n }, { node: 'pbx1', commandId: `c${n}` })));
      });

      it('reads a stream forwards with its data, metadata, positions and recordedAt', async function () {
        const events = await store.readStream(stream('call'));
        expect(events.map((e) => e.revision)).to.deep.equal([0, 1, 2, 3, 4]);
        expect(events[2]).to.deep.include({ stream: stream('call'), type: 'E2', data: { n: 2 }, metadata: { node: 'pbx1', commandId: 'c2' } });
        expect(events[0]!.recordedAt).to.match(apiTimestamp);
        expectIncreasing(events.map((e) => e.position), capabilities.gapFreePositions);
      });

      it('reads forwards from a revision, at most maxCount', async function () {
        const events = await store.readStream(stream('call'), { fromRevision: 1, maxCount: 3 });
        expect(events.map((e) => e.revision)).to.deep.equal([1, 2, 3]);
      });

      it('reads backwards from the end, and from a revision with maxCount', async function () {
        const all = await store.readStream(stream('call'), { direction: 'backwards' });
        expect(all.map((e) => e.revision)).to.deep.equal([4, 3, 2, 1, 0]);
        const some = await store.readStream(stream('call'), { direction: 'backwards', fromRevision: 3, maxCount: 2 });
        expect(some.map((e) => e.revision)).to.deep.equal([3, 2]);
      });

      it('reads an unknown stream as empty, in both directions', async function () {
        expect(await store.readStream(stream('nobody'))).to.deep.equal([]);
        expect(await store.readStream(stream('nobody'), { direction: 'backwards' })).to.deep.equal([]);
      });

      it('returns copies: changing what was read or appended does not change the log', async function () {
        const data = { n: 1 };
        await store.append(stream('copy'), [event('A', data)]);
        data.n = 2;
        const [read] = await store.readStream(stream('copy'));
        (read!.data as { n: number }).n = 3;
        expect((await store.readStream(stream('copy')))[0]!.data).to.deep.equal({ n: 1 });
      });
    });

    describe('readAll', function () {
      it('reads the global log in append order, from an inclusive position, at most maxCount', async function () {
        const a = await store.append(stream('a'), [event('A1'), event('A2')]);
        const b = await store.append(stream('b'), [event('B1')]);
        await store.append(stream('a'), [event('A3')]);
        const from = ours(await store.readAll({ fromPosition: a.firstPosition }));
        expect(from.map((e) => e.type)).to.deep.equal(['A1', 'A2', 'B1', 'A3']);
        const page = ours(await store.readAll({ fromPosition: b.firstPosition, maxCount: 2 }));
        expect(page.map((e) => e.type)).to.deep.equal(['B1', 'A3']);
      });

      it('numbers a fresh log from 1 and reads it all by default', async function () {
        if (!capabilities.emptyOnOpen) {
          // A shared server (EventStoreDB) holds other runs' events: "fresh" has no meaning there.
          console.log(`${name} contract: fresh-log numbering skipped: this store is not empty when opened`);
          this.skip();
        }
        expect(await store.readAll()).to.deep.equal([]);
        await store.append(stream('a'), [event('A'), event('B')]);
        expect((await store.readAll()).map((e) => e.position)).to.deep.equal([1, 2]);
      });
    });

    describe('order under concurrency', function () {
      it('gives 200 concurrent un-awaited appends across streams positions in call order', async function () {
        const before = await store.headPosition();
        const pending: Promise<AppendResult>[] = [];
        for (let i = 0; i < 200; i++) pending.push(store.append(stream(`s${i % 7}`), [event('Burst', { i })]));
        const results = await Promise.all(pending);
        const positions = results.map((r) => r.firstPosition);
        expectIncreasing(positions, capabilities.gapFreePositions);
        if (capabilities.gapFreePositions) expect(positions[0]).to.equal(before + 1);
        if (capabilities.emptyOnOpen) expect(positions[0]).to.equal(1);
        const log = ours(await store.readAll({ fromPosition: positions[0]! }));
        expect(log.map((e) => e.data['i'])).to.deep.equal(results.map((_, i) => i));
        expect(log.map((e) => e.position)).to.deep.equal(positions);
        for (let s = 0; s < 7; s++) {
          const revisions = (await store.readStream(stream(`s${s}`))).map((e) => e.revision);
          expect(revisions).to.deep.equal(revisions.map((_, i) => i));
        }
      });

      it('fails a conflicting append alone: the others of its group commit and it takes no position', async function () {
        const x = stream('x');
        const y = stream('y');
        const outcomes = await Promise.allSettled([
          store.append(x, [event('X0')], 'no_stream'),
          store.append(y, [event('Y0')]),
          store.append(x, [event('Xbad')], 'no_stream'),
          store.append(y, [event('Y1'), event('Y2')]),
          store.append(x, [event('X1')], 0),
        ]);
        expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        const conflict = outcomes[2] as PromiseRejectedResult;
        expect(conflict.reason).to.be.instanceOf(ConcurrencyError).and.include({ stream: x, actual: 0 });
        const results = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
        const log = ours(await store.readAll({ fromPosition: results[0]!.firstPosition }));
        expect(log.map((e) => e.type)).to.deep.equal(['X0', 'Y0', 'Y1', 'Y2', 'X1']);
        expectIncreasing(log.map((e) => e.position), capabilities.gapFreePositions);
        expect((await store.readStream(x)).map((e) => [e.type, e.revision])).to.deep.equal([['X0', 0], ['X1', 1]]);
      });
    });

    describe('subscribeToAll', function () {
      function collect(afterPosition: number, options: { batchSize?: number; onBatch?: (events: readonly RecordedEvent[]) => Promise<void> | void } = {}) {
        const seen: RecordedEvent[] = [];
        const errors: Error[] = [];
        const subscription = store.subscribeToAll({
          afterPosition,
          ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
          onEvents: async (events) => {
            seen.push(...ours(events));
            await options.onBatch?.(events);
          },
          onError: (error) => errors.push(error),
        });
        open.push(subscription);
        return { seen, errors, subscription };
      }

      function expectExactly(seen: readonly RecordedEvent[], types: readonly string[]): void {
        expect(seen.map((e) => e.type)).to.deep.equal(types);
        expect(new Set(seen.map((e) => e.position)).size, 'distinct positions').to.equal(seen.length);
        expectIncreasing(seen.map((e) => e.position), capabilities.gapFreePositions);
      }

      it('from 0 delivers the existing log, then live appends, with no gap and no duplicate', async function () {
        for (let n = 0; n < 5; n++) await store.append(stream(`s${n % 2}`), [event(`Old${n}`)]);
        const { seen, errors } = collect(0, { batchSize: 2 });
        await waitFor('catch-up', () => seen.length >= 5);
        for (let n = 0; n < 5; n++) await store.append(stream(`s${n % 2}`), [event(`New${n}`)]);
        await waitFor('live events', () => seen.length >= 10);
        await sleep(50);
        expectExactly(seen, ['Old0', 'Old1', 'Old2', 'Old3', 'Old4', 'New0', 'New1', 'New2', 'New3', 'New4']);
        if (capabilities.emptyOnOpen) expect(seen[0]!.position).to.equal(1);
        expect(errors).to.deep.equal([]);
      });

      it('from the middle delivers only what follows that position', async function () {
        const results: AppendResult[] = [];
        for (let n = 0; n < 6; n++) results.push(await store.append(stream('m'), [event(`E${n}`)]));
        const { seen } = collect(results[2]!.lastPosition);
        await waitFor('catch-up', () => seen.length >= 3);
        await store.append(stream('m'), [event('E6')]);
        await waitFor('live event', () => seen.length >= 4);
        await sleep(50);
        expectExactly(seen, ['E3', 'E4', 'E5', 'E6']);
      });

      it('delivers events appended during catch-up exactly once, in order', async function () {
        const types: string[] = [];
        for (let n = 0; n < 50; n++) types.push(`Old${n}`);
        await store.append(stream('c'), types.slice(0, 25).map((t) => event(t)));
        await store.append(stream('d'), types.slice(25).map((t) => event(t)));
        let fired = false;
        const late: Promise<AppendResult>[] = [];
        const { seen, errors } = collect(0, {
          batchSize: 5,
          onBatch: async () => {
            if (!fired) {
              fired = true;
              // Appended while the first catch-up page is still being handled.
              for (let n = 0; n < 20; n++) late.push(store.append(stream(n % 2 ? 'c' : 'd'), [event(`Late${n}`)]));
            }
            await sleep(1);
          },
        });
        await waitFor('all 70 events', () => seen.length >= 70);
        await Promise.all(late);
        await store.append(stream('c'), [event('Live')]);
        await waitFor('the live event', () => seen.length >= 71);
        await sleep(50);
        const lateTypes = Array.from({ length: 20 }, (_, n) => `Late${n}`);
        expectExactly(seen, [...types, ...lateTypes, 'Live']);
        expect(errors).to.deep.equal([]);
      });

      it('stops delivering once close() resolves, and close() waits for the handler in flight', async function () {
        let inHandler = false;
        let closeResolvedDuringHandler = false;
        const { seen, subscription } = collect(0, {
          onBatch: async () => {
            inHandler = true;
            await sleep(50);
            inHandler = false;
          },
        });
        await store.append(stream('z'), [event('First')]);
        await waitFor('first event', () => seen.length === 1);
        await subscription.close().then(() => {
          closeResolvedDuringHandler = inHandler;
        });
        expect(closeResolvedDuringHandler).to.equal(false);
        await store.append(stream('z'), [event('AfterClose')]);
        await sleep(100);
        expect(seen.map((e) => e.type)).to.deep.equal(['First']);
      });

      it('stops on a handler that throws and reports the error once through onError', async function () {
        const failure = new Error('projection bug');
        let calls = 0;
        const errors: Error[] = [];
        open.push(
          store.subscribeToAll({
            afterPosition: 0,
            onEvents: (events) => {
              if (ours(events).length === 0) return;
              calls++;
              throw failure;
            },
            onError: (error) => errors.push(error),
          }),
        );
        await store.append(stream('boom'), [event('A')]);
        await waitFor('onError', () => errors.length > 0);
        await store.append(stream('boom'), [event('B')]);
        await sleep(100);
        expect(errors).to.deep.equal([failure]);
        expect(calls).to.equal(1);
      });
    });

    describe('headPosition', function () {
      it('is the position of the last appended event', async function () {
        if (capabilities.emptyOnOpen) expect(await store.headPosition()).to.equal(0);
        await store.append(stream('h'), [event('A')]);
        const last = await store.append(stream('h'), [event('B'), event('C')]);
        expect(await store.headPosition()).to.equal(last.lastPosition);
      });
    });
  });
}
