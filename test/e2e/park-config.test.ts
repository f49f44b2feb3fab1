/**
 * Issue 12: res_parking.conf through jade against the real Asterisk sandbox. Asterisk's own view of the file
 * comes from a raw AMI session (GetConfig), and that session also plays "someone else" editing the file.
 * The test leaves the file and the live lots as it found them (the sandbox is shared by the mocha run).
 */
import { expect } from 'chai';
import { SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const lot = 'jade_e2e_lot';

/** GetConfig's answer as Asterisk sends it, without the ActionID: the file as Asterisk has it. */
function configHeaders(frame: AmiFrame): string[] {
  return frame.headers.filter(([name]) => /^(Category|Line|Templates|IsTemplate)-/i.test(name)).map(([name, value]) => `${name}: ${value}`);
}

describe('park configuration against a real Asterisk 22 (issue 12)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  let original: string[];

  const getConfig = async (): Promise<string[]> => {
    const { response } = await probe.action({ Action: 'GetConfig', Filename: 'res_parking.conf' });
    return configHeaders(response);
  };
  const history = async (): Promise<Row[]> => listOf((await jade.get('/v1/park/settings/history')).body);

  before(async function () {
    const sandbox = getSandbox();
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    original = await getConfig();
    jade = await startTestJade(sandbox, { overrides: { config: { driftCheckSeconds: 1 } } });
    await waitForAmi(jade);
    await eventually(async () => ((await history()).length > 0 ? true : undefined), 10_000, 'the first version of res_parking.conf');
  });

  after(async function () {
    // Whatever happened: the lot goes from the file and (rollback does not reload, as PUT /park/setting) from Asterisk's live list.
    if (jade && lot in resultOf((await jade.get('/v1/park/setting')).body)) await jade.delete(`/v1/park/parkinglots/${lot}`);
    await probe?.action({ Action: 'ModuleLoad', Module: 'res_parking.so', LoadType: 'reload' });
    const live = await probe?.action({ Action: 'Parkinglots' });
    expect(live?.events.map((e) => e.headers.find(([k]) => k === 'Name')?.[1])).to.not.include(lot);
    probe?.close();
    await jade?.stop();
  });

  it('adds a lot with POST /v1/park/parkinglots: Asterisk lists it as soon as jade answers, and a call can be parked in it', async function () {
    const before = await getConfig();
    const created = await jade.post('/v1/park/parkinglots', { name: lot, parkpos: '800-810', context: '> jade_e2e_parked', parkingtime: '60' });
    expect(created.status, created.text).to.equal(200);
    // §0's value convention survives the round trip through Asterisk (GetConfig never says `=>`; jade knows it wrote one).
    expect(resultOf((await jade.get('/v1/park/setting')).body)[lot]).to.deep.equal({ parkpos: '800-810', context: '> jade_e2e_parked', parkingtime: '60' });
    expect(await getConfig()).to.not.deep.equal(before);

    const lots = listOf((await jade.get('/v1/park/parkinglots')).body);
    expect(lots.find((l) => l.name === lot)).to.include({ start_space: '800', stop_spcae: '810', timeout: 60 });
    const asterisk = await probe.action({ Action: 'Parkinglots' });
    expect(asterisk.events.map((e) => e.headers.find(([k]) => k === 'Name')?.[1])).to.include(lot);

    const channel = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', application: 'Wait', data: '120' });
    expect(channel.status, channel.text).to.equal(200);
    const uniqueId = (channel.body?.result as { unique_id: string }).unique_id;
    await eventually(async () => ((await jade.get(`/v1/core/channels/${uniqueId}`)).status === 200 ? true : undefined), 10_000, 'the channel');
    const parked = await jade.post('/v1/park/parkedcalls', { unique_id: uniqueId, parkinglot: lot });
    expect(parked.status, parked.text).to.equal(200);
    expect(resultOf(parked.body)).to.include({ parking_lot: lot });
    expect(Number(resultOf(parked.body).parking_space)).to.be.within(800, 810);
    expect((await jade.delete(`/v1/park/parkedcalls/${uniqueId}`)).status).to.equal(200);
  });

  it('lists the backup holding the previous text, and rollback makes GetConfig equal what it was before the change', async function () {
    const backups = listOf((await jade.get('/v1/park/settings')).body);
    const backup = backups[backups.length - 1]!;
    expect(backup).to.not.have.property(lot);
    expect(backup).to.have.property('default');
    const setting = resultOf((await jade.get('/v1/park/setting')).body);
    expect(setting).to.have.property(lot);

    const versions = await history();
    const write = [...versions].reverse().find((v) => v.cause === 'write')!;
    expect((write.diff as string[]).join('\n')).to.include(lot);
    const previous = versions[versions.indexOf(write) - 1]!;
    const rolled = await jade.post('/v1/park/setting/rollback', { to: previous.position });
    expect(rolled.status, rolled.text).to.equal(200);
    expect(await getConfig()).to.deep.equal(original);
    expect(resultOf((await jade.get('/v1/park/setting')).body)).to.not.have.property(lot);
  });

  it("records an UpdateConfig made on another AMI connection as ConfigChangedOutsideJade within the drift interval", async function () {
    const count = (await history()).length;
    const edited = await probe.action({
      Action: 'UpdateConfig', SrcFilename: 'res_parking.conf', DstFilename: 'res_parking.conf',
      'Action-000000': 'Append', 'Cat-000000': 'general', 'Var-000000': 'comebacktoorigin', 'Value-000000': 'yes',
    });
    expect(edited.response.headers.find(([k]) => k === 'Response')?.[1]).to.equal('Success');
    try {
      const version = await eventually(async () => {
        const list = await history();
        return list.length > count ? list[list.length - 1] : undefined;
      }, 10_000, 'the drift version');
      expect(version).to.include({ kind: 'outside', cause: 'drift' });
      expect((version!.diff as string[]).join('\n')).to.include('comebacktoorigin');
      const events = await jade.jade.store.readStream('config-res_parking.conf');
      expect(events[events.length - 1]?.type).to.equal('ConfigChangedOutsideJade');
    } finally {
      await probe.action({
        Action: 'UpdateConfig', SrcFilename: 'res_parking.conf', DstFilename: 'res_parking.conf',
        'Action-000000': 'Delete', 'Cat-000000': 'general', 'Var-000000': 'comebacktoorigin', 'Match-000000': 'yes',
      });
    }
    expect(await getConfig()).to.deep.equal(original);
  });
});
