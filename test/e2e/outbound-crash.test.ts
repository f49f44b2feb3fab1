/**
 * SIGKILL jade in the middle of a campaign against the Asterisk sandbox, start it again on the same data dir:
 * the dialings in flight are followed again (the answered calls still up end with their real hangup cause),
 * the ones lost while jade was down are finalised, no entry is dialed twice at once, the try counts match the
 * dialings made, every entry ends with its number's result, and the result file holds one line per dialing.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqliteEventStore } from '../../src/eventstore/index.js';
import { httpClient, type HttpClient } from '../support/http.js';
import { eventually } from '../support/jade.js';
import { exited, freePort, serveJade } from '../support/jade-process.js';
import { getSandbox } from './hooks.js';
import { createCampaign, dialingsOf, expectedOutcome, ok, resultLines, type Json, type ObClient } from './outbound-support.js';

const password = 'ob-crash-secret';

function serve(dataDir: string, port: number, resultFile: string): ChildProcess {
  return serveJade({ dataDir, port, adminPassword: password, env: { ...getSandbox().jadeEnv(), JADE_OB_RESULT_FILE: resultFile } });
}

/** Waits for the server and Asterisk, logs in, and returns an authenticated client. */
async function connect(http: HttpClient): Promise<ObClient> {
  await eventually(async () => {
    const health = await http.get('/v1/health');
    return (health.body?.result as { ami?: { connected?: boolean } } | undefined)?.ami?.connected ? true : undefined;
  }, 30_000, 'jade to serve and connect');
  const login = await http.post('/v1/admin/login', { basic: { username: 'admin', password } });
  const token = (login.body?.result as { authtoken: string }).authtoken;
  return {
    get: (path) => http.get(path, { token }),
    post: (path, body) => http.post(path, { token, body }),
    put: (path, body) => http.put(path, { token, body }),
    delete: (path) => http.delete(path, { token }),
  };
}

describe('outbound dialer: jade killed with SIGKILL mid-campaign', function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'jade-ob-crash-'));
  const resultFile = join(dataDir, 'results', 'outbound_result.json');
  let child: ChildProcess | undefined;

  after(async function () {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts and finishes the campaign with right results, counts and result lines, nothing dialed twice at once', async function () {
    const port = await freePort();
    const http = httpClient(`http://127.0.0.1:${port}`);
    child = serve(dataDir, port, resultFile);
    let client = await connect(http);
    // Wait for the first channel snapshot: the dialer needs the AMI link, the test needs the sandbox quiet.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const numbers = ['1501', '1502', '1503', '1504', '2501', '2502', '2503', '3501', '3502', '3503'];
    const run = await createCampaign(client, numbers, { plan: { dial_timeout: 3000, retry_delay: 2, max_retry_cnt_1: 2 } });

    // Mid-campaign: the four answered customers are on the line (parked for 20 s), the others between tries.
    await eventually(async () => ((await dialingsOf(client, run.campaign)).filter((d) => d.res_dial === 4).length >= 4 ? true : undefined), 15_000, 'four answered dialings');
    child.kill('SIGKILL');
    await exited(child);

    child = serve(dataDir, port, resultFile);
    client = await connect(http);
    await eventually(async () => (Number(ok(await client.get(`/v1/ob/campaigns/${run.campaign}`)).status) === 0 ? true : undefined), 60_000, 'the campaign to finish after the restart');

    let tries = 0;
    for (const [index, number] of numbers.entries()) {
      const want = expectedOutcome(number);
      const entry = ok(await client.get(`/v1/ob/dls/${run.dls[index]!}`));
      expect(entry, number).to.include({ res_dial: want.res_dial, res_hangup: want.res_hangup, trycnt_1: want.tries === 'one' ? 1 : 2, status: 0, dialing_uuid: null });
      tries += Number(entry.trycnt_1);
    }
    expect(await dialingsOf(client, run.campaign)).to.deep.equal([]);
    const lines = resultLines(resultFile).filter((line: Json) => line.uuid_camp === run.campaign);
    expect(lines, 'one result line per dialing').to.have.length(tries);
    expect(new Set(lines.map((line) => line.uuid)).size, 'no dialing written twice').to.equal(tries);

    child.kill('SIGTERM');
    await exited(child);
    const store = await SqliteEventStore.open({ dataDir });
    try {
      for (const [index, number] of numbers.entries()) {
        let held = false;
        let takes = 0;
        for (const event of await store.readStream(`dl-${run.dls[index]!}`)) {
          if (event.type === 'DlDialingStarted') {
            expect(held, `${number} taken while a dialing held it`).to.equal(false);
            held = true;
            takes += 1;
          } else if (event.type === 'DlDialingEnded') {
            held = false;
          }
        }
        expect(takes, `${number}: try count = dialings made`).to.equal(expectedOutcome(number).tries === 'one' ? 1 : 2);
      }
    } finally {
      await store.close();
    }
  });
});
