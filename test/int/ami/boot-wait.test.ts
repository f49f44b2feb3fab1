import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { silentLogger } from '../../../src/logger.js';
import { startAmi, type AmiRuntime, type ResyncReport } from '../../../src/ami/index.js';
import { FakeAmi } from '../../support/fake-ami.js';
import { amiConfig, waitFor } from './helpers.js';

describe('AMI resync waits for Asterisk to finish booting', () => {
  let fake: FakeAmi;
  let ami: AmiRuntime | undefined;

  afterEach(async () => {
    await ami?.stop();
    ami = undefined;
    await fake.close();
  });

  it('takes no snapshot while Asterisk is booting, and takes them as soon as FullyBooted arrives', async () => {
    // A session opened during boot: Asterisk says nothing until its modules are loaded.
    fake = await FakeAmi.start({ afterLogin: [] });
    const store = new MemoryEventStore();
    const rounds: ResyncReport[] = [];
    ami = startAmi({ config: amiConfig(fake, {}), store, logger: silentLogger(), snapshotTimeoutMs: 1000, bootWaitMs: 60_000, onResync: (r) => rounds.push(r) });
    await waitFor(async () => (await store.readAll()).some((e) => e.type === 'AmiConnected'), 3000, 'the connect');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await store.readAll()).filter((e) => e.type === 'AmiSnapshot'), 'no snapshot before FullyBooted').to.deep.equal([]);

    fake.push([{ Event: 'FullyBooted', Privilege: 'system,all', Status: 'Fully Booted' }]);
    await waitFor(() => rounds.length >= 1, 3000, 'the resync round after FullyBooted');
    const events = await store.readAll();
    const booted = events.findIndex((e) => e.type === 'FullyBooted');
    const firstSnapshot = events.findIndex((e) => e.type === 'AmiSnapshot');
    expect(booted).to.be.greaterThan(-1);
    expect(firstSnapshot).to.be.greaterThan(booted);
  });

  it('takes its snapshots anyway when no FullyBooted comes within the wait', async () => {
    fake = await FakeAmi.start({ afterLogin: [] });
    const rounds: ResyncReport[] = [];
    ami = startAmi({ config: amiConfig(fake, {}), store: new MemoryEventStore(), logger: silentLogger(), snapshotTimeoutMs: 1000, bootWaitMs: 200, onResync: (r) => rounds.push(r) });
    await waitFor(() => rounds.length >= 1, 3000, 'the resync round after the wait');
    expect(rounds[0]!.recorded.length).to.be.greaterThan(5);
  });
});
