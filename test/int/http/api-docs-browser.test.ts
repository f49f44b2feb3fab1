import { existsSync } from 'node:fs';
import { expect } from 'chai';
import { chromium, type Browser } from 'playwright-core';
import { startTestJade, type RunningJade } from '../../support/jade.js';

const chromiumPath = '/usr/bin/chromium';

/** The reference page in a real browser: it renders the document and asks nothing of any other host. */
describe('API reference page (/v1/docs) in Chromium', function () {
  this.timeout(60_000);
  let jade: RunningJade;
  let browser: Browser;

  before(async function () {
    if (!existsSync(chromiumPath)) {
      const reason = `no ${chromiumPath} (Debian's chromium package)`;
      // CI installs chromium (.ci/run): there a missing browser is a failure, as in the dashboard's e2e.
      if (process.env.CI === 'true') throw new Error(`api docs browser test cannot run: ${reason}`);
      console.log(`api docs browser test skipped: ${reason}`);
      this.skip();
    }
    jade = await startTestJade(undefined);
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  });

  after(async () => {
    await browser?.close();
    await jade?.stop();
  });

  it('loads the whole document from this server alone and shows it, with no console error', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${jade.baseUrl}/v1/docs`);
    await page.waitForSelector('.opblock-tag', { timeout: 30_000 });
    // The page's Swagger UI holds the whole document (it renders the areas lazily, so count in its state).
    const shown = await page.evaluate(() => {
      const ui = (window as unknown as { ui: { specSelectors: { specJson(): { getIn(path: string[]): { size: number } } } } }).ui;
      return ui.specSelectors.specJson().getIn(['paths']).size;
    });
    const document = (await jade.http.get('/v1/openapi.json')).body as unknown as { paths: Record<string, unknown> };
    expect(shown).to.equal(Object.keys(document.paths).length);
    expect(await page.getByText('/v1/health', { exact: true }).first().isVisible()).to.equal(true);
    expect(requested.filter((url) => !url.startsWith(`${jade.baseUrl}/`)), 'requests to other hosts').to.deep.equal([]);
    expect(requested).to.include(`${jade.baseUrl}/v1/openapi.json`);
    expect(problems).to.deep.equal([]);
  });
});
