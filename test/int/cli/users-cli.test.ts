/**
 * `jade users add|list|passwd|rm` write the data dir's log on the server's host, with the server
 * stopped; while a server holds the data dir they refuse and say what to use instead.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startTestJade, type RunningJade } from '../../support/jade.js';

const bin = fileURLToPath(new URL('../../../bin/jade.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(dataDir: string, args: readonly string[], stdin = ''): Promise<Run> {
  const env = { ...process.env, JADE_DATA_DIR: dataDir, JADE_LOG_LEVEL: 'silent', JADE_EVENTSTORE: 'sqlite' };
  const child = spawn(process.execPath, [bin, 'users', ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(stdin);
  return new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('jade users (CLI)', function () {
  this.timeout(60_000);
  let dataDir: string;
  let jade: RunningJade | undefined;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'jade-users-cli-'));
    // A first start makes the log (and the first admin); then the server stops and lets go of the dir.
    jade = await startTestJade(undefined, { dataDir });
  });

  after(async () => {
    await jade?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses while a server holds the data dir, naming the REST routes to use instead', async () => {
    const result = await run(dataDir, ['list']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/holds .*\/v1\/admin\/user\/users/);
  });

  it('adds, lists, changes the password of and removes users; a server started later sees them', async () => {
    await jade!.stop();
    jade = undefined;

    const added = await run(dataDir, ['add', 'olga', '--name', 'Olga O', '--permission', 'manager', '--permission', 'user', '--password-stdin'], 'olga-secret-1\n');
    expect(added.code, added.stderr).to.equal(0);
    const uuid = added.stdout.trim();
    expect(uuid).to.match(/^[0-9a-f-]{36}$/);
    expect((await run(dataDir, ['add', 'olga', '--password-stdin'], 'x')).code).to.equal(1);
    expect((await run(dataDir, ['add', 'bad', '--permission', 'root', '--password-stdin'], 'x')).code).to.equal(2);
    expect((await run(dataDir, ['add', 'nopw', '--password-stdin'], '')).code).to.equal(2);
    // Prompted: one line from stdin after a prompt on stderr.
    const prompted = await run(dataDir, ['add', 'pete'], 'pete-secret\n');
    expect(prompted.code, prompted.stderr).to.equal(0);
    expect(prompted.stderr).to.include('password:');

    const listed = await run(dataDir, ['list']);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.include(`${uuid}\tolga\tOlga O\tmanager,user\n`);
    expect(listed.stdout).to.match(/\tadmin\t/);
    expect(listed.stdout).to.not.include('secret');

    const passwd = await run(dataDir, ['passwd', 'olga', '--password-stdin'], 'olga-secret-2\n');
    expect(passwd.code, passwd.stderr).to.equal(0);
    expect((await run(dataDir, ['passwd', 'nobody', '--password-stdin'], 'x')).code).to.equal(1);

    jade = await startTestJade(undefined, { dataDir });
    expect((await jade.http.post('/v1/manager/login', { basic: { username: 'olga', password: 'olga-secret-1' } })).status).to.equal(401);
    expect((await jade.http.post('/v1/manager/login', { basic: { username: 'olga', password: 'olga-secret-2' } })).status).to.equal(200);
    const view = (await jade.get(`/v1/manager/users/${uuid}`)).body?.result as { permissions: unknown };
    expect(view.permissions).to.deep.equal([{ permission: 'manager' }, { permission: 'user' }]);
    await jade.stop();
    jade = undefined;

    const removed = await run(dataDir, ['rm', 'olga']);
    expect(removed.code, removed.stderr).to.equal(0);
    expect((await run(dataDir, ['rm', 'olga'])).code).to.equal(1);
    expect((await run(dataDir, ['list'])).stdout).to.not.include('olga');
    expect((await run(dataDir, ['frobnicate'])).code).to.equal(2);

    jade = await startTestJade(undefined, { dataDir });
    expect((await jade.http.post('/v1/manager/login', { basic: { username: 'olga', password: 'olga-secret-2' } })).status).to.equal(401);
  });
});
