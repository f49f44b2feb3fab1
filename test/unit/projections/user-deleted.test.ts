import { expect } from 'chai';
import { chatEventTypes, peopleEventTypes, userDeletedEventType } from '../../../src/events/index.js';
import { authEventTypes } from '../../../src/auth/events.js';
import { chatsProjection } from '../../../projections/chats.js';
import { peopleProjection } from '../../../projections/people.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import type { ProjectionDefinition, TableRows } from '../../../projections/lib/projection.js';
import { LogBuilder } from './support/events.js';

const ann = 'aaaaaaaa-0000-4000-8000-000000000001';
const bob = 'bbbbbbbb-0000-4000-8000-000000000002';
const cat = 'cccccccc-0000-4000-8000-000000000003';

/** Ann has a contact and a buddy (bob); bob and cat each follow ann; ann chats with bob (room r1) and alone (room r2). */
function log(): LogBuilder {
  const log = new LogBuilder();
  const t = (n: number): string => log.timeOf(n);
  log.add(peopleEventTypes.contactCreated, { uuid: 'c-ann', user_uuid: ann, type: 'pjsip_endpoint', target: 'pjagent-01', name: null, detail: null, tm_create: t(1) });
  log.add(peopleEventTypes.contactCreated, { uuid: 'c-bob', user_uuid: bob, type: 'pjsip_endpoint', target: 'pjagent-02', name: null, detail: null, tm_create: t(2) });
  log.add(peopleEventTypes.buddyCreated, { uuid: 'b-ann-bob', owner_uuid: ann, uuid_user: bob, name: null, detail: null, tm_create: t(3) });
  log.add(peopleEventTypes.buddyCreated, { uuid: 'b-bob-ann', owner_uuid: bob, uuid_user: ann, name: null, detail: null, tm_create: t(4) });
  log.add(peopleEventTypes.buddyCreated, { uuid: 'b-cat-ann', owner_uuid: cat, uuid_user: ann, name: null, detail: null, tm_create: t(5) });
  log.add(peopleEventTypes.buddyCreated, { uuid: 'b-cat-bob', owner_uuid: cat, uuid_user: bob, name: null, detail: null, tm_create: t(6) });
  const members = [{ user_uuid: ann, chat_uuid: 'ch-ann-1' }, { user_uuid: bob, chat_uuid: 'ch-bob-1' }];
  log.add(chatEventTypes.created, { room_uuid: 'r1', type: 1, creator_uuid: ann, members, name: 'pair', detail: '', time: t(7) });
  log.add(chatEventTypes.created, { room_uuid: 'r2', type: 1, creator_uuid: ann, members: [{ user_uuid: ann, chat_uuid: 'ch-ann-2' }], name: 'solo', detail: '', time: t(8) });
  log.add(chatEventTypes.messagePosted, { room_uuid: 'r1', message_uuid: 'm1', user_uuid: ann, message: { message: 'hi' }, time: t(9) });
  log.add(userDeletedEventType, { uuid: ann, username: 'ann', deleted_at: t(10) });
  log.add(chatEventTypes.messagePosted, { room_uuid: 'r1', message_uuid: 'm2', user_uuid: bob, message: { message: 'anyone?' }, time: t(11) });
  return log;
}

function expectRebuildEqualsLive<R extends TableRows, N extends string>(definition: ProjectionDefinition<R, N>): void {
  const live = new MemoryProjection(definition);
  for (const event of log().all()) live.apply([event]);
  const rebuilt = new MemoryProjection(definition);
  rebuilt.apply(log().all());
  for (const table of Object.keys(definition.tables) as (keyof R & string)[]) {
    expect(rebuilt.rows(table), `${definition.name}.${table}`).to.deep.equal(live.rows(table));
  }
}

describe('projections: a deleted user leaves no people or chat rows behind', () => {
  it('the auth side writes the very event type the read models react to', () => {
    expect(authEventTypes.userDeleted).to.equal(userDeletedEventType);
  });

  it('people: the user\'s contacts and buddies go, and every other person\'s buddy naming them; the rest stays', () => {
    const people = new MemoryProjection(peopleProjection);
    const changes = people.apply(log().all());
    expect(people.rows('user_contacts').map((c) => c.uuid)).to.deep.equal(['c-bob']);
    expect(people.rows('me_buddies').map((b) => b.uuid)).to.deep.equal(['b-cat-bob']);
    const deletes = changes.filter((c) => c.position === 10);
    expect(deletes.map((c) => `${c.op} ${c.table} ${c.key}`).sort()).to.deep.equal([
      'delete me_buddies b-ann-bob', 'delete me_buddies b-bob-ann', 'delete me_buddies b-cat-ann', 'delete user_contacts c-ann',
    ]);
  });

  it('chats: the user leaves every room; a room left empty goes; the others post on without them', () => {
    const chats = new MemoryProjection(chatsProjection);
    const changes = chats.apply(log().all());
    expect(chats.rows('chat_members').map((c) => c.uuid)).to.deep.equal(['ch-bob-1']);
    expect(chats.rows('chat_rooms').map((r) => r.uuid)).to.deep.equal(['r1']);
    const room = chats.row('chat_rooms', 'r1')!;
    expect(room.members).to.deep.equal([bob]);
    expect(room.chats).to.deep.equal({ [bob]: 'ch-bob-1' });
    expect(room.tm_update).to.equal(log().timeOf(10));
    expect(chats.row('chat_messages', 'm2')!.recipients).to.deep.equal([{ user_uuid: bob, chat_uuid: 'ch-bob-1' }]);
    const deletes = changes.filter((c) => c.position === 10).map((c) => `${c.op} ${c.table} ${c.key}`).sort();
    expect(deletes).to.deep.equal(['delete chat_members ch-ann-1', 'delete chat_members ch-ann-2', 'delete chat_rooms r2', 'update chat_rooms r1']);
  });

  it('an unknown or malformed user-deleted event changes nothing', () => {
    for (const data of [{ uuid: 'dddddddd-0000-4000-8000-000000000004', username: 'dan', deleted_at: 't' }, { username: 'x' }, { uuid: 7 }]) {
      const base = log().all().slice(0, 9);
      const extra = { ...base[8]!, type: userDeletedEventType, data, position: 10, revision: 9 };
      const people = new MemoryProjection(peopleProjection);
      people.apply(base);
      expect(people.apply([extra]), JSON.stringify(data)).to.deep.equal([]);
      const chats = new MemoryProjection(chatsProjection);
      chats.apply(base);
      expect(chats.apply([extra]), JSON.stringify(data)).to.deep.equal([]);
    }
  });

  it('rebuild equals live: one event at a time gives the rows a single pass gives', () => {
    expectRebuildEqualsLive(peopleProjection);
    expectRebuildEqualsLive(chatsProjection);
  });
});
