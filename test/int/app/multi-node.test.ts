import { expect } from 'chai';
import { FakeAmi, type FakeFrame } from '../../support/fake-ami.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import { waitFor } from '../ami/helpers.js';

/**
 * Several Asterisk boxes ingested by one jade (README "Several Asterisk boxes"): two fake AMI servers, each
 * with its own systemname, channels and an `app_queue` module both boxes have. The whole app on a real port.
 */

type Row = Record<string, unknown>;

/** A box that answers CoreSettings with its systemname, lists one channel, and confirms a hangup as Asterisk does. */
async function box(systemName: string, uniqueId: string): Promise<FakeAmi> {
  const fake = await FakeAmi.start();
  fake.on('CoreSettings', () => [{ Response: 'Success', AMIversion: '9.0.0', AsteriskVersion: '22.5.2', SystemName: systemName, CoreMaxCalls: '0' }]);
  const channel: FakeFrame = { Channel: `Local/100@demo-${systemName};1`, Uniqueid: uniqueId, Linkedid: uniqueId, ChannelState: '6', ChannelStateDesc: 'Up', Context: 'demo', Exten: '100', Priority: '2' };
  fake.onList('CoreShowChannels', 'CoreShowChannel', [channel]);
  fake.on('Hangup', (action) => {
    // Asterisk answers, then its Hangup event follows on the same link.
    setTimeout(() => fake.push([{ Event: 'Hangup', Privilege: 'call,all', Channel: action.channel ?? '', Uniqueid: uniqueId, Linkedid: uniqueId, Cause: '16', 'Cause-txt': 'Normal Clearing' }]), 20);
    return [{ Response: 'Success', Message: 'Channel Hungup' }];
  });
  fake.on('Originate', () => [{ Response: 'Success', Message: 'Originate successfully queued' }]);
  return fake;
}

const nodeEntry = (node: string, fake: FakeAmi) => ({ node, host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret });
const amiOverrides = (a: FakeAmi, b: FakeAmi) => ({ ami: { nodes: [nodeEntry('east', a), nodeEntry('west', b)], reconnectInitialMs: 50, reconnectMaxMs: 200 } });

const list = (body: unknown): Row[] => ((body as { result: { list: Row[] } }).result.list);
const result = (body: unknown): Row => (body as { result: Row }).result;
const actionsNamed = (fake: FakeAmi, name: string) => fake.actions.filter((action) => action.action?.toLowerCase() === name.toLowerCase());

