import { expect } from 'chai';
import { FakeAmi, type FakeFrame } from '../../support/fake-ami.js';
import { FakeConfigFiles } from '../../support/fake-config.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../../support/jade.js';

/**
 * The config-file side of /park (res_parking.conf) over HTTP against the fake Asterisk (fake-ami.ts answering
 * GetConfig/UpdateConfig like main/manager.c): writes as commands in the log, the optimistic check, write-back
 * on a failed UpdateConfig or reload, backups as versions, drift, and the config_versions rebuild.
 */

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const file = 'res_parking.conf';
const stream = `config-${file}`;

const initial = {
  general: { parkeddynamic: 'no' },
  default: { parkext: '700', parkpos: '701-720', context: 'parkedcalls', parkingtime: '45' },
};

/** The lots res_parking would list after a reload of this file. */
function lotsOf(sections: Record<string, Record<string, string | string[]>>): FakeFrame[] {
  return Object.entries(sections)
    .filter(([name]) => name !== 'general')
    .map(([name, options]) => {
      const [start, stop] = String(options.parkpos ?? '701-750').split('-');
      return { Name: name, StartSpace: start ?? '', StopSpace: stop ?? '', Timeout: String(options.parkingtime ?? '45') };
    });
}

describe('park configuration over HTTP (fake Asterisk)', function () {
  this.timeout(30_000);
  let fake: FakeAmi;
  let configs: FakeConfigFiles;
  let jade: RunningJade;

  const events = async (): Promise<string[]> => (await jade.jade.store.readStream(stream)).map((e) => e.type);
  const history = async (): Promise<Row[]> => listOf((await jade.get('/v1/park/settings/history')).body);
  const updateConfigs = (): number => fake.actions.filter((a) => a.action?.toLowerCase() === 'updateconfig').length;
  const setting = async (): Promise<{ version: number; sections: Row }> => {
    const response = await jade.get('/v1/park/setting');
    expect(response.status, response.text).to.equal(200);
    return { version: Number(String(response.headers.get('etag') ?? '').replace(/"/g, '')), sections: resultOf(response.body) };
  };

  before(async () => {
    fake = await FakeAmi.start();
    configs = new FakeConfigFiles(fake);
    configs.set(file, initial);
    fake.onList('Parkinglots', 'Parkinglot', lotsOf(configs.get(file)));
    configs.onReload = () => fake.onList('Parkinglots', 'Parkinglot', lotsOf(configs.get(file)));
    jade = await startTestJade(undefined, {
      overrides: {
        ami: { host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret, reconnectInitialMs: 50, reconnectMaxMs: 200 },
        commands: { readYourWritesTimeoutMs: 2000 },
        config: { driftCheckSeconds: 1 },
      },
    });
    await waitForAmi(jade);
    // On connect jade reads each managed file once: the first version it knows.
    await eventually(async () => ((await history()).length === 1 ? true : undefined), 5000, 'the observed version');
  });

  after(async () => {
    await jade?.stop();
    await fake?.close();
  });

  it('records the file as first seen on connect, and GET /park/setting answers it with that version', async () => {
    const [observed] = await history();
    expect(observed).to.include({ kind: 'observed', cause: 'observed' });
    const { version, sections } = await setting();
    expect(version).to.equal(observed!.position);
    expect(sections).to.deep.equal(initial);
  });

  it('refuses a stale version with 409 and sends nothing', async () => {
    const { version } = await setting();
    const sent = updateConfigs();
    const response = await jade.http.put(`/v1/park/setting?version=${version - 1}`, { token: jade.token, body: { ...initial, extra: { parkpos: '800-810' } } });
    expect(response.status, response.text).to.equal(409);
    expect(response.body?.error?.details).to.include({ version });
    expect(updateConfigs()).to.equal(sent);
    expect((await events()).slice(-2)).to.deep.equal(['ConfigUpdateRequested', 'ConfigUpdateRejected']);
    expect(configs.get(file)).to.deep.equal(initial);
  });

  it('refuses CR/LF in a value or a section name with 400 naming the field, and records nothing', async () => {
    const before = (await events()).length;
    const sent = updateConfigs();
    const value = await jade.put('/v1/park/setting', { ...initial, default: { ...initial.default, context: 'x\r\nAction: Originate' } });
    expect(value.status, value.text).to.equal(400);
    expect(JSON.stringify(value.body?.error?.details)).to.include('default.context');
    const lot = await jade.post('/v1/park/parkinglots', { name: 'evil\nlot', parkpos: '800-810' });
    expect(lot.status, lot.text).to.equal(400);
    const option = await jade.post('/v1/park/parkinglots', { name: 'lot', parkpos: '800\r\n810' });
    expect(option.status, option.text).to.equal(400);
    expect((await events()).length).to.equal(before);
    expect(updateConfigs()).to.equal(sent);
  });

  it('POST /park/parkinglots adds the section, reloads res_parking, and answers once /park/parkinglots lists it', async () => {
    const { version } = await setting();
    const response = await jade.http.post(`/v1/park/parkinglots?version=${version}`, { token: jade.token, body: { name: 'lot_a', parkpos: '800-810', context: 'lot_a_ctx' } });
    expect(response.status, response.text).to.equal(200);
    expect(configs.get(file).lot_a).to.deep.equal({ parkpos: '800-810', context: 'lot_a_ctx' });
    expect(configs.reloads).to.include('res_parking.so');
    // No waiting: the answer came after the lot was in the read model.
    const lots = listOf((await jade.get('/v1/park/parkinglots')).body);
    expect(lots.map((l) => l.name)).to.include('lot_a');
    expect((await events()).slice(-2)).to.deep.equal(['ConfigUpdateRequested', 'ConfigUpdated']);
  });

  it('answers 400 for a lot that exists or a missing name', async () => {
    const exists = await jade.post('/v1/park/parkinglots', { name: 'lot_a', parkpos: '900-910' });
    expect(exists.status, exists.text).to.equal(400);
    expect(exists.body?.error?.details).to.deep.equal({ fields: ['name'] });
    const missing = await jade.post('/v1/park/parkinglots', { parkpos: '900-910' });
    expect(missing.status, missing.text).to.equal(400);
    expect(configs.get(file).lot_a).to.deep.equal({ parkpos: '800-810', context: 'lot_a_ctx' });
  });

  it('lists the backup holding the file before the write, serves it by name, and hides it on DELETE', async () => {
    const backups = listOf((await jade.get('/v1/park/settings')).body);
    const backup = backups[backups.length - 1]!;
    expect(String(backup.filename)).to.match(/^res_parking\.conf\.\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
    const { filename, ...sections } = backup;
    expect(sections).to.deep.equal(initial);
    const one = await jade.get(`/v1/park/settings/${encodeURIComponent(String(filename))}`);
    expect(one.status, one.text).to.equal(200);
    expect(resultOf(one.body)).to.deep.equal({ list: initial });

    expect((await jade.delete(`/v1/park/settings/${encodeURIComponent(String(filename))}`)).status).to.equal(200);
    expect(listOf((await jade.get('/v1/park/settings')).body).map((b) => b.filename)).to.not.include(filename);
    expect((await jade.get(`/v1/park/settings/${encodeURIComponent(String(filename))}`)).status).to.equal(404);
    expect((await jade.delete(`/v1/park/settings/${encodeURIComponent(String(filename))}`)).status).to.equal(404);
    // History still has the version.
    expect((await history()).map((v) => v.name)).to.include(filename);
  });

  it('answers 400 for backup names not shaped <file>.<timestamp>, with / or .., and 404 for unknown ones', async () => {
    for (const name of ['res_parking.conf', 'res_parking.conf.yesterday', 'queues.conf.2018-01-03T21:12:39.537427535Z', '..%2Fmanager.conf', 'res_parking.conf.2018-01-03T21:12:39.537427535Z%2F..']) {
      const response = await jade.get(`/v1/park/settings/${name}`);
      expect(response.status, `${name}: ${response.text}`).to.equal(400);
      expect((await jade.delete(`/v1/park/settings/${name}`)).status, name).to.equal(400);
    }
    expect((await jade.get('/v1/park/settings/res_parking.conf.2018-01-03T21:12:39.537427535Z')).status).to.equal(404);
  });

  it('writes the previous version back when an UpdateConfig fails mid-way, and answers 502 saying so', async () => {
    const before = configs.get(file);
    // Enough sections for the diff to take several UpdateConfig actions (fewer than 128 headers each).
    const big: Record<string, Record<string, string>> = { ...before } as Record<string, Record<string, string>>;
    for (let i = 0; i < 40; i++) big[`bulk_${i}`] = { parkpos: `${1000 + i * 10}-${1009 + i * 10}`, context: `bulk_${i}` };
    configs.failUpdate = { at: 2, message: 'Append did not complete successfully' };
    const sent = updateConfigs();
    const response = await jade.put('/v1/park/setting', big);
    expect(response.status, response.text).to.equal(502);
    expect(response.body?.error?.details).to.include({ applied: 1, rolled_back: true, asterisk: 'Append did not complete successfully' });
    // The first action was saved, the second refused, then the write-back.
    expect(updateConfigs()).to.be.greaterThan(sent + 2);
    expect(configs.get(file)).to.deep.equal(before);
    expect((await events()).slice(-2)).to.deep.equal(['ConfigUpdateRequested', 'ConfigUpdateFailed']);
  });

  it('writes the file back when the reload fails, and answers 409 with both messages', async () => {
    const before = configs.get(file);
    configs.reloadError = 'An unknown error occurred';
    try {
      const response = await jade.post('/v1/park/parkinglots', { name: 'lot_b', parkpos: '820-830' });
      expect(response.status, response.text).to.equal(409);
      const details = response.body?.error?.details as Row;
      expect(details.reload_error).to.equal('An unknown error occurred');
      expect(String(details.rollback)).to.include('written back');
      expect(configs.get(file)).to.deep.equal(before);
      const [written, restored] = (await history()).slice(-2);
      expect(written).to.include({ cause: 'write' });
      expect(restored).to.include({ cause: 'reload_failed' });
    } finally {
      configs.reloadError = undefined;
    }
  });

  it('answers 503 and records nothing while Asterisk is down', async () => {
    const before = (await events()).length;
    await fake.close();
    try {
      await eventually(async () => ((resultOf((await jade.http.get('/v1/health')).body).ami as { connected?: boolean } | undefined)?.connected === false ? true : undefined), 5000, 'AMI down');
      expect((await jade.put('/v1/park/setting', initial)).status).to.equal(503);
      expect((await jade.post('/v1/park/parkinglots', { name: 'lot_c' })).status).to.equal(503);
      expect((await jade.get('/v1/park/setting')).status).to.equal(503);
      expect((await events()).length).to.equal(before);
    } finally {
      await fake.listen();
      await waitForAmi(jade);
    }
  });

  it('rolls back to a version: the file equals it again', async () => {
    const versions = await history();
    const target = versions.find((v) => v.kind === 'observed')!;
    const response = await jade.post('/v1/park/setting/rollback', { to: target.position });
    expect(response.status, response.text).to.equal(200);
    expect(configs.get(file)).to.deep.equal(initial);
    expect((await history()).at(-1)).to.include({ cause: 'rollback' });
    expect((await jade.post('/v1/park/setting/rollback', { to: 999_999 })).status).to.equal(404);
    expect((await jade.post('/v1/park/setting/rollback', { to: 'x' })).status).to.equal(400);
  });

  it('records a change made behind jade\'s back as ConfigChangedOutsideJade, a new version with its diff', async () => {
    const count = (await history()).length;
    const previous = (await history()).at(-1)!.position;
    configs.set(file, { ...initial, sneaky: { parkpos: '990-995' } });
    const found = await eventually(async () => {
      const list = await history();
      return list.length > count ? list.at(-1) : undefined;
    }, 10_000, 'the drift version');
    expect(found).to.include({ kind: 'outside', cause: 'drift' });
    expect((found!.diff as string[]).join('\n')).to.include('990-995');
    expect((await events()).at(-1)).to.equal('ConfigChangedOutsideJade');
    // A write based on the version before the drift is now stale.
    const stale = await jade.http.put(`/v1/park/setting?version=${String(previous)}`, { token: jade.token, body: initial });
    expect(stale.status, stale.text).to.equal(409);
  });

  it('rebuilds config_versions from the log to the same rows', async () => {
    const live = await jade.jade.readModels.db.selectFrom('config_versions').selectAll().orderBy('position').execute();
    await jade.jade.runner.rebuild(['config_versions']);
    const rebuilt = await jade.jade.readModels.db.selectFrom('config_versions').selectAll().orderBy('position').execute();
    expect(live.length).to.be.greaterThan(4);
    expect(rebuilt).to.deep.equal(live);
  });
});
