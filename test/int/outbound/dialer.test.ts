import { expect } from 'chai';
import { getCampaign } from '../../../projections/ob-campaigns.js';
import { listDialings } from '../../../projections/ob-dialings.js';
import { getDl } from '../../../projections/ob-dls.js';
import type { CampaignFields, DestinationFields, PlanFields } from '../../../src/events/outbound.js';
import { obEventTypes } from '../../../src/events/outbound.js';
import type { CampaignObject, DlObject } from '../../../src/outbound/resources/index.js';
import { dialerHarness, type DialerHarness } from './dialer-harness.js';

/**
 * The dialer engine end to end over the memory store, the real projections and a simulated Asterisk playing
 * recorded traffic (dialer-harness.ts). Time is a fake clock: retry delays and timeouts are stepped over.
 */

interface Setup {
  readonly plan: string;
  readonly dest: string;
  readonly dlma: string;
  readonly dls: string[];
  readonly campaign: string;
}

async function setup(
  h: DialerHarness,
  entries: ReadonlyArray<Partial<Record<'number_1' | 'number_2', string>>>,
  fields: { plan?: Partial<PlanFields>; dest?: Partial<DestinationFields>; campaign?: Partial<CampaignFields>; start?: boolean } = {},
): Promise<Setup> {
  const plan = await h.resources.plans.create(h.ctx, { tech_name: 'Local', trunk_name: 'customers', dial_mode: 1, ...fields.plan });
  const dest = await h.resources.destinations.create(h.ctx, { type: 1, application: 'park', ...fields.dest });
  const dlma = await h.resources.dlmas.create(h.ctx, { name: 'list' });
  const dls: string[] = [];
  for (const entry of entries) dls.push((await h.resources.dls.create(h.ctx, { dlma_uuid: dlma.uuid, ...entry })).uuid);
  const campaign = await h.resources.campaigns.create(h.ctx, { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid, ...fields.campaign, ...(fields.start === false ? {} : { status: 1 }) });
  return { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid, dls, campaign: campaign.uuid };
}

const dl = async (h: DialerHarness, uuid: string): Promise<DlObject> => (await getDl(h.readModels.db, uuid))!;
const campaign = async (h: DialerHarness, uuid: string): Promise<CampaignObject> => (await getCampaign(h.readModels.db, uuid))!;

/** The campaign's status changes in log order, with reasons. */
async function statusHistory(h: DialerHarness, uuid: string): Promise<string[]> {
  const events = await h.store.readStream(`campaign-${uuid}`);
  return events.filter((e) => e.type === obEventTypes.campaignStatusChanged).map((e) => `${String(e.data.status)}:${String(e.data.reason)}`);
}

/** The campaign's status changes in log order: status, reason and when (the event's `tm_update`). */
async function statusChanges(h: DialerHarness, uuid: string): Promise<Array<{ status: unknown; reason: unknown; at: unknown }>> {
  const events = await h.store.readStream(`campaign-${uuid}`);
  return events.filter((e) => e.type === obEventTypes.campaignStatusChanged).map((e) => ({ status: e.data.status, reason: e.data.reason, at: e.data.tm_update }));
}

/** For each entry: never two dialings at once (started/ended alternate), from its stream. */
async function takesAlternate(h: DialerHarness, uuid: string): Promise<number> {
  const events = await h.store.readStream(`dl-${uuid}`);
  let held = false;
  let takes = 0;
  for (const event of events) {
    if (event.type === obEventTypes.dlDialingStarted) {
      expect(held, `dl ${uuid} taken while held`).to.equal(false);
      held = true;
      takes += 1;
    } else if (event.type === obEventTypes.dlDialingEnded) {
      held = false;
    }
  }
  return takes;
}

async function originates(h: DialerHarness): Promise<number> {
  return h.asterisk.actions.filter((a) => a.Action === 'Originate').length;
}

