import { Writable } from 'node:stream';
import { expect } from 'chai';
import { listDialings } from '../../../projections/ob-dialings.js';
import { getDl } from '../../../projections/ob-dls.js';
import { obEventTypes } from '../../../src/events/index.js';
import { createLogger } from '../../../src/logger.js';
import { FakeAmi } from '../../support/fake-ami.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import { waitFor } from '../ami/helpers.js';
import { dialerHarness, type DialerHarness } from './dialer-harness.js';

/**
 * The dialer over several Asterisk boxes (README "Several Asterisk boxes"): a campaign names the box it dials
 * on, and its dialings' Originates and hangups go over that box's link. Two fake AMI servers, the whole app.
 */

type Row = Record<string, unknown>;

/**
 * A box that answers an Originate as Asterisk does for a PJSIP call that is answered (the channel, then the
 * OriginateResponse), and confirms a Hangup with the channel's Hangup event.
 */
async function box(systemName: string): Promise<FakeAmi> {
  const fake = await FakeAmi.start();
  fake.on('CoreSettings', () => [{ Response: 'Success', AMIversion: '9.0.0', AsteriskVersion: '22.5.2', SystemName: systemName, CoreMaxCalls: '0' }]);
  fake.onList('CoreShowChannels', 'CoreShowChannel', []);
  const channels = new Map<string, string>();
  fake.on('Originate', (action) => {
    const uniqueId = action.channelid ?? '';
    const channel = `PJSIP/300-${systemName}-${channels.size + 1}`;
    channels.set(uniqueId, channel);
    setTimeout(
      () =>
        fake.push([
          { Event: 'Newchannel', Privilege: 'call,all', Channel: channel, ChannelState: '0', ChannelStateDesc: 'Down', Uniqueid: uniqueId, Linkedid: uniqueId, Context: 'customers', Exten: '300', Priority: '1' },
          { Event: 'OriginateResponse', Privilege: 'call,all', ActionID: action.actionid ?? '', Response: 'Success', Channel: channel, Context: 'customers', Exten: '300', Reason: '4', Uniqueid: uniqueId },
        ]),
      20,
    );
    return [{ Response: 'Success', Message: 'Originate successfully queued' }];
  });
  fake.on('Hangup', (action) => {
    const target = action.channel ?? '';
    const uniqueId = [...channels.entries()].find(([id, name]) => id === target || name === target)?.[0];
    if (uniqueId !== undefined) {
      setTimeout(() => fake.push([{ Event: 'Hangup', Privilege: 'call,all', Channel: channels.get(uniqueId)!, Uniqueid: uniqueId, Linkedid: uniqueId, Cause: '16', 'Cause-txt': 'Normal Clearing' }]), 20);
    }
    return [{ Response: 'Success', Message: 'Channel Hungup' }];
  });
  return fake;
}

const nodeEntry = (node: string, fake: FakeAmi) => ({ node, host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret });
const actionsNamed = (fake: FakeAmi, name: string) => fake.actions.filter((action) => action.action?.toLowerCase() === name.toLowerCase());
const result = (body: unknown): Row => (body as { result: Row }).result;

