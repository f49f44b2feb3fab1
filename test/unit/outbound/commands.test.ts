import { expect } from 'chai';
import { ObResourceCommands } from '../../../src/outbound/commands.js';
import { obStreams, type JadeEvent } from '../../../src/events/index.js';
import { MemoryEventStore, type AppendResult, type ExpectedRevision } from '../../../src/eventstore/index.js';
import { decideDlDialingStart, evolveDl, CommandRefusal, type DlObject, type ObEvent } from '../../../src/outbound/resources/index.js';
import { openReadModelDb, type ReadModelDb } from '../../../src/readmodels/database.js';
import { CAMP, DIALING, PLAN, T0, T1 } from './support.js';

/**
 * A store in which "the dialer" appends to a stream between the command's load and its append, once:
 * the command's expected revision is then stale.
 */
class RacingStore extends MemoryEventStore {
  interleave: (() => Promise<void>) | undefined;

  override async append(stream: string, events: readonly JadeEvent[], expected?: ExpectedRevision): Promise<AppendResult> {
    const racer = this.interleave;
    if (racer) {
      this.interleave = undefined;
      await racer();
    }
    return super.append(stream, events, expected);
  }

  /** The racer's own append, which does not race. */
  appendDirect(stream: string, events: readonly JadeEvent[], expected?: ExpectedRevision): Promise<AppendResult> {
    return super.append(stream, events, expected);
  }
}

const dlAggregate = { stream: obStreams.dl, evolve: evolveDl };

describe('outbound resource command path', () => {
  let store: RacingStore;
  let readModels: ReadModelDb;
  let commands: ObResourceCommands;
  const ctx = { commandId: 'c-1', userId: 'u-1', correlationId: 'c-1' };

  beforeEach(async () => {
    store = new RacingStore();
    readModels = await openReadModelDb(':memory:');
    // These tests read streams only; the read-model wait is not what is under test.
    const sync = { waitForPosition: async () => undefined, waitUntil: async () => undefined };
    commands = new ObResourceCommands({ store, db: readModels.db, readModels: sync, settleTimeoutMs: 1000, now: () => T0 });
  });
  afterEach(async () => {
    await store.close();
    await readModels.close();
  });

  async function entry(): Promise<DlObject> {
    const dlma = await commands.dlmas.create(ctx, {});
    return commands.dls.create(ctx, { dlma_uuid: dlma.uuid, number_1: '300' });
  }

  /** The dialer takes the entry: its own decision on the entry's stream, appended with the revision it folded. */
  const dialerTakes = (uuid: string) => async (): Promise<void> => {
    const { state, revision } = await commands.load(dlAggregate, uuid);
    const events = decideDlDialingStart(state, { uuid, dialing_uuid: DIALING, campaign_uuid: CAMP, plan_uuid: PLAN, dial_index: 1, now: T1 });
    const records = events.map((event: ObEvent) => ({ type: event.type, data: event.data as Record<string, unknown>, metadata: {} }));
    await store.appendDirect(obStreams.dl(uuid), records, revision);
  };

  it('records every event in the object’s stream with who asked', async () => {
    const dl = await entry();
    const [created] = await store.readStream(obStreams.dl(dl.uuid));
    expect(created).to.deep.include({ type: 'DlCreated' });
    expect(created!.metadata).to.include({ commandId: 'c-1', userId: 'u-1', correlationId: 'c-1' });
  });

  it('decides again when another writer appended in between: a detail change still lands after the dialer’s take', async () => {
    const dl = await entry();
    store.interleave = dialerTakes(dl.uuid);
    const updated = await commands.dls.update(ctx, dl.uuid, { detail: 'called back' });
    expect(updated).to.include({ detail: 'called back', status: 1, dialing_uuid: DIALING, trycnt_1: 1 });
    expect((await store.readStream(obStreams.dl(dl.uuid))).map((event) => event.type)).to.deep.equal(['DlCreated', 'DlDialingStarted', 'DlUpdated']);
  });

  it('decides again when another writer appended in between: a status change is then refused, the entry being dialed', async () => {
    const dl = await entry();
    store.interleave = dialerTakes(dl.uuid);
    const attempt = commands.dls.update(ctx, dl.uuid, { status: 2 });
    const error = await attempt.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(CommandRefusal).with.property('kind', 'conflict');
    expect((await store.readStream(obStreams.dl(dl.uuid))).map((event) => event.type)).to.deep.equal(['DlCreated', 'DlDialingStarted']);
  });

  it('lets only one of two dialers take an entry', async () => {
    const dl = await entry();
    const take = (dialing: string) =>
      commands.startDlDialing(ctx, { uuid: dl.uuid, dialing_uuid: dialing, campaign_uuid: CAMP, plan_uuid: PLAN, dial_index: 1, now: T1 }).then(
        () => 'taken',
        (error: unknown) => (error instanceof CommandRefusal ? error.kind : 'error'),
      );
    const outcomes = await Promise.all([take('d-1'), take('d-2')]);
    expect(outcomes.sort()).to.deep.equal(['conflict', 'taken']);
    const events = await store.readStream(obStreams.dl(dl.uuid));
    expect(events.filter((event) => event.type === 'DlDialingStarted')).to.have.length(1);
  });
});