describe('outbound dialer engine (memory store, simulated Asterisk from recorded traffic)', function () {
  this.timeout(20_000);
  let h: DialerHarness;

  beforeEach(async () => {
    h = await dialerHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('runs the basic tutorial: dials Local/<n>@customers, lists the dialing, and on hangup finalises entry, result file and campaign', async () => {
    const s = await setup(h, [{ number_1: '1000' }]);
    await h.step();
    const [dialing] = await listDialings(h.readModels.db);
    expect(dialing).to.include({ uuid_camp: s.campaign, uuid_plan: s.plan, uuid_dest: s.dest, uuid_dlma: s.dlma, uuid_dl_list: s.dls[0], dial_addr: '1000', dial_channel: 'Local/1000@customers', dial_index: 1, dial_trycnt: 1, dial_application: 'park', status: 6, res_dial: 4 });
    expect(dialing?.channel).to.match(/^Local\/1000@customers-[0-9a-f]{8};1$/);
    const originate = h.asterisk.actions.find((a) => a.Action === 'Originate')!;
    expect(originate).to.include({ Channel: 'Local/1000@customers', ChannelId: dialing!.uuid, ActionID: dialing!.action_id, Application: 'park', Timeout: 30000 });
    expect(await dl(h, s.dls[0]!)).to.include({ status: 1, dialing_uuid: dialing!.uuid, dialing_camp_uuid: s.campaign, dialing_plan_uuid: s.plan, trycnt_1: 1 });

    // The Originate is an audited command: request and outcome under its action id.
    expect((await h.store.readStream(`command-${dialing!.action_id}`)).map((e) => e.type)).to.deep.equal(['OriginateRequested', 'OriginateSucceeded']);

    await h.asterisk.hangup(dialing!.uuid);
    await h.settle();
    expect(await listDialings(h.readModels.db)).to.deep.equal([]);
    const entry = await dl(h, s.dls[0]!);
    expect(entry).to.include({ status: 0, trycnt_1: 1, res_dial: 4, res_dial_detail: 'Remote end has answered', res_hangup: 16, res_hangup_detail: 'Normal Clearing', dialing_uuid: null, dialing_camp_uuid: null, dialing_plan_uuid: null });
    expect(entry.tm_last_dial).to.be.a('string');
    expect(entry.tm_last_hangup).to.be.a('string');
    const lines = h.resultLines();
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ uuid: dialing!.uuid, status: 7, res_dial: 4, res_hangup: 16, dial_addr: '1000', dial_channel: 'Local/1000@customers', dial_application: 'park', dial_data: '', dial_type: 1, dial_index: 1, dial_trycnt: 1, dial_timeout: 30000, uuid_camp: s.campaign, uuid_plan: s.plan, uuid_dest: s.dest, uuid_dlma: s.dlma, uuid_dl_list: s.dls[0], tm_delete: null });

    // dl_end_handle 1 and the only entry answered: the campaign stops by itself, through 10.
    await h.step();
    await h.step();
    expect((await campaign(h, s.campaign)).status).to.equal(0);
    expect(await statusHistory(h, s.campaign)).to.deep.equal(['1:request', '10:dl_end', '0:dl_end']);
  });

  it('retries a busy number no sooner than retry_delay after its last hangup, and stops at max_retry_cnt', async () => {
    const s = await setup(h, [{ number_1: '2000' }], { plan: { retry_delay: 60, max_retry_cnt_1: 3 } });
    await h.step();
    expect(await dl(h, s.dls[0]!)).to.include({ trycnt_1: 1, res_dial: 5, res_dial_detail: 'Remote end is busy', res_hangup: 17, res_hangup_detail: 'User busy', status: 0 });
    h.advance(59_000);
    await h.step();
    expect(await originates(h), 'within retry_delay').to.equal(1);
    h.advance(2_000);
    await h.step();
    expect(await originates(h)).to.equal(2);
    h.advance(61_000);
    await h.step();
    h.advance(61_000);
    await h.step();
    await h.step();
    expect(await originates(h), 'max_retry_cnt_1 is 3').to.equal(3);
    expect((await dl(h, s.dls[0]!)).trycnt_1).to.equal(3);
    expect(h.resultLines().map((line) => line.dial_trycnt)).to.deep.equal([1, 2, 3]);
    expect((await campaign(h, s.campaign)).status).to.equal(0);
  });

  it('moves to the next number once a number is out of tries, and an answer finishes the entry', async () => {
    const s = await setup(h, [{ number_1: '4000', number_2: '1001' }], { plan: { retry_delay: 0, max_retry_cnt_1: 1 } });
    await h.step();
    expect(await dl(h, s.dls[0]!)).to.include({ trycnt_1: 1, res_dial: 8, res_hangup: 34 });
    h.advance(1000);
    await h.step();
    const [dialing] = await listDialings(h.readModels.db);
    expect(dialing).to.include({ dial_index: 2, dial_addr: '1001', dial_trycnt: 1 });
    await h.asterisk.hangup(dialing!.uuid);
    await h.settle();
    h.advance(1000);
    await h.step();
    expect(await dl(h, s.dls[0]!)).to.include({ trycnt_1: 1, trycnt_2: 1, res_dial: 4, res_hangup: 16 });
    expect(await originates(h)).to.equal(2);
  });

  it('keeps a campaign running at the end of its list with dl_end_handle 0, and dials entries added later', async () => {
    const s = await setup(h, [{ number_1: '2000' }], { plan: { dl_end_handle: 0, max_retry_cnt_1: 1 } });
    await h.step();
    await h.step();
    await h.step();
    expect((await campaign(h, s.campaign)).status).to.equal(1);
    await h.resources.dls.create(h.ctx, { dlma_uuid: s.dlma, number_1: '4001' });
    await h.step();
    expect(await originates(h)).to.equal(2);
  });

  it('starts next_campaign when a campaign reaches the end of its list', async () => {
    const second = await setup(h, [{ number_1: '2001' }], { plan: { max_retry_cnt_1: 1 }, start: false });
    const first = await setup(h, [{ number_1: '2002' }], { plan: { max_retry_cnt_1: 1 }, campaign: { next_campaign: second.campaign } });
    for (let i = 0; i < 5; i += 1) await h.step();
    expect(await statusHistory(h, first.campaign)).to.deep.equal(['1:request', '10:dl_end', '0:dl_end']);
    expect((await statusHistory(h, second.campaign)).slice(0, 2)).to.deep.equal(['11:next_campaign', '1:next_campaign']);
    expect((await dl(h, second.dls[0]!)).trycnt_1).to.equal(1);
  });

  it('paces a queue destination: never more dialings than available members plus the service level', async () => {
    await h.asterisk.member('sales_1', 'agent-01', 1);
    await h.asterisk.member('sales_1', 'agent-02', 1);
    await h.asterisk.member('sales_1', 'agent-03', 1, 1);
    await h.settle();
    const s = await setup(h, Array.from({ length: 6 }, (_, i) => ({ number_1: `10${String(i).padStart(2, '0')}` })), {
      plan: { service_level: 1 },
      dest: { application: 'queue', data: 'sales_1' },
    });
    await h.step();
    // 2 free unpaused members - 0 dialing + service level 1.
    expect(await h.dialer.liveCount(s.campaign)).to.equal(3);
    await h.step();
    expect(await originates(h)).to.equal(3);
    // A member becomes busy: 1 - 3 + 1 < 0, nothing more even when one call ends.
    await h.asterisk.member('sales_1', 'agent-01', 2, 0, 'QueueMemberStatus');
    const [first] = await listDialings(h.readModels.db);
    await h.asterisk.hangup(first!.uuid);
    await h.settle();
    await h.step();
    expect(await originates(h)).to.equal(3);
    // Both free again: 2 - 2 + 1 = 1.
    await h.asterisk.member('sales_1', 'agent-01', 1, 0, 'QueueMemberStatus');
    await h.settle();
    await h.step();
    expect(await originates(h)).to.equal(4);
  });

  it('stops forcedly: hangs up every dialing of the campaign (audited), then stops', async () => {
    const s = await setup(h, [{ number_1: '1000' }, { number_1: '1001' }]);
    await h.step();
    expect(h.dialer.liveCount(s.campaign)).to.equal(2);
    await h.resources.campaigns.update(h.ctx, s.campaign, { status: 30 });
    await h.step();
    await h.step();
    expect(h.asterisk.actions.filter((a) => a.Action === 'Hangup')).to.have.length(2);
    expect(h.dialer.liveCount(s.campaign)).to.equal(0);
    expect((await campaign(h, s.campaign)).status).to.equal(0);
    for (const uuid of s.dls) expect(await dl(h, uuid)).to.include({ res_dial: 4, res_hangup: 16, status: 0 });
  });

  it('hangs up the dialing of an entry deleted with force', async () => {
    const s = await setup(h, [{ number_1: '1000' }]);
    await h.step();
    await h.resources.dls.delete(h.ctx, s.dls[0]!, { force: true });
    await h.settle();
    expect(h.asterisk.actions.filter((a) => a.Action === 'Hangup')).to.have.length(1);
    expect(await listDialings(h.readModels.db)).to.deep.equal([]);
    expect(h.resultLines()).to.have.length(1);
  });

  it('finalises a dialing whose Originate Asterisk refused with status 12 and counts the try', async () => {
    const s = await setup(h, [{ number_1: '1000' }], { plan: { max_retry_cnt_1: 2, retry_delay: 0 } });
    h.asterisk.refuseOriginate = true;
    await h.step();
    expect(h.resultLines()[0]).to.include({ status: 12, res_dial: 0 });
    expect(await dl(h, s.dls[0]!)).to.include({ trycnt_1: 1, status: 0 });
  });

  it('finalises a dialing whose channel could not be created (failed OriginateResponse, no channel events) after the grace, status 13', async () => {
    const s = await setup(h, [{ number_1: '1000' }], { plan: { tech_name: 'Nope', max_retry_cnt_1: 1 } });
    await h.step();
    expect(h.dialer.liveCount(s.campaign), 'waiting for channel events that may lag').to.equal(1);
    h.advance(3001);
    await h.step();
    expect(h.resultLines()[0]).to.include({ status: 13, res_dial: 0, res_hangup: 0, dial_channel: 'Nope/1000@customers' });
    expect(await dl(h, s.dls[0]!)).to.include({ status: 0, trycnt_1: 1 });
  });

  it('times out a dialing that never got an OriginateResponse (dial_timeout + grace) as an error', async () => {
    const s = await setup(h, [{ number_1: '3000' }], { plan: { dial_timeout: 5000, max_retry_cnt_1: 1 } });
    h.asterisk.autoplay = false;
    await h.step();
    h.advance(5000 + 30_001);
    await h.step();
    expect(h.resultLines()[0]).to.include({ status: 10, res_dial: 0, res_hangup: 0 });
    expect(await dl(h, s.dls[0]!)).to.include({ status: 0, trycnt_1: 1 });
  });

  describe('scheduling against the fake clock', () => {
    it('starts a campaign when its window opens and stops it at the end of its last window', async () => {
      h.now = Date.parse('2026-03-02T08:59:00Z');
      const s = await setup(h, [{ number_1: '3000' }], {
        start: false,
        plan: { max_retry_cnt_1: 100, retry_delay: 0 },
        campaign: { sc_mode: 1, sc_time_start: '10:00:00', sc_time_end: '10:30:00', sc_date_start: '2026-03-02', sc_date_end: '2026-03-02', sc_timezone: 'Europe/Berlin' },
      });
      await h.step();
      expect((await campaign(h, s.campaign)).status).to.equal(0);
      h.now = Date.parse('2026-03-02T09:00:00Z'); // 10:00 in Berlin
      await h.step();
      await h.step();
      expect((await campaign(h, s.campaign)).status).to.equal(1);
      expect(await originates(h)).to.be.greaterThan(0);
      h.now = Date.parse('2026-03-02T09:30:01Z');
      await h.step();
      await h.step();
      expect((await campaign(h, s.campaign)).status).to.equal(0);
      expect(await statusHistory(h, s.campaign)).to.deep.equal(['11:schedule', '1:schedule', '10:schedule_end', '0:schedule_end']);
    });

    it('stops at the end of a daily window (1 → 10 → 0) and starts again when it next opens (0 → 11 → 1), each within one tick of the edge', async () => {
      h.now = Date.parse('2026-03-02T10:00:00Z');
      const s = await setup(h, [{ number_1: '2000' }], {
        start: false,
        plan: { max_retry_cnt_1: 100, retry_delay: 0 },
        campaign: { sc_mode: 1, sc_time_start: '09:00:00', sc_time_end: '17:00:00' },
      });
      await h.step();
      await h.step();
      expect((await campaign(h, s.campaign)).status).to.equal(1);

      // The end second is inside the window (catalog §2.6 compares hh:mm:ss): it closes at 17:00:01.000.
      h.now = Date.parse('2026-03-02T17:00:00.999Z');
      await h.step();
      expect((await campaign(h, s.campaign)).status, 'the last instant of the window').to.equal(1);
      const closed = h.now + 1;
      h.now = closed;
      await h.step();
      expect((await campaign(h, s.campaign)).status, 'one tick after the window closed').to.equal(0);
      expect(await statusChanges(h, s.campaign)).to.deep.equal([
        { status: 11, reason: 'schedule', at: '2026-03-02T10:00:00.000000000Z' },
        { status: 1, reason: 'schedule', at: '2026-03-02T10:00:00.000000000Z' },
        { status: 10, reason: 'schedule_end', at: '2026-03-02T17:00:01.000000000Z' },
        { status: 0, reason: 'schedule_end', at: '2026-03-02T17:00:01.000000000Z' },
      ]);
      const dialed = await originates(h);

      h.now = Date.parse('2026-03-03T08:59:59.999Z');
      await h.step();
      expect((await campaign(h, s.campaign)).status, 'before the next window').to.equal(0);
      expect(await originates(h), 'nothing dialed outside the window').to.equal(dialed);
      h.now = Date.parse('2026-03-03T09:00:00Z');
      await h.step();
      expect((await campaign(h, s.campaign)).status, 'one tick after the window opened').to.equal(1);
      expect((await statusChanges(h, s.campaign)).slice(4)).to.deep.equal([
        { status: 11, reason: 'schedule', at: '2026-03-03T09:00:00.000000000Z' },
        { status: 1, reason: 'schedule', at: '2026-03-03T09:00:00.000000000Z' },
      ]);
    });

    it('holds 10 at the window’s end while a call of the campaign is up, and reaches 0 on the tick its dialing ends', async () => {
      h.now = Date.parse('2026-03-02T16:59:00Z');
      const s = await setup(h, [{ number_1: '1000' }], { start: false, campaign: { sc_mode: 1, sc_time_start: '09:00:00', sc_time_end: '17:00:00' } });
      await h.step();
      await h.step();
      const [dialing] = await listDialings(h.readModels.db);
      expect(dialing, 'an answered call in progress').to.not.equal(undefined);
      h.now = Date.parse('2026-03-02T17:00:01Z');
      await h.step();
      await h.step();
      expect((await campaign(h, s.campaign)).status, 'its call is still up').to.equal(10);
      h.advance(5000);
      await h.asterisk.hangup(dialing!.uuid);
      await h.settle();
      expect((await campaign(h, s.campaign)).status, 'once the dialing ended').to.equal(0);
      expect((await statusChanges(h, s.campaign)).slice(2)).to.deep.equal([
        { status: 10, reason: 'schedule_end', at: '2026-03-02T17:00:01.000000000Z' },
        { status: 0, reason: 'schedule_end', at: '2026-03-02T17:00:06.000000000Z' },
      ]);
    });

    it('keeps a client’s pause through the window’s end and the next opening', async () => {
      h.now = Date.parse('2026-03-02T10:00:00Z');
      const s = await setup(h, [{ number_1: '2000' }], {
        start: false,
        plan: { max_retry_cnt_1: 100, retry_delay: 0 },
        campaign: { sc_mode: 1, sc_time_start: '09:00:00', sc_time_end: '17:00:00' },
      });
      await h.step();
      await h.step();
      expect((await campaign(h, s.campaign)).status).to.equal(1);
      await h.resources.campaigns.update(h.ctx, s.campaign, { status: 2 });
      await h.step();
      h.now = Date.parse('2026-03-02T17:00:01Z');
      await h.step();
      expect((await campaign(h, s.campaign)).status, 'after the window').to.equal(2);
      h.now = Date.parse('2026-03-03T09:00:00Z');
      await h.step();
      expect((await campaign(h, s.campaign)).status, 'the next window').to.equal(2);
    });
  });

  describe('restart (the dialer’s memory is gone; the log and read models stay)', () => {
    it('follows dialings in flight again: no entry dialed twice, their hangups finalise them, counts stay right', async () => {
      const s = await setup(h, [{ number_1: '1000' }, { number_1: '1001' }, { number_1: '2000' }], { plan: { retry_delay: 0, max_retry_cnt_1: 2 } });
      await h.step();
      const before = await listDialings(h.readModels.db);
      expect(before).to.have.length(2);
      await h.restart();
      h.advance(1000);
      await h.step();
      await h.step();
      expect(await originates(h), 'the busy entry retried, the held ones not redialed').to.equal(4);
      for (const dialing of before) await h.asterisk.hangup(dialing.uuid);
      await h.settle();
      for (let i = 0; i < 3; i += 1) await h.step();
      const taken = await Promise.all(s.dls.map((uuid) => takesAlternate(h, uuid)));
      expect(taken).to.deep.equal([1, 1, 2]);
      expect(await dl(h, s.dls[0]!)).to.include({ trycnt_1: 1, res_dial: 4, res_hangup: 16 });
      expect(h.resultLines()).to.have.length(4);
      expect((await campaign(h, s.campaign)).status).to.equal(0);
    });

    it('finalises a dialing whose channel vanished while jade was down, keeping what the log saw (answered)', async () => {
      const s = await setup(h, [{ number_1: '1000' }]);
      await h.step();
      const [dialing] = await listDialings(h.readModels.db);
      h.asterisk.vanish(dialing!.uuid);
      await h.restart();
      expect(h.dialer.liveCount()).to.equal(1);
      h.advance(10_000);
      await h.asterisk.snapshotChannels();
      await h.settle();
      expect(h.dialer.liveCount()).to.equal(0);
      expect(await dl(h, s.dls[0]!)).to.include({ res_dial: 4, res_hangup: 0, status: 0, trycnt_1: 1 });
      expect(h.resultLines()[0]).to.include({ status: 10, res_dial: 4 });
    });

    it('completes a finalisation the crash cut short, without a second result line', async () => {
      const s = await setup(h, [{ number_1: '2000' }], { plan: { max_retry_cnt_1: 1 } });
      h.asterisk.autoplay = false;
      await h.step();
      const [dialing] = await listDialings(h.readModels.db);
      // The crash: the dialing's end and its result line were written, the entry not released.
      await h.store.append(`dialing-${dialing!.uuid}`, [{ type: obEventTypes.dialingEnded, data: { uuid: dialing!.uuid, status: 7, channel: null, res_dial: 5, res_dial_detail: 'Remote end is busy', res_hangup: 17, res_hangup_detail: 'User busy', reason: 'hangup', tm_update: '2026-03-02T10:00:01.000000000Z', tm_delete: '2026-03-02T10:00:01.000000000Z' }, metadata: {} }]);
      const { appendFileSync } = await import('node:fs');
      appendFileSync(h.resultPath, `${JSON.stringify({ uuid: dialing!.uuid, name: null, status: 7 })}\n`);
      await h.restart();
      expect(await dl(h, s.dls[0]!)).to.include({ status: 0, res_dial: 5, res_hangup: 17, dialing_uuid: null });
      expect(h.resultLines()).to.have.length(1);
    });

    it('cuts a torn last line on start, writes that record again once from the log, and puts the next record on its own line', async () => {
      const s = await setup(h, [{ number_1: '2000' }, { number_1: '2001' }], { plan: { max_retry_cnt_1: 1 } });
      h.asterisk.autoplay = false;
      await h.step();
      const dialings = await listDialings(h.readModels.db);
      expect(dialings).to.have.length(2);
      const torn = dialings.find((d) => d.uuid_dl_list === s.dls[0])!;
      const next = dialings.find((d) => d.uuid_dl_list === s.dls[1])!;
      // The crash: the dialing's end recorded, its result line cut short mid-write, the entry not released.
      await h.store.append(`dialing-${torn.uuid}`, [{ type: obEventTypes.dialingEnded, data: { uuid: torn.uuid, status: 7, channel: null, res_dial: 5, res_dial_detail: 'Remote end is busy', res_hangup: 17, res_hangup_detail: 'User busy', reason: 'hangup', tm_update: '2026-03-02T10:00:01.000000000Z', tm_delete: '2026-03-02T10:00:01.000000000Z' }, metadata: {} }]);
      const earlier = `${JSON.stringify({ uuid: 'an-earlier-dialing', name: null, status: 7 })}\n`;
      const { appendFileSync, readFileSync } = await import('node:fs');
      appendFileSync(h.resultPath, earlier + JSON.stringify({ uuid: torn.uuid, name: null, action_id: torn.action_id, status: 7, res_dial: 5 }).slice(0, 70));

      await h.restart();
      const afterStart = readFileSync(h.resultPath, 'utf8');
      expect(afterStart.endsWith('\n'), 'the file ends after a complete line').to.equal(true);
      const lines = afterStart.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((line) => line.uuid)).to.deep.equal(['an-earlier-dialing', torn.uuid]);
      expect(lines[1]).to.include({ uuid: torn.uuid, status: 7, res_dial: 5, res_hangup: 17, uuid_dl_list: s.dls[0], dial_addr: '2000' });
      expect(await dl(h, s.dls[0]!)).to.include({ status: 0, res_dial: 5, dialing_uuid: null });

      await h.asterisk.play(next.uuid);
      await h.settle();
      const text = readFileSync(h.resultPath, 'utf8');
      expect(text.startsWith(afterStart), 'the next record is appended after the repaired lines').to.equal(true);
      const all = text.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(all.map((line) => line.uuid)).to.deep.equal(['an-earlier-dialing', torn.uuid, next.uuid]);
    });

    it('releases an entry taken by a dialing that was never created, and ends one whose Originate was never requested', async () => {
      const s = await setup(h, [{ number_1: '2000' }, { number_1: '2001' }], { start: false, plan: { max_retry_cnt_1: 1 } });
      await h.resources.startDlDialing(h.ctx, { uuid: s.dls[0]!, dialing_uuid: '0dead000-0000-4000-8000-000000000000', campaign_uuid: s.campaign, plan_uuid: s.plan, dial_index: 1, now: '2026-03-02T10:00:00.000000000Z' });
      await h.restart();
      expect(await dl(h, s.dls[0]!)).to.include({ status: 0, dialing_uuid: null, trycnt_1: 1, res_dial: 0 });
      expect(h.resultLines()).to.have.length(0);
    });
  });

  describe('an Originate whose outcome is Unknown (written, the link dropped before Asterisk answered)', () => {
    /** The Originate outcome events recorded for the campaign's dialings, in log order. */
    const originateOutcomes = async (): Promise<string[]> =>
      (await h.store.readAll()).filter((e) => e.stream.startsWith('command-') && e.type.startsWith('Originate') && e.type !== 'OriginateRequested').map((e) => e.type);

    it('does not dial the entry again while in doubt, however long, and retries it once a later snapshot shows the channel never existed', async () => {
      const s = await setup(h, [{ number_1: '1000' }], { plan: { dial_timeout: 5000, max_retry_cnt_1: 2, retry_delay: 0 } });
      h.asterisk.loseOriginateAnswer = 'no_call';
      await h.step();
      expect(await originateOutcomes()).to.deep.equal(['OriginateUnknown']);
      // Far past dial_timeout + the originate grace: a timed-out dialing would have been ended and its entry retried.
      for (let i = 0; i < 3; i += 1) {
        h.advance(60_000);
        await h.step();
      }
      expect(await originates(h), 'no second call while the first may exist').to.equal(1);
      expect(h.dialer.liveCount(s.campaign)).to.equal(1);
      expect(await dl(h, s.dls[0]!)).to.include({ status: 1, trycnt_1: 1 });
      expect(h.resultLines()).to.have.length(0);

      h.asterisk.loseOriginateAnswer = undefined;
      await h.asterisk.snapshotChannels();
      await h.settle();
      expect(h.dialer.liveCount(s.campaign)).to.equal(0);
      const [ended] = h.resultLines();
      expect(ended).to.include({ status: 10, res_dial: 0, res_hangup: 0 });
      const endedEvent = (await h.store.readAll()).find((e) => e.type === obEventTypes.dialingEnded);
      expect(endedEvent?.data).to.include({ reason: 'never_existed' });

      h.advance(1000);
      await h.step();
      expect(await originates(h), 'retried as usual once the first call is known not to exist').to.equal(2);
      expect(await takesAlternate(h, s.dls[0]!)).to.equal(2);
    });

    it('keeps the dialing while a snapshot lists its channel, and takes its real outcome from the events that follow', async () => {
      const s = await setup(h, [{ number_1: '1000' }], { plan: { dial_timeout: 5000, max_retry_cnt_1: 2, retry_delay: 0 } });
      h.asterisk.loseOriginateAnswer = 'call_unseen';
      await h.step();
      h.asterisk.loseOriginateAnswer = undefined;
      h.advance(60_000);
      await h.asterisk.snapshotChannels();
      await h.settle();
      await h.step();
      expect(h.dialer.liveCount(s.campaign), 'the channel exists: the dialing goes on').to.equal(1);
      expect(await originates(h)).to.equal(1);

      const [dialing] = await listDialings(h.readModels.db);
      await h.asterisk.hangup(dialing!.uuid);
      await h.settle();
      // Its OriginateResponse was lost with the link: the Hangup starts the end, the grace completes it.
      h.advance(3001);
      await h.step();
      expect(h.dialer.liveCount(s.campaign)).to.equal(0);
      expect(h.resultLines()[0]).to.include({ status: 7, res_hangup: 16 });
      expect(await dl(h, s.dls[0]!)).to.include({ status: 0, res_hangup: 16, trycnt_1: 1 });
    });

    it('follows the call when its events arrive after the reconnect: answered is answered, no second call', async () => {
      const s = await setup(h, [{ number_1: '1000' }], { plan: { max_retry_cnt_1: 2, retry_delay: 0 } });
      h.asterisk.loseOriginateAnswer = 'call';
      await h.step();
      h.asterisk.loseOriginateAnswer = undefined;
      await h.step();
      expect(await originates(h)).to.equal(1);
      const [dialing] = await listDialings(h.readModels.db);
      expect(dialing).to.include({ res_dial: 4 });
      await h.asterisk.hangup(dialing!.uuid);
      await h.settle();
      expect(h.resultLines()[0]).to.include({ status: 7, res_dial: 4, res_hangup: 16 });
      expect(await dl(h, s.dls[0]!)).to.include({ status: 0, trycnt_1: 1 });
    });
  });
});
