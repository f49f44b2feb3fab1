/**
 * `npm run demo`: see jade move in the first minute. Provisions the Asterisk sandbox (the e2e tier's
 * scripts/sandbox-provision.sh: root and debootstrap), starts an Asterisk 22 instance in it on free
 * loopback ports, starts jade against it (its own temporary data dir, a fresh admin password printed
 * once), bundles and serves the dashboard, makes light traffic through the API (scripts/lib/demo-traffic.ts)
 * and prints the dashboard's URL. Ctrl-C (SIGINT) or SIGTERM stops the traffic, jade and Asterisk,
 * removes the temporary files, and exits 0: nothing is left running.
 *
 * Env: JADE_DEMO_HOST (default 127.0.0.1), JADE_DEMO_PORT (default 8088; 0 = any free port),
 * JADE_DEMO_LOG_LEVEL (jade's log level, default error), JADE_SANDBOX_DIR (the chroot's cache folder).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startJade, type Jade } from '../src/main.js';
import { AsteriskSandbox, defaultSandboxDir } from '../test/support/asterisk-sandbox.js';
import { buildUi } from './build-ui.js';
import { DemoTraffic, demoApi } from './lib/demo-traffic.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const provisionScript = join(repo, 'scripts', 'sandbox-provision.sh');

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const complain = (line: string): void => void process.stderr.write(`demo: ${line}\n`);

/** Exits non-zero, saying why the demo cannot run here. */
function cannot(reason: string): never {
  complain(`cannot start: ${reason}`);
  process.exit(1);
}

function provision(): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('bash', [provisionScript], { env: { ...process.env, JADE_SANDBOX_DIR: defaultSandboxDir() }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', (error) => fail(error));
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`scripts/sandbox-provision.sh failed (exit ${code}); its message is above`))));
  });
}

async function main(): Promise<void> {
  if (process.platform !== 'linux') cannot(`the Asterisk sandbox is a Linux chroot; this is ${process.platform}`);
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    cannot('needs root: it provisions a Debian chroot with debootstrap and runs Asterisk in it with chroot (run `sudo npm run demo`)');
  }
  say('demo: provisioning the Asterisk sandbox (the first time downloads Debian sid + Asterisk 22; later runs take a second)…');
  await provision().catch((error: unknown) => cannot(error instanceof Error ? error.message : String(error)));
  const available = AsteriskSandbox.available();
  if (!available.ok) cannot(available.reason);
  await buildUi();

  const sandbox = new AsteriskSandbox({ parkingTimeSeconds: 45 });
  const dataDir = mkdtempSync(join(tmpdir(), 'jade-demo-'));
  let jade: Jade | undefined;
  let traffic: DemoTraffic | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      traffic?.stop();
      await jade?.stop().catch((error: unknown) => complain(`jade did not stop cleanly: ${String(error)}`));
      await sandbox.stop().catch((error: unknown) => complain(`Asterisk did not stop cleanly: ${String(error)}`));
      rmSync(dataDir, { recursive: true, force: true });
    })());

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping !== undefined) return;
      say(`\ndemo: ${signal}: stopping the traffic, jade and Asterisk…`);
      void stop().then(() => {
        say('demo: stopped; nothing left running.');
        process.exit(0);
      });
    });
  }

  try {
    say('demo: starting Asterisk 22…');
    await sandbox.start();
    const password = randomBytes(9).toString('base64url');
    const host = process.env.JADE_DEMO_HOST || '127.0.0.1';
    const port = Number(process.env.JADE_DEMO_PORT ?? 8088);
    const config = loadConfig({
      env: { NODE_ENV: 'production' },
      overrides: {
        http: { host, port },
        dataDir,
        eventstore: { type: 'sqlite' },
        admin: { password },
        log: { level: process.env.JADE_DEMO_LOG_LEVEL || 'error' },
        ami: { host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret },
      },
    });
    jade = await startJade(config, createLogger(config.log.level), { print: () => undefined });
    const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${jade.port}`;
    const token = await login(baseUrl, password);
    await waitForAmi(baseUrl);
    traffic = new DemoTraffic(demoApi(baseUrl, token), { warn: (line) => complain(`traffic: ${line}`) });
    await traffic.start();
    say('');
    say(`demo: dashboard: ${baseUrl}/`);
    say(`demo: log in as admin with password ${password} (printed once; this demo's data is thrown away at exit)`);
    say('demo: calls come into sales_1/sales_2, a campaign dials customers, a guest waits in the parking lot. Ctrl-C stops everything.');
  } catch (error) {
    complain(error instanceof Error ? error.message : String(error));
    await stop();
    process.exit(1);
  }
}

async function login(baseUrl: string, password: string): Promise<string> {
  const response = await fetch(`${baseUrl}/v1/admin/login`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
  });
  const body = (await response.json()) as { result?: { authtoken?: string } };
  if (!response.ok || body.result?.authtoken === undefined) throw new Error(`demo login failed: HTTP ${response.status}`);
  return body.result.authtoken;
}

async function waitForAmi(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = (await (await fetch(`${baseUrl}/v1/health`)).json()) as { result?: { ami?: { connected?: boolean } } };
    if (health.result?.ami?.connected === true) return;
    if (Date.now() > deadline) throw new Error('jade did not connect to the sandbox Asterisk within 30 s');
    await new Promise((done) => setTimeout(done, 200));
  }
}

// No top-level await (tests import modules next to this one as CommonJS): run and report.
main().catch((error: unknown) => {
  complain(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
