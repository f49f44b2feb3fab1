import { expect } from 'chai';
import { channelsProjection, type ChannelRow } from '../../../projections/channels.js';
import { RebuildInProgressError, UnknownProjectionError } from '../../../src/readmodels/errors.js';
import type { NodedRows } from '../../../projections/lib/node-scope.js';
import { defineProjection } from '../../../projections/lib/projection.js';
import type { ReadModelChange } from '../../../projections/index.js';
import { createProjectionRunner, type ProjectionRunner } from '../../../src/readmodels/runner.js';
import { appendCapture, appendReconnect, dumpTables, harness, type Harness } from './support.js';

async function liveRun(h: Harness, pageSize?: number): Promise<{ runner: ProjectionRunner<ReadModelChange>; head: number }> {
  const runner = h.runner({ batchSize: 250, ...(pageSize ? { pageSize } : {}) });
  await runner.start();
  await appendCapture(h.store);
  await runner.waitForPosition(await h.store.headPosition(), 5000);
  const live = h.readModels.sqlite.prepare('SELECT unique_id FROM channels ORDER BY unique_id').all() as { unique_id: string }[];
  const head = await appendReconnect(h.store, live.map((row) => row.unique_id));
  await runner.waitForPosition(head, 5000);
  return { runner, head };
}

