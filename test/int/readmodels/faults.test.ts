import { expect } from 'chai';
import { agisProjection } from '../../../projections/agis.js';
import { channelsProjection, type ChannelRow } from '../../../projections/channels.js';
import { projectionEventTypes, projectionFaultStream, type RecordedEvent } from '../../../src/events/index.js';
import { faultEvent } from '../../../src/readmodels/faults.js';
import type { NodedRows } from '../../../projections/lib/node-scope.js';
import { defineProjection } from '../../../projections/lib/projection.js';
import { appendCapture, copyLog, dumpAllTables, harness, type Harness } from './support.js';

/** The channels projection, except that it throws on the event at `position` (a bug meeting one event). */
function channelsThrowingAt(position: number) {
  return defineProjection<NodedRows<{ channels: ChannelRow }>, 'channels'>({
    ...channelsProjection,
    project(state, event) {
      if (event.position === position) throw new Error(`boom at ${event.position}`);
      return channelsProjection.project(state, event);
    },
  });
}

/** The channels projection, except that it ignores the event at `position`: what a skip must amount to. */
function channelsIgnoring(position: number) {
  return defineProjection<NodedRows<{ channels: ChannelRow }>, 'channels'>({
    ...channelsProjection,
    project: (state, event) => (event.position === position ? [] : channelsProjection.project(state, event)),
  });
}

/** The channels projection, except that the row it writes at `position` has a column the table lacks (SQLite refuses it at flush). */
function channelsWritingBadRowAt(position: number) {
  return defineProjection<NodedRows<{ channels: ChannelRow }>, 'channels'>({
    ...channelsProjection,
    project: (state, event) =>
      channelsProjection.project(state, event).map((change) => (event.position === position ? { ...change, row: { ...change.row, no_such_column: 1 } } : change)),
  });
}

async function faultEvents(h: Harness): Promise<RecordedEvent[]> {
  return (await h.store.readAll()).filter((event) => event.type === projectionEventTypes.fault);
}

/** Read models built by a clean run over the same log, with `projections`. */
async function reference(h: Harness, projections: Parameters<typeof dumpAllTables>[1] & object): Promise<Record<string, unknown[]>> {
  const clean = await harness();
  try {
    await copyLog(h.store, clean.store);
    await clean.runner({ projections }).catchUp();
    return await dumpAllTables(clean.readModels, projections);
  } finally {
    await clean.close();
  }
}

/** The position of the first event in the log the channels projection writes a row for, after `after`. */
async function firstChannelEventAfter(h: Harness, after: number): Promise<number> {
  const event = (await h.store.readAll()).find((e) => e.position > after && e.type === 'Newchannel');
  return event!.position;
}

