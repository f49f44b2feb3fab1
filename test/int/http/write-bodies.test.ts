import { expect } from 'chai';
import { startTestJade, type RunningJade } from '../../support/jade.js';

/**
 * Issue 10: a write whose JSON body is not an object (`null`, an array, a number, a string, a boolean)
 * is a 400 naming `body` on every write route, and appends nothing to the log. Before the fix `null`
 * read as "no body" and became `{}`, so `PUT /v1/ob/plans/<uuid>` with `null` answered 200.
 */

/** JSON texts that parse to something other than an object. */
const notObjects = ['null', '[]', '[{"name":"x"}]', '1', '"x"', 'true'];

describe('write bodies that are not a JSON object (issue 10)', function () {
  this.timeout(20_000);
  let jade: RunningJade;
  let planUuid: string;

  before(async () => {
    jade = await startTestJade(undefined);
    const plan = await jade.post('/v1/ob/plans', { name: 'body test plan', tech_name: 'Local' });
    expect(plan.status, plan.text).to.equal(200);
    planUuid = String((plan.body?.result as { uuid?: unknown }).uuid);
  });
  after(async () => {
    await jade.stop();
  });

  const send = (method: string, path: string, text: string) => jade.http.request(method, path, { token: jade.token, body: text, headers: { 'content-type': 'application/json' } });

  async function expectRefusedWithoutLogging(method: string, path: string): Promise<void> {
    for (const text of notObjects) {
      const before = await jade.jade.store.headPosition();
      const response = await send(method, path, text);
      const what = `${method} ${path} with ${text}`;
      expect(response.status, `${what}: ${response.text}`).to.equal(400);
      expect(response.body?.error?.message, what).to.match(/^body must be a JSON object/);
      expect(response.body?.error?.details, what).to.deep.equal({ fields: ['body'] });
      expect(response.body, what).not.to.have.property('result');
      expect(await jade.jade.store.headPosition(), `${what} appended to the log`).to.equal(before);
    }
  }

  it('refuses them on every /v1/ob write (create and update), changing nothing', async () => {
    for (const resource of ['plans', 'destinations', 'dlmas', 'dls', 'campaigns']) await expectRefusedWithoutLogging('POST', `/v1/ob/${resource}`);
    await expectRefusedWithoutLogging('PUT', `/v1/ob/plans/${planUuid}`);
    await expectRefusedWithoutLogging('PUT', `/ob/plans/${planUuid}`);
    const plan = await jade.get(`/v1/ob/plans/${planUuid}`);
    expect(plan.body?.result).to.include({ name: 'body test plan', tech_name: 'Local' });
  });

  it('refuses them on the other areas too: queue members, core channels, a DELETE that reads no body', async () => {
    await expectRefusedWithoutLogging('POST', '/v1/queue/members');
    await expectRefusedWithoutLogging('PUT', '/v1/queue/members/agent?queue_name=sales');
    await expectRefusedWithoutLogging('POST', '/v1/core/channels');
    await expectRefusedWithoutLogging('DELETE', '/v1/core/channels/some-channel');
  });

  it('still treats an empty body as no fields: the missing field is named', async () => {
    const response = await jade.http.request('POST', '/v1/queue/members', { token: jade.token });
    expect(response.status, response.text).to.equal(400);
    expect(response.body?.error?.message).to.match(/queue_name is required/);
  });
});
