/**
 * The outbound dialer against the real Asterisk sandbox (issue 6 "Must show"), with `Local/` channels in
 * place of SIP phones: tech_name `Local`, trunk_name `customers`, so a number dials as
 * `Local/<number>@customers`, where 1XXX answers (and waits 20 s), 2XXX is busy, 3XXX rings and never
 * answers, 4XXX is congested. The tutorials' number 300 is 1300 here (the context's answering pattern).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';
import {
  createCampaign,
  dialingsOf,
  expectedOutcome,
  ms,
  ok,
  resultLines,
  resultRecordFields,
  callTrace,
  type Json,
} from './outbound-support.js';

describe('outbound dialer against Asterisk', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'jade-ob-e2e-'));
  const resultFile = join(dir, 'outbound_result.json');
  let jade: RunningJade;

  before(async function () {
    jade = await startTestJade(getSandbox(), { overrides: { outbound: { resultFile, timezone: 'UTC', tickMs: 200, maxDialsPerTick: 10 } } });
    await waitForAmi(jade);
  });
  after(async function () {
    await jade?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const dl = async (uuid: string): Promise<Json> => ok(await jade.get(`/v1/ob/dls/${uuid}`));
  const campaignStatus = async (uuid: string): Promise<number> => Number(ok(await jade.get(`/v1/ob/campaigns/${uuid}`)).status);
  const linesOf = (campaign: string): Json[] => resultLines(resultFile).filter((line) => line.uuid_camp === campaign);

  it('runs both manual tutorials as written (park; queue sales_1): res_dial 4, Asterisk’s hangup cause, a full result record, and the campaign stops', async function () {
    // Scenario A (basic) and B (normal call distribute) side by side: each call lasts the customer's 20 s.
    const basic = await createCampaign(jade, ['1300'], {
      plan: { name: 'basic tutorial plan', detail: 'test plan for basic tutorial' },
      dest: { name: 'basic tutorial destination', detail: 'test pln for basic tutorial', type: 1, application: 'park' },
    });
    const queue = await createCampaign(jade, ['1301'], {
      plan: { name: 'normal call distribute plan', detail: 'test plan for normal call distribute' },
      dest: { name: 'normal call distribute destination', detail: 'test pln for normal call distribute', type: 1, application: 'queue', data: 'sales_1' },
    });

    // Step 7: while the call is up, the dialing is listed and the entry is held by it.
    for (const [run, application] of [[basic, 'park'], [queue, 'queue']] as const) {
      const dialing = await eventually(async () => (await dialingsOf(jade, run.campaign))[0], 10_000, 'the dialing');
      expect(dialing).to.include({ uuid_camp: run.campaign, dial_addr: run === basic ? '1300' : '1301', dial_index: 1, dial_trycnt: 1, dial_application: application, dial_channel: `Local/${run === basic ? '1300' : '1301'}@customers` });
      const entry = await dl(run.dls[0]!);
      expect(entry).to.include({ status: 1, dialing_uuid: dialing.uuid });
    }

    for (const [run, application, data] of [[basic, 'park', ''], [queue, 'queue', 'sales_1']] as const) {
      // Step 8: the entry ends answered, with the cause Asterisk reported, released.
      const entry = await eventually(async () => {
        const current = await dl(run.dls[0]!);
        return current.status === 0 && current.dialing_uuid === null && current.res_dial !== 0 ? current : undefined;
      }, 40_000, 'the entry to be finished');
      expect(entry).to.include({ status: 0, trycnt_1: 1, res_dial: 4, res_dial_detail: 'Remote end has answered', res_hangup: 16, res_hangup_detail: 'Normal Clearing', dialing_camp_uuid: null, dialing_plan_uuid: null });
      expect(entry.tm_last_dial).to.be.a('string');
      expect(entry.tm_last_hangup).to.be.a('string');
      // Step 9: its result record has every field of the catalog's record.
      const [record] = linesOf(run.campaign);
      expect(record, 'a result record').to.not.equal(undefined);
      for (const field of resultRecordFields) expect(record, field).to.have.property(field);
      expect(record).to.include({ status: 7, res_dial: 4, res_hangup: 16, dial_application: application, dial_data: data, dial_type: 1, dial_index: 1, dial_trycnt: 1, dial_timeout: 30000 });
      expect(record).to.include({ uuid_camp: run.campaign, uuid_plan: run.plan, uuid_dest: run.dest, uuid_dlma: run.dlma, uuid_dl_list: run.dls[0] });
      // Step 10: gone from the live dialings; dl_end_handle 1 stops the campaign by itself.
      expect(await dialingsOf(jade, run.campaign)).to.deep.equal([]);
      await eventually(async () => ((await campaignStatus(run.campaign)) === 0 ? true : undefined), 10_000, 'the campaign to stop');
    }
    // The result file's last line is a whole record too.
    const last = resultLines(resultFile).at(-1)!;
    for (const field of resultRecordFields) expect(last, field).to.have.property(field);
  });

  it('works through a 20-entry list of answering, busy, unanswered and congested numbers: right results, retries after retry_delay, up to max_retry_cnt, then stops', async function () {
    const numbers = Array.from({ length: 20 }, (_, i) => `${(i % 4) + 1}${String(100 + i).padStart(3, '0')}`);
    const run = await createCampaign(jade, numbers, { plan: { dial_timeout: 2000, retry_delay: 2, max_retry_cnt_1: 2 } });
    // Answered customers stay 20 s: hang them up through the API as soon as they answer (DELETE /ob/dialings/<uuid>).
    const hungUp = new Set<string>();
    await eventually(async () => {
      for (const dialing of await dialingsOf(jade, run.campaign)) {
        if (dialing.res_dial === 4 && !hungUp.has(String(dialing.uuid))) {
          hungUp.add(String(dialing.uuid));
          const response = await jade.delete(`/v1/ob/dialings/${String(dialing.uuid)}`);
          expect(response.status, response.text).to.equal(200);
          expect(response.body).to.not.have.property('result');
        }
      }
      return (await campaignStatus(run.campaign)) === 0 ? true : undefined;
    }, 60_000, 'the campaign to reach the end of its list and stop');
    expect(hungUp.size).to.equal(5);

    const lines = linesOf(run.campaign);
    for (const [index, number] of numbers.entries()) {
      const want = expectedOutcome(number);
      const entry = await dl(run.dls[index]!);
      const tries = want.tries === 'one' ? 1 : 2;
      const records = lines.filter((line) => line.uuid_dl_list === run.dls[index]).sort((a, b) => Number(a.dial_trycnt) - Number(b.dial_trycnt));
      // On a mismatch, show the calls as jade logged them.
      const wrong = [entry, ...records].some((r) => r.res_dial !== want.res_dial || r.res_hangup !== want.res_hangup);
      if (wrong) expect.fail(`${number}: ${JSON.stringify(entry)}\n${(await Promise.all(records.map((r) => callTrace(jade, String(r.uuid))))).join('\n--\n')}`);
      expect(entry, number).to.include({ res_dial: want.res_dial, res_hangup: want.res_hangup, trycnt_1: tries, status: 0, dialing_uuid: null });
      expect(records.map((r) => r.dial_trycnt), number).to.deep.equal(tries === 1 ? [1] : [1, 2]);
      for (const record of records) expect(record, number).to.include({ res_dial: want.res_dial, res_hangup: want.res_hangup, status: 7 });
      // Retry no sooner than retry_delay (2 s) after the last hangup.
      if (records.length === 2) expect(ms(records[1]!.tm_create) - ms(records[0]!.tm_update), number).to.be.at.least(2000);
    }
    expect(lines).to.have.length(5 + 15 * 2);
    const history = (await jade.get(`/v1/events?stream=campaign-${run.campaign}&type=CampaignStatusChanged`)).body?.result as { list: Json[] };
    expect(history.list.map((e) => `${String((e.data as Json).status)}:${String((e.data as Json).reason)}`)).to.deep.equal(['1:request', '10:dl_end', '0:dl_end']);
  });

  it('never has more dialings up at once on a queue destination than its available members plus the service level', async function () {
    const members = ((ok(await jade.get('/v1/queue/members?queue_name=sales_1')).list ?? []) as Json[]) ?? [];
    const available = members.filter((m) => m.status === 1 && m.paused === 0).length;
    expect(available, 'sales_1 has its two static members free').to.equal(2);
    const serviceLevel = 1;
    const run = await createCampaign(jade, ['1401', '1402', '1403', '1404', '1405', '1406'], {
      plan: { service_level: serviceLevel },
      dest: { type: 1, application: 'queue', data: 'sales_1' },
    });
    let most = 0;
    const until = Date.now() + 8000;
    while (Date.now() < until) {
      most = Math.max(most, (await dialingsOf(jade, run.campaign)).length);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(most).to.be.within(2, available + serviceLevel);
    // Status 30: every call hung up, then stopped.
    expect(ok(await jade.put(`/v1/ob/campaigns/${run.campaign}`, { status: 30 })).status).to.equal(30);
    await eventually(async () => ((await campaignStatus(run.campaign)) === 0 ? true : undefined), 15_000, 'the forced stop');
    expect(await dialingsOf(jade, run.campaign)).to.deep.equal([]);
  });

  it('starts a scheduled campaign by itself when its daily window opens and stops it (10, then 0) within a tick of the window’s end', async function () {
    // A daily window of 20 s starting 12 s from now, in a zone where it does not cross midnight. Daily: it
    // opens again tomorrow, and still the campaign stops at its end (catalog §2.6), it is not paused.
    const zone = new Date().getUTCHours() === 23 ? 'Asia/Tokyo' : 'UTC';
    const base = Date.now();
    const local = (offsetMs: number): { date: string; time: string } => {
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
          .formatToParts(new Date(base + offsetMs))
          .map((p) => [p.type, p.value]),
      );
      return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}:${parts.second}` };
    };
    const opens = Math.floor((base + 12_000) / 1000) * 1000;
    // The end second is inside the window (hh:mm:ss compared as text): it closes as the next second begins.
    const closes = Math.floor((base + 32_000) / 1000) * 1000 + 1000;
    const start = local(12_000);
    const end = local(32_000);
    const run = await createCampaign(jade, ['3201', '3202'], {
      start: false,
      plan: { dial_timeout: 2000, retry_delay: 1, max_retry_cnt_1: 100 },
      campaign: { sc_mode: 1, sc_time_start: start.time, sc_time_end: end.time, sc_timezone: zone },
    });
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(await campaignStatus(run.campaign), 'before the window').to.equal(0);
    await eventually(async () => ((await campaignStatus(run.campaign)) === 1 ? true : undefined), 20_000, 'the scheduled start');
    expect(Date.now()).to.be.at.least(opens - 1000);
    await eventually(async () => ((await dialingsOf(jade, run.campaign)).length > 0 ? true : undefined), 5_000, 'a dialing in the window');
    await eventually(async () => ((await campaignStatus(run.campaign)) === 0 ? true : undefined), 35_000, 'the stop at the window’s end');
    const records = linesOf(run.campaign);
    expect(records.length).to.be.greaterThan(0);
    // Nothing dialed after the window.
    for (const record of records) expect(ms(record.tm_create)).to.be.below(closes);
    const history = (await jade.get(`/v1/events?stream=campaign-${run.campaign}&type=CampaignStatusChanged`)).body?.result as { list: Json[] };
    const changes = history.list.map((e) => e.data as Json);
    expect(changes.map((c) => `${String(c.status)}:${String(c.reason)}`)).to.deep.equal(['11:schedule', '1:schedule', '10:schedule_end', '0:schedule_end']);
    // Within a tick (200 ms here, plus room for a loaded machine) of each edge: the window's opening, its
    // end, and for 0 the end of the last dialing the campaign had in flight at the window's end.
    const slackMs = 200 + 800;
    expect(ms(changes[0]!.tm_update), '11 at the opening').to.be.within(opens, opens + slackMs);
    const stopping = ms(changes[2]!.tm_update);
    expect(stopping, '10 at the window’s end').to.be.within(closes, closes + slackMs);
    const lastEnded = Math.max(stopping, ...records.map((record) => ms(record.tm_update)));
    expect(ms(changes[3]!.tm_update), '0 once its dialings have ended').to.be.within(lastEnded, lastEnded + slackMs);
  });
});
