import { expect } from 'chai';
import { channelsProjection, getChannel, listChannels, listChannelsJson, type ChannelRow } from '../../../projections/channels.js';
import { ReadModelTimeoutError, RunnerStoppedError } from '../../../src/readmodels/errors.js';
import type { NodedRows } from '../../../projections/lib/node-scope.js';
import { defineProjection } from '../../../projections/lib/projection.js';
import { defaultProjections, type ReadModelChange } from '../../../projections/index.js';
import type { ProjectionRunner } from '../../../src/readmodels/runner.js';
import { nowTimestamp } from '../../../src/events/time.js';
import { appendCapture, dumpTables, harness, testStore, type Harness } from './support.js';

function checkpoints(h: Harness): Record<string, number> {
  const rows = h.readModels.sqlite.prepare('SELECT name, position FROM projection_checkpoints ORDER BY name').all() as { name: string; position: number }[];
  return Object.fromEntries(rows.map((row) => [row.name, row.position]));
}

/**
 * The channels projection, except that at the event at `position` the database stops taking writes
 * (SQLITE_READONLY, as on a full or failing disk): a failure of the database, not of the event.
 */
function channelsWithDatabaseFailingAt(h: Harness, position: number) {
  return defineProjection<NodedRows<{ channels: ChannelRow }>, 'channels'>({
    ...channelsProjection,
    project(state, event) {
      if (event.position === position) h.readModels.sqlite.pragma('query_only = ON');
      return channelsProjection.project(state, event);
    },
  });
}

