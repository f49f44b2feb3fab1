import { expect } from 'chai';
import { streams, type AmiFields } from '../../../src/events/index.js';
import { nowTimestamp } from '../../../src/events/time.js';
import { chatsProjection } from '../../../projections/chats.js';
import { peopleProjection } from '../../../projections/people.js';
import { startTestJade, eventually, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';
import { recorder, type Recorder } from '../realtime/support.js';
import { dumpAllTables, snapshotEvent } from '../readmodels/support.js';

/**
 * Deleting a user (DELETE /v1/admin/user/users/<uuid>) takes their people data with them: their contacts and
 * buddies, every other person's buddy naming them (a live `me.buddy.delete` to that person only), and their
 * chats (they leave every room; a room left with no member goes). A rebuild derives the same rows.
 */

type Row = Record<string, unknown>;
const people = ['ann', 'bob', 'cat'] as const;
type Person = (typeof people)[number];

describe('deleting a user removes their contacts, buddies and chat memberships', function () {
  this.timeout(30_000);
  let jade: RunningJade;
  const ids = {} as Record<Person, string>;
  const tokens = {} as Record<Person, string>;
  const as = (who: Person, method: 'get' | 'post' | 'put' | 'delete', path: string, body?: unknown) =>
    jade.http[method](path, { token: tokens[who], ...(body === undefined ? {} : { body }) });
  const ok = (r: TestResponse): Row => {
    expect(r.status, r.text).to.equal(200);
    return (r.body?.result ?? {}) as Row;
  };
  const list = (r: TestResponse): Row[] => (ok(r).list ?? []) as Row[];

  before(async () => {
    jade = await startTestJade(undefined);
    const endpoint = (name: string): AmiFields => ({
      Event: 'EndpointList', ObjectType: 'endpoint', ObjectName: name, Transport: 'transport-udp', Aor: name, Auths: name, OutboundAuths: '', Contacts: '', DeviceState: 'Not in use', ActiveChannels: '0',
    });
    const { lastPosition } = await jade.jade.store.append(streams.pbx('test'), [snapshotEvent('PJSIPShowEndpoints', { items: [endpoint('pjagent-01'), endpoint('pjagent-02')] }, nowTimestamp())]);
    await jade.jade.runner.waitForPosition(lastPosition, 5000);
    for (const name of people) {
      const view = await jade.jade.auth.service.createUser({ username: name, name, password: `${name}-pw-1`, permissions: ['user'] });
      ids[name] = view.uuid;
      tokens[name] = (ok(await jade.http.post('/v1/me/login', { basic: { username: name, password: `${name}-pw-1` } })).authtoken as string);
    }
  });
  after(async () => jade?.stop());

  it('ann goes: her views go, bob and cat lose their buddies naming her (live, to them only), bob chats on alone; rebuild equals live', async () => {
    // Ann: a contact, a buddy (bob), a chat with bob, a chat with cat that cat already left. Bob and cat follow ann; cat also follows bob.
    const annContact = ok(await jade.post('/v1/admin/user/contacts', { user_uuid: ids.ann, type: 'pjsip_endpoint', target: 'pjagent-01' })).uuid as string;
    const bobContact = ok(await jade.post('/v1/admin/user/contacts', { user_uuid: ids.bob, type: 'pjsip_endpoint', target: 'pjagent-02' })).uuid as string;
    const annFollowsBob = ok(await as('ann', 'post', '/v1/me/buddies', { uuid_user: ids.bob })).uuid as string;
    const bobFollowsAnn = ok(await as('bob', 'post', '/v1/me/buddies', { uuid_user: ids.ann })).uuid as string;
    const catFollowsAnn = ok(await as('cat', 'post', '/v1/me/buddies', { uuid_user: ids.ann })).uuid as string;
    const catFollowsBob = ok(await as('cat', 'post', '/v1/me/buddies', { uuid_user: ids.bob })).uuid as string;
    const pair = ok(await as('ann', 'post', '/v1/me/chats', { members: [ids.bob], name: 'pair', type: 1 }));
    const roomUuid = (pair.room as { uuid: string }).uuid;
    const bobChat = list(await as('bob', 'get', '/v1/me/chats'))[0]!.uuid as string;
    ok(await as('ann', 'post', `/v1/me/chats/${pair.uuid as string}/messages`, { message: 'bye soon' }));
    const withCat = ok(await as('ann', 'post', '/v1/me/chats', { members: [ids.cat], name: 'with cat', type: 1 }));
    const catChat = list(await as('cat', 'get', '/v1/me/chats'))[0]!.uuid as string;
    ok(await as('cat', 'delete', `/v1/me/chats/${catChat}`));
    const before = await dumpAllTables(jade.jade.readModels, [peopleProjection, chatsProjection]);
    expect(before.chat_rooms).to.have.length(2);

    const bobLive: Recorder = await recorder(jade.baseUrl, { token: tokens.bob });
    const catLive: Recorder = await recorder(jade.baseUrl, { token: tokens.cat });
    const adminLive: Recorder = await recorder(jade.baseUrl, { token: jade.token });
    try {
      for (const r of [bobLive, catLive]) expect(await r.subscribe('/me/')).to.not.have.property('error');
      expect(await adminLive.subscribe('/')).to.not.have.property('error');

      // Only what the deletion causes: an earlier change may still be on its way to a fresh subscription.
      const head = await jade.jade.store.headPosition();
      ok(await jade.delete(`/v1/admin/user/users/${ids.ann}`));

      const deletes = (r: Recorder) => r.events().filter((e) => e.position > head && e.event.startsWith('me.')).map((e) => `${e.event} ${(e.data as Row).uuid as string}`);
      await eventually(() => (deletes(bobLive).length >= 1 && deletes(catLive).length >= 1 ? true : undefined), 5000, 'buddy deletes');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Each follower hears of their own buddy only; ann's contact and her own buddy are no one else's to hear of.
      expect(deletes(bobLive)).to.deep.equal([`me.buddy.delete ${bobFollowsAnn}`]);
      expect(deletes(catLive)).to.deep.equal([`me.buddy.delete ${catFollowsAnn}`]);
      expect(adminLive.events().filter((e) => e.topic.startsWith('/me/') || e.event.startsWith('me.'))).to.deep.equal([]);
    } finally {
      for (const r of [bobLive, catLive, adminLive]) r.close();
    }

    // Ann's contact is gone for the admin, and cannot be changed or deleted any more.
    expect(list(await jade.get('/v1/admin/user/contacts')).map((c) => c.uuid)).to.deep.equal([bobContact]);
    for (const method of ['get', 'delete'] as const) expect((await jade[method](`/v1/admin/user/contacts/${annContact}`)).status, method).to.equal(404);
    expect((await jade.put(`/v1/admin/user/contacts/${annContact}`, { name: 'x' })).status).to.equal(404);
    // Bob's and cat's buddies naming ann are gone (404 to read, change or delete); cat still follows bob.
    expect(list(await as('bob', 'get', '/v1/me/buddies'))).to.deep.equal([]);
    expect(list(await as('cat', 'get', '/v1/me/buddies')).map((b) => b.uuid)).to.deep.equal([catFollowsBob]);
    expect((await as('bob', 'get', `/v1/me/buddies/${bobFollowsAnn}`)).status).to.equal(404);
    expect((await as('bob', 'put', `/v1/me/buddies/${bobFollowsAnn}`, { name: 'gone' })).status).to.equal(404);
    expect((await as('cat', 'delete', `/v1/me/buddies/${catFollowsAnn}`)).status).to.equal(404);
    // Bob's chat stays, with bob its only member; he reads the old message and posts on. The room ann was alone in is gone.
    const bobView = ok(await as('bob', 'get', `/v1/me/chats/${bobChat}`));
    expect((bobView.room as { members: string[] }).members).to.deep.equal([ids.bob]);
    ok(await as('bob', 'post', `/v1/me/chats/${bobChat}/messages`, { message: 'ann left' }));
    expect(list(await as('bob', 'get', `/v1/me/chats/${bobChat}/messages`)).map((m) => (m.message as Row).message)).to.deep.equal(['ann left', 'bye soon']);
    const after = await dumpAllTables(jade.jade.readModels, [peopleProjection, chatsProjection]);
    expect((after.chat_rooms as Row[]).map((r) => r.uuid)).to.deep.equal([roomUuid]);
    expect((after.chat_members as Row[]).map((c) => c.user_uuid)).to.deep.equal([ids.bob]);
    const rooms = (after.chat_rooms as Row[]).map((r) => [r.members, r.chats]);
    expect(JSON.stringify([after.user_contacts, after.me_buddies, after.chat_members, rooms])).to.not.include(ids.ann);
    expect((before.me_buddies as Row[]).map((b) => b.uuid)).to.include(annFollowsBob);
    expect((before.chat_rooms as Row[]).map((r) => r.uuid)).to.include((withCat.room as { uuid: string }).uuid);

    await jade.jade.runner.rebuild(['people', 'chats']);
    expect(await dumpAllTables(jade.jade.readModels, [peopleProjection, chatsProjection])).to.deep.equal(after);
  });
});
