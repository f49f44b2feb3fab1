import { expect } from 'chai';
import { sql } from 'kysely';
import { eventually, startTestJade, type RunningJade } from '../../support/jade.js';
import { postgresForSuite, type TestDatabase } from '../../support/postgres.js';

/** JADE_EVENTSTORE=postgres end to end: the log and the read models in PostgreSQL, SQLite nowhere on the serving path. */
describe('jade on PostgreSQL (JADE_EVENTSTORE=postgres)', function () {
  this.timeout(60_000);
  let database: TestDatabase;
  const running: RunningJade[] = [];
  const start = async (): Promise<RunningJade> => {
    const jade = await startTestJade(undefined, { overrides: { eventstore: { type: 'postgres', postgresUrl: database.url } } });
    running.push(jade);
    return jade;
  };

  before(async function () {
    database = await postgresForSuite(this, 'app');
  });

  afterEach(async function () {
    for (const jade of running.splice(0).reverse()) await jade.stop();
  });

  after(async function () {
    await database?.drop();
  });

  it('records a command in the PostgreSQL log and answers the read-your-write from the PostgreSQL read models', async function () {
    const jade = await start();
    const created = await jade.post('/v1/ob/plans', { name: 'pg plan', tech_name: 'Local' });
    expect(created.status, created.text).to.equal(200);
    const uuid = String((created.body?.result as { uuid?: unknown }).uuid);
    // The log itself is PostgreSQL's table (the read models' database is the same one).
    const logged = await sql<{ type: string }>`SELECT type FROM events WHERE stream = ${`plan-${uuid}`}`.execute(jade.jade.readModels.db);
    expect(logged.rows.map((row) => row.type)).to.not.be.empty;
    const read = await jade.get(`/v1/ob/plans/${uuid}`);
    expect(read.status, read.text).to.equal(200);
    expect(read.body?.result).to.include({ uuid, name: 'pg plan' });
    const rows = await sql<{ name: string }>`SELECT name FROM ob_plans WHERE uuid = ${uuid}`.execute(jade.jade.readModels.db);
    expect(rows.rows).to.deep.equal([{ name: 'pg plan' }]);

    // The log API reads the PostgreSQL log by SQL: a stream-prefix filter gives the plan's events only.
    const log = await jade.get(`/v1/events?stream_prefix=plan-&limit=10`);
    expect(log.status, log.text).to.equal(200);
    const list = (log.body?.result as { list: Array<{ stream: string; position: number }> }).list;
    expect(list.length).to.be.greaterThan(0);
    expect(list.every((entry) => entry.stream.startsWith('plan-'))).to.equal(true);
    const one = await jade.get(`/v1/events/${list[0]!.position}`);
    expect(one.status, one.text).to.equal(200);
    expect((one.body?.result as { stream: string }).stream).to.equal(list[0]!.stream);
  });

  it('starts again from the read models PostgreSQL holds, and a second node reads what the first wrote', async function () {
    const first = await start();
    const created = await first.post('/v1/ob/plans', { name: 'shared plan', tech_name: 'Local' });
    expect(created.status, created.text).to.equal(200);
    const uuid = String((created.body?.result as { uuid?: unknown }).uuid);
    const checkpoint = first.jade.runner.position();
    expect(checkpoint).to.be.greaterThan(0);
    await first.stop();
    running.splice(running.indexOf(first), 1);

    // A fresh data dir: nothing of the first process is on this node's disk.
    const second = await start();
    expect(second.jade.runner.position(), 'resumed from the mirrored checkpoint').to.be.at.least(checkpoint);
    const read = await second.get(`/v1/ob/plans/${uuid}`);
    expect(read.status, read.text).to.equal(200);
    expect(read.body?.result).to.include({ name: 'shared plan' });

    const third = await start();
    const again = await second.post('/v1/ob/plans', { name: 'from the second node', tech_name: 'Local' });
    const next = String((again.body?.result as { uuid?: unknown }).uuid);
    // The third node follows the shared log (LISTEN/NOTIFY) and serves the plan once its runner applied it.
    await eventually(async () => ((await third.get(`/v1/ob/plans/${next}`)).status === 200 ? true : undefined), 10_000, 'the third node to serve the plan');
  });
});
