import { expect } from 'chai';
import type { JadeEvent, RecordedEvent } from '../../../src/events/index.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { EventStoreUnavailableError, type AppendResult, type EventStore } from '../../../src/eventstore/port.js';
import { AmiIngest } from '../../../src/ami/ingest.js';
import { silentLogger } from '../../../src/logger.js';

const at = '2026-11-27T20:08:37.505000000Z';

/** The memory store behind a switch that makes chosen appends fail. */
class FlakyStore implements Pick<EventStore, 'append'> {
  readonly inner = new MemoryEventStore();
  calls = 0;
  constructor(private readonly fail: (event: JadeEvent, call: number) => Error | undefined) {}
  append(stream: string, events: readonly JadeEvent[]): Promise<AppendResult> {
    const error = this.fail(events[0]!, ++this.calls);
    return error ? Promise.reject(error) : this.inner.append(stream, events);
  }
}

function ingestInto(store: Pick<EventStore, 'append'>, extra: Partial<ConstructorParameters<typeof AmiIngest>[0]> = {}): AmiIngest {
  return new AmiIngest({ store, node: 'pbx1', logger: silentLogger(), retryInitialMs: 1, retryMaxMs: 4, ...extra });
}

const hangup = (n: number) => ({ Event: 'Hangup', Privilege: 'call,all', Uniqueid: `1.${n}`, Linkedid: '1.1', Cause: '16' });
const types = (events: readonly RecordedEvent[]) => events.map((e) => `${e.type}:${String(e.data.Uniqueid ?? e.data.Device ?? '')}`);

