/**
 * Issue 16: the live dashboard in a real browser (Debian's chromium through playwright-core) against jade
 * and the real Asterisk sandbox. The page is the reference realtime client, so what it shows is what
 * a client following the socket.io topics sees; Asterisk's own view comes from a raw AMI session.
 *
 * Screenshots go to test-artifacts/dashboard/ (ignored by git). Without chromium the file is skipped
 * with the reason, except under CI=true, where that is a failure.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { buildUi } from '../../scripts/build-ui.js';
import { amiGet, SandboxAmi } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, testAdminPassword, waitForAmi, type RunningJade } from '../support/jade.js';
import { createCampaign } from './outbound-support.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;

const chromiumPath = process.env.JADE_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'test-artifacts', 'dashboard');

describe('Dashboard in a real browser against a real Asterisk 22 (issue 16)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let browser: Browser | undefined;
  let page: Page;
  let probe: SandboxAmi;

  const shoot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

  async function originate(body: Row): Promise<string> {
    const created = await jade.post('/v1/core/channels', body);
    expect(created.status, created.text).to.equal(200);
    return String(resultOf(created.body).unique_id);
  }

  async function hangupCall(linkedId: string): Promise<void> {
    for (const channel of listOf((await jade.get('/v1/core/channels')).body)) {
      if (channel.linked_id === linkedId) await jade.delete(`/v1/core/channels/${encodeURIComponent(String(channel.unique_id))}`);
    }
  }

  async function channel(uniqueId: string): Promise<Row> {
    return eventually(async () => listOf((await jade.get('/v1/core/channels')).body).find((c) => c.unique_id === uniqueId), 5_000, `channel ${uniqueId}`);
  }

  /** Asterisk's own Paused flag for a member, from QueueStatus. */
  async function asteriskPaused(queue: string, member: string): Promise<string | undefined> {
    const { events } = await probe.action({ Action: 'QueueStatus', Queue: queue, Member: member });
    const item = events.find((e) => amiGet(e, 'Event') === 'QueueMember' && amiGet(e, 'Name') === member);
    return item === undefined ? undefined : amiGet(item, 'Paused');
  }

  const row = (selector: string): Locator => page.locator(selector);

  /** Each test after the first may run alone (mocha -g): log in through the form if the page is not yet. */
  async function loggedIn(): Promise<void> {
    if (await page.locator('#dashboard').isVisible()) return;
    await page.goto(`${jade.baseUrl}/`);
    await page.getByLabel('Password').fill(testAdminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#realtime-status', { hasText: 'live' }).waitFor();
  }

  before(async function () {
    if (!existsSync(chromiumPath)) {
      const reason = `no chromium at ${chromiumPath} (install Debian's chromium, or set JADE_CHROMIUM)`;
      if (process.env.CI === 'true') throw new Error(`dashboard e2e cannot run under CI=true: ${reason}`);
      process.stderr.write(`dashboard e2e skipped: ${reason}\n`);
      this.skip();
    }
    mkdirSync(artifacts, { recursive: true });
    await buildUi();
    const sandbox = getSandbox();
    jade = await startTestJade(sandbox);
    await waitForAmi(jade);
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    // The page's own errors belong in the test output when something fails.
    page.on('pageerror', (error) => process.stderr.write(`dashboard page error: ${error.message}\n`));
    page.on('console', (message) => {
      // The 401 is the deliberately wrong password of the first test: the browser logs every refused request.
      if (message.type() === 'error' && !message.text().includes('status of 401')) process.stderr.write(`dashboard console: ${message.text()}\n`);
    });
  });

  after(async function () {
    await browser?.close();
    probe?.close();
    if (jade !== undefined) {
      for (const c of listOf((await jade.get('/v1/core/channels')).body)) await jade.delete(`/v1/core/channels/${encodeURIComponent(String(c.unique_id))}`);
      await jade.stop();
    }
  });

  it('serves the page without a token, refuses a wrong password, and logs in to a live header', async () => {
    const response = await page.goto(`${jade.baseUrl}/`);
    expect(response?.status()).to.equal(200);
    expect(response?.headers()['content-security-policy']).to.include("default-src 'self'");
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Wrong user name or password.').waitFor();

    await page.getByLabel('Password').fill(testAdminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#ami-status', { hasText: 'connected' }).waitFor();
    await page.locator('#realtime-status', { hasText: 'live' }).waitFor();
    expect(await page.locator('#ami-status').textContent()).to.equal('connected');
    const shown = Number(await page.locator('#log-position').textContent());
    expect(shown).to.be.greaterThan(0);
    await page.locator('[data-queue="sales_1"]').waitFor();
    await shoot('01-logged-in');
  });

  it('shows an originated call within a second, ticking, and removes it when hung up from the page', async () => {
    await loggedIn();
    const uniqueId = await originate({ channel: 'Local/100@demo', application: 'Wait', data: '300', caller_id: 'Dash Caller <7001>' });
    const answeredAt = Date.now();
    const callRow = row(`tr[data-unique-id="${uniqueId}"]`);
    // The promise: a call appears within a second of being originated.
    await callRow.waitFor({ timeout: 1_000 });
    process.stderr.write(`dashboard: the originated call showed ${Date.now() - answeredAt} ms after the originate answered\n`);
    expect(await callRow.textContent()).to.include('Dash Caller');
    const ticker = callRow.locator('.tick');
    const first = await ticker.textContent();
    await eventually(async () => ((await ticker.textContent()) !== first ? true : undefined), 5_000, 'the duration to tick');
    await shoot('02-call-up');

    const { channel: name, linked_id: linkedId } = await channel(uniqueId);
    await callRow.getByRole('button', { name: `Hang up ${String(name)}` }).click();
    await callRow.waitFor({ state: 'detached', timeout: 5_000 });
    await page.locator('#announce', { hasText: 'done' }).waitFor();
    // Both Local legs are gone from the page, as from jade.
    await eventually(async () => ((await page.locator('#channels tr[data-unique-id]').count()) === 0 ? true : undefined), 5_000, 'every leg to leave the page');
    expect(listOf((await jade.get('/v1/core/channels')).body).filter((c) => c.linked_id === linkedId)).to.deep.equal([]);
  });

  it('shows a caller waiting in sales_2 with a ticking wait, then answered once a member is added', async () => {
    await loggedIn();
    const uniqueId = await originate({ channel: 'Local/301@demo', application: 'Wait', data: '300', caller_id: 'Waiting Caller <7002>' });
    const { linked_id: linkedId } = await channel(uniqueId);
    const queue = page.locator('[data-queue="sales_2"]');
    const entry = queue.locator('tr[data-entry]');
    await entry.waitFor({ timeout: 5_000 });
    expect(await entry.textContent()).to.include('Local/301@demo');
    expect(await queue.locator('[data-stat="waiting"]').textContent()).to.equal('1');
    await eventually(async () => ((await entry.locator('.tick').textContent()) !== '0:00' ? true : undefined), 5_000, 'the wait to tick');
    expect(await queue.textContent()).to.match(/Service level\d+% in \d+ s/);
    await shoot('03-caller-waiting');

    const added = await jade.post('/v1/queue/members', { queue_name: 'sales_2', location: 'Local/agent-03@agents', name: 'agent-03' });
    expect(added.status, added.text).to.equal(200);
    try {
      // Answered: the entry leaves the queue and the member shows in a call.
      await entry.waitFor({ state: 'detached', timeout: 10_000 });
      const member = queue.locator('tr[data-member="agent-03@sales_2"]');
      await member.locator('.state', { hasText: 'in call' }).waitFor({ timeout: 10_000 });
      await shoot('04-caller-answered');
    } finally {
      await hangupCall(String(linkedId));
      await jade.delete('/v1/queue/members/agent-03?queue_name=sales_2');
    }
    await queue.locator('tr[data-member="agent-03@sales_2"]').waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('pauses and unpauses a member from the keyboard, and Asterisk QueueStatus agrees', async () => {
    await loggedIn();
    const pause = page.getByRole('button', { name: 'Pause agent-01 in sales_1' });
    await pause.focus();
    await page.keyboard.press('Enter');
    const unpause = page.getByRole('button', { name: 'Unpause agent-01 in sales_1' });
    await unpause.waitFor({ timeout: 5_000 });
    expect(await unpause.getAttribute('aria-pressed')).to.equal('true');
    expect(await page.locator('tr[data-member="agent-01@sales_1"] .state').textContent()).to.match(/^paused/);
    // Keyboard focus stayed on the control that was re-rendered.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-key'))).to.equal('pause-agent-01@sales_1');
    await eventually(async () => ((await asteriskPaused('sales_1', 'agent-01')) === '1' ? true : undefined), 5_000, 'QueueStatus to show agent-01 paused');
    await shoot('05-member-paused');

    await page.keyboard.press('Enter');
    await pause.waitFor({ timeout: 5_000 });
    await eventually(async () => ((await asteriskPaused('sales_1', 'agent-01')) === '0' ? true : undefined), 5_000, 'QueueStatus to show agent-01 unpaused');
  });

  it("opens a call's timeline from /v1/calls/<linked_id> and shows a parked call", async () => {
    await loggedIn();
    const uniqueId = await originate({ channel: 'Local/200@demo', application: 'Wait', data: '300', caller_id: 'Parked Caller <7003>' });
    const { linked_id: linkedId } = await channel(uniqueId);
    try {
      const parked = page.locator('#parked tr[data-parked]');
      await parked.waitFor({ timeout: 5_000 });
      expect(await parked.textContent()).to.include('Local/200@demo');
      await page.locator(`tr[data-unique-id="${uniqueId}"]`).getByRole('button', { name: /^Timeline/ }).click();
      const dialog = page.getByRole('dialog');
      await dialog.locator('.timeline li', { hasText: 'Newchannel' }).first().waitFor({ timeout: 5_000 });
      expect(await dialog.locator('h2').textContent()).to.equal(`Call ${String(linkedId)}`);
      await shoot('06-timeline');
      await dialog.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
      // The parked caller hung up from its own row.
      await parked.getByRole('button', { name: /^Hang up/ }).click();
      await parked.waitFor({ state: 'detached', timeout: 10_000 });
    } finally {
      await hangupCall(String(linkedId));
    }
  });

  it('starts and stops a campaign from the page and shows its dialings', async () => {
    await loggedIn();
    // 3XXX numbers ring and never answer: the dialings stay visible while the campaign runs.
    const { campaign } = await createCampaign(jade, ['3001', '3002'], { start: false, campaign: { name: 'dashboard campaign' } });
    const campaignRow = page.locator(`tr[data-campaign="${campaign}"]`);
    await campaignRow.waitFor({ timeout: 5_000 });
    await campaignRow.getByRole('button', { name: 'Start campaign dashboard campaign' }).click();
    await campaignRow.locator('.state', { hasText: 'running' }).waitFor({ timeout: 5_000 });
    await campaignRow.locator('.dialings li').first().waitFor({ timeout: 10_000 });
    await shoot('07-campaign-running');
    await campaignRow.getByRole('button', { name: 'Stop campaign dashboard campaign' }).click();
    await eventually(async () => {
      const status = resultOf((await jade.get(`/v1/ob/campaigns/${campaign}`)).body).status;
      return status === 0 || status === 10 ? true : undefined;
    }, 5_000, 'the campaign to stop');
    await campaignRow.getByRole('button', { name: 'Start campaign dashboard campaign' }).waitFor({ timeout: 5_000 });
    // Start and stop went through the public API: facts in the campaign's stream, each naming the admin who asked.
    const events = listOf((await jade.get(`/v1/events?stream=campaign-${campaign}`)).body);
    const admin = (events.find((e) => e.type === 'CampaignCreated')?.metadata as Row | undefined)?.userId;
    expect(admin).to.be.a('string');
    const statusRequests = events.filter((e) => e.type === 'CampaignStatusChanged' && (e.data as Row).reason === 'request' && (e.metadata as Row).userId === admin);
    expect(statusRequests.map((e) => (e.data as Row).status), JSON.stringify(events.map((e) => [e.type, e.data, e.metadata]))).to.include.members([1, 0]);
  });

  it('logs a manager in through the manager login and lets it hang up a call from the page', async () => {
    await jade.jade.auth.service.createUser({ username: 'dash-manager', name: 'Dashboard manager', password: 'manager-secret', permissions: ['manager'] });
    await loggedIn();
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('User name').fill('dash-manager');
    await page.getByLabel('Password').fill('manager-secret');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('#realtime-status', { hasText: 'live' }).waitFor();
    expect(await page.locator('#signed-in-as').textContent()).to.equal('manager');
    await page.locator('[data-queue="sales_1"]').waitFor();
    const uniqueId = await originate({ channel: 'Local/100@demo', application: 'Wait', data: '300', caller_id: 'Manager Caller <7002>' });
    const callRow = row(`tr[data-unique-id="${uniqueId}"]`);
    await callRow.waitFor({ timeout: 5_000 });
    const { channel: name } = await channel(uniqueId);
    await callRow.getByRole('button', { name: `Hang up ${String(name)}` }).click();
    await callRow.waitFor({ state: 'detached', timeout: 5_000 });
    await page.locator('#announce', { hasText: 'done' }).waitFor();
    await shoot('08-manager');
    // The hangup went through the public API as the manager: its audited command names the manager.
    const hangups = await eventually(async () => {
      const list = listOf((await jade.get('/v1/commands?user=dash-manager')).body);
      return list.length > 0 ? list : undefined;
    }, 5_000, "the manager's command in the audit");
    expect(hangups.map((command) => [command.type, command.username])).to.deep.include(['Hangup', 'dash-manager']);
  });
});