describe('projection runner (SQLite :memory: + memory event store)', function () {
  this.timeout(20_000);
  let h: Harness;
  const runners: { stop(): Promise<void> }[] = [];
  const track = <R extends { stop(): Promise<void> }>(runner: R): R => {
    runners.push(runner);
    return runner;
  };

  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await h.close();
  });

  it('applies the log from position 0 and serves rows through the queries', async () => {
    const head = await appendCapture(h.store);
    const runner = track(h.runner());
    await runner.start();
    await runner.waitForPosition(head, 5000);

    expect(runner.position()).to.equal(head);
    expect(checkpoints(h)).to.deep.equal({ agis: head, channels: head, modules: head, systems: head, queues: head, parking: head, agents: head, device_states: head, pjsip: head, calls: head, commands: head, ob_plans: head, ob_destinations: head, ob_dlmas: head, ob_dls: head, ob_campaigns: head, ob_dialings: head, config_versions: head, people: head, chats: head, dialplans: head, voicemail: head });
    const now = nowTimestamp();
    const channels = await listChannels(h.readModels.db, now);
    expect(channels.length).to.be.greaterThan(0);
    const first = channels[0]!;
    expect(await getChannel(h.readModels.db, first.unique_id, now)).to.deep.equal(first);
    // The SQLite-built JSON is the same list, field for field.
    expect(JSON.parse(await listChannelsJson(h.readModels.db, now))).to.deep.equal(channels);
  });

  it('emits every change after its commit, in log order, with the position that caused it', async () => {
    const runner = track(h.runner({ batchSize: 100 }));
    const seen: ReadModelChange[] = [];
    const committedAtEmit: boolean[] = [];
    runner.changes.on('change', (change) => {
      seen.push(change);
      if (testStore === 'postgres') {
        // PostgreSQL cannot be read synchronously here: the mirror must have committed the change's batch (its position) first.
        committedAtEmit.push(runner.position() >= change.position);
      } else if (change.table === 'channels') {
        const stored = h.readModels.sqlite.prepare('SELECT 1 FROM channels WHERE row_key = ?').get(change.key);
        committedAtEmit.push(change.op === 'delete' ? stored === undefined : stored !== undefined);
      }
    });
    const batches: number[] = [];
    runner.changes.on('batch', (batch) => batches.push(batch.position));
    await runner.start();
    const head = await appendCapture(h.store);
    await runner.waitForPosition(head, 5000);

    expect(seen.length).to.be.greaterThan(0);
    const positions = seen.map((change) => change.position);
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
    expect(committedAtEmit.every(Boolean)).to.equal(true);
    expect(batches.at(-1)).to.be.at.most(head);
    const hangups = seen.filter((change) => change.table === 'channels' && change.op === 'delete');
    expect(hangups.every((change) => change.table === 'channels' && change.row.hangup_cause !== null)).to.equal(true);
  });

  it('commits a batch rows and checkpoint together: a database failure mid-batch leaves neither', async () => {
    const head = await appendCapture(h.store, 60);
    // A checkpoint at 0 of the current version: start() replays live, in batches of 30, rather than rebuilding.
    h.readModels.sqlite.prepare("INSERT INTO projection_checkpoints (name, position, version) VALUES ('channels', 0, ?)").run(channelsProjection.version);
    const runner = track(
      h.runner({ projections: [channelsWithDatabaseFailingAt(h, 40)] as const, batchSize: 30 }),
    );
    const errors: Error[] = [];
    runner.changes.on('error', (error) => errors.push(error));
    const emitted: number[] = [];
    runner.changes.on('change', (change) => emitted.push(change.position));
    await runner.start();

    // The first batch (1..30) commits; the second (31..60) fails at 40 and must leave no trace.
    await runner.waitForPosition(30, 5000);
    const failed = await runner.waitForPosition(head, 5000).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).to.be.instanceOf(RunnerStoppedError);
    h.readModels.sqlite.pragma('query_only = OFF');
    expect(errors).to.have.length(1);
    expect((errors[0] as Error & { code?: string }).code).to.equal('SQLITE_READONLY');
    expect(runner.status()).to.include({ state: 'failed', position: 30 });
    expect(checkpoints(h)).to.deep.equal({ channels: 30 });
    expect(emitted.every((position) => position <= 30)).to.equal(true);

    // What is stored equals a run that stopped cleanly after event 30.
    const reference = await harness();
    try {
      await appendCapture(reference.store, 30);
      const clean = reference.runner({ projections: [channelsProjection] as const });
      await clean.catchUp();
      expect((await dumpTables(h.readModels)).channels).to.deep.equal((await dumpTables(reference.readModels)).channels);
    } finally {
      await reference.close();
    }
  });

  it('resumes after a restart from the stored checkpoint, applying each event once', async () => {
    const first = await appendCapture(h.store, 500);
    const before = track(h.runner());
    await before.start();
    await before.waitForPosition(first, 5000);
    await before.stop();

    const head = await appendCapture(h.store); // the whole capture again, as new events after `first`
    const after = track(h.runner());
    const positions: number[] = [];
    after.changes.on('change', (change) => positions.push(change.position));
    expect(after.position()).to.equal(first);
    await after.start();
    await after.waitForPosition(head, 5000);

    expect(Math.min(...positions)).to.be.greaterThan(first);
    const reference = await harness();
    try {
      await appendCapture(reference.store, 500);
      await appendCapture(reference.store);
      const straight = reference.runner();
      await straight.catchUp();
      expect(await dumpTables(h.readModels)).to.deep.equal(await dumpTables(reference.readModels));
    } finally {
      await reference.close();
    }
  });

  it('waitForPosition resolves when the position is applied and rejects after the timeout', async () => {
    const runner: ProjectionRunner<ReadModelChange> = track(h.runner());
    await runner.start();
    const pending = runner.waitForPosition(3, 5000);
    await appendCapture(h.store, 3);
    await pending;
    expect(runner.position()).to.equal(3);

    const started = Date.now();
    const timedOut = await runner.waitForPosition(10, 50).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(timedOut).to.be.instanceOf(ReadModelTimeoutError);
    expect(Date.now() - started).to.be.within(40, 1000);
    await runner.waitForPosition(2, 0);
  });

  it('waitForPosition on a stopped runner rejects at once instead of waiting out its timeout', async () => {
    const runner: ProjectionRunner<ReadModelChange> = track(h.runner());
    await runner.start();
    await runner.stop();
    const started = Date.now();
    const error = await runner.waitForPosition(10, 5000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(RunnerStoppedError);
    expect(Date.now() - started).to.be.below(1000);
  });

  it('a throwing change-feed listener neither stops the runner nor other listeners', async () => {
    const runner = track(h.runner());
    let received = 0;
    runner.changes.on('change', () => {
      throw new Error('listener bug');
    });
    runner.changes.on('change', () => {
      received += 1;
    });
    await runner.start();
    const head = await appendCapture(h.store, 50);
    await runner.waitForPosition(head, 5000);
    expect(received).to.be.greaterThan(0);
    expect(runner.status().state).to.equal('running');
  });

  it('lists every projection of the registry with its own checkpoint', () => {
    expect(defaultProjections.map((p) => p.name)).to.deep.equal(['channels', 'agis', 'modules', 'systems', 'queues', 'parking', 'agents', 'device_states', 'pjsip', 'calls', 'commands', 'ob_plans', 'ob_destinations', 'ob_dlmas', 'ob_dls', 'ob_campaigns', 'ob_dialings', 'config_versions', 'people', 'chats', 'dialplans', 'voicemail']);
  });
});