describe('projection faults: one event never stops a projection', function () {
  this.timeout(30_000);
  let h: Harness;
  const runners: { stop(): Promise<void> }[] = [];

  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await h.close();
  });

  it('a projection that throws on one event skips it alone, records a ProjectionFault, and keeps the rest of the batch and the other projections', async () => {
    const head = await appendCapture(h.store, 120);
    const bad = await firstChannelEventAfter(h, 40);
    const runner = h.runner({ projections: [channelsThrowingAt(bad), agisProjection] as const, batchSize: 50 });
    runners.push(runner);
    await runner.start();
    await runner.waitForPosition(head + 1, 5000);

    expect(runner.status().state).to.equal('running');
    const faults = await faultEvents(h);
    expect(faults.map((event) => [event.stream, event.data.projection, event.data.position, event.data.event_type, event.data.error])).to.deep.equal([
      [projectionFaultStream('channels'), 'channels', bad, 'Newchannel', `boom at ${bad}`],
    ]);
    // The fault event is itself in the log, after the events; the runner passes it and reaches the head.
    expect(runner.position()).to.equal(await h.store.headPosition());
    // Rows equal a run of a channels projection that ignores that one event, and agis are untouched.
    expect(await dumpAllTables(h.readModels, [channelsProjection, agisProjection])).to.deep.equal(await reference(h, [channelsIgnoring(bad), agisProjection]));
    expect(runner.status().faults).to.deep.include({ count: 1 });
    expect(runner.status().faults.projections.channels?.last[0]).to.include({ projection: 'channels', position: bad, event_type: 'Newchannel', fault_position: faults[0]!.position });
  });

  it('a row SQLite refuses is a fault of that event only, like a throw', async () => {
    const head = await appendCapture(h.store, 80);
    const bad = await firstChannelEventAfter(h, 10);
    const runner = h.runner({ projections: [channelsWritingBadRowAt(bad)] as const, batchSize: 100 });
    runners.push(runner);
    await runner.start();
    await runner.waitForPosition(head + 1, 5000);

    const faults = await faultEvents(h);
    expect(faults.map((event) => [event.data.position, event.data.error])).to.deep.equal([[bad, 'table channels has no column no_such_column']]);
    expect(await dumpAllTables(h.readModels, [channelsProjection])).to.deep.equal(await reference(h, [channelsIgnoring(bad)]));
  });

  it('a rebuild skips the same events, records no second fault, and equals the live tables', async () => {
    const head = await appendCapture(h.store, 150);
    const bad = await firstChannelEventAfter(h, 60);
    const projections = [channelsThrowingAt(bad), agisProjection] as const;
    const runner = h.runner({ projections, batchSize: 40 });
    runners.push(runner);
    await runner.start();
    await runner.waitForPosition(head + 1, 5000);
    const live = await dumpAllTables(h.readModels, projections);

    const result = await runner.rebuild();

    expect(result.changes).to.equal(0);
    expect(await dumpAllTables(h.readModels, projections)).to.deep.equal(live);
    expect(await faultEvents(h)).to.have.length(1);
    expect(runner.status().faults.count).to.equal(1);
  });

  it('after a crash between recording a fault and committing its batch, the replay finds the fault recorded and adds none', async () => {
    const head = await appendCapture(h.store, 100);
    const bad = await firstChannelEventAfter(h, 30);
    // What a crash leaves: the fault in the log, the batch that skips it never committed (no checkpoint at all).
    await h.store.append(projectionFaultStream('channels'), [
      faultEvent({ projection: 'channels', position: bad, event_type: 'Newchannel', event_stream: 'call-x', error: `boom at ${bad}`, version: channelsProjection.version }),
    ]);
    const runner = h.runner({ projections: [channelsThrowingAt(bad)] as const });
    runners.push(runner);
    await runner.start();
    await runner.waitForPosition(head + 1, 5000);

    expect(await faultEvents(h)).to.have.length(1);
    expect(runner.status().faults.count).to.equal(1);
    expect(await dumpAllTables(h.readModels, [channelsProjection])).to.deep.equal(await reference(h, [channelsIgnoring(bad)]));
  });

  it('no projection is ever given a ProjectionFault event, so recording one changes no read model', async () => {
    const seen: string[] = [];
    const spy = defineProjection<NodedRows<{ channels: ChannelRow }>, 'channels'>({
      ...channelsProjection,
      project(state, event) {
        seen.push(event.type);
        return channelsProjection.project(state, event);
      },
    });
    const head = await appendCapture(h.store, 50);
    await h.store.append(projectionFaultStream('channels'), [
      faultEvent({ projection: 'channels', position: 3, event_type: 'Newchannel', event_stream: 'call-x', error: 'recorded by an earlier run', version: 1 }),
    ]);
    const runner = h.runner({ projections: [spy] as const });
    await runner.catchUp();

    expect(runner.position()).to.equal(head + 1);
    expect(seen).to.have.length(head);
    expect(seen).to.not.include(projectionEventTypes.fault);
    // The earlier run's fault is known (listed) even though this run skipped nothing.
    expect(runner.status().faults.projections.channels?.count).to.equal(1);
  });

  it('a point-in-time runner (recordFaults: false) skips the same events and writes nothing to the log', async () => {
    const head = await appendCapture(h.store, 60);
    const bad = await firstChannelEventAfter(h, 20);
    const runner = h.runner({ projections: [channelsThrowingAt(bad)] as const, recordFaults: false });
    expect(await runner.catchUp()).to.equal(head);
    expect(await h.store.headPosition()).to.equal(head);
    expect(await dumpAllTables(h.readModels, [channelsProjection])).to.deep.equal(await reference(h, [channelsIgnoring(bad)]));
  });
});