describe('AmiIngest', () => {
  it('appends events in arrival order: call events to call-<Linkedid>, the rest to pbx-<node>, with metadata', async () => {
    const store = new MemoryEventStore();
    const ingest = ingestInto(store);
    ingest.event({ Event: 'Newchannel', Privilege: 'call,all', Timestamp: '1795810119.123456', Uniqueid: '1.1', Linkedid: '1.1' }, at);
    ingest.event({ Event: 'DeviceStateChange', Privilege: 'call,all', Device: 'PJSIP/100', State: 'INUSE' }, at);
    ingest.event(hangup(1), at);
    expect(await ingest.flush()).to.equal(true);

    const all = await store.readAll();
    expect(all.map((e) => [e.position, e.stream, e.type])).to.deep.equal([
      [1, 'call-1.1', 'Newchannel'],
      [2, 'pbx-pbx1', 'DeviceStateChange'],
      [3, 'call-1.1', 'Hangup'],
    ]);
    expect(all[0]!.data).to.deep.equal({ Privilege: 'call,all', Uniqueid: '1.1', Linkedid: '1.1' });
    expect(all[0]!.metadata).to.deep.equal({ node: 'pbx1', receivedAt: at, timestamp: '1795810119.123456' });
    expect(all[1]!.metadata).to.deep.equal({ node: 'pbx1', receivedAt: at });
  });

  it('stores a raw frame as AmiRawFrame on the PBX stream', async () => {
    const store = new MemoryEventStore();
    const ingest = ingestInto(store);
    ingest.raw('garbage\r\nmore', 'unparsable line: "garbage"', at);
    await ingest.flush();
    const [event] = await store.readAll();
    expect(event).to.deep.include({ stream: 'pbx-pbx1', type: 'AmiRawFrame', data: { raw: 'garbage\r\nmore', reason: 'unparsable line: "garbage"' } });
  });

  it('stores an event whose name no store accepts ("" or $...) as a raw frame', async () => {
    const store = new MemoryEventStore();
    const ingest = ingestInto(store);
    ingest.event({ Event: '$all', Linkedid: '1.1' }, at);
    await ingest.flush();
    const [event] = await store.readAll();
    expect(event?.type).to.equal('AmiRawFrame');
    expect(event?.data.raw).to.equal('Event: $all\r\nLinkedid: 1.1');
  });

  it('loses nothing and keeps arrival order when the store is down for a while', async () => {
    let down = true;
    const store = new FlakyStore(() => (down ? new EventStoreUnavailableError('disk gone') : undefined));
    const ingest = ingestInto(store);
    for (let n = 1; n <= 50; n++) ingest.event(hangup(n), at);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ingest.stats().appended).to.equal(0);
    ingest.event(hangup(51), at);
    down = false;
    expect(await ingest.flush(5000)).to.equal(true);

    const uniqueids = (await store.inner.readAll()).map((e) => e.data.Uniqueid);
    expect(uniqueids).to.deep.equal(Array.from({ length: 51 }, (_, i) => `1.${i + 1}`));
    expect(ingest.stats()).to.deep.include({ appended: 51, queued: 0, reordered: 0 });
    expect(ingest.stats().retries).to.be.greaterThan(0);
  });

  it('stops retrying once abandoned at shutdown (a store that never comes back), counting what it could not store', async () => {
    const store = new FlakyStore(() => new EventStoreUnavailableError('disk gone'));
    const ingest = ingestInto(store);
    for (let n = 1; n <= 3; n++) ingest.event(hangup(n), at);
    expect(await ingest.flush(30)).to.equal(false);
    expect(ingest.abandon()).to.equal(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const attempts = store.calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.calls, 'no append attempted after abandon').to.equal(attempts);
  });

  it('retries a lone failed append, and counts it as reordered when later appends got in first', async () => {
    const store = new FlakyStore((event, call) => (call === 3 ? new EventStoreUnavailableError('blip') : undefined));
    const ingest = ingestInto(store);
    for (let n = 1; n <= 5; n++) ingest.event(hangup(n), at);
    await ingest.flush(5000);
    expect(types(await store.inner.readAll())).to.deep.equal(['Hangup:1.1', 'Hangup:1.2', 'Hangup:1.4', 'Hangup:1.5', 'Hangup:1.3']);
    expect(ingest.stats()).to.deep.include({ appended: 5, reordered: 1 });
  });

  it('keeps an event the store refuses as unstorable, as a raw frame', async () => {
    const store = new FlakyStore((event) => (event.type === 'Weird' ? new TypeError('cannot store that') : undefined));
    const ingest = ingestInto(store);
    ingest.event({ Event: 'Weird', Linkedid: '1.1' }, at);
    await ingest.flush(5000);
    const [event] = await store.inner.readAll();
    expect(event?.type).to.equal('AmiRawFrame');
    expect(String(event?.data.raw)).to.include('"type":"Weird"');
  });

  it('asks the link to stop reading when too much is queued, and to resume once the store catches up', async () => {
    const inner = new MemoryEventStore();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const store = { append: async (stream: string, events: readonly JadeEvent[]) => (await gate, inner.append(stream, events)) };
    const signals: boolean[] = [];
    const ingest = ingestInto(store, { maxInFlight: 2, highWaterMark: 10, lowWaterMark: 2, onBackpressure: (paused) => signals.push(paused) });
    for (let n = 1; n <= 12; n++) ingest.event(hangup(n), at);
    expect(signals).to.deep.equal([true]);
    release();
    await ingest.flush(5000);
    expect(signals).to.deep.equal([true, false]);
    expect((await inner.readAll()).length).to.equal(12);
  });

  it('records connect, snapshot, snapshot failure and disconnect on the PBX stream with the round', async () => {
    const store = new MemoryEventStore();
    const ingest = ingestInto(store);
    ingest.connected({ amiVersion: '9.0.0', host: '127.0.0.1', port: 5038, connectedAt: at }, 'r1');
    ingest.snapshot({ action: 'CoreShowChannels', items: [], response: { Response: 'Success' }, round: 'r1' }, at);
    ingest.snapshotFailed({ action: 'Agents', round: 'r1', error: 'Invalid/unknown command' }, at);
    ingest.disconnected('socket closed', at);
    await ingest.flush();
    const all = await store.readAll();
    expect(all.map((e) => [e.stream, e.type, e.data.round])).to.deep.equal([
      ['pbx-pbx1', 'AmiConnected', 'r1'],
      ['pbx-pbx1', 'AmiSnapshot', 'r1'],
      ['pbx-pbx1', 'AmiSnapshotFailed', 'r1'],
      ['pbx-pbx1', 'AmiDisconnected', 'r1'],
    ]);
    expect(all[3]?.data.reason).to.equal('socket closed');
  });
});
