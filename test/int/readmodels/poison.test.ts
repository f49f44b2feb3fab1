import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startAmi, type AmiRuntime } from '../../../src/ami/index.js';
import { projectionEventTypes, type RecordedEvent } from '../../../src/events/index.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { createHttpApp } from '../../../src/http/app.js';
import { healthRoutes } from '../../../src/http/routes/health.js';
import { projectionsRoutes } from '../../../src/http/routes/projections.js';
import { silentLogger } from '../../../src/logger.js';
import { openReadModelDb, type ReadModelDb } from '../../../src/readmodels/database.js';
import { defineProjection } from '../../../projections/lib/projection.js';
import { defaultProjections } from '../../../projections/index.js';
import { createProjectionRunner } from '../../../src/readmodels/runner.js';
import { FakeAmi } from '../../support/fake-ami.js';
import { hostileWire } from '../../support/hostile-ami.js';
import { httpClient, listen, type TestServer } from '../../support/http.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import { amiConfig, waitFor } from '../ami/helpers.js';
import { copyLog, dumpAllTables } from './support.js';

/** Issue item 2's poison: one UserEvent with an absurd epoch Timestamp (year ~318,857). */
const poisonFrame = 'Event: UserEvent\r\nPrivilege: user,all\r\nUniqueid: a\r\nTimestamp: 9999999999999\r\nUserEvent: poison\r\n\r\n';
const goodChannelFrame = (id: string) =>
  `Event: Newchannel\r\nPrivilege: call,all\r\nTimestamp: 1795810128.123456\r\nChannel: PJSIP/good-${id}\r\nChannelState: 4\r\nChannelStateDesc: Ring\r\n` +
  `CallerIDNum: 100\r\nCallerIDName: good\r\nConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: en\r\nAccountCode: \r\n` +
  `Context: default\r\nExten: 200\r\nPriority: 1\r\nUniqueid: ${id}\r\nLinkedid: ${id}\r\n\r\n`;
const fuzzSeed = 20261127;

/**
 * A read model written the way `eventTime` was before the fix: epoch seconds straight into a Date. It throws
 * (RangeError) on the poison and on every absurd Timestamp of the fuzz set, so the run has faults to show.
 */
const strictTimeProjection = defineProjection<Record<string, never>, 'strict_time'>({
  name: 'strict_time',
  version: 1,
  tables: {},
  // Every AMI event, whichever stream the ingest files it in.
  handles: {},
  handlesStreams: { 'call-': strictTime, 'pbx-': strictTime },
});

function strictTime(_state: unknown, event: RecordedEvent): [] {
  const { timestamp } = event.metadata;
  if (typeof timestamp === 'string') new Date(Number.parseFloat(timestamp) * 1000).toISOString();
  return [];
}

const isPoison = (event: RecordedEvent): boolean => event.type === 'UserEvent' && event.data.Uniqueid === 'a' && event.metadata.timestamp === '9999999999999';

/** Writes bytes to every logged-in session of the fake (binary included: `push` only sends text). */
function writeBytes(fake: FakeAmi, bytes: Buffer): void {
  for (const session of fake.sessions) if (session.authenticated) session.socket.write(bytes);
}

