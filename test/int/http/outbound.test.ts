import { expect } from 'chai';
import { ObResourceCommands } from '../../../src/outbound/commands.js';
import { obStreams } from '../../../src/events/index.js';
import { createReadModelSync } from '../../../src/readmodels/sync.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';
import type { TestResponse } from '../../support/http.js';

/**
 * The outbound resources over a real listening jade (no Asterisk: these commands never reach it).
 * Bodies and expectations are the catalog's (50-outbound §6-8) unless a test says otherwise.
 */

type Json = Record<string, unknown>;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;
const UNKNOWN = '0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b';

function ok(response: TestResponse): Json {
  expect(response.status, response.text).to.equal(200);
  expect(response.body?.statuscode).to.equal(200);
  return response.body?.result as Json;
}

function refused(response: TestResponse, status: number, message?: RegExp): string {
  expect(response.status, response.text).to.equal(status);
  expect(response.body?.error?.code).to.equal(status);
  expect(response.body).to.not.have.property('result');
  const text = response.body?.error?.message ?? '';
  if (message) expect(text).to.match(message);
  return text;
}

const list = (response: TestResponse): Json[] => (ok(response).list as Json[]) ?? [];

describe('outbound resources over HTTP', function () {
  this.timeout(20_000);
  let jade: RunningJade;

  before(async () => {
    jade = await startTestJade(undefined);
  });
  after(async () => {
    await jade.stop();
  });

  const create = async (path: string, body: Json): Promise<Json> => ok(await jade.post(path, body));

  describe('the basic tutorial, as written, with Local channels (catalog §8 scenario A)', () => {
    it('creates plan, destination, dlma, entry and campaign, and starts the campaign', async () => {
      const plan = await create('/plans', { name: 'basic tutorial plan', detail: 'test plan for basic tutorial', tech_name: 'Local', dial_mode: 1 });
      expect(plan.uuid).to.match(uuidPattern);
      expect(plan).to.include({ dial_mode: 1, tech_name: 'Local', dial_timeout: 30000, dl_end_handle: 1, retry_delay: 60, service_level: 0, in_use: 1, tm_update: null });
      for (let i = 1; i <= 8; i += 1) expect(plan[`max_retry_cnt_${i}`]).to.equal(5);

      const dest = await create('/destinations', { name: 'basic tutorial destination', detail: 'test pln for basic tutorial', type: 1, application: 'park' });
      expect(dest).to.include({ type: 1, application: 'park', data: null, context: null, exten: null, priority: null });

      const dlma = await create('/dlmas', { name: 'basic tutorial dlma', detail: 'test dlma for basic tutorial' });
      expect(dlma.dl_table).to.equal(String(dlma.uuid).replace(/-/g, '_'));

      const dl = await create('/dls', { dlma_uuid: dlma.uuid, name: 'basic tutorial test customer 1', detail: 'test customer for basic tutorial', number_1: '300' });
      expect(dl).to.include({ status: 0, res_dial: 0, res_hangup: 0, dialing_uuid: null, dialing_camp_uuid: null, dialing_plan_uuid: null });
      for (let i = 1; i <= 8; i += 1) expect(dl[`trycnt_${i}`]).to.equal(0);
      for (let i = 2; i <= 8; i += 1) expect(dl[`number_${i}`]).to.equal(null);

      const campaign = await create('/campaigns', {
        name: 'basic tutorial campaign',
        detail: 'test campaign for basic tutorial',
        plan: plan.uuid,
        dest: dest.uuid,
        dlma: dlma.uuid,
      });
      expect(campaign).to.include({ status: 0, sc_mode: 0, next_campaign: null, plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid });

      const started = ok(await jade.put(`/campaigns/${String(campaign.uuid)}`, { status: 1 }));
      expect(started.status).to.equal(1);
      expect(started.tm_update).to.match(timestampPattern);
      // Read your writes: the same object under /v1/ob right away.
      expect(ok(await jade.get(`/v1/ob/campaigns/${String(campaign.uuid)}`))).to.deep.equal(started);
    });

    it('records each object in its own stream, by whom, with the start as CampaignStatusChanged', async () => {
      const campaign = list(await jade.get('/ob/campaigns')).find((c) => c.name === 'basic tutorial campaign')!;
      const events = await jade.jade.store.readStream(obStreams.campaign(String(campaign.uuid)));
      expect(events.map((event) => event.type)).to.deep.equal(['CampaignCreated', 'CampaignStatusChanged']);
      expect(events[1]!.data).to.include({ status: 1, previous: 0, reason: 'request' });
      const admin = jade.jade.auth.verifyToken(jade.token);
      expect(admin?.username).to.equal('admin');
      expect(events[1]!.metadata).to.include({ userId: admin?.uuid });
      expect(events[1]!.metadata.commandId).to.match(uuidPattern);
    });
  });

  it('runs the normal call distribute tutorial’s resources with a queue destination (scenario B)', async () => {
    const plan = await create('/ob/plans', { name: 'normal call distribute plan', detail: 'test plan for normal call distribute', tech_name: 'Local', dial_mode: 1 });
    const dest = await create('/ob/destinations', {
      name: 'normal call distribute destination',
      detail: 'test pln for normal call distribute',
      type: 1,
      application: 'queue',
      data: 'sales_1',
    });
    expect(dest).to.include({ application: 'queue', data: 'sales_1' });
    const dlma = await create('/ob/dlmas', { name: 'normal call distribute dlma', detail: 'test dlma for normal call distribute' });
    await create('/ob/dls', { dlma_uuid: dlma.uuid, name: 'normal call distribute test customer 1', detail: 'test customer for normal call distribute', number_1: '300' });
    const campaign = await create('/ob/campaigns', { name: 'normal call distribute campaign', plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid });
    expect(ok(await jade.put(`/ob/campaigns/${String(campaign.uuid)}`, { status: 1 })).status).to.equal(1);
  });

  describe('plans', () => {
    it('creates the catalog example with every default, lists, gets and updates it', async () => {
      const plan = await create('/v1/ob/plans', { name: 'Test plan create', variables: { plan_key_1: 'plean_val_1' } });
      expect(Object.keys(plan)).to.deep.equal([
        'uuid', 'name', 'detail', 'tech_name', 'trunk_name', 'dial_mode', 'dial_timeout', 'dl_end_handle', 'retry_delay', 'caller_id',
        'service_level', 'early_media', 'codecs', 'variables', 'max_retry_cnt_1', 'max_retry_cnt_2', 'max_retry_cnt_3', 'max_retry_cnt_4',
        'max_retry_cnt_5', 'max_retry_cnt_6', 'max_retry_cnt_7', 'max_retry_cnt_8', 'in_use', 'tm_create', 'tm_update', 'tm_delete',
      ]);
      expect(plan).to.deep.include({
        name: 'Test plan create',
        detail: null,
        tech_name: 'SIP',
        trunk_name: null,
        dial_mode: 0,
        dial_timeout: 30000,
        dl_end_handle: 1,
        retry_delay: 60,
        caller_id: null,
        service_level: 0,
        early_media: null,
        codecs: null,
        variables: { plan_key_1: 'plean_val_1' },
        in_use: 1,
        tm_update: null,
        tm_delete: null,
      });
      expect(plan.tm_create).to.match(timestampPattern);
      expect(list(await jade.get('/v1/ob/plans')).map((p) => p.uuid)).to.include(plan.uuid);
      expect(ok(await jade.get(`/v1/ob/plans/${String(plan.uuid)}`))).to.deep.equal(plan);

      const updated = ok(await jade.put(`/v1/ob/plans/${String(plan.uuid)}`, { name: 'update plan name' }));
      expect(updated).to.deep.include({ name: 'update plan name', variables: { plan_key_1: 'plean_val_1' }, tm_create: plan.tm_create });
      expect(updated.tm_update).to.match(timestampPattern);
    });

    it('soft-deletes: the answer has in_use 0 and tm_delete; then it vanishes from list and get, and cannot be updated', async () => {
      const plan = await create('/ob/plans', { name: 'to delete' });
      const deleted = ok(await jade.delete(`/ob/plans/${String(plan.uuid)}`));
      expect(deleted).to.include({ uuid: plan.uuid, in_use: 0, name: 'to delete' });
      expect(deleted.tm_delete).to.match(timestampPattern);
      refused(await jade.get(`/ob/plans/${String(plan.uuid)}`), 404);
      expect(list(await jade.get('/ob/plans')).map((p) => p.uuid)).to.not.include(plan.uuid);
      refused(await jade.put(`/ob/plans/${String(plan.uuid)}`, { name: 'again' }), 404);
      refused(await jade.delete(`/ob/plans/${String(plan.uuid)}`), 404);
    });

    it('keeps a plan a campaign references unless force=1, which clears the campaign’s reference (catalog §2.2, §8)', async () => {
      const plan = await create('/ob/plans', { name: 'referenced', dial_mode: 1 });
      const campaign = await create('/ob/campaigns', { plan: plan.uuid });
      refused(await jade.delete(`/ob/plans/${String(plan.uuid)}`), 400, new RegExp(`referenced by campaign ${String(campaign.uuid)}.*force=1`));
      expect(ok(await jade.get(`/ob/plans/${String(plan.uuid)}`)).in_use).to.equal(1);
      expect(ok(await jade.delete(`/ob/plans/${String(plan.uuid)}?force=1`)).in_use).to.equal(0);
      const after = ok(await jade.get(`/ob/campaigns/${String(campaign.uuid)}`));
      expect(after.plan).to.equal(null);
      expect(after.in_use).to.equal(1);
    });

    it('answers 400 naming the field for wrong types, bad codes and values that would inject AMI headers', async () => {
      refused(await jade.post('/ob/plans', { dial_mode: '1' }), 400, /^dial_mode: Expected number, received string/);
      refused(await jade.post('/ob/plans', { dial_mode: 2 }), 400, /^dial_mode: must be one of 0, 1/);
      refused(await jade.post('/ob/plans', { dial_timeout: 1.5 }), 400, /^dial_timeout:/);
      refused(await jade.post('/ob/plans', { max_retry_cnt_3: -1 }), 400, /^max_retry_cnt_3:/);
      refused(await jade.post('/ob/plans', { tech_name: 'Local\r\nAction: Hangup' }), 400, /^tech_name: must not contain CR, LF or NUL/);
      refused(await jade.post('/ob/plans', { tech_name: 'Local/x' }), 400, /^tech_name: must be a channel technology name/);
      refused(await jade.post('/ob/plans', { trunk_name: 'ctx\n' }), 400, /^trunk_name: must not contain CR, LF or NUL/);
      refused(await jade.post('/ob/plans', { caller_id: 'a\0b' }), 400, /^caller_id: must not contain CR, LF or NUL/);
      refused(await jade.post('/ob/plans', { codecs: 'ulaw\r' }), 400, /^codecs:/);
      refused(await jade.post('/ob/plans', { variables: { k: 'v\r\nAction: Originate' } }), 400, /^variables\.k: must not contain CR, LF or NUL/);
      refused(await jade.post('/ob/plans', { variables: { 'a=b': 'v' } }), 400, /^variables\.a=b: variable names/);
      refused(await jade.post('/ob/plans', { variables: { k: 1 } }), 400, /^variables\.k: Expected string/);
      refused(await jade.post('/ob/plans', '{"name":'), 400, /not valid JSON/);
      const created = await create('/ob/plans', { early_media: true, tech_name: 'PJSIP', trunk_name: '', uuid: UNKNOWN, in_use: 0 });
      // A client may send back what it read: read-only fields are ignored.
      expect(created).to.include({ early_media: 'true', tech_name: 'PJSIP', trunk_name: '', in_use: 1 });
      expect(created.uuid).to.not.equal(UNKNOWN);
    });
  });

  describe('destinations', () => {
    it('creates the catalog example of POST {}, updates and deletes it', async () => {
      const dest = await create('/ob/destinations', {});
      expect(dest).to.deep.include({ name: null, detail: null, type: 0, application: null, data: null, context: null, exten: null, priority: null, variables: null, in_use: 1 });
      const updated = ok(await jade.put(`/ob/destinations/${String(dest.uuid)}`, { name: 'new updated name', context: 'agents', exten: '100', priority: 1 }));
      expect(updated).to.include({ name: 'new updated name', context: 'agents', exten: '100', priority: '1' });
      expect(list(await jade.get('/ob/destinations')).map((d) => d.uuid)).to.include(dest.uuid);
      expect(ok(await jade.delete(`/ob/destinations/${String(dest.uuid)}?force=0`)).in_use).to.equal(0);
      refused(await jade.get(`/ob/destinations/${String(dest.uuid)}`), 404);
    });

    it('refuses values Asterisk would receive with CR/LF, naming the field', async () => {
      refused(await jade.post('/ob/destinations', { type: 1, application: 'queue', data: 'sales_1\r\nAction: Logoff' }), 400, /^data:/);
      refused(await jade.post('/ob/destinations', { context: 'a\nb' }), 400, /^context:/);
      refused(await jade.post('/ob/destinations', { exten: 'a\rb' }), 400, /^exten:/);
      refused(await jade.post('/ob/destinations', { application: 'Park\0' }), 400, /^application:/);
      refused(await jade.post('/ob/destinations', { type: 3 }), 400, /^type: must be one of 0, 1/);
    });

    it('needs force to delete a destination a campaign uses', async () => {
      const dest = await create('/ob/destinations', { type: 1, application: 'park' });
      const campaign = await create('/ob/campaigns', { dest: dest.uuid });
      refused(await jade.delete(`/ob/destinations/${String(dest.uuid)}`), 400, /force=1/);
      ok(await jade.delete(`/ob/destinations/${String(dest.uuid)}?force=1`));
      expect(ok(await jade.get(`/ob/campaigns/${String(campaign.uuid)}`)).dest).to.equal(null);
    });
  });

  describe('dlmas and dial list entries', () => {
    it('creates the dlma example, updates its detail, and lists it', async () => {
      const dlma = await create('/ob/dlmas', { name: 'test dlma' });
      expect(dlma).to.deep.include({ name: 'test dlma', detail: null, variables: null, in_use: 1, tm_update: null, tm_delete: null });
      expect(dlma.dl_table).to.equal(String(dlma.uuid).replace(/-/g, '_'));
      expect(ok(await jade.put(`/ob/dlmas/${String(dlma.uuid)}`, { detail: 'update dlma detail info.' })).detail).to.equal('update dlma detail info.');
      expect(list(await jade.get('/ob/dlmas')).map((m) => m.uuid)).to.include(dlma.uuid);
    });

    it('creates, lists (by dlma, count), gets, updates and deletes entries', async () => {
      const dlma = await create('/ob/dlmas', { name: 'entries' });
      const dl = await create('/ob/dls', {
        dlma_uuid: dlma.uuid,
        name: 'sample dial list',
        detail: 'dial list sample detail',
        number_1: '300',
        number_2: '301',
        email: 'customer@example.com',
        ukey: 'customer-1',
        resv_target: '400',
        variables: { 'dl key1': 'dl val1' },
      });
      expect(dl).to.deep.include({ dlma_uuid: dlma.uuid, number_1: '300', number_2: '301', email: 'customer@example.com', ukey: 'customer-1', resv_target: '400' });
      expect(dl).to.deep.include({ variables: { 'dl key1': 'dl val1' }, status: 0, res_dial_detail: null, tm_last_dial: null, tm_last_hangup: null });
      await create('/ob/dls', { dlma_uuid: dlma.uuid, number_1: '302' });
      await create('/ob/dls', { dlma_uuid: dlma.uuid, number_1: '303' });

      expect(list(await jade.get(`/ob/dls?dlma_uuid=${String(dlma.uuid)}`)).map((e) => e.number_1)).to.deep.equal(['300', '302', '303']);
      expect(list(await jade.get(`/ob/dls?dlma_uuid=${String(dlma.uuid)}&count=2`))).to.have.length(2);
      expect(ok(await jade.get(`/ob/dls/${String(dl.uuid)}`))).to.deep.equal(dl);

      const updated = ok(await jade.put(`/ob/dls/${String(dl.uuid)}`, { detail: 'Updated test customer detail' }));
      expect(updated.detail).to.equal('Updated test customer detail');
      expect(updated.tm_update).to.match(timestampPattern);
      // An operator resets a customer for redialing (catalog §7.8).
      const reset = ok(
        await jade.put(`/ob/dls/${String(dl.uuid)}`, { trycnt_1: 3, res_dial: 5, res_dial_detail: 'Remote end is busy', tm_last_hangup: '2026-01-01T00:00:00Z', number_2: null }),
      );
      expect(reset).to.include({ trycnt_1: 3, res_dial: 5, res_dial_detail: 'Remote end is busy', tm_last_hangup: '2026-01-01T00:00:00.000000000Z', number_2: null });

      expect(ok(await jade.delete(`/ob/dls/${String(dl.uuid)}`)).in_use).to.equal(0);
      refused(await jade.get(`/ob/dls/${String(dl.uuid)}`), 404);
      expect(list(await jade.get(`/ob/dls?dlma_uuid=${String(dlma.uuid)}`))).to.have.length(2);
    });

    it('rejects entries whose numbers or variables would inject AMI headers, naming the field', async () => {
      const dlma = await create('/ob/dlmas', {});
      refused(await jade.post('/ob/dls', { dlma_uuid: dlma.uuid, number_3: '300\r\nAction: Originate' }), 400, /^number_3: must not contain CR, LF or NUL/);
      refused(await jade.post('/ob/dls', { dlma_uuid: dlma.uuid, number_1: '' }), 400, /^number_1: must not be empty/);
      refused(await jade.post('/ob/dls', { dlma_uuid: dlma.uuid, variables: { x: 'a\nb' } }), 400, /^variables\.x:/);
      refused(await jade.post('/ob/dls', { dlma_uuid: dlma.uuid, resv_target: '1\r' }), 400, /^resv_target:/);
      refused(await jade.post('/ob/dls', { dlma_uuid: dlma.uuid, number_1: 300 }), 400, /^number_1: Expected string, received number/);
      refused(await jade.post('/ob/dls', { dlma_uuid: dlma.uuid, status: 7 }), 400, /^status: must be one of 0, 1, 2/);
      const dl = await create('/ob/dls', { dlma_uuid: dlma.uuid, number_1: '300' });
      refused(await jade.put(`/ob/dls/${String(dl.uuid)}`, { number_1: 'x\ny' }), 400, /^number_1:/);
      refused(await jade.put(`/ob/dls/${String(dl.uuid)}`, { tm_last_dial: 'yesterday' }), 400, /^tm_last_dial: must be a timestamp/);
      refused(await jade.put(`/ob/dls/${String(dl.uuid)}`, { trycnt_1: -1 }), 400, /^trycnt_1:/);
    });

    it('needs an existing dlma: dlma_uuid required on create and on list; unknown is 400 on create, 404 on list', async () => {
      refused(await jade.post('/ob/dls', { number_1: '300' }), 400, /^dlma_uuid is required/);
      refused(await jade.post('/ob/dls', { dlma_uuid: UNKNOWN, number_1: '300' }), 400, /^dlma_uuid: no dlma/);
      refused(await jade.post('/ob/dls', { dlma_uuid: 'not-a-uuid' }), 400, /^dlma_uuid: must be a uuid/);
      refused(await jade.get('/ob/dls'), 400, /^dlma_uuid is required/);
      refused(await jade.get(`/ob/dls?dlma_uuid=${UNKNOWN}`), 404);
      const dlma = await create('/ob/dlmas', {});
      refused(await jade.get(`/ob/dls?dlma_uuid=${String(dlma.uuid)}&count=0`), 400, /^count:/);
      const dl = await create('/ob/dls', { dlma_uuid: dlma.uuid });
      refused(await jade.put(`/ob/dls/${String(dl.uuid)}`, { dlma_uuid: UNKNOWN }), 400, /^dlma_uuid: no dlma/);
    });

    it('deletes a dlma with entries only with delete_dls=1, and one a campaign uses only with force=1 (catalog §7.6, §8)', async () => {
      const dlma = await create('/ob/dlmas', { name: 'with entries' });
      const first = await create('/ob/dls', { dlma_uuid: dlma.uuid, number_1: '300' });
      await create('/ob/dls', { dlma_uuid: dlma.uuid, number_1: '301' });
      const campaign = await create('/ob/campaigns', { dlma: dlma.uuid });

      refused(await jade.delete(`/ob/dlmas/${String(dlma.uuid)}`), 400);
      refused(await jade.delete(`/ob/dlmas/${String(dlma.uuid)}?force=1`), 400, /delete_dls=1/);
      refused(await jade.delete(`/ob/dlmas/${String(dlma.uuid)}?delete_dls=1`), 400, /force=1/);
      // Refusals change nothing.
      expect(list(await jade.get(`/ob/dls?dlma_uuid=${String(dlma.uuid)}`))).to.have.length(2);
      expect(ok(await jade.get(`/ob/campaigns/${String(campaign.uuid)}`)).dlma).to.equal(dlma.uuid);

      const deleted = ok(await jade.delete(`/ob/dlmas/${String(dlma.uuid)}?delete_dls=1&force=1`));
      expect(deleted).to.include({ in_use: 0 });
      refused(await jade.get(`/ob/dlmas/${String(dlma.uuid)}`), 404);
      refused(await jade.get(`/ob/dls/${String(first.uuid)}`), 404);
      expect(ok(await jade.get(`/ob/campaigns/${String(campaign.uuid)}`)).dlma).to.equal(null);
      const dlEvents = await jade.jade.store.readStream(obStreams.dl(String(first.uuid)));
      expect(dlEvents.map((event) => event.type)).to.deep.equal(['DlCreated', 'DlDeleted']);
      expect(dlEvents[1]!.data).to.include({ cause: 'dlma_deleted' });
    });

    it('protects an entry a dialing holds: status change and delete are 409; force=1 deletes it and names the dialing to hang up', async () => {
      // The dialer's own path on the same store (it does not exist yet; its decisions are these).
      const dialer = new ObResourceCommands({
        store: jade.jade.store,
        db: jade.jade.readModels.db,
        readModels: createReadModelSync(jade.jade.runner),
        settleTimeoutMs: 5000,
      });
      const dlma = await create('/ob/dlmas', {});
      const dl = await create('/ob/dls', { dlma_uuid: dlma.uuid, number_1: '300' });
      const dialing = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
      const taken = await dialer.startDlDialing(dialer.context({ uuid: 'dialer', username: 'dialer' }), {
        uuid: String(dl.uuid),
        dialing_uuid: dialing,
        campaign_uuid: UNKNOWN,
        plan_uuid: UNKNOWN,
        dial_index: 1,
        now: '2026-01-01T00:00:00.000000000Z',
      });
      await jade.jade.runner.waitForPosition(taken.position!, 5000);
      expect(ok(await jade.get(`/ob/dls/${String(dl.uuid)}`))).to.include({ status: 1, trycnt_1: 1, dialing_uuid: dialing });

      refused(await jade.put(`/ob/dls/${String(dl.uuid)}`, { status: 0 }), 409, /being dialed/);
      refused(await jade.delete(`/ob/dls/${String(dl.uuid)}`), 409, /force=1/);
      refused(await jade.delete(`/ob/dlmas/${String(dlma.uuid)}?delete_dls=1`), 409, /being dialed/);
      expect(ok(await jade.delete(`/ob/dls/${String(dl.uuid)}?force=1`))).to.include({ in_use: 0, dialing_uuid: dialing });
      const events = await jade.jade.store.readStream(obStreams.dl(String(dl.uuid)));
      expect(events[events.length - 1]).to.deep.include({ type: 'DlDeleted', data: { uuid: dl.uuid, tm_delete: events[events.length - 1]!.data.tm_delete, force: true, dialing_uuid: dialing, cause: 'request' } });
    });

    it('answers 400 for a bad force or delete_dls value', async () => {
      const dlma = await create('/ob/dlmas', {});
      refused(await jade.delete(`/ob/dlmas/${String(dlma.uuid)}?force=yes`), 400, /^force: must be 0 or 1/);
      refused(await jade.delete(`/ob/dlmas/${String(dlma.uuid)}?delete_dls=2`), 400, /^delete_dls: must be 0 or 1/);
    });
  });

  describe('campaigns', () => {
    it('creates the catalog example of POST {} and lists full objects', async () => {
      const campaign = await create('/ob/campaigns', {});
      expect(campaign).to.deep.include({
        name: null,
        detail: null,
        status: 0,
        plan: null,
        dlma: null,
        dest: null,
        variables: null,
        next_campaign: null,
        sc_mode: 0,
        sc_time_start: null,
        sc_day_list: null,
        in_use: 1,
        tm_update: null,
        tm_delete: null,
      });
      const listed = list(await jade.get('/ob/campaigns')).find((c) => c.uuid === campaign.uuid);
      expect(listed).to.deep.equal(campaign);
    });

    it('updates with PUT, also under the singular /ob/campaign/<uuid> of the manual’s Call lines', async () => {
      const campaign = await create('/ob/campaigns', {});
      expect(ok(await jade.put(`/ob/campaigns/${String(campaign.uuid)}`, { name: 'Update campaign info' })).name).to.equal('Update campaign info');
      expect(ok(await jade.get(`/ob/campaign/${String(campaign.uuid)}`)).name).to.equal('Update campaign info');
    });

    it('refuses to start without plan, destination and dlma, and with a plan whose dial_mode is 0 (catalog §7.12: 400)', async () => {
      const campaign = await create('/ob/campaigns', { name: 'incomplete' });
      refused(await jade.put(`/ob/campaigns/${String(campaign.uuid)}`, { status: 1 }), 400, /^status: .*cannot start: plan is not set; dest is not set; dlma is not set/);
      const plan = await create('/ob/plans', {});
      const dest = await create('/ob/destinations', { type: 1, application: 'park' });
      const dlma = await create('/ob/dlmas', {});
      refused(
        await jade.put(`/ob/campaigns/${String(campaign.uuid)}`, { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid, status: 1 }),
        400,
        /dial_mode 0/,
      );
      // The refused request changed nothing, not even its field changes.
      expect(ok(await jade.get(`/ob/campaigns/${String(campaign.uuid)}`))).to.include({ status: 0, plan: null });
      ok(await jade.put(`/ob/plans/${String(plan.uuid)}`, { dial_mode: 1 }));
      const started = ok(await jade.put(`/ob/campaigns/${String(campaign.uuid)}`, { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid, status: 1 }));
      expect(started).to.include({ status: 1, plan: plan.uuid });
    });

    it('refuses a running campaign’s delete; pause, stop, then delete', async () => {
      const plan = await create('/ob/plans', { dial_mode: 1 });
      const dest = await create('/ob/destinations', {});
      const dlma = await create('/ob/dlmas', {});
      const campaign = await create('/ob/campaigns', { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid, status: 1 });
      expect(campaign.status).to.equal(1);
      refused(await jade.delete(`/ob/campaigns/${String(campaign.uuid)}`), 400, /stop it/);
      expect(ok(await jade.put(`/ob/campaigns/${String(campaign.uuid)}`, { status: 2 })).status).to.equal(2);
      expect(ok(await jade.put(`/ob/campaigns/${String(campaign.uuid)}`, { status: 0 })).status).to.equal(0);
      const deleted = ok(await jade.delete(`/ob/campaign/${String(campaign.uuid)}`));
      expect(deleted).to.include({ in_use: 0 });
      expect(deleted.tm_delete).to.match(timestampPattern);
      refused(await jade.get(`/ob/campaigns/${String(campaign.uuid)}`), 404);
    });

    it('refuses references to objects that do not exist, and unknown statuses, naming the field', async () => {
      refused(await jade.post('/ob/campaigns', { plan: UNKNOWN }), 400, /^plan: no plan/);
      refused(await jade.post('/ob/campaigns', { dlma: UNKNOWN }), 400, /^dlma: no dlma/);
      refused(await jade.post('/ob/campaigns', { next_campaign: UNKNOWN }), 400, /^next_campaign: no campaign/);
      refused(await jade.post('/ob/campaigns', { dest: 'x' }), 400, /^dest: must be a uuid/);
      refused(await jade.post('/ob/campaigns', { status: 11 }), 400, /^status: must be one of 0, 1, 2, 30/);
      refused(await jade.post('/ob/campaigns', { variables: { k: 'v\r\n' } }), 400, /^variables\.k:/);
    });

    it('validates the schedule fields (catalog §2.6), storing an empty one as null', async () => {
      refused(await jade.post('/ob/campaigns', { sc_time_start: '25:00:00' }), 400, /^sc_time_start: must be hh:mm:ss/);
      refused(await jade.post('/ob/campaigns', { sc_date_end: '2016-02-30' }), 400, /^sc_date_end: must be a date/);
      refused(await jade.post('/ob/campaigns', { sc_date_list: '2016-11-16, 16-11-17' }), 400, /^sc_date_list:/);
      refused(await jade.post('/ob/campaigns', { sc_day_list: '0, 7' }), 400, /^sc_day_list:/);
      refused(await jade.post('/ob/campaigns', { sc_timezone: 'Mars/Olympus' }), 400, /^sc_timezone:/);
      refused(await jade.post('/ob/campaigns', { sc_mode: 2 }), 400, /^sc_mode:/);
      const scheduled = await create('/ob/campaigns', {
        sc_mode: 1,
        sc_time_start: '15:00:00',
        sc_time_end: '18:00:00',
        sc_date_start: '2016-11-17',
        sc_date_end: '',
        sc_date_list: '2016-11-16, 2016-11-17, 2016-11-18',
        sc_date_list_except: '2016-11-18',
        sc_day_list: '0, 1, 3, 4',
        sc_timezone: 'Europe/Berlin',
      });
      expect(scheduled).to.include({ sc_mode: 1, sc_time_start: '15:00:00', sc_date_end: null, sc_day_list: '0, 1, 3, 4', sc_timezone: 'Europe/Berlin' });
    });

    it('clears next_campaign in the campaigns that chain to a deleted campaign', async () => {
      const next = await create('/ob/campaigns', { name: 'next' });
      const first = await create('/ob/campaigns', { name: 'first', next_campaign: next.uuid });
      ok(await jade.delete(`/ob/campaigns/${String(next.uuid)}`));
      expect(ok(await jade.get(`/ob/campaigns/${String(first.uuid)}`)).next_campaign).to.equal(null);
    });
  });

  describe('unknown objects and dialings', () => {
    for (const resource of ['plans', 'destinations', 'dlmas', 'dls', 'campaigns', 'dialings']) {
      it(`answers 404 for an unknown ${resource.slice(0, -1)}`, async () => {
        refused(await jade.get(`/ob/${resource}/${UNKNOWN}`), 404, new RegExp(UNKNOWN));
        if (resource === 'dialings') return;
        refused(await jade.put(`/ob/${resource}/${UNKNOWN}`, {}), 404);
        refused(await jade.delete(`/ob/${resource}/${UNKNOWN}`), 404);
      });
    }

    it('lists no dialings while nothing dials (the dialer creates them)', async () => {
      expect(list(await jade.get('/ob/dialings'))).to.deep.equal([]);
      expect(list(await jade.get('/dialings'))).to.deep.equal([]);
    });
  });

  describe('point in time', () => {
    it('reads a resource as it was at a log position (at=)', async () => {
      const plan = await create('/ob/plans', { name: 'before' });
      const position = await jade.jade.store.headPosition();
      ok(await jade.put(`/ob/plans/${String(plan.uuid)}`, { name: 'after' }));
      expect(ok(await jade.get(`/ob/plans/${String(plan.uuid)}`, { query: { at: String(position) } })).name).to.equal('before');
      expect(ok(await jade.get(`/ob/plans/${String(plan.uuid)}`)).name).to.equal('after');
    });
  });

  // Mocha runs a suite's own tests before its nested suites: in a suite of its own, this runs last, over everything above.
  describe('replay', () => {
    it('derives the same read models again from the log (rebuild changes nothing)', async () => {
      const result = await jade.jade.runner.rebuild(['ob_plans', 'ob_destinations', 'ob_dlmas', 'ob_dls', 'ob_campaigns']);
      expect(result.changes).to.equal(0);
      expect(result.events).to.be.greaterThan(50);
    });
  });
});
