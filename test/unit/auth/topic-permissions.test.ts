import { expect } from 'chai';
import { mayReadTopic } from '../../../src/auth/topic-permissions.js';

const as = (...permissions: string[]) => ({ permissions });

describe('realtime topic permissions', () => {
  it('lets an admin subscribe to every topic', () => {
    for (const topic of ['/', '/core/channels/', '/admin/anything', '/c']) expect(mayReadTopic(as('admin', 'user'), topic), topic).to.equal(true);
  });

  it('lets a manager subscribe to / and to the PBX areas, and to nothing else', () => {
    const manager = as('manager');
    for (const topic of ['/', '/core/', '/core/channels/pjagent%2D01', '/queue/statuses/sales%5F1', '/park/parkinglots/', '/pjsip/', '/ob/campaigns/', '/core']) {
      expect(mayReadTopic(manager, topic), topic).to.equal(true);
    }
    for (const topic of ['/admin/', '/c', '/corex/', '/me/', '/users/']) expect(mayReadTopic(manager, topic), topic).to.equal(false);
  });

  it('lets a user-only token subscribe to nothing but its own /me topics (private-topics.test.ts)', () => {
    for (const topic of ['/', '/core/channels/', '/me/buddies/', '/me/contacts/']) expect(mayReadTopic(as('user'), topic), topic).to.equal(false);
  });

  it('lets a user-only token subscribe to its own /me topics only', () => {
    for (const topic of ['/', '/core/channels/', '/admin/']) expect(mayReadTopic(as('user'), topic), topic).to.equal(false);
    for (const topic of ['/me', '/me/', '/me/chats/']) expect(mayReadTopic(as('user'), topic), topic).to.equal(true);
  });

  it('gives a /me target only to its owner, an admin included; without an owner lookup, to nobody', () => {
    const owners = { chats: (uuid: string) => (uuid === 'c-1' ? 'u-alice' : undefined) };
    const alice = { uuid: 'u-alice', permissions: ['user'] };
    expect(mayReadTopic(alice, '/me/chats/c%2D1', owners)).to.equal(true);
    expect(mayReadTopic(alice, '/me/chats/c%2D1/x', owners)).to.equal(true);
    expect(mayReadTopic(alice, '/me/chats/c%2D2', owners)).to.equal(false);
    expect(mayReadTopic(alice, '/me/buddies/c%2D1', owners)).to.equal(false);
    expect(mayReadTopic(alice, '/me/chats/c%2D1')).to.equal(false);
    expect(mayReadTopic({ uuid: 'u-admin', permissions: ['admin'] }, '/me/chats/c%2D1', owners)).to.equal(false);
    expect(mayReadTopic({ uuid: 'u-alice', permissions: ['manager'] }, '/me/chats/c%2D1', owners)).to.equal(false);
  });
});
