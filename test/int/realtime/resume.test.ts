import { expect } from 'chai';
import { agiChange, channelChange } from '../../unit/realtime/rows.js';
import { recorder, settle, sleep, startRealtime, type Recorder, type TestRealtime } from './support.js';

/** Resume by log position: exactly the missed events, in order, then live; `resync` when that is impossible. */
describe('realtime resume by position (real HTTP server, real socket.io clients)', function () {
  let rt: TestRealtime | undefined;
  const clients: Recorder[] = [];
  const client = async (): Promise<Recorder> => {
    const made = await recorder(rt!.url);
    clients.push(made);
    return made;
  };

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await rt?.close();
    rt = undefined;
  });

  /** Three "calls": each a create, an update and a delete of its own channel, plus an AGI row on another topic. */
  function threeCalls(from: number): number {
    let position = from;
    for (const call of ['a', 'b', 'c']) {
      const id = `9.${call}`;
      rt!.commit([channelChange('create', ++position, { unique_id: id })]);
      rt!.commit([agiChange('create', ++position, { unique_id: id })]);
      rt!.commit([channelChange('update', ++position, { unique_id: id, channel_state: 6 })]);
      rt!.commit([channelChange('delete', ++position, { unique_id: id }), agiChange('delete', position, { unique_id: id })]);
    }
    return position;
  }

  it('after a disconnect, gets exactly the missed events on its topic, in order, then live ones, no duplicates', async () => {
    rt = await startRealtime();
    const first = await client();
    await first.subscribe('/core/channels/');
    rt.commit([channelChange('create', 1, { unique_id: '1.1' })]);
    rt.commit([channelChange('update', 2, { unique_id: '1.1' })]);
    const seen = await first.waitForEvents(2);
    const last = seen[seen.length - 1]!.position;
    first.close();

    const head = threeCalls(2);
    await settle();

    const again = await client();
    expect(await again.subscribe({ topic: '/core/channels/', position: last })).to.deep.equal({ topic: '/core/channels/', replayed: 9 });
    rt.commit([channelChange('create', head + 1, { unique_id: '9.d' })]);
    const events = await again.waitForEvents(10);
    await settle();
    expect(again.events()).to.have.length(10);
    expect(events.map((e) => [e.position, e.event, (e.data as { unique_id: string }).unique_id])).to.deep.equal([
      [3, 'core.channel.create', '9.a'],
      [5, 'core.channel.update', '9.a'],
      [6, 'core.channel.delete', '9.a'],
      [7, 'core.channel.create', '9.b'],
      [9, 'core.channel.update', '9.b'],
      [10, 'core.channel.delete', '9.b'],
      [11, 'core.channel.create', '9.c'],
      [13, 'core.channel.update', '9.c'],
      [14, 'core.channel.delete', '9.c'],
      [15, 'core.channel.create', '9.d'],
    ]);
  });

  it('has no gap and no duplicate at the switch when changes are waiting for the next tick', async () => {
    // A long tick: the change committed just before the subscription is still queued when it arrives.
    rt = await startRealtime({ tickMs: 300 });
    const watcher = await client();
    await watcher.subscribe('/');
    rt.commit([channelChange('create', 1)]);
    rt.commit([channelChange('update', 2)]);
    await watcher.waitForEvents(2, 2000);

    rt.commit([channelChange('update', 3)]);
    const resumed = await client();
    const ack = await resumed.subscribe({ topic: '/', position: 1 });
    expect(ack).to.deep.equal({ topic: '/', replayed: 1 });
    const events = await resumed.waitForEvents(2, 2000);
    await sleep(400);
    expect(resumed.events().map((e) => e.position)).to.deep.equal([2, 3]);
    expect(events.map((e) => e.position)).to.deep.equal([2, 3]);
  });

  it('does not repeat what another subscription of the same client already brings', async () => {
    rt = await startRealtime();
    rt.commit([channelChange('create', 1), agiChange('create', 2)]);
    await settle();
    const c = await client();
    expect(await c.subscribe({ topic: '/core/channels/', position: 0 })).to.deep.equal({ topic: '/core/channels/', replayed: 1 });
    expect(await c.subscribe({ topic: '/', position: 0 })).to.deep.equal({ topic: '/', replayed: 1 });
    await settle();
    expect(c.events().map((e) => e.event)).to.deep.equal(['core.channel.create', 'core.agi.create']);
  });

  it('says resync when the position has left the window, and resumes exactly from the oldest one kept', async () => {
    rt = await startRealtime({ resumeWindow: 5 });
    for (let position = 1; position <= 20; position++) rt.commit([channelChange('update', position)]);
    await settle();
    expect(rt.realtime.stats().window).to.deep.equal({ events: 5, oldestResumable: 15, head: 20 });

    const late = await client();
    const ack = await late.subscribe({ topic: '/core/channels/', position: 14 });
    expect(ack).to.deep.include({ topic: '/core/channels/', replayed: 0 });
    expect((ack as { resync?: unknown }).resync).to.deep.include({ reason: 'expired', position: 14, oldest: 15, head: 20 });
    await settle();
    expect(late.resyncs).to.have.length(1);
    expect(late.resyncs[0]).to.deep.include({ topic: '/core/channels/', reason: 'expired' });
    // Still subscribed live after the resync: the client reloads over REST and keeps listening.
    rt.commit([channelChange('update', 21)]);
    expect((await late.waitForEvents(1)).map((e) => e.position)).to.deep.equal([21]);

    // Position 21 pushed 16 out: the window now holds 17..21, so 16 is the oldest position to resume from.
    const inTime = await client();
    expect(await inTime.subscribe({ topic: '/', position: 16 })).to.deep.equal({ topic: '/', replayed: 5 });
    expect((await inTime.waitForEvents(5)).map((e) => e.position)).to.deep.equal([17, 18, 19, 20, 21]);
  });

  it('says resync for a position this server never reached, or from before it attached', async () => {
    rt = await startRealtime({}, { startPosition: 100 });
    rt.commit([channelChange('update', 101)]);
    await settle();
    const c = await client();
    const ahead = (await c.subscribe({ topic: '/', position: 500 })) as { resync?: { reason: string } };
    expect(ahead.resync?.reason).to.equal('ahead');
    const before = (await c.subscribe({ topic: '/core/', position: 50 })) as { resync?: { reason: string } };
    expect(before.resync?.reason).to.equal('expired');
    const fromStart = await c.subscribe({ topic: '/core/channels/', position: 100 });
    expect(fromStart).to.deep.equal({ topic: '/core/channels/', replayed: 0 });
  });

  it('says resync rather than overflow the client buffer with a long replay', async () => {
    rt = await startRealtime({ resumeWindow: 100, clientBufferLimit: 10 });
    for (let position = 1; position <= 30; position++) rt.commit([channelChange('update', position)]);
    await settle(20);
    const c = await client();
    const ack = (await c.subscribe({ topic: '/', position: 0 })) as { resync?: { reason: string } };
    expect(ack.resync?.reason).to.equal('buffer');
    expect(c.socket.connected).to.equal(true);
  });
});
