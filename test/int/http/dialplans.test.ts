import { expect } from 'chai';
import { permissions } from '../../../src/auth/index.js';
import { getDpmaScript } from '../../../projections/dialplans.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';

type Row = Record<string, unknown>;
const resultOf = (r: TestResponse): Row => (r.body?.result ?? {}) as Row;
const listOf = (r: TestResponse): Row[] => ((r.body?.result as { list?: Row[] } | undefined)?.list ?? []);
const fieldsOf = (r: TestResponse): string[] | undefined => (r.body?.error as { details?: { fields?: string[] } } | undefined)?.details?.fields;
const unknownUuid = '00000000-0000-4000-8000-000000000000';

describe('async dialplans: /dp/dpmas, /dp/dialplans, /admin/dialplan/adpmas, /admin/dialplan/adps', function () {
  this.timeout(30_000);
  let jade: RunningJade;
  const tokens = {} as Record<'ann' | 'mia', string>;
  const as = (who: keyof typeof tokens, method: 'get' | 'post' | 'put' | 'delete', path: string, body?: unknown) =>
    jade.http[method](path, { token: tokens[who], ...(body === undefined ? {} : { body }) });

  before(async () => {
    jade = await startTestJade(undefined);
    for (const [name, perms, login] of [['ann', [permissions.user], '/v1/me/login'], ['mia', [permissions.manager], '/v1/manager/login']] as const) {
      await jade.jade.auth.service.createUser({ username: name, name: `${name} name`, password: `${name}-pw`, permissions: perms });
      const answer = await jade.http.post(login, { basic: { username: name, password: `${name}-pw` } });
      expect(answer.status, answer.text).to.equal(200);
      tokens[name] = (answer.body?.result as { authtoken: string }).authtoken;
    }
  });

  after(async () => {
    await jade?.stop();
  });

  it('dpma CRUD: create answers the object, PUT merges, a body uuid is ignored, DELETE then 404', async () => {
    const created = await jade.post('/v1/dp/dpmas', { name: 'test dpma', detail: 'test dpma dpma', uuid: unknownUuid, unknown: 1 });
    expect(created.status, created.text).to.equal(200);
    const dpma = resultOf(created);
    expect(Object.keys(dpma).sort()).to.deep.equal(['detail', 'name', 'on_error', 'tm_create', 'tm_update', 'uuid']);
    expect(dpma).to.include({ name: 'test dpma', detail: 'test dpma dpma', on_error: 'hangup', tm_update: null });
    expect(dpma.uuid).to.not.equal(unknownUuid);
    const uuid = dpma.uuid as string;
    expect(resultOf(await jade.get(`/v1/dp/dpmas/${uuid}`))).to.deep.equal(dpma);
    expect(listOf(await jade.get('/v1/dp/dpmas')).map((d) => d.uuid)).to.include(uuid);
    const put = await jade.put(`/v1/dp/dpmas/${uuid}`, { name: 'renamed', on_error: 'continue', uuid: unknownUuid });
    expect(put.status, put.text).to.equal(200);
    expect(resultOf(put)).to.include({ uuid, name: 'renamed', detail: 'test dpma dpma', on_error: 'continue' });
    expect(resultOf(put).tm_update).to.be.a('string');
    expect((await jade.get(`/v1/dp/dpmas/${unknownUuid}`)).status).to.equal(404);
    const deleted = await jade.delete(`/v1/dp/dpmas/${uuid}`);
    expect(deleted.status, deleted.text).to.equal(200);
    expect((await jade.get(`/v1/dp/dpmas/${uuid}`)).status).to.equal(404);
    expect((await jade.delete(`/v1/dp/dpmas/${uuid}`)).status).to.equal(404);
    expect((await jade.put(`/v1/dp/dpmas/${uuid}`, { name: 'x' })).status).to.equal(404);
    expect(listOf(await jade.get('/v1/dp/dpmas')).map((d) => d.uuid)).to.not.include(uuid);
  });

  it('dpma 400: wrong types and an unknown on_error name the field', async () => {
    for (const [body, field] of [[{ name: 7 }, 'name'], [{ detail: true }, 'detail'], [{ on_error: 'retry' }, 'on_error']] as const) {
      const answer = await jade.post('/v1/dp/dpmas', body);
      expect(answer.status, JSON.stringify(body)).to.equal(400);
      expect(fieldsOf(answer), JSON.stringify(body)).to.deep.equal([field]);
    }
  });

  it('dialplan CRUD with 400s; a dpma with steps is 409 to delete; a step DELETE is hard', async () => {
    const dpma = resultOf(await jade.post('/v1/dp/dpmas', { name: 'steps' })).uuid as string;
    const created = await jade.post('/v1/dp/dialplans', { name: 'answer', dpma_uuid: dpma, sequence: 1, command: 'ANSWER' });
    expect(created.status, created.text).to.equal(200);
    const step = resultOf(created);
    expect(Object.keys(step).sort()).to.deep.equal(['command', 'detail', 'dpma_uuid', 'name', 'sequence', 'tm_create', 'tm_update', 'uuid']);
    expect(step).to.include({ dpma_uuid: dpma, sequence: 1, name: 'answer', detail: null, command: 'ANSWER', tm_update: null });
    const uuid = step.uuid as string;
    expect(resultOf(await jade.get(`/v1/dp/dialplans/${uuid}`))).to.deep.equal(step);

    const bad: [unknown, string][] = [
      [{ dpma_uuid: dpma }, 'sequence'],
      [{ sequence: 1 }, 'dpma_uuid'],
      [{ dpma_uuid: dpma, sequence: 1.5 }, 'sequence'],
      [{ dpma_uuid: dpma, sequence: '1' }, 'sequence'],
      [{ dpma_uuid: 'nope', sequence: 1 }, 'dpma_uuid'],
      [{ dpma_uuid: unknownUuid, sequence: 1 }, 'dpma_uuid'],
      [{ dpma_uuid: dpma, sequence: 1, command: 'EXEC Playback beep\r\nAction: Logoff' }, 'command'],
      [{ dpma_uuid: dpma, sequence: 1, command: 'EXEC Playback beep\n' }, 'command'],
      [{ dpma_uuid: dpma, sequence: 1, command: 'EXEC\0' }, 'command'],
      [{ dpma_uuid: dpma, sequence: 1, name: 3 }, 'name'],
    ];
    for (const [body, field] of bad) {
      const answer = await jade.post('/v1/dp/dialplans', body);
      expect(answer.status, JSON.stringify(body)).to.equal(400);
      expect(fieldsOf(answer), JSON.stringify(body)).to.deep.equal([field]);
    }
    const badPut = await jade.put(`/v1/dp/dialplans/${uuid}`, { command: 'HANGUP\r' });
    expect(badPut.status).to.equal(400);
    expect(fieldsOf(badPut)).to.deep.equal(['command']);
    const movedAway = await jade.put(`/v1/dp/dialplans/${uuid}`, { dpma_uuid: unknownUuid });
    expect(movedAway.status).to.equal(400);
    expect(fieldsOf(movedAway)).to.deep.equal(['dpma_uuid']);

    const put = await jade.put(`/v1/dp/dialplans/${uuid}`, { uuid: unknownUuid, sequence: 10, command: 'EXEC Playback beep' });
    expect(put.status, put.text).to.equal(200);
    expect(resultOf(put)).to.include({ uuid, dpma_uuid: dpma, sequence: 10, name: 'answer', command: 'EXEC Playback beep' });

    const refused = await jade.delete(`/v1/dp/dpmas/${dpma}`);
    expect(refused.status, refused.text).to.equal(409);
    expect((await jade.get(`/v1/dp/dpmas/${dpma}`)).status).to.equal(200);

    expect((await jade.delete(`/v1/dp/dialplans/${uuid}`)).status).to.equal(200);
    expect((await jade.get(`/v1/dp/dialplans/${uuid}`)).status).to.equal(404);
    expect((await jade.delete(`/v1/dp/dialplans/${uuid}`)).status).to.equal(404);
    expect((await jade.put(`/v1/dp/dialplans/${uuid}`, { sequence: 2 })).status).to.equal(404);
    expect(jade.jade.readModels.sqlite.prepare('SELECT count(*) AS n FROM dp_dialplans WHERE uuid = ?').get(uuid)).to.deep.equal({ n: 0 });
    expect((await jade.delete(`/v1/dp/dpmas/${dpma}`)).status).to.equal(200);
    // A deleted dpma takes no steps.
    const late = await jade.post('/v1/dp/dialplans', { dpma_uuid: dpma, sequence: 1 });
    expect(late.status).to.equal(400);
    expect(fieldsOf(late)).to.deep.equal(['dpma_uuid']);
  });

  it('both URL families read and write the same objects', async () => {
    const adpma = await jade.post('/v1/admin/dialplan/adpmas', { name: 'admin dpma', detail: 'from admin' });
    expect(adpma.status, adpma.text).to.equal(200);
    const dpma = resultOf(adpma);
    const uuid = dpma.uuid as string;
    expect(resultOf(await jade.get(`/v1/dp/dpmas/${uuid}`))).to.deep.equal(dpma);
    expect(listOf(await jade.get('/v1/admin/dialplan/adpmas'))).to.deep.equal(listOf(await jade.get('/v1/dp/dpmas')));

    const adp = await jade.post('/v1/admin/dialplan/adps', { name: 'test_dialplan_1', dpma_uuid: uuid, sequence: 1 });
    expect(adp.status, adp.text).to.equal(200);
    const step = resultOf(adp).uuid as string;
    await jade.put(`/v1/dp/dialplans/${step}`, { command: 'EXEC Wait 1' });
    expect(resultOf(await jade.get(`/v1/admin/dialplan/adps/${step}`))).to.include({ command: 'EXEC Wait 1', dpma_uuid: uuid, sequence: 1 });
    expect(listOf(await jade.get('/v1/admin/dialplan/adps'))).to.deep.equal(listOf(await jade.get('/v1/dp/dialplans')));
    await jade.put(`/v1/admin/dialplan/adpmas/${uuid}`, { name: 'changed from admin' });
    expect(resultOf(await jade.get(`/v1/dp/dpmas/${uuid}`)).name).to.equal('changed from admin');
    expect((await jade.delete(`/v1/admin/dialplan/adpmas/${uuid}`)).status).to.equal(409);
    expect((await jade.delete(`/v1/admin/dialplan/adps/${step}`)).status).to.equal(200);
    expect((await jade.get(`/v1/dp/dialplans/${step}`)).status).to.equal(404);
    expect((await jade.get(`/v1/admin/dialplan/adps/${step}`)).status).to.equal(404);
    expect((await jade.delete(`/v1/dp/dpmas/${uuid}`)).status).to.equal(200);
    expect((await jade.get(`/v1/admin/dialplan/adpmas/${uuid}`)).status).to.equal(404);
  });

  it('roles: /dp for admin and manager, /admin/dialplan for admin only; a user token is 403 on both', async () => {
    const mine = await as('mia', 'post', '/v1/dp/dpmas', { name: 'manager dpma' });
    expect(mine.status, mine.text).to.equal(200);
    expect((await as('mia', 'get', '/v1/dp/dialplans')).status).to.equal(200);
    expect((await as('mia', 'get', '/v1/admin/dialplan/adpmas')).status).to.equal(403);
    for (const [method, path] of [['get', '/v1/dp/dpmas'], ['post', '/v1/dp/dialplans'], ['get', '/v1/admin/dialplan/adps'], ['post', '/v1/admin/dialplan/adpmas']] as const) {
      expect((await as('ann', method, path, method === 'post' ? { name: 'x' } : undefined)).status, `${method} ${path}`).to.equal(403);
    }
    expect((await jade.http.get('/v1/dp/dpmas')).status).to.equal(401);
  });

  it('getDpmaScript: steps by sequence then uuid; version moves with the dpma and its steps; rebuild equals live', async () => {
    const { db, sqlite } = jade.jade.readModels;
    const dpma = resultOf(await jade.post('/v1/dp/dpmas', { name: 'script' })).uuid as string;
    const first = await getDpmaScript(db, dpma);
    expect(first?.steps).to.deep.equal([]);
    const add = async (sequence: number, command: string) => resultOf(await jade.post('/v1/dp/dialplans', { dpma_uuid: dpma, sequence, command }));
    const c = await add(30, 'HANGUP');
    const a = await add(10, 'ANSWER');
    const b1 = await add(20, 'EXEC Playback beep');
    const b2 = await add(20, 'EXEC Wait 1');
    const script = await getDpmaScript(db, dpma);
    const [lo, hi] = [b1, b2].sort((x, y) => String(x.uuid).localeCompare(String(y.uuid)));
    expect(script?.steps.map((s) => s.uuid)).to.deep.equal([a.uuid, lo!.uuid, hi!.uuid, c.uuid]);
    expect(script?.steps[0]).to.deep.equal(a);
    expect(script?.dpma).to.deep.equal(resultOf(await jade.get(`/v1/dp/dpmas/${dpma}`)));
    expect(script!.version).to.be.greaterThan(first!.version);

    // Editing a step moves the version; so does moving a step out to another dpma (both dpmas).
    await jade.put(`/v1/dp/dialplans/${c.uuid as string}`, { command: 'EXEC Wait 2' });
    const edited = await getDpmaScript(db, dpma);
    expect(edited!.version).to.be.greaterThan(script!.version);
    const other = resultOf(await jade.post('/v1/dp/dpmas', { name: 'other' })).uuid as string;
    const otherBefore = (await getDpmaScript(db, other))!.version;
    await jade.put(`/v1/dp/dialplans/${c.uuid as string}`, { dpma_uuid: other });
    const moved = await getDpmaScript(db, dpma);
    expect(moved!.version).to.be.greaterThan(edited!.version);
    expect(moved!.steps.map((s) => s.uuid)).to.not.include(c.uuid);
    expect((await getDpmaScript(db, other))!.version).to.be.greaterThan(otherBefore);
    expect((await getDpmaScript(db, other))!.steps.map((s) => s.uuid)).to.deep.equal([c.uuid]);
    await jade.delete(`/v1/dp/dialplans/${a.uuid as string}`);
    expect((await getDpmaScript(db, dpma))!.version).to.be.greaterThan(moved!.version);
    expect(await getDpmaScript(db, unknownUuid)).to.equal(undefined);

    const dump = (): Record<string, unknown[]> => Object.fromEntries(['dp_dpmas', 'dp_dialplans'].map((t) => [t, sqlite.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
    const before = dump();
    expect(before.dp_dialplans).to.not.be.empty;
    const rebuilt = await jade.post('/v1/admin/projections/rebuild', { name: 'dialplans' });
    expect(rebuilt.status, rebuilt.text).to.equal(200);
    expect(dump()).to.deep.equal(before);
  });
});
