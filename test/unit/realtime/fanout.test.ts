import { expect } from 'chai';
import { silentLogger } from '../../../src/logger.js';
import type { ReadModelChange } from '../../../src/readmodels/index.js';
import type { Batch } from '../../../src/realtime/batch.js';
import { toRealtimeEvent } from '../../../src/realtime/event-table.js';
import { Fanout, SubscribeRefusedError, type ClientSession, type CloseReason, type Connection, type FanoutOptions, type ResyncNotice } from '../../../src/realtime/fanout.js';
import { agiChange, channelChange } from './rows.js';

/** A connection that records what it is given and completes writes only when told (a socket that does not drain). */
class FakeConnection implements Connection {
  static next = 0;
  readonly id = `fake-${FakeConnection.next++}`;
  readonly batches: Batch[] = [];
  readonly resyncs: ResyncNotice[] = [];
  readonly closes: CloseReason[] = [];
  private readonly unwritten: (() => void)[] = [];

  constructor(
    readonly transport: 'socket.io' | 'ws' = 'socket.io',
    private readonly autoWrite = true,
  ) {}

  send(batch: Batch, written: () => void): void {
    this.batches.push(batch);
    if (this.autoWrite) written();
    else this.unwritten.push(written);
  }

  resync(notice: ResyncNotice): void {
    this.resyncs.push(notice);
  }

  close(reason: CloseReason): void {
    this.closes.push(reason);
  }

  drain(): void {
    for (const written of this.unwritten.splice(0)) written();
  }

  positions(): number[] {
    return this.batches.flatMap((batch) => batch.events.map((event) => event.position));
  }
}

/** Delivery tests act as an admin: topic permissions have their own tests. */
const adminSession: ClientSession = { user: { uuid: 'u-admin', username: 'admin', permissions: ['admin'] } };

