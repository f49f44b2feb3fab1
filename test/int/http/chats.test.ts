import { expect } from 'chai';
import { startTestJade, eventually, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';
import { recorder, type Recorder } from '../realtime/support.js';
import { dumpAllTables } from '../readmodels/support.js';
import { chatsProjection } from '../../../projections/chats.js';

/**
 * Chats end to end (issue 13, P3): two users log in through /v1/me/login, chat 50 messages both ways and see
 * them live on socket.io and in GET …/messages (same order, newest first, paged); a third user gets 404 / a
 * refused subscribe / 403; an admin subscribed to `/` receives none of it.
 */

interface Message {
  uuid: string;
  uuid_owner: string;
  message: { message: string };
  tm_create: string;
  position: number;
}

const people = {
  alice: { username: 'alice', password: 'alice-secret-1' },
  bob: { username: 'bob', password: 'bob-secret-22' },
  eve: { username: 'eve', password: 'eve-secret-333' },
} as const;
type Person = keyof typeof people;

describe('chats: /v1/me/chats, messages, realtime per person', function () {
  this.timeout(60_000);
  let jade: RunningJade;
  const token = {} as Record<Person, string>;
  const uuid = {} as Record<Person, string>;

  const as = (person: Person | 'admin') => {
    const t = person === 'admin' ? jade.token : token[person];
    return {
      get: (path: string, query?: Record<string, string>) => jade.http.get(path, { token: t, ...(query ? { query } : {}) }),
      post: (path: string, body?: unknown) => jade.http.post(path, { token: t, body }),
      put: (path: string, body?: unknown) => jade.http.put(path, { token: t, body }),
      delete: (path: string) => jade.http.delete(path, { token: t }),
    };
  };
  const ok = (response: TestResponse): unknown => {
    expect(response.status, response.text).to.equal(200);
    return response.body?.result;
  };
  const expectError = (response: TestResponse, status: number): void => {
    expect(response.status, response.text).to.equal(status);
    expect(response.body?.statuscode).to.equal(status);
    expect(response.body?.error?.code).to.equal(status);
    expect(response.body).to.not.have.property('result');
  };

  before(async () => {
    jade = await startTestJade(undefined);
    for (const person of Object.keys(people) as Person[]) {
      const view = await jade.jade.auth.service.createUser({ ...people[person], name: person, permissions: ['user'] });
      uuid[person] = view.uuid;
      const login = await jade.http.post('/v1/me/login', { basic: people[person] });
      token[person] = (ok(login) as { authtoken: string }).authtoken;
    }
  });
  after(async () => jade?.stop());

  let aliceChat: string;
  let bobChat: string;
  let roomUuid: string;

  it('creates a chat for its members only: each member has their own chat of the shared room', async () => {
    const created = ok(await as('alice').post('/v1/me/chats', { name: 'pair', detail: 'a and b', type: 1, members: [uuid.bob] })) as { uuid: string; room: { uuid: string } };
    aliceChat = created.uuid;
    roomUuid = created.room.uuid;
    const aliceList = (ok(await as('alice').get('/v1/me/chats')) as { list: Array<{ uuid: string; name: string; room: { uuid: string; members: string[]; uuid_creator: string } }> }).list;
    expect(aliceList).to.have.length(1);
    expect(aliceList[0]!.room.members).to.deep.equal([uuid.alice, uuid.bob]);
    expect(aliceList[0]!.room.uuid_creator).to.equal(uuid.alice);
    const bobList = (ok(await as('bob').get('/v1/me/chats')) as { list: Array<{ uuid: string; room: { uuid: string } }> }).list;
    expect(bobList).to.have.length(1);
    bobChat = bobList[0]!.uuid;
    expect(bobChat).to.not.equal(aliceChat);
    expect(bobList[0]!.room.uuid).to.equal(roomUuid);
    expect((ok(await as('eve').get('/v1/me/chats')) as { list: unknown[] }).list).to.deep.equal([]);
    // PUT renames only the caller's own view.
    ok(await as('bob').put(`/v1/me/chats/${bobChat}`, { name: 'with alice', uuid: 'ignored', room: 'ignored' }));
    expect((ok(await as('bob').get(`/v1/me/chats/${bobChat}`)) as { name: string }).name).to.equal('with alice');
    expect((ok(await as('alice').get(`/v1/me/chats/${aliceChat}`)) as { name: string }).name).to.equal('pair');
  });

  it('400 for wrong types, an unknown member or an empty message; 413 above the message limit', async () => {
    expectError(await as('alice').post('/v1/me/chats', { members: 'bob' }), 400);
    expectError(await as('alice').post('/v1/me/chats', { members: [uuid.bob], name: 5 }), 400);
    expectError(await as('alice').post('/v1/me/chats', { members: ['00000000-0000-4000-8000-000000000000'] }), 400);
    expectError(await as('alice').put(`/v1/me/chats/${aliceChat}`, { name: ['x'] }), 400);
    expectError(await as('alice').get(`/v1/me/chats/${aliceChat}/messages`, { count: 'many' }), 400);
    expectError(await as('alice').get(`/v1/me/chats/${aliceChat}/messages`, { count: '1000' }), 400);
    expectError(await as('alice').get(`/v1/me/chats/${aliceChat}/messages`, { timestamp: 'yesterday' }), 400);
    expectError(await as('alice').post(`/v1/me/chats/${aliceChat}/messages`, {}), 400);
    const big = await as('alice').post(`/v1/me/chats/${aliceChat}/messages`, { message: 'x'.repeat(4000) });
    expectError(big, 413);
    expect(big.body?.error?.message).to.match(/4000 characters/);
  });

  it('50 messages both ways: each member sees the other live and in GET …/messages, same order, newest first, paged; an admin on / sees none', async () => {
    const aliceLive: Recorder = await recorder(jade.baseUrl, { token: token.alice });
    const bobLive: Recorder = await recorder(jade.baseUrl, { token: token.bob });
    const adminLive: Recorder = await recorder(jade.baseUrl, { token: jade.token });
    const eveLive: Recorder = await recorder(jade.baseUrl, { token: token.eve });
    try {
      expect(await aliceLive.subscribe(`/me/chats/${aliceChat}`)).to.not.have.property('error');
      const bobAck = await bobLive.subscribe({ topic: `/me/chats/${bobChat}` });
      expect(bobAck, JSON.stringify(bobAck)).to.not.have.property('error');
      const adminAck = await adminLive.subscribe('/');
      expect(adminAck, JSON.stringify(adminAck)).to.not.have.property('error');
      // A user alone may not take `/`, but may take the collection of their own topics; it brings only their own events.
      expect(await eveLive.subscribe('/')).to.have.property('code', 'topic_forbidden');
      expect(await eveLive.subscribe('/me/')).to.not.have.property('error');
      // Eve (not a member) and the admin (not a member either) are refused the chat's topic, with an error on the socket.
      const refusals: unknown[] = [];
      eveLive.socket.on('error', (error) => refusals.push(error));
      expect(await eveLive.subscribe(`/me/chats/${aliceChat}`)).to.have.property('code', 'topic_forbidden');
      expect(await adminLive.subscribe(`/me/chats/${bobChat}`)).to.have.property('code', 'topic_forbidden');
      await eventually(() => (refusals.length >= 1 ? true : undefined), 2000, 'the error event');

      // Unicode and markup are stored exactly as sent.
      const bodies: Array<{ from: Person; text: string }> = [];
      for (let i = 0; i < 50; i++) {
        const from: Person = i % 2 === 0 ? 'alice' : 'bob';
        const text = `#${i} from ${from} <b>not html</b> & ünïcödé 🐙 "q" \n line`;
        bodies.push({ from, text });
        ok(await as(from).post(`/v1/me/chats/${from === 'alice' ? aliceChat : bobChat}/messages`, { message: text }));
      }
      const live = (r: Recorder) => r.events().filter((e) => e.event === 'me.chat.message.create');
      await aliceLive.waitForEvents(50, 10_000);
      await eventually(() => (live(aliceLive).length >= 50 && live(bobLive).length >= 50 ? true : undefined), 10_000, 'live messages');
      const aliceSeen = live(aliceLive).map((e) => e.data as Message);
      const bobSeen = live(bobLive).map((e) => e.data as Message);
      expect(aliceSeen.map((m) => m.message.message)).to.deep.equal(bodies.map((b) => b.text));
      expect(bobSeen.map((m) => m.uuid)).to.deep.equal(aliceSeen.map((m) => m.uuid));
      expect(live(aliceLive).every((e) => e.topic === `/me/chats/${aliceChat.replace(/-/g, '%2D')}`)).to.equal(true);
      expect(live(bobLive).every((e) => e.topic === `/me/chats/${bobChat.replace(/-/g, '%2D')}`)).to.equal(true);
      expect(aliceSeen.map((m) => m.uuid_owner)).to.deep.equal(bodies.map((b) => uuid[b.from]));

      // Pages of 20, newest first, stable while a message arrives between pages.
      const pages: Message[] = [];
      let from: string | null = null;
      let extra = false;
      do {
        const query: Record<string, string> = { count: '20', ...(from ? { from } : {}) };
        const page = ok(await as('bob').get(`/v1/me/chats/${bobChat}/messages`, query)) as { list: Message[]; next_from: string | null };
        pages.push(...page.list);
        from = page.next_from;
        if (!extra) {
          extra = true;
          ok(await as('alice').post(`/v1/me/chats/${aliceChat}/messages`, { message: 'arrives while paging' }));
        }
      } while (from !== null);
      expect(pages.map((m) => m.uuid)).to.deep.equal([...aliceSeen].reverse().map((m) => m.uuid));
      const positions = pages.map((m) => m.position);
      expect(positions).to.deep.equal([...positions].sort((a, b) => b - a));
      // Alice reads the same list (newest first, the late message on top).
      const aliceAll = (ok(await as('alice').get(`/v1/me/chats/${aliceChat}/messages`, { count: '100' })) as { list: Message[] }).list;
      expect(aliceAll[0]!.message.message).to.equal('arrives while paging');
      expect(aliceAll.slice(1).map((m) => m.uuid)).to.deep.equal(pages.map((m) => m.uuid));
      // order=asc and the catalog's timestamp filter (older than).
      const asc = (ok(await as('alice').get(`/v1/me/chats/${aliceChat}/messages`, { count: '3', order: 'asc' })) as { list: Message[] }).list;
      expect(asc.map((m) => m.uuid)).to.deep.equal(aliceSeen.slice(0, 3).map((m) => m.uuid));
      const older = (ok(await as('alice').get(`/v1/me/chats/${aliceChat}/messages`, { count: '100', timestamp: aliceSeen[10]!.tm_create })) as { list: Message[] }).list;
      expect(older.every((m) => m.tm_create < aliceSeen[10]!.tm_create)).to.equal(true);

      // Nobody else received any chat event: not the admin on `/`, not eve on `/`.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const personal = (r: Recorder) => r.events().filter((e) => e.topic.startsWith('/me/') || e.event.startsWith('me.'));
      expect(personal(adminLive)).to.deep.equal([]);
      expect(personal(eveLive)).to.deep.equal([]);
      // Resume (subscribe with a position) is audience-checked too.
      expect(await adminLive.subscribe({ topic: '/me/', position: 1 })).to.not.have.property('error');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(personal(adminLive)).to.deep.equal([]);
    } finally {
      for (const r of [aliceLive, bobLive, adminLive, eveLive]) r.close();
    }
  });

  it('a third user cannot read, change, post to or delete the chat (404), nor reach /admin or /manager (403)', async () => {
    for (const chat of [aliceChat, bobChat]) {
      expectError(await as('eve').get(`/v1/me/chats/${chat}`), 404);
      expectError(await as('eve').put(`/v1/me/chats/${chat}`, { name: 'mine' }), 404);
      expectError(await as('eve').get(`/v1/me/chats/${chat}/messages`), 404);
      expectError(await as('eve').post(`/v1/me/chats/${chat}/messages`, { message: 'hi' }), 404);
      expectError(await as('eve').delete(`/v1/me/chats/${chat}`), 404);
    }
    expectError(await as('eve').get('/v1/me/chats/not-a-uuid'), 404);
    expectError(await as('alice').get(`/v1/me/chats/${roomUuid}`), 404);
    for (const path of ['/v1/admin/info', '/v1/admin/users', '/v1/manager/users', '/v1/manager/sdialplans', '/v1/events']) {
      expectError(await as('eve').get(path), 403);
    }
    // Still there for its members.
    ok(await as('alice').get(`/v1/me/chats/${aliceChat}`));
  });

  it('the admin token (no chat of its own) gets 404 too, and the log has the chat events on the room stream', async () => {
    expectError(await as('admin').get(`/v1/me/chats/${aliceChat}/messages`), 404);
    const events = ok(await as('admin').get('/v1/events', { stream: `chat-${roomUuid}`, limit: '1000' })) as { list: Array<{ type: string }> };
    expect(events.list[0]!.type).to.equal('ChatCreated');
    expect(events.list.filter((e) => e.type === 'ChatMessagePosted')).to.have.length(51);
  });

  it('DELETE leaves the chat; the room goes with its last member; rebuild equals live', async () => {
    ok(await as('bob').delete(`/v1/me/chats/${bobChat}`));
    expectError(await as('bob').get(`/v1/me/chats/${bobChat}`), 404);
    expect((ok(await as('alice').get(`/v1/me/chats/${aliceChat}`)) as { room: { members: string[] } }).room.members).to.deep.equal([uuid.alice]);
    ok(await as('alice').post('/v1/me/chats', { members: [uuid.eve], name: 'second' }));
    const live = await dumpAllTables(jade.jade.readModels, [chatsProjection]);
    expect(live.chat_messages).to.have.length(51);
    await jade.jade.runner.rebuild(['chats']);
    expect(await dumpAllTables(jade.jade.readModels, [chatsProjection])).to.deep.equal(live);
  });
});