function shadowTables(h: Harness): string[] {
  return (h.readModels.sqlite.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%rebuild%'").all() as { name: string }[]).map((row) => row.name);
}

describe('projection rebuild', function () {
  this.timeout(30_000);
  let h: Harness;
  let runner: ProjectionRunner<ReadModelChange> | undefined;

  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
    await h.close();
  });

  it('rebuilding every projection from position 0 gives tables equal, row for row, to the live ones', async () => {
    const live = await liveRun(h);
    runner = live.runner;
    const before = await dumpTables(h.readModels);
    const emitted: ReadModelChange[] = [];
    runner.changes.on('change', (change) => emitted.push(change));

    const result = await runner.rebuild();

    expect(result).to.deep.include({ projections: ['channels', 'agis', 'modules', 'systems', 'queues', 'parking', 'agents', 'device_states', 'pjsip', 'calls', 'commands', 'ob_plans', 'ob_destinations', 'ob_dlmas', 'ob_dls', 'ob_campaigns', 'ob_dialings', 'config_versions', 'people', 'chats', 'dialplans', 'voicemail'], position: live.head, events: live.head, changes: 0 });
    expect(await dumpTables(h.readModels)).to.deep.equal(before);
    expect(emitted).to.deep.equal([]);
    // Every table is non-trivial: the comparison covers all four projections.
    for (const [table, rows] of Object.entries(before)) expect(rows, table).to.not.be.empty;
    // The reconnect snapshot reconciled: the first live channel was dropped, the unknown one created.
    expect((before.channels as { unique_id: string }[]).some((row) => row.unique_id === '9999.1')).to.equal(true);
    expect(shadowTables(h)).to.deep.equal([]);
  });

  it('emits the difference when the live rows had drifted from the log', async () => {
    runner = (await liveRun(h)).runner;
    const expected = await dumpTables(h.readModels);
    const [victim] = expected.channels as { unique_id: string }[];
    h.readModels.sqlite.prepare("UPDATE channels SET channel = 'corrupt' WHERE unique_id = ?").run(victim!.unique_id);
    h.readModels.sqlite.prepare("DELETE FROM modules WHERE name = 'app_queue'").run();
    h.readModels.sqlite.prepare("INSERT INTO systems (row_key, node, id, tm_update) VALUES ('test/stray', 'test', 'stray', 'x')").run();
    const emitted: ReadModelChange[] = [];
    runner.changes.on('change', (change) => emitted.push(change));

    await runner.rebuild();

    expect(await dumpTables(h.readModels)).to.deep.equal(expected);
    expect(emitted.map((c) => [c.table, c.op, c.key])).to.deep.equal([
      // Keys on the feed are the stored ones: `<node>/<key>` (projections/lib/node-scope.ts).
      ['channels', 'update', `test/${victim!.unique_id}`],
      ['modules', 'create', 'test/app_queue'],
      ['systems', 'delete', 'test/stray'],
    ]);
    const fixed = emitted[0]!;
    expect(fixed.table === 'channels' && fixed.row.channel).to.not.equal('corrupt');
  });

  it('keeps serving the complete old tables while it replays, and swaps in events applied meanwhile', async () => {
    runner = (await liveRun(h, 200)).runner;
    const rowsBefore = h.readModels.sqlite.prepare('SELECT count(*) AS n FROM channels').get() as { n: number };
    const liveCounts: number[] = [];
    let appended: Promise<number> | undefined;

    const result = await runner.rebuild(undefined, {
      onProgress: () => {
        const { n } = h.readModels.sqlite.prepare('SELECT count(*) AS n FROM channels').get() as { n: number };
        liveCounts.push(n);
        // New traffic arrives during the rebuild and is applied live.
        appended ??= appendCapture(h.store, 40);
      },
    });
    const head = await appended!;
    await runner.waitForPosition(head, 5000);

    // Readers never saw a half-built table: the live one kept its full row count during the replay.
    expect(liveCounts.length).to.be.greaterThan(5);
    expect(liveCounts[0]).to.equal(rowsBefore.n);
    expect(result.position).to.be.at.most(head);

    const reference = await harness();
    try {
      const fresh = reference.runner();
      for (const event of await h.store.readAll()) await reference.store.append(event.stream, [{ type: event.type, data: event.data, metadata: event.metadata }]);
      await fresh.catchUp();
      expect(await dumpTables(h.readModels)).to.deep.equal(await dumpTables(reference.readModels));
    } finally {
      await reference.close();
    }
  });

  it('rebuilds one projection without touching the others', async () => {
    const live = await liveRun(h);
    runner = live.runner;
    const before = await dumpTables(h.readModels);
    const result = await runner.rebuild(['modules']);
    expect(result.projections).to.deep.equal(['modules']);
    expect(await dumpTables(h.readModels)).to.deep.equal(before);
    expect(runner.position()).to.equal(live.head);
  });

  it('on start, rebuilds a projection whose version changed', async () => {
    await appendCapture(h.store, 200);
    const first = h.runner({ projections: [channelsProjection] as const });
    await first.start();
    await first.waitForPosition(200, 5000);
    await first.stop();

    const shouting = defineProjection<NodedRows<{ channels: ChannelRow }>, 'channels'>({
      ...channelsProjection,
      version: channelsProjection.version + 1,
      project: (state, event) =>
        channelsProjection.project(state, event).map((change) => ({ ...change, row: { ...change.row, channel: change.row.channel.toUpperCase() } })),
    });
    const second = h.runner({ projections: [shouting] as const });
    await second.start();
    await second.stop();

    const names = (h.readModels.sqlite.prepare('SELECT channel FROM channels').all() as { channel: string }[]).map((row) => row.channel);
    expect(names).to.not.be.empty;
    expect(names.every((name) => name === name.toUpperCase())).to.equal(true);
    expect(h.readModels.sqlite.prepare("SELECT position, version FROM projection_checkpoints WHERE name = 'channels'").get()).to.deep.equal({
      position: 200,
      version: channelsProjection.version + 1,
    });
  });

  it('a failed rebuild leaves the live tables as they were and no shadow table behind', async () => {
    await appendCapture(h.store, 300);
    const good = h.runner({ projections: [channelsProjection] as const });
    await good.catchUp();
    const before = await dumpTables(h.readModels);

    // The log becomes unreadable half way through the replay (a projection that throws no longer fails a
    // rebuild: it records a ProjectionFault and goes on; the event store failing still does).
    const failing = Object.create(h.store) as typeof h.store;
    failing.readAll = async (options) => {
      if ((options?.fromPosition ?? 1) > 200) throw new Error('event store unavailable');
      return h.store.readAll(options);
    };
    const broken = createProjectionRunner({ store: failing, readModels: h.readModels, projections: [channelsProjection] as const, pageSize: 100 });
    let failure: unknown;
    await broken.rebuild().catch((error: unknown) => {
      failure = error;
    });

    expect(failure).to.be.instanceOf(Error);
    expect(await dumpTables(h.readModels)).to.deep.equal(before);
    expect(shadowTables(h)).to.deep.equal([]);
  });

  it('refuses an unknown projection and a second rebuild while one runs', async () => {
    await appendCapture(h.store, 100);
    runner = h.runner();
    const err = await runner.rebuild(['nope']).catch((error: unknown) => error);
    expect(err).to.be.instanceOf(UnknownProjectionError);

    const firstRebuild = runner.rebuild();
    const second = await runner.rebuild().catch((error: unknown) => error);
    expect(second).to.be.instanceOf(RebuildInProgressError);
    await firstRebuild;
  });
});