describe('the dialer on the campaign\'s own Asterisk box (two fake AMI servers, real HTTP)', function () {
  this.timeout(30_000);
  let east: FakeAmi;
  let west: FakeAmi;
  let jade: RunningJade;

  before(async () => {
    east = await box('east1');
    west = await box('west1');
    jade = await startTestJade(undefined, { overrides: { ami: { nodes: [nodeEntry('east', east), nodeEntry('west', west)], reconnectInitialMs: 50, reconnectMaxMs: 200 }, outbound: { tickMs: 50 } } });
    await waitFor(async () => (result((await jade.http.get('/v1/health')).body).ami as { connected: boolean }).connected, 10_000, 'both links up');
  });

  after(async () => {
    await jade?.stop();
    await east?.close();
    await west?.close();
  });

  const create = async (path: string, body: Row): Promise<Row> => {
    const response = await jade.post(path, body);
    expect(response.status, `${path} ${response.text}`).to.equal(200);
    return result(response.body);
  };

  const resources = async (): Promise<Row> => {
    const plan = await create('/v1/ob/plans', { tech_name: 'PJSIP', dial_mode: 1 });
    const dest = await create('/v1/ob/destinations', { type: 1, application: 'park' });
    const dlma = await create('/v1/ob/dlmas', {});
    return { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid };
  };

  it('refuses a campaign without node, or with a node not configured, naming node (400)', async () => {
    const refs = await resources();
    for (const body of [refs, { ...refs, node: null }, { ...refs, node: 'north' }]) {
      const response = await jade.post('/v1/ob/campaigns', body);
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect(response.body?.error?.message, JSON.stringify(body)).to.include('node');
    }
    const campaign = await create('/v1/ob/campaigns', { ...refs, node: 'east' });
    expect(campaign.node).to.equal('east');
    const moved = await jade.put(`/v1/ob/campaigns/${String(campaign.uuid)}`, { node: 'north' });
    expect(moved.status).to.equal(400);
    expect(moved.body?.error?.message).to.include('north');
  });

  it('documents node in the campaign bodies of the OpenAPI document', async () => {
    type Body = { requestBody?: { content: Record<string, { schema: { properties?: Record<string, { description?: string }> } }> } };
    const document = (await jade.http.get('/v1/openapi.json')).body as { paths: Record<string, Record<string, Body>> };
    for (const [path, method] of [['/v1/ob/campaigns', 'post'], ['/v1/ob/campaigns/{uuid}', 'put']] as const) {
      const properties = document.paths[path]?.[method]?.requestBody?.content['application/json']?.schema.properties ?? {};
      expect(properties.node?.description, `${method} ${path}`).to.match(/Asterisk box/);
    }
  });

  it('sends a west campaign\'s Originate to west only, records the box on the dialing, and hangs it up over west', async () => {
    const refs = await resources();
    await create('/v1/ob/dls', { dlma_uuid: refs.dlma, number_1: '300' });
    const eastOriginates = actionsNamed(east, 'Originate').length;
    const campaign = await create('/v1/ob/campaigns', { ...refs, node: 'west', status: 1 });
    expect(campaign).to.include({ node: 'west', status: 1 });

    await waitFor(async () => actionsNamed(west, 'Originate').length === 1, 10_000, 'the Originate on west');
    expect(actionsNamed(east, 'Originate')).to.have.length(eastOriginates);
    const originate = actionsNamed(west, 'Originate')[0]!;
    expect(originate.channel).to.equal('PJSIP/300');

    let dialing: Row | undefined;
    await waitFor(async () => {
      const list = (result((await jade.get('/v1/ob/dialings')).body).list as Row[]).filter((d) => d.uuid_camp === campaign.uuid);
      dialing = list[0];
      return dialing !== undefined && dialing.channel !== null;
    }, 10_000, 'the dialing with its channel');
    expect(dialing).to.include({ node: 'west', uuid: originate.channelid });

    const hangup = await jade.delete(`/v1/ob/dialings/${String(dialing!.uuid)}`);
    expect(hangup.status, hangup.text).to.equal(200);
    expect(actionsNamed(west, 'Hangup').map((a) => a.channel)).to.deep.equal([dialing!.channel]);
    expect(actionsNamed(east, 'Hangup')).to.deep.equal([]);
    // The audit log names the box of both commands.
    for (const type of ['Originate', 'Hangup']) {
      const audited = (result((await jade.get(`/v1/commands?type=${type}`)).body).list as Row[]).filter((c) => (c.targets as Row).dialing_uuid === dialing!.uuid);
      expect(audited.map((c) => (c.targets as Row).node), type).to.deep.equal(['west']);
    }
    await jade.put(`/v1/ob/campaigns/${String(campaign.uuid)}`, { status: 0 });
  });
});

describe('the dialer on the campaign\'s own box (simulated Asterisk, fake clock)', () => {
  let h: DialerHarness;
  let logged: Row[];

  beforeEach(async () => {
    logged = [];
    const lines = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(JSON.parse(String(chunk)) as Row);
        done();
      },
    });
    h = await dialerHarness({ logger: createLogger('warn', 'dialer', { destination: lines }) }, undefined, { boxes: ['test', 'west'] });
  });
  afterEach(async () => {
    await h.close();
  });

  /** A running campaign on `node` with one entry (number 1000: answered and held until hung up). */
  async function campaignOn(node: string | null): Promise<{ campaign: string; dl: string }> {
    const plan = await h.resources.plans.create(h.ctx, { tech_name: 'Local', trunk_name: 'customers', dial_mode: 1 });
    const dest = await h.resources.destinations.create(h.ctx, { type: 1, application: 'park' });
    const dlma = await h.resources.dlmas.create(h.ctx, { name: 'list' });
    const dl = await h.resources.dls.create(h.ctx, { dlma_uuid: dlma.uuid, number_1: '1000' });
    const campaign = await h.resources.campaigns.create(h.ctx, { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid, node, status: 1 });
    return { campaign: campaign.uuid, dl: dl.uuid };
  }

  it('dials nothing for a campaign whose box is no longer configured, logs it once, and goes on with the others', async () => {
    const gone = await campaignOn('north');
    const first = await campaignOn(null);
    await h.step();
    h.advance(1000);
    await h.step();
    const dialings = await listDialings(h.readModels.db);
    expect(dialings.map((d) => [d.uuid_camp, d.node])).to.deep.equal([[first.campaign, null]]);
    expect(h.asterisk.actions.filter((a) => a.Action === 'Originate')).to.have.length(1);
    expect(await getDl(h.readModels.db, gone.dl)).to.include({ status: 0, trycnt_1: 0 });
    expect(logged.filter((line) => line.node === 'north').map((line) => line.msg)).to.have.length(1);
  });

  it('judges a dialing only by its own box\'s channel snapshot', async () => {
    const west = await campaignOn('west');
    await h.step();
    const [dialing] = await listDialings(h.readModels.db);
    expect(dialing).to.include({ uuid_camp: west.campaign, node: 'west' });
    h.asterisk.vanish(dialing!.uuid);
    await h.restart();
    h.advance(10_000);
    await h.asterisk.snapshotChannels('test');
    await h.settle();
    expect(h.dialer.liveCount(west.campaign), 'another box\'s snapshot says nothing about it').to.equal(1);
    await h.asterisk.snapshotChannels('west');
    await h.settle();
    expect(h.dialer.liveCount(west.campaign)).to.equal(0);
    const ended = (await h.store.readAll()).find((e) => e.type === obEventTypes.dialingEnded);
    expect(ended?.data).to.include({ reason: 'channel_gone' });
  });
});
