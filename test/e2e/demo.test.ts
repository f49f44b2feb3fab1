/**
 * Issue 16 item 3: `npm run demo` (scripts/demo.ts) brings up Asterisk, jade and traffic, prints the
 * dashboard URL and a password, and SIGINT stops all of it: no Asterisk or other child left running.
 * Runs where the e2e tier runs (root, provisioned sandbox); the tier's own sandbox is not used.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { eventually } from '../support/jade.js';
import { getSandbox } from './hooks.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every process below `root`, from /proc's parent links. */
function descendants(root: number): { pid: number; command: string }[] {
  const parents = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
      commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim());
    } catch {
      // Gone while we looked.
    }
  }
  const found: { pid: number; command: string }[] = [];
  const walk = (pid: number) => {
    for (const child of parents.get(pid) ?? []) {
      found.push({ pid: child, command: commands.get(child) ?? '' });
      walk(child);
    }
  };
  walk(root);
  return found;
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((done) =>
    child.exitCode !== null || child.signalCode !== null ? done({ code: child.exitCode, signal: child.signalCode }) : child.once('exit', (code, signal) => done({ code, signal })),
  );

describe('npm run demo (issue 16)', function () {
  this.timeout(180_000);
  let demo: ChildProcess | undefined;

  before(() => {
    // Only where the tier runs: the hook skipped everything otherwise.
    getSandbox();
  });

  after(() => {
    if (demo !== undefined && demo.exitCode === null) demo.kill('SIGKILL');
  });

  it('prints the dashboard URL, serves it with moving calls, and leaves nothing running after SIGINT', async () => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'scripts', 'demo.ts')], {
      cwd: repo,
      env: { ...process.env, JADE_DEMO_PORT: '0', JADE_DEMO_LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo = child;
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

    const url = await eventually(() => /dashboard: (http:\/\/\S+)/.exec(stdout)?.[1], 120_000, `the dashboard URL line (stdout: ${stdout}, stderr: ${stderr})`);
    const password = /password (\S+)/.exec(stdout)?.[1];
    expect(password, stdout).to.be.a('string');
    const upMs = Date.now() - startedAt;

    const page = await fetch(url);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('<title>jade dashboard</title>');
    const login = await fetch(new URL('/v1/admin/login', url), { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`admin:${password!}`).toString('base64')}` } });
    expect(login.status).to.equal(200);
    const token = ((await login.json()) as { result: { authtoken: string } }).result.authtoken;
    // Traffic: calls are up within seconds of the URL line.
    await eventually(async () => {
      const channels = (await (await fetch(new URL('/v1/core/channels', url), { headers: { authorization: `Bearer ${token}` } })).json()) as { result?: { list?: unknown[] } };
      return (channels.result?.list?.length ?? 0) > 0 ? true : undefined;
    }, 30_000, 'demo traffic to put calls up');
    const movingMs = Date.now() - startedAt;
    process.stderr.write(`demo: URL printed after ${upMs} ms, calls up after ${movingMs} ms\n`);

    const running = descendants(child.pid!);
    expect(running.some((p) => p.command.includes('asterisk')), JSON.stringify(running)).to.equal(true);
    child.kill('SIGINT');
    const { code } = await exited(child);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.include('nothing left running');
    const left = running.filter((p) => existsSync(`/proc/${p.pid}`) && readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() === p.command);
    expect(left, 'processes the demo started and left behind').to.deep.equal([]);
  });
});