describe('realtime fan-out', () => {
  let fanout: Fanout<ReadModelChange>;
  const connect = (connection: Connection) => fanout.connect(connection, adminSession);

  function make(options: Partial<FanoutOptions<ReadModelChange>> = {}): Fanout<ReadModelChange> {
    fanout = new Fanout<ReadModelChange>({
      // Ticks are driven by hand (flush()); the timer would only fire after the test.
      tickMs: 60_000,
      resumeWindow: 100,
      clientBufferLimit: 1000,
      startPosition: 0,
      toEvent: toRealtimeEvent,
      logger: silentLogger(),
      ...options,
    });
    return fanout;
  }

  afterEach(() => fanout.close());

  it('delivers one batch per subscription group per tick, encoded once for all its members', () => {
    make();
    const a = new FakeConnection();
    const b = new FakeConnection();
    const other = new FakeConnection();
    fanout.subscribe(connect(a), '/core/channels/');
    fanout.subscribe(connect(b), '/core/channels/pjagent-01');
    fanout.subscribe(connect(other), '/core/agis/');
    fanout.accept([channelChange('create', 1)]);
    fanout.accept([channelChange('update', 2)]);
    fanout.flush();
    expect(a.batches).to.have.length(1);
    expect(a.positions()).to.deep.equal([1, 2]);
    expect(b.positions()).to.deep.equal([1, 2]);
    expect(other.batches).to.have.length(0);

    const c = new FakeConnection();
    fanout.subscribe(connect(c), '/core/channels/');
    fanout.accept([channelChange('update', 3)]);
    fanout.flush();
    // Same group, same Batch object: whatever a transport encodes from it is computed once.
    expect(c.batches[0]).to.equal(a.batches[1]);
    expect(fanout.stats().groups).to.equal(3);
  });

  it('serialises each payload once, at publish', () => {
    make();
    const a = new FakeConnection();
    fanout.subscribe(connect(a), '/');
    fanout.accept([channelChange('create', 1, { variables: { X: 'y' } })]);
    fanout.flush();
    const [event] = a.batches[0]!.events;
    expect(JSON.parse(event!.dataJson)).to.deep.include({ unique_id: '1700000000.1', variables: { X: 'y' } });
    expect(event).to.deep.include({ position: 1, topic: '/core/channels/pjagent%2D01', event: 'core.channel.create' });
  });

  it('splits big ticks into messages without splitting a position', () => {
    make({ maxMessageEvents: 3 });
    const a = new FakeConnection();
    fanout.subscribe(connect(a), '/');
    fanout.accept([channelChange('update', 1), channelChange('update', 2), channelChange('update', 2), channelChange('update', 2), channelChange('update', 3)]);
    fanout.flush();
    expect(a.batches.map((batch) => batch.events.map((e) => e.position))).to.deep.equal([[1, 2, 2, 2], [3]]);
  });

  it('spreads a burst over ticks, about half the client buffer per tick, whole positions only', () => {
    make({ clientBufferLimit: 4 });
    const a = new FakeConnection();
    fanout.subscribe(connect(a), '/');
    fanout.accept([channelChange('update', 1), channelChange('update', 2), channelChange('update', 2), channelChange('update', 3), channelChange('update', 4)]);
    fanout.flush();
    expect(a.positions()).to.deep.equal([1, 2, 2]);
    expect(fanout.stats().queued).to.equal(2);
    fanout.flush();
    expect(a.positions()).to.deep.equal([1, 2, 2, 3, 4]);
    expect(a.closes).to.deep.equal([]);
  });

  it('disconnects a client whose unsent events would exceed the limit, and never queues past it', () => {
    make({ clientBufferLimit: 5 });
    const stuck = new FakeConnection('socket.io', false);
    const fine = new FakeConnection();
    fanout.subscribe(connect(stuck), '/');
    fanout.subscribe(connect(fine), '/');
    for (let position = 1; position <= 4; position++) {
      fanout.accept([channelChange('update', position), agiChange('update', position)]);
      fanout.flush();
    }
    expect(stuck.positions()).to.deep.equal([1, 1, 2, 2]);
    expect(stuck.closes).to.deep.equal([{ code: 'slow_consumer', message: 'more than 5 events queued unsent' }]);
    expect(fine.positions()).to.deep.equal([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(fanout.stats()).to.deep.include({ dropped: 1, clients: { socketIo: 1, ws: 0 } });
  });

  it('counts a write as unsent until the transport reports it written', () => {
    make({ clientBufferLimit: 5 });
    const slow = new FakeConnection('ws', false);
    fanout.subscribe(connect(slow), '/');
    for (let position = 1; position <= 10; position++) {
      fanout.accept([channelChange('update', position)]);
      fanout.flush();
      expect(fanout.stats().unsent.max).to.be.at.most(5);
      slow.drain();
    }
    expect(slow.positions()).to.have.length(10);
    expect(slow.closes).to.deep.equal([]);
  });

  describe('resume', () => {
    it('replays the window after the position, on the topic, then goes live', () => {
      make();
      for (let position = 1; position <= 5; position++) fanout.accept([position % 2 ? channelChange('update', position) : agiChange('update', position)]);
      fanout.flush();
      const a = new FakeConnection();
      const client = connect(a);
      expect(fanout.subscribe(client, '/core/channels/', 1)).to.deep.equal({ topic: '/core/channels/', replayed: 2 });
      expect(a.positions()).to.deep.equal([3, 5]);
      fanout.accept([channelChange('update', 6)]);
      fanout.flush();
      expect(a.positions()).to.deep.equal([3, 5, 6]);
    });

    it('never replays what is still queued: the next tick delivers it live, once', () => {
      make();
      fanout.accept([channelChange('update', 1)]);
      fanout.flush();
      fanout.accept([channelChange('update', 2)]);
      const a = new FakeConnection();
      expect(fanout.subscribe(connect(a), '/', 0)).to.deep.equal({ topic: '/', replayed: 1 });
      fanout.flush();
      expect(a.positions()).to.deep.equal([1, 2]);
    });

    it('answers resync, and still subscribes live, when the window cannot answer', () => {
      make({ resumeWindow: 2, startPosition: 10 });
      for (let position = 11; position <= 14; position++) fanout.accept([channelChange('update', position)]);
      fanout.flush();
      fanout.advance(20);
      const a = new FakeConnection();
      const client = connect(a);
      const expired = fanout.subscribe(client, '/', 11);
      expect(expired.resync).to.deep.include({ reason: 'expired', oldest: 12, head: 20, position: 11, topic: '/' });
      expect(a.resyncs).to.have.length(1);
      expect(fanout.subscribe(client, '/core/', 21).resync?.reason).to.equal('ahead');
      expect(fanout.subscribe(client, '/core/channels/', 12)).to.deep.equal({ topic: '/core/channels/', replayed: 0 });
      expect(a.positions()).to.deep.equal([]);
      fanout.accept([channelChange('update', 21)]);
      fanout.flush();
      expect(a.positions()).to.deep.equal([21]);
    });
  });

  it('stops delivering to a client once it disconnects or unsubscribes, and drops empty groups', () => {
    make();
    const a = new FakeConnection();
    const b = new FakeConnection();
    const ca = connect(a);
    const cb = connect(b);
    fanout.subscribe(ca, '/');
    fanout.subscribe(cb, '/core/');
    fanout.disconnect(ca);
    expect(fanout.unsubscribe(cb, 'core/')).to.equal('/core/');
    fanout.accept([channelChange('update', 1)]);
    fanout.flush();
    expect(a.batches.length + b.batches.length).to.equal(0);
    expect(fanout.stats().groups).to.equal(0);
  });

  it('skips a change it cannot publish and publishes the rest', () => {
    const bad = channelChange('update', 2, { variables: { n: 1n } as unknown as Record<string, string> });
    make();
    const a = new FakeConnection();
    fanout.subscribe(connect(a), '/');
    fanout.accept([channelChange('update', 1), bad, channelChange('update', 3)]);
    fanout.flush();
    expect(a.positions()).to.deep.equal([1, 3]);
  });

  it('closes every client with a reason on close, and refuses new ones', () => {
    make();
    const a = new FakeConnection();
    connect(a);
    fanout.close();
    const late = new FakeConnection();
    connect(late);
    expect(a.closes).to.deep.equal([{ code: 'shutdown', message: 'server shutting down' }]);
    expect(late.closes).to.have.length(1);
  });

  describe('bounded, authorized subscriptions', () => {
    it('refuses the 257th topic of one client with a clear error, and the first 256 keep working', () => {
      make({ maxTopicsPerClient: 256 });
      const a = new FakeConnection();
      const client = connect(a);
      for (let i = 0; i < 256; i++) fanout.subscribe(client, `/core/channels/agent${i}`);
      expect(() => fanout.subscribe(client, '/core/channels/agent256'))
        .to.throw(SubscribeRefusedError, 'at most 256 topics')
        .with.property('code', 'too_many_topics');
      // Re-subscribing one it holds is not a new topic; after an unsubscribe there is room again.
      expect(fanout.subscribe(client, '/core/channels/agent7').topic).to.equal('/core/channels/agent7');
      fanout.unsubscribe(client, '/core/channels/agent0');
      fanout.subscribe(client, '/core/channels/agent256');
      fanout.accept([channelChange('update', 1, { caller_id_name: 'agent255' }), channelChange('update', 2, { caller_id_name: 'agent256' })]);
      fanout.flush();
      expect(a.positions()).to.deep.equal([1, 2]);
      expect(a.closes).to.deep.equal([]);
    });

    it('refuses a topic the user has no permission for, naming it, and keeps the client', () => {
      make();
      const userOnly = fanout.connect(new FakeConnection(), { user: { uuid: 'u-2', username: 'bob', permissions: ['user'] } });
      expect(() => fanout.subscribe(userOnly, '/core/channels/')).to.throw(SubscribeRefusedError, '/core/channels/').with.property('code', 'topic_forbidden');
      const manager = new FakeConnection();
      const managerClient = fanout.connect(manager, { user: { uuid: 'u-3', username: 'mia', permissions: ['manager'] } });
      expect(() => fanout.subscribe(managerClient, '/admin/')).to.throw(SubscribeRefusedError).with.property('topic', '/admin/');
      fanout.subscribe(managerClient, '/core/channels/');
      fanout.accept([channelChange('update', 1)]);
      fanout.flush();
      expect(manager.positions()).to.deep.equal([1]);
    });

    it('groups clients with the same topics whatever order they subscribed in, and splits them when they differ', () => {
      make();
      const a = connect(new FakeConnection());
      const b = connect(new FakeConnection());
      for (const topic of ['/core/agis/', '/core/channels/', '/queue/']) fanout.subscribe(a, topic);
      for (const topic of ['/queue/', '/core/channels/', '/core/agis/']) fanout.subscribe(b, topic);
      expect(fanout.stats().groups).to.equal(1);
      fanout.unsubscribe(b, '/queue/');
      expect(fanout.stats().groups).to.equal(2);
      fanout.subscribe(b, '/queue/');
      expect(fanout.stats().groups).to.equal(1);
    });

    it('closes the clients whose session a sweep rejects, with that reason, and only those', () => {
      make();
      const revoked = new FakeConnection();
      const live = new FakeConnection();
      fanout.subscribe(fanout.connect(revoked, { ...adminSession, token: 'old' }), '/');
      fanout.subscribe(fanout.connect(live, { ...adminSession, token: 'new' }), '/');
      const reason: CloseReason = { code: 'token_revoked', message: 'the authtoken was revoked' };
      fanout.sweep((session) => (session.token === 'old' ? reason : undefined));
      fanout.accept([channelChange('update', 1)]);
      fanout.flush();
      expect(revoked.closes).to.deep.equal([reason]);
      expect(revoked.positions()).to.deep.equal([]);
      expect(live.positions()).to.deep.equal([1]);
    });
  });
});
