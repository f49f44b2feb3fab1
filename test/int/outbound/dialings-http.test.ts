import { expect } from 'chai';
import { toRealtimeEvent } from '../../../src/realtime/event-table.js';
import { publishTopic } from '../../../src/realtime/topics.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';

/** `/ob/dialings` over HTTP without Asterisk, and how a dialing change reaches dashboards. */
describe('outbound dialings API', function () {
  this.timeout(20_000);
  let jade: RunningJade;

  before(async () => {
    jade = await startTestJade(undefined);
  });
  after(async () => {
    await jade.stop();
  });

  it('lists no dialings when none is live, under /ob and the tutorial alias', async () => {
    for (const path of ['/v1/ob/dialings', '/ob/dialings', '/dialings']) {
      const response = await jade.get(path);
      expect(response.status, path).to.equal(200);
      expect(response.body?.result).to.deep.equal({ list: [] });
    }
  });

  it('answers 404 to a hangup of a dialing that does not exist (DELETE /ob/dialings/<uuid>)', async () => {
    const response = await jade.delete('/v1/ob/dialings/0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b');
    expect(response.status).to.equal(404);
    expect(response.body?.error?.message).to.match(/no dialing/);
  });

  it('publishes dialing changes as ob.dialing.* on /ob/dialings/<campaign uuid> (encoded as topics are)', () => {
    const row = { uuid: 'd-1', uuid_camp: 'c-1', status: 7 };
    const event = toRealtimeEvent({ projection: 'ob_dialings', table: 'ob_dialings', op: 'delete', key: 'd-1', row, position: 42 } as never);
    expect(event).to.deep.equal({ position: 42, topic: publishTopic('/ob/dialings/', 'c-1'), event: 'ob.dialing.delete', data: row });
  });
});
