import { expect } from 'chai';
import { sql } from 'kysely';
import { channelsProjection } from '../../../projections/channels.js';
import { PostgresEventStore } from '../../../src/eventstore/postgres/postgres-event-store.js';
import { openReadModelDb } from '../../../src/readmodels/database.js';
import { RunnerStoppedError } from '../../../src/readmodels/errors.js';
import { openSharedReadModels, type SharedReadModels } from '../../../src/readmodels/postgres-database.js';
import { createProjectionRunner } from '../../../src/readmodels/runner.js';
import { silentLogger } from '../../../src/logger.js';
import { postgresForSuite, type TestDatabase } from '../../support/postgres.js';
import { appendCapture } from './support.js';

/** What only the PostgreSQL read models have: a working copy loaded from PostgreSQL, and PostgreSQL failing under the mirror. */
describe('read models on PostgreSQL: the mirror', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  let store: PostgresEventStore;
  const opened: SharedReadModels[] = [];
  const open = async (): Promise<SharedReadModels> => {
    const shared = await openSharedReadModels(database.url, silentLogger());
    opened.push(shared);
    return shared;
  };
  const channelsIn = async (shared: SharedReadModels): Promise<unknown[]> =>
    (await sql`SELECT * FROM channels ORDER BY unique_id`.execute(shared.readModels.db)).rows;

  beforeEach(async function () {
    database = await postgresForSuite(this, 'mirror');
    store = await PostgresEventStore.open({ connectionString: database.url });
  });

  afterEach(async function () {
    for (const shared of opened.splice(0)) await shared.readModels.close();
    await store?.close();
    await database?.drop();
  });

  it('a restart loads rows and checkpoints from PostgreSQL and applies only the events after them', async function () {
    const half = await appendCapture(store, 150, true);
    const first = await open();
    const runner = first.follow(createProjectionRunner({ store, readModels: first.readModels, projections: [channelsProjection] as const }));
    await runner.catchUp();
    expect(runner.position()).to.equal(half);
    const rowsAtHalf = await channelsIn(first);
    expect(rowsAtHalf).to.not.be.empty;
    await first.readModels.close();
    opened.splice(0);

    const head = await appendCapture(store, undefined, true);
    const second = await open();
    expect(second.readModels.sqlite.prepare('SELECT COUNT(*) AS n FROM channels').get(), 'the working copy holds what PostgreSQL holds').to.deep.equal({ n: rowsAtHalf.length });
    const applied: number[] = [];
    const resumed = second.follow(createProjectionRunner({ store, readModels: second.readModels, projections: [channelsProjection] as const }));
    expect(resumed.position(), 'resumes at the mirrored checkpoint').to.equal(half);
    resumed.changes.on('change', (change) => applied.push(change.position));
    await resumed.catchUp();
    expect(resumed.position()).to.equal(head);
    expect(applied.every((position) => position > half), 'no event at or before the checkpoint applied again').to.equal(true);

    // The same rows as one straight run over the whole log into SQLite.
    const reference = await openReadModelDb(':memory:');
    try {
      await createProjectionRunner({ store, readModels: reference, projections: [channelsProjection] as const }).catchUp();
      expect(await channelsIn(second)).to.deep.equal(reference.sqlite.prepare('SELECT * FROM channels ORDER BY unique_id').all());
    } finally {
      await reference.close();
    }
  });

  it('PostgreSQL refusing a batch stops the mirror: status failed, waiters told, no position beyond the last mirrored batch', async function () {
    const shared = await open();
    const runner = shared.follow(createProjectionRunner({ store, readModels: shared.readModels, projections: [channelsProjection] as const, batchSize: 20 }));
    await runner.start();
    const first = await appendCapture(store, 20, true);
    await runner.waitForPosition(first, 10_000);
    // PostgreSQL stops taking the rows (a dropped table stands for a failing server).
    await sql`DROP TABLE channels`.execute(shared.readModels.db);
    const head = await appendCapture(store, undefined, true);
    const failure = await runner.waitForPosition(head, 10_000).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).to.be.instanceOf(RunnerStoppedError);
    expect(runner.status()).to.include({ state: 'failed' });
    expect(runner.position()).to.be.below(head);
    await runner.stop().catch(() => {});
  });
});
