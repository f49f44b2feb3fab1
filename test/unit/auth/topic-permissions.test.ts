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
    for (const topic of ['/', '/core/channels/', '/me/']) expect(mayReadTopic(as('user'), topic), topic).to.equal(false);
  });
});
