/**
 * Several Asterisk boxes ingested by one jade (README "Several Asterisk boxes"), against two real Asterisk 22
 * sandboxes with different systemnames: calls on both are listed with their node, a hangup through the API
 * reaches the box that owns the channel, and a restart of one box reconciles only that box's rows.
 */
import { expect } from 'chai';
import { amiGet, AsteriskSandbox, SandboxAmi } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

/** The unique ids Asterisk itself has, through a raw AMI session of its own. */
async function channelsOn(sandbox: AsteriskSandbox): Promise<string[]> {
  const probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret, events: false });
  try {
    const { events } = await probe.action({ Action: 'CoreShowChannels' });
    return events.map((event) => amiGet(event, 'Uniqueid') ?? '').filter((id) => id !== '').sort();
  } finally {
    probe.close();
  }
}

describe('Two real Asterisk boxes (different systemnames) ingested by one jade', function () {
  this.timeout(240_000);
  let east: AsteriskSandbox;
  let west: AsteriskSandbox;
  let jade: RunningJade;

  const box = (node: string, sandbox: AsteriskSandbox) => ({ node, host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
  const rowsOf = async (path: string, node: string): Promise<Row[]> => listOf((await jade.get(`${path}?node=${node}`)).body);
  const originate = async (node: string, channel = 'Local/100@demo'): Promise<string> => {
    const created = await jade.post('/v1/core/channels', { channel, context: 'demo', exten: '100', node });
    expect(created.status, created.text).to.equal(200);
    return (created.body?.result as { unique_id: string }).unique_id;
  };
  const healthNodes = async (): Promise<Row[]> => ((((await jade.http.get('/v1/health')).body?.result as { ami: { nodes?: Row[] } }).ami.nodes) ?? []);

  before(async function () {
    // The tier's own sandbox says whether Asterisk can run here at all (hooks.ts skips the tier, saying why, if not).
    getSandbox();
    east = new AsteriskSandbox({ systemName: 'east1' });
    west = new AsteriskSandbox({ systemName: 'west1' });
    await Promise.all([east.start(), west.start()]);
    jade = await startTestJade(undefined, { overrides: { ami: { nodes: [box('east', east), box('west', west)], reconnectInitialMs: 100, reconnectMaxMs: 500 } } });
    await eventually(async () => {
      const nodes = await healthNodes();
      return nodes.length === 2 && nodes.every((n) => n.connected === true && typeof n.system_name === 'string') ? true : undefined;
    }, 30_000, 'both links up with their systemnames');
    await eventually(async () => ((await rowsOf('/v1/core/systems', 'east')).length === 1 && (await rowsOf('/v1/core/systems', 'west')).length === 1 ? true : undefined), 30_000, 'both boxes\' first snapshots');
  });

  after(async function () {
    await jade?.stop();
    await Promise.all([east?.stop(), west?.stop()]);
  });

  it('learns each box\'s systemname, and lists the calls of both boxes with their node', async function () {
    expect((await healthNodes()).map((n) => [n.node, n.system_name, n.refused])).to.deep.equal([
      ['east', 'east1', null],
      ['west', 'west1', null],
    ]);
    // `_5.` dials Local/1001@customers: channels Asterisk names itself, so their ids carry its systemname.
    const eastCall = await originate('east', 'Local/51001@demo');
    const westCall = await originate('west', 'Local/51001@demo');
    const prefixed = (list: Row[], node: string) => list.some((c) => String(c.unique_id).startsWith(`${node}1-`) && c.node === node);
    const channels = await eventually(async () => {
      const list = listOf((await jade.get('/v1/core/channels')).body);
      return list.some((c) => c.unique_id === eastCall) && list.some((c) => c.unique_id === westCall) && prefixed(list, 'east') && prefixed(list, 'west') ? list : undefined;
    }, 15_000, 'both calls listed, with the channels each box named itself');
    expect(channels.find((c) => c.unique_id === eastCall)?.node).to.equal('east');
    expect(channels.find((c) => c.unique_id === westCall)?.node).to.equal('west');
    expect(channels.filter((c) => String(c.unique_id).startsWith('east1-')).every((c) => c.node === 'east')).to.equal(true);
    expect(channels.filter((c) => String(c.unique_id).startsWith('west1-')).every((c) => c.node === 'west')).to.equal(true);
    // Each box really has its own call only.
    expect(await channelsOn(east)).to.include(eastCall).and.not.include(westCall);
    expect(await channelsOn(west)).to.include(westCall).and.not.include(eastCall);
    expect((await rowsOf('/v1/core/channels', 'west')).every((c) => c.node === 'west')).to.equal(true);
  });

  it('sends a hangup through the API to the box that owns the channel; the other box\'s call stays up', async function () {
    const eastCall = await originate('east');
    const westCall = await originate('west');
    await eventually(async () => ((await channelsOn(west)).includes(westCall) && (await channelsOn(east)).includes(eastCall) ? true : undefined), 10_000, 'both calls up');
    const hangup = await jade.delete(`/v1/core/channels/${westCall}`);
    expect(hangup.status, hangup.text).to.equal(200);
    expect(await channelsOn(west)).to.not.include(westCall);
    expect(await channelsOn(east)).to.include(eastCall);
    expect((await jade.get(`/v1/core/channels/${eastCall}`)).status).to.equal(200);
    expect((await jade.get(`/v1/core/channels/${westCall}`)).status).to.equal(404);
  });

  it('reconciles only the restarted box\'s rows: the other box\'s are untouched', async function () {
    // Only calls that sit in Wait(300): nothing but this test changes west's rows meanwhile.
    await Promise.all([east.cli('channel request hangup all'), west.cli('channel request hangup all')]);
    await eventually(async () => (listOf((await jade.get('/v1/core/channels')).body).length === 0 ? true : undefined), 15_000, 'no call left');
    await originate('west');
    await originate('east');
    const waiting = async (node: string) => {
      const rows = await rowsOf('/v1/core/channels', node);
      return rows.length === 2 && rows.every((c) => c.application === 'Wait') ? true : undefined;
    };
    await eventually(async () => ((await waiting('east')) && (await waiting('west')) ? true : undefined), 15_000, 'calls on both boxes settled in Wait');
    const paths = ['/v1/core/channels', '/v1/core/modules', '/v1/core/systems', '/v1/queue/queues', '/v1/park/parkinglots'];
    const westBefore = await Promise.all(paths.map((path) => rowsOf(path, 'west')));
    const eastSystemBefore = (await rowsOf('/v1/core/systems', 'east'))[0];
    expect(westBefore[0]!.length).to.be.greaterThan(0);

    await east.restart();
    // After the restart east has no call: jade's east link reconnects, resyncs, and drops east's channels.
    await eventually(async () => ((await rowsOf('/v1/core/channels', 'east')).length === 0 ? true : undefined), 60_000, 'east channels reconciled away');
    await eventually(async () => {
      const system = (await rowsOf('/v1/core/systems', 'east'))[0];
      return system !== undefined && system.tm_update !== eastSystemBefore?.tm_update ? true : undefined;
    }, 30_000, 'east system row refreshed by the new snapshot round');

    const westAfter = await Promise.all(paths.map((path) => rowsOf(path, 'west')));
    // `duration` of a channel is computed at read time: compare the stored fields.
    const stored = (rows: Row[]) => rows.map(({ duration: _duration, ...row }) => row);
    for (const [index, path] of paths.entries()) expect(stored(westAfter[index]!), path).to.deep.equal(stored(westBefore[index]!));
    expect((await channelsOn(west)).length).to.be.greaterThan(0);
  });
});
