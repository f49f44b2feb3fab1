import { expect } from 'chai';
import { agiChange, channelChange } from '../../unit/realtime/rows.js';
import {
  connected,
  expiredToken,
  ioClient,
  recorder,
  settle,
  startRealtime,
  type Recorder,
  type TestRealtime,
} from './support.js';

describe('realtime over socket.io (real HTTP server, real clients)', function () {
  let rt: TestRealtime;
  const clients: Recorder[] = [];
  const client = async (...args: Parameters<typeof recorder> extends [string, ...infer R] ? R : never): Promise<Recorder> => {
    const made = await recorder(rt.url, ...args);
    clients.push(made);
    return made;
  };

  beforeEach(async () => {
    rt = await startRealtime();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await rt.close();
  });

  describe('handshake', () => {
    it('accepts a valid token in auth or in the query', async () => {
      const viaAuth = await client({ via: 'auth' });
      const viaQuery = await client({ via: 'query' });
      expect(viaAuth.socket.connected).to.equal(true);
      expect(viaQuery.socket.connected).to.equal(true);
    });

    it('refuses an unknown or expired token with a connect_error saying so', async () => {
      for (const token of ['not-a-token', expiredToken]) {
        const error = await connected(ioClient(rt.url, { token })).then(
          () => undefined,
          (e: unknown) => e as Error & { data?: { statuscode?: number } },
        );
        expect(error?.message).to.equal('invalid or expired authtoken');
        expect(error?.data?.statuscode).to.equal(401);
      }
      expect(rt.realtime.stats().clients.socketIo).to.equal(0);
    });

    it('refuses a handshake without a token', async () => {
      const socket = ioClient(rt.url, { token: '' });
      const error = await connected(socket).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).to.match(/authtoken required/);
    });
  });

  describe('topics', () => {
    it('delivers channel events to /core/channels/, nothing to another target, everything to /', async () => {
      const channels = await client();
      const other = await client();
      const all = await client();
      expect(await channels.subscribe('/core/channels/')).to.deep.equal({ topic: '/core/channels/', replayed: 0 });
      await other.subscribe('/core/channels/someone-else');
      await all.subscribe('/');

      rt.commit([channelChange('create', 1)]);
      rt.commit([channelChange('update', 2, { channel_state: 6, channel_state_desc: 'Up' })]);
      rt.commit([agiChange('create', 3)]);
      rt.commit([channelChange('delete', 4, { hangup_cause: 16, hangup_cause_desc: 'Normal Clearing' })]);

      const seen = await channels.waitForEvents(3);
      expect(seen.map((e) => [e.position, e.event, e.topic])).to.deep.equal([
        [1, 'core.channel.create', '/core/channels/pjagent%2D01'],
        [2, 'core.channel.update', '/core/channels/pjagent%2D01'],
        [4, 'core.channel.delete', '/core/channels/pjagent%2D01'],
      ]);
      const everything = await all.waitForEvents(4);
      expect(everything.map((e) => e.event)).to.deep.equal(['core.channel.create', 'core.channel.update', 'core.agi.create', 'core.channel.delete']);
      await settle();
      expect(other.events()).to.deep.equal([]);
    });

    it('carries the manual payload: the channel object with duration, last state on delete', async () => {
      const c = await client();
      await c.subscribe('/core/channels/');
      rt.commit([
        channelChange('delete', 7, {
          tm_create: '2026-01-01T00:00:00.000000000Z',
          tm_update: '2026-01-01T00:00:42.500000000Z',
          hangup_cause: 16,
          hangup_cause_desc: 'Normal Clearing',
          variables: { ABANDONED: 'TRUE' },
        }),
      ]);
      const [event] = await c.waitForEvents(1);
      const data = event!.data as Record<string, unknown>;
      expect(data).to.include({ unique_id: '1700000000.1', caller_id_name: 'pjagent-01', duration: 42, hangup_cause: 16, hangup_cause_desc: 'Normal Clearing' });
      expect(data.variables).to.deep.equal({ ABANDONED: 'TRUE' });
    });

    it('matches both spellings of a target (pjagent-01 and pjagent%2D01) and sales_1 as sales%5F1', async () => {
      const raw = await client();
      const encoded = await client();
      const underscore = await client();
      expect((await raw.subscribe('/core/channels/pjagent-01')) as { topic: string }).to.include({ topic: '/core/channels/pjagent%2D01' });
      await encoded.subscribe('/core/channels/pjagent%2d01');
      await underscore.subscribe('/core/channels/sales_1');
      rt.commit([channelChange('create', 1), channelChange('create', 1, { unique_id: '2.2', caller_id_name: 'sales_1' })]);
      expect((await raw.waitForEvents(1)).map((e) => e.position)).to.deep.equal([1]);
      expect((await encoded.waitForEvents(1)).map((e) => e.data)).to.have.length(1);
      expect((await underscore.waitForEvents(1))[0]!.topic).to.equal('/core/channels/sales%5F1');
    });

    it("accepts the manual's {type, topic} message, and unsubscribe stops delivery", async () => {
      const c = await client();
      expect(await c.socket.emitWithAck('message', { type: 'subscribe', topic: '/core/agis/' })).to.deep.equal({ topic: '/core/agis/', replayed: 0 });
      rt.commit([agiChange('create', 1)]);
      await c.waitForEvents(1);
      expect(await c.socket.emitWithAck('unsubscribe', '/core/agis/')).to.deep.equal({ topic: '/core/agis/' });
      rt.commit([agiChange('delete', 2)]);
      await settle();
      expect(c.events().map((e) => e.position)).to.deep.equal([1]);
    });

    it('answers a malformed request with an error and keeps the connection', async () => {
      const c = await client();
      expect(await c.subscribe(42)).to.deep.equal({ error: 'subscribe takes "<topic>" or {topic, position?}' });
      expect(await c.subscribe({ topic: '/', position: -1 })).to.have.property('error').that.matches(/position/);
      expect(await c.socket.emitWithAck('message', { type: 'bogus', topic: '/' })).to.have.property('error').that.matches(/unknown message type/);
      expect(c.socket.connected).to.equal(true);
    });

    it('sends an event matched by two subscriptions of one client once', async () => {
      const c = await client();
      await c.subscribe('/');
      await c.subscribe('/core/channels/');
      rt.commit([channelChange('create', 1)]);
      await c.waitForEvents(1);
      await settle();
      expect(c.events()).to.have.length(1);
    });
  });

  describe('coalescing', () => {
    it('delivers a burst in few messages, in log order, every position kept', async () => {
      const c = await client();
      await c.subscribe('/');
      for (let position = 1; position <= 300; position++) {
        rt.commit([channelChange(position % 2 ? 'create' : 'update', position, { unique_id: `1.${position}` })]);
      }
      const events = await c.waitForEvents(300);
      expect(events.map((e) => e.position)).to.deep.equal(Array.from({ length: 300 }, (_, i) => i + 1));
      // Published synchronously within one tick: one message (not one per event).
      expect(c.messages.length).to.be.at.most(2);
      expect(rt.realtime.stats().delivered.messages).to.equal(c.messages.length);
    });

    it('keeps the changes of one commit together, in their order', async () => {
      const c = await client();
      await c.subscribe('/');
      rt.commit([channelChange('delete', 5), agiChange('delete', 5)]);
      const events = await c.waitForEvents(2);
      expect(events.map((e) => [e.position, e.event])).to.deep.equal([
        [5, 'core.channel.delete'],
        [5, 'core.agi.delete'],
      ]);
      expect(c.messages).to.have.length(1);
    });

    it('works over the polling transport and its upgrade too', async () => {
      const c = await client({ transports: ['polling', 'websocket'] });
      await c.subscribe('/');
      for (let position = 1; position <= 50; position++) rt.commit([channelChange('update', position)]);
      const events = await c.waitForEvents(50);
      expect(events.map((e) => e.position)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 1));
      await settle();
      // Every write was reported done: nothing counted as unsent forever (which would end in a false disconnect).
      expect(rt.realtime.stats().unsent.total).to.equal(0);
    });
  });
});