describe('poison AMI events through the real ingest and every projection', function () {
  this.timeout(60_000);
  let fake: FakeAmi;
  let store: MemoryEventStore;
  let readModels: ReadModelDb;
  let ami: AmiRuntime | undefined;
  let server: TestServer | undefined;
  const stops: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    fake = await FakeAmi.start();
    store = new MemoryEventStore();
    readModels = await openReadModelDb(':memory:');
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await server?.close();
    server = undefined;
    await ami?.stop();
    ami = undefined;
    await fake.close();
    await readModels.close();
    await store.close();
  });

  it('the poison UserEvent and 1,000 fuzzed malformed frames stop no projection; each fault shows over HTTP; rebuild equals live', async () => {
    const projections = [...defaultProjections, strictTimeProjection] as const;
    const runner = createProjectionRunner({ store, readModels, projections, batchSize: 64 });
    await runner.start();
    stops.push(() => runner.stop());
    let rounds = 0;
    ami = startAmi({ config: amiConfig(fake), store, logger: silentLogger(), snapshotTimeoutMs: 1000, onResync: () => rounds++ });
    await waitFor(() => rounds >= 1, 5000, 'first resync round');

    fake.push(poisonFrame);
    writeBytes(fake, hostileWire(fuzzSeed, 1000));
    fake.push(goodChannelFrame('good.1'));
    await waitFor(async () => (await store.readAll()).some((e) => e.type === 'Newchannel' && e.data.Uniqueid === 'good.1'), 15_000, 'the good event after the fuzz');
    await ami.ingest.flush();
    await waitFor(async () => runner.position() === (await store.headPosition()), 15_000, 'the runner at the head');

    const log = await store.readAll();
    const poison = log.find(isPoison);
    expect(poison, 'the poison event is stored as it came').to.not.equal(undefined);
    const fuzzed = log.filter((e) => e.position > poison!.position && !(e.type === 'Newchannel' && e.data.Uniqueid === 'good.1') && e.type !== projectionEventTypes.fault);
    expect(fuzzed.length, 'every fuzzed frame reached the log (as an event or a raw frame)').to.be.at.least(1000);

    // Nothing stopped, and the event after the fuzz is projected.
    expect(runner.status()).to.include({ state: 'running' });
    const good = readModels.sqlite.prepare("SELECT channel FROM channels WHERE unique_id = 'good.1'").get() as { channel: string } | undefined;
    expect(good?.channel).to.equal('PJSIP/good-good.1');

    // The shared parsers are total: no real projection faulted. The strict one did, on the poison among others.
    const faultLog = log.filter((e) => e.type === projectionEventTypes.fault);
    const report = runner.status().faults;
    expect(Object.keys(report.projections)).to.deep.equal(['strict_time']);
    expect(faultLog.every((e) => e.stream === 'projection-strict_time')).to.equal(true);
    expect(report.count).to.equal(faultLog.length);
    expect(faultLog.some((e) => e.data.position === poison!.position && e.data.event_type === 'UserEvent' && String(e.data.error).includes('Invalid time value'))).to.equal(true);
    expect(faultLog.length).to.be.greaterThan(1);

    // Visible over HTTP.
    const app = createHttpApp({
      logger: silentLogger(),
      bodyLimitBytes: 1024 * 1024,
      // Authentication is not under test here; the real table guards these routes in the app.
      authenticate: async (_ctx, next) => next(),
      routers: [
        healthRoutes({ ami: ami.gateway, store, projectionsPosition: () => runner.position(), projectionFaults: () => runner.status().faults }),
        projectionsRoutes({ runner, names: projections.map((p) => p.name), logger: silentLogger() }),
      ],
    });
    server = await listen(app);
    const http = httpClient(server.baseUrl);
    const listing = await http.get('/v1/admin/projections');
    expect(listing.status).to.equal(200);
    const listed = listing.body?.result as { state: string; faults: { count: number; projections: Record<string, { count: number; last: Array<Record<string, unknown>> }> } };
    expect(listed.state).to.equal('running');
    expect(listed.faults.count).to.equal(faultLog.length);
    expect(listed.faults.projections.strict_time?.count).to.equal(faultLog.length);
    const lastListed = listed.faults.projections.strict_time!.last.at(-1)!;
    const lastLogged = faultLog.at(-1)!;
    expect(lastListed).to.include({ projection: 'strict_time', position: lastLogged.data.position, event_type: lastLogged.data.event_type, error: lastLogged.data.error });

    const health = await http.get('/v1/health');
    expect(health.status).to.equal(200);
    const projectionsHealth = (health.body?.result as { projections: Record<string, unknown> }).projections;
    expect(projectionsHealth).to.deep.equal({
      position: runner.position(),
      faults: faultLog.length,
      last_fault: { projection: 'strict_time', position: lastLogged.data.position, event_type: lastLogged.data.event_type },
    });

    // Rebuild equals live, with no second record of any fault; and a fresh build of the same log equals both.
    await ami.stop();
    ami = undefined;
    const live = await dumpAllTables(readModels, projections);
    const rebuilt = await runner.rebuild();
    expect(rebuilt.changes).to.equal(0);
    expect(await dumpAllTables(readModels, projections)).to.deep.equal(live);
    expect((await store.readAll()).filter((e) => e.type === projectionEventTypes.fault)).to.have.length(faultLog.length);

    const freshStore = new MemoryEventStore();
    const freshModels = await openReadModelDb(':memory:');
    try {
      await copyLog(store, freshStore);
      await createProjectionRunner({ store: freshStore, readModels: freshModels, projections }).catchUp();
      expect(await dumpAllTables(freshModels, projections)).to.deep.equal(live);
      expect((await freshStore.readAll()).filter((e) => e.type === projectionEventTypes.fault)).to.have.length(faultLog.length);
    } finally {
      await freshModels.close();
      await freshStore.close();
    }
  });
});

describe('jade restarts on a data dir that holds the poison event', function () {
  this.timeout(60_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'jade-poison-'));
  let fake: FakeAmi;
  let jade: RunningJade | undefined;

  before(async () => {
    fake = await FakeAmi.start();
  });
  after(async () => {
    await jade?.stop();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('applies the poison, stops, and starts again with every projection running at the head', async () => {
    jade = await startTestJade(undefined, { dataDir, overrides: { ami: { host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret } } });
    await waitFor(async () => ((await jade!.http.get('/v1/health')).body?.result as { ami: { connected: boolean } }).ami.connected, 10_000, 'AMI connected');
    await waitFor(() => fake.actions.some((a) => a.action?.toLowerCase() === 'coreshowchannels'), 10_000, 'the resync round');
    fake.push(poisonFrame);
    writeBytes(fake, hostileWire(fuzzSeed + 1, 200));
    fake.push(goodChannelFrame('good.2'));
    const channel = async (running: RunningJade): Promise<boolean> => {
      const body = (await running.get('/v1/core/channels/good.2')).body;
      return body?.statuscode === 200;
    };
    await waitFor(() => channel(jade!), 15_000, 'the good channel after the poison');
    await jade.stop();

    // No AMI this time (nothing to reconcile the channel away): the runner alone replays from its checkpoint.
    jade = await startTestJade(undefined, { dataDir });
    const atHead = async (): Promise<boolean> => {
      const health = (await jade!.http.get('/v1/health')).body?.result as { eventstore: { position: number }; projections: { position: number } };
      return health.projections.position === health.eventstore.position;
    };
    await waitFor(atHead, 10_000, 'projections at the head after the restart');
    const listing = (await jade.get('/v1/admin/projections')).body?.result as { state: string; faults: { count: number } };
    expect(listing.state).to.equal('running');
    expect(listing.faults.count).to.equal(0);
    expect(await channel(jade)).to.equal(true);
  });
});
