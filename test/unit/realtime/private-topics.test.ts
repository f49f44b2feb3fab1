import { expect } from 'chai';
import { mayReadTopic } from '../../../src/auth/topic-permissions.js';
import { silentLogger } from '../../../src/logger.js';
import type { ReadModelChange } from '../../../src/readmodels/index.js';
import type { Batch } from '../../../src/realtime/batch.js';
import { toRealtimeEvent } from '../../../src/realtime/event-table.js';
import { Fanout, SubscribeRefusedError, type Connection } from '../../../src/realtime/fanout.js';
import type { BuddyRow } from '../../../projections/people.js';

const ann = '11111111-1111-4111-8111-111111111111';
const bob = '22222222-2222-4222-8222-222222222222';
const enc = (uuid: string): string => uuid.replace(/-/g, '%2D');

class Recorder implements Connection {
  static next = 0;
  readonly id = `rec-${Recorder.next++}`;
  readonly transport = 'socket.io' as const;
  readonly batches: Batch[] = [];
  send(batch: Batch, written: () => void): void {
    this.batches.push(batch);
    written();
  }
  resync(): void {}
  close(): void {}
  topics(): string[] {
    return this.batches.flatMap((b) => b.events.map((e) => e.topic));
  }
}

const buddy = (owner: string, uuid: string, position: number): ReadModelChange => {
  const row: BuddyRow = { uuid, owner_uuid: owner, uuid_user: bob, name: null, detail: null, presence: 'available', in_use: 1, tm_create: 't', tm_update: null, tm_delete: null };
  return { table: 'me_buddies', op: 'update', key: uuid, row, position } as ReadModelChange;
};

describe('realtime: a person\'s own /me topics', () => {
  it('publishes a buddy change as me.buddy.update on /me/buddies/<owner>/<buddy>', () => {
    const event = toRealtimeEvent(buddy(ann, 'b-1', 3));
    expect(event).to.deep.include({ topic: `/me/buddies/${enc(ann)}/b%2D1`, event: 'me.buddy.update', position: 3 });
    expect(event?.data).to.deep.include({ uuid: 'b-1', uuid_user: bob, presence: 'available' });
  });

  it('lets only the owner subscribe, admin included, and never to a prefix spanning owners', () => {
    const annUser = { uuid: ann, permissions: ['user'] };
    const admin = { uuid: bob, permissions: ['admin', 'user'] };
    expect(mayReadTopic(annUser, `/me/buddies/${enc(ann)}`)).to.equal(true);
    expect(mayReadTopic(annUser, `/me/buddies/${enc(ann)}/b%2D1`)).to.equal(true);
    for (const topic of ['/me/buddies/', `/me/buddies/${enc(bob)}`, `/me/buddies/${enc(ann)}x`, '/core/']) expect(mayReadTopic(annUser, topic), topic).to.equal(false);
    expect(mayReadTopic(admin, `/me/buddies/${enc(ann)}`)).to.equal(false);
    expect(mayReadTopic(admin, '/')).to.equal(true);
  });

  it('delivers a /me event only to its owner: not to an admin on /, nor to another person', () => {
    const fanout = new Fanout<ReadModelChange>({ tickMs: 60_000, resumeWindow: 100, clientBufferLimit: 1000, startPosition: 0, toEvent: toRealtimeEvent, logger: silentLogger() });
    try {
      const [a, b, root] = [new Recorder(), new Recorder(), new Recorder()];
      const annClient = fanout.connect(a, { user: { uuid: ann, username: 'ann', permissions: ['user'] } });
      const bobClient = fanout.connect(b, { user: { uuid: bob, username: 'bob', permissions: ['user'] } });
      const adminClient = fanout.connect(root, { user: { uuid: 'u-admin', username: 'admin', permissions: ['admin'] } });
      fanout.subscribe(annClient, `/me/buddies/${ann}`);
      fanout.subscribe(bobClient, `/me/buddies/${bob}`);
      fanout.subscribe(adminClient, '/');
      expect(() => fanout.subscribe(bobClient, `/me/buddies/${ann}`)).to.throw(SubscribeRefusedError);
      fanout.accept([buddy(ann, 'b-1', 1)]);
      fanout.flush();
      expect(a.topics()).to.deep.equal([`/me/buddies/${enc(ann)}/b%2D1`]);
      expect(b.topics()).to.deep.equal([]);
      expect(root.topics()).to.deep.equal([]);
      // A resume from / does not replay it either.
      const late = new Recorder();
      expect(fanout.subscribe(fanout.connect(late, { user: { uuid: 'u-admin', username: 'admin', permissions: ['admin'] } }), '/', 0).replayed).to.equal(0);
    } finally {
      fanout.close();
    }
  });
  it('gives /me/ (open to every person) only their own /me events: each carries its owner as its audience', () => {
    const fanout = new Fanout<ReadModelChange>({ tickMs: 60_000, resumeWindow: 100, clientBufferLimit: 1000, startPosition: 0, toEvent: toRealtimeEvent, logger: silentLogger() });
    try {
      const [a, b] = [new Recorder(), new Recorder()];
      fanout.subscribe(fanout.connect(a, { user: { uuid: ann, username: 'ann', permissions: ['user'] } }), '/me/');
      const bobClient = fanout.connect(b, { user: { uuid: bob, username: 'bob', permissions: ['user'] } });
      fanout.subscribe(bobClient, '/me/');
      fanout.accept([buddy(ann, 'b-1', 1)]);
      fanout.flush();
      expect(a.topics()).to.deep.equal([`/me/buddies/${enc(ann)}/b%2D1`]);
      expect(b.topics()).to.deep.equal([]);
      expect(fanout.subscribe(fanout.connect(new Recorder(), { user: { uuid: bob, username: 'bob', permissions: ['user'] } }), '/me/', 0).replayed).to.equal(0);
    } finally {
      fanout.close();
    }
  });
});