describe('several Asterisk boxes into one jade (two fake AMI servers, real HTTP)', function () {
  this.timeout(30_000);
  let east: FakeAmi;
  let west: FakeAmi;
  let jade: RunningJade;

  before(async () => {
    east = await box('east1', 'east1-1700000000.1');
    west = await box('west1', 'west1-1700000000.1');
    jade = await startTestJade(undefined, { overrides: amiOverrides(east, west) });
    await waitFor(async () => list((await jade.get('/v1/core/channels')).body).length === 2, 10_000, 'both boxes\' channels');
    await waitFor(async () => list((await jade.get('/v1/core/modules')).body).length === 4, 10_000, 'both boxes\' modules');
  });

  after(async () => {
    await jade?.stop();
    await east?.close();
    await west?.close();
  });

  it('lists the rows of both boxes, each with its node, and ?node= keeps one box\'s', async () => {
    const channels = list((await jade.get('/v1/core/channels')).body);
    expect(channels.map((c) => [c.node, c.unique_id])).to.have.deep.members([
      ['east', 'east1-1700000000.1'],
      ['west', 'west1-1700000000.1'],
    ]);
    expect(list((await jade.get('/v1/core/channels?node=west')).body).map((c) => c.unique_id)).to.deep.equal(['west1-1700000000.1']);
    // A name both boxes have is two rows, never one overwriting the other.
    const modules = list((await jade.get('/v1/core/modules')).body);
    expect(modules.filter((m) => m.name === 'app_queue').map((m) => m.node)).to.have.members(['east', 'west']);
    expect(list((await jade.get('/v1/core/modules?node=east')).body).every((m) => m.node === 'east')).to.equal(true);
    expect(list((await jade.get('/v1/core/systems')).body).map((s) => [s.node, s.system_name])).to.have.deep.members([
      ['east', 'east1'],
      ['west', 'west1'],
    ]);
  });

  it('answers a name several boxes have only with ?node= (409 naming node without it), and a malformed node is 400', async () => {
    const ambiguous = await jade.get('/v1/core/modules/app_queue');
    expect(ambiguous.status).to.equal(409);
    expect(JSON.stringify(ambiguous.body)).to.include('node');
    const one = await jade.get('/v1/core/modules/app_queue?node=west');
    expect(one.status).to.equal(200);
    expect(result(one.body)).to.include({ name: 'app_queue', node: 'west' });
    expect(result(one.body)).to.not.have.property('row_key');
    // An id only one box has needs no node.
    expect(result((await jade.get('/v1/core/channels/east1-1700000000.1')).body)).to.include({ node: 'east' });
    expect((await jade.get('/v1/core/channels?node=no%20such')).status).to.equal(400);
  });

  it('sends a hangup over the link of the box that owns the channel', async () => {
    const hangup = await jade.delete('/v1/core/channels/west1-1700000000.1');
    expect(hangup.status, hangup.text).to.equal(200);
    expect(actionsNamed(west, 'Hangup').map((a) => a.channel)).to.deep.equal(['Local/100@demo-west1;1']);
    expect(actionsNamed(east, 'Hangup')).to.deep.equal([]);
    expect(list((await jade.get('/v1/core/channels')).body).map((c) => c.unique_id)).to.deep.equal(['east1-1700000000.1']);
  });

  it('makes an originate name its box: 400 without node or with an unknown one, sent to that box with it', async () => {
    const call = { channel: 'Local/1000@customers', context: 'demo', exten: '100' };
    const missing = await jade.post('/v1/core/channels', call);
    expect(missing.status).to.equal(400);
    expect(missing.text).to.include('node');
    expect((await jade.post('/v1/core/channels', { ...call, node: 'north' })).status).to.equal(400);
    const sent = await jade.post('/v1/core/channels', { ...call, node: 'east' });
    // The fake never creates the channel: the answer comes once the read-your-writes wait gives up or sooner.
    expect(sent.status, sent.text).to.equal(200);
    expect(actionsNamed(east, 'Originate')).to.have.length(1);
    expect(actionsNamed(west, 'Originate')).to.deep.equal([]);
  });

  it('documents node in the OpenAPI document: lists, single reads, commands, the originate body', async () => {
    const document = (await jade.http.get('/v1/openapi.json')).body as { paths: Record<string, Record<string, { parameters?: Row[]; requestBody?: { content: Record<string, { schema: { properties: Row } }> } }>> };
    const queryParams = (path: string, method: string) => (document.paths[path]?.[method]?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    for (const [path, method] of [['/v1/core/channels', 'get'], ['/v1/queue/queues/{name}', 'get'], ['/v1/core/channels/{id}', 'delete'], ['/v1/core/modules/{name}', 'post'], ['/v1/pjsip/endpoints', 'get']] as const) {
      expect(queryParams(path, method), `${method} ${path}`).to.include('node');
    }
    expect(Object.keys(document.paths['/v1/core/channels']?.post?.requestBody?.content['application/json']?.schema.properties ?? {})).to.include('node');
  });

  it('reports every link in /v1/health, with its systemname', async () => {
    const health = result((await jade.http.get('/v1/health')).body).ami as { connected: boolean; nodes: Row[] };
    expect(health.connected).to.equal(true);
    expect(health.nodes.map((n) => [n.node, n.connected, n.system_name, n.refused])).to.deep.equal([
      ['east', true, 'east1', null],
      ['west', true, 'west1', null],
    ]);
  });
});

describe('two Asterisk boxes with the same systemname', function () {
  this.timeout(30_000);

  it('refuses to start, naming both nodes', async () => {
    const a = await box('same', 'same-1.1');
    const b = await box('same', 'same-1.2');
    try {
      let error: unknown;
      await startTestJade(undefined, { overrides: amiOverrides(a, b) }).then(
        (jade) => jade.stop(),
        (failed: unknown) => (error = failed),
      );
      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/east/).and.to.match(/west/).and.to.include('"same"');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('stops the link of a box that connects later with a taken systemname, says so in health, and keeps serving', async () => {
    const a = await box('same', 'same-2.1');
    const b = await box('same', 'same-2.2');
    // b is down when jade starts: jade waits for its systemname (5 s), then serves without it.
    await b.close();
    let jade: RunningJade | undefined;
    try {
      jade = await startTestJade(undefined, { overrides: amiOverrides(a, b) });
      await b.listen();
      const refused = await (async () => {
        for (let i = 0; i < 200; i++) {
          const nodes = (result((await jade.http.get('/v1/health')).body).ami as { nodes: Row[] }).nodes;
          const west = nodes.find((n) => n.node === 'west');
          if (typeof west?.refused === 'string') return { nodes, west };
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error('west was never refused');
      })();
      expect(refused.west.refused).to.match(/east/).and.to.match(/west/);
      expect(refused.nodes.find((n) => n.node === 'east')).to.include({ connected: true, refused: null });
      await waitFor(async () => (result((await jade!.http.get('/v1/health')).body).ami as { nodes: Row[] }).nodes[1]!.connected === false, 5000, 'west link stopped');
      const loginsAfterStop = b.logins;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(b.logins, 'no reconnect of a refused link').to.equal(loginsAfterStop);
      // East still serves its rows.
      expect(list((await jade.get('/v1/core/channels')).body).map((c) => c.node)).to.deep.equal(['east']);
    } finally {
      await jade?.stop();
      await a.close();
      await b.close();
    }
  });
});
