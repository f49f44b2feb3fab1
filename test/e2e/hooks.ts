/**
 * Mocha root hooks for the e2e tier: one real Asterisk for the whole run.
 *
 * Load with `mocha --require ./test/e2e/hooks.ts ...` (mocha's --require registers the
 * exported `mochaHooks`; `--import` would be handed to node and the hooks never run).
 *
 * Before all tests: provision the chroot if needed (scripts/sandbox-provision.sh) and
 * start one AsteriskSandbox. When that is impossible here (not root, no debootstrap, no
 * network to Debian) the whole tier is skipped with `e2e tier skipped: <reason>` printed,
 * except under CI=true, where a tier that cannot run is a failure, not a skip.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'mocha';
import { AsteriskSandbox, defaultSandboxDir } from '../support/asterisk-sandbox.js';

const PROVISION_SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/sandbox-provision.sh');
/** debootstrap of sid takes about 40 s on a good link; leave room for a slow mirror. */
const PROVISION_TIMEOUT_MS = 15 * 60_000;

let sandbox: AsteriskSandbox | undefined;
let skipReason: string | undefined;

/** The shared sandbox, started by the root hook. Throws when the tier is not running. */
export function getSandbox(): AsteriskSandbox {
  if (sandbox !== undefined) return sandbox;
  throw new Error(
    skipReason !== undefined
      ? `Asterisk sandbox unavailable: ${skipReason}`
      : 'Asterisk sandbox not started: load test/e2e/hooks.ts with mocha --require',
  );
}

/** Runs the provisioning script, showing its progress (debootstrap takes a while). */
function runProvisioning(): Promise<{ ok: true } | { ok: false; reason: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [PROVISION_SCRIPT], {
      env: { ...process.env, JADE_SANDBOX_DIR: defaultSandboxDir() },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: PROVISION_TIMEOUT_MS,
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      process.stderr.write(chunk);
    });
    child.once('error', (error) => resolve({ ok: false, reason: `cannot run ${PROVISION_SCRIPT}: ${error.message}` }));
    child.once('close', (code, signal) => {
      if (code === 0) return resolve({ ok: true });
      // The script's own diagnosis is its "cannot provision:" line.
      const said = stderr.split('\n').reverse().find((l) => l.includes('cannot provision:'));
      resolve({
        ok: false,
        reason: said?.replace(/^sandbox-provision: cannot provision: /, '') ?? `provisioning failed (exit ${code ?? signal})`,
      });
    });
  });
}

async function prepare(): Promise<{ ok: true; sandbox: AsteriskSandbox } | { ok: false; reason: string }> {
  // Provisioning needs root; without it, say so instead of the script's longer story.
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    const availability = AsteriskSandbox.available();
    if (!availability.ok) return availability;
  } else {
    // Always: it is idempotent and quick once the chroot exists (a few ms), and it also
    // installs sipp on a machine whose cached chroot predates it.
    const provisioned = await runProvisioning();
    if (!provisioned.ok) return provisioned;
  }
  const availability = AsteriskSandbox.available();
  if (!availability.ok) return availability;
  const candidate = new AsteriskSandbox();
  try {
    await candidate.start();
  } catch (error) {
    return { ok: false, reason: `Asterisk did not start: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { ok: true, sandbox: candidate };
}

export const mochaHooks = {
  async beforeAll(this: Context): Promise<void> {
    this.timeout(PROVISION_TIMEOUT_MS + 60_000);
    const prepared = await prepare();
    if (prepared.ok) {
      sandbox = prepared.sandbox;
      process.stderr.write(
        `e2e: Asterisk sandbox up in ${sandbox.lastBootMs} ms (AMI ${sandbox.host}:${sandbox.amiPort}, SIP udp ${sandbox.sipPort})\n`,
      );
      return;
    }
    skipReason = prepared.reason;
    if (process.env.CI === 'true') {
      throw new Error(`e2e tier cannot run under CI=true: ${prepared.reason}`);
    }
    process.stderr.write(`e2e tier skipped: ${prepared.reason}\n`);
    // Skipping in the root before-all hook marks every test of the run as pending.
    this.skip();
  },

  async afterAll(this: Context): Promise<void> {
    this.timeout(30_000);
    const running = sandbox;
    sandbox = undefined;
    await running?.stop();
  },
};
