/**
 * `jade events tail|export` and `jade calls show` run as separate processes against the data dir of a
 * server that is running (and holds its lock): they must read beside it, read-only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadCaptureFrames } from '../../unit/projections/support/ami-capture.js';
import { captureLog } from '../../unit/projections/support/stream-log.js';
import { eventually, startTestJade, testAdminPassword, type RunningJade } from '../../support/jade.js';

const bin = fileURLToPath(new URL('../../../bin/jade.js', import.meta.url));
const queueCall = '1795810127.8';

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function cliEnv(jade: RunningJade): NodeJS.ProcessEnv {
  // The server's store (JADE_TEST_STORE=postgres runs this file on PostgreSQL too).
  const store = { JADE_EVENTSTORE: jade.config.eventstore.type, JADE_POSTGRES_URL: jade.config.eventstore.postgresUrl };
  return { ...process.env, ...store, JADE_DATA_DIR: jade.config.dataDir, JADE_LOG_LEVEL: 'silent', JADE_HTTP_PORT: String(jade.jade.port), JADE_ADMIN_PASSWORD: testAdminPassword };
}

function start(jade: RunningJade, args: readonly string[]): { child: ChildProcess; output: () => string; done: Promise<Run> } {
  const child = spawn(process.execPath, [bin, ...args], { env: cliEnv(jade), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Run>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, output: () => stdout, done };
}

const run = (jade: RunningJade, args: readonly string[]): Promise<Run> => start(jade, args).done;
const jsonLines = (text: string): Array<Record<string, unknown>> => text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('jade events / jade calls beside a running server', function () {
  this.timeout(60_000);
  let jade: RunningJade;
  let first: number;

  before(async () => {
    jade = await startTestJade(undefined);
    first = (await jade.jade.store.headPosition()) + 1;
    const events = captureLog(loadCaptureFrames());
    await Promise.all(events.map((event) => jade.jade.store.append(event.stream, [{ type: event.type, data: event.data, metadata: event.metadata }])));
    const metadata = { commandId: 'cmd-1', userId: 'u-1', correlationId: 'cmd-1' };
    await jade.jade.store.append('command-cmd-1', [
      { type: 'HangupRequested', data: { command_id: 'cmd-1', command_type: 'Hangup', request: { unique_id: queueCall }, targets: { unique_id: queueCall, linked_id: queueCall }, user_uuid: 'u-1', username: 'alice' }, metadata },
      { type: 'HangupSucceeded', data: { command_id: 'cmd-1', response: { Response: 'Success', Message: 'Channel Hungup' }, result: {} }, metadata },
    ]);
    await jade.jade.runner.waitForPosition(await jade.jade.store.headPosition(), 10_000);
  });

  after(async () => {
    await jade?.stop();
  });

  it('exports a range of the log as JSON Lines, the same entries as GET /v1/events, secrets masked', async () => {
    const result = await run(jade, ['events', 'export', '--from', '1', '--to', String(first + 49)]);
    expect(result.code, result.stderr).to.equal(0);
    const lines = jsonLines(result.stdout);
    expect(lines.map((line) => line.position)).to.deep.equal(Array.from({ length: first + 49 }, (_, i) => i + 1));
    const api = (await jade.get('/v1/events', { query: { to_position: String(first + 49), limit: '1000' } })).body?.result as { list: unknown[] };
    expect(lines).to.deep.equal(api.list);
    expect(result.stdout).to.include('"password_hash":"[redacted]"');
  });

  it('exports only what the filters select', async () => {
    const result = await run(jade, ['events', 'export', '--stream-prefix', 'call-', '--type', 'QueueCallerJoin,QueueCallerLeave']);
    expect(result.code, result.stderr).to.equal(0);
    const lines = jsonLines(result.stdout);
    expect(lines.length).to.be.greaterThan(10);
    expect(new Set(lines.map((line) => line.type))).to.deep.equal(new Set(['QueueCallerJoin', 'QueueCallerLeave']));
  });

  it('tails the log live from its head: events appended by the server after it started, filtered', async () => {
    const tail = start(jade, ['events', 'tail', '--type', 'UserEvent']);
    // Give it time to open the log and read the head before the server appends.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await jade.jade.store.append('call-tail-1', [{ type: 'Newexten', data: { Linkedid: 'tail-1' }, metadata: {} }]);
    for (let i = 0; i < 3; i++) await jade.jade.store.append('call-tail-1', [{ type: 'UserEvent', data: { UserEvent: `n${i}`, Linkedid: 'tail-1' }, metadata: {} }]);
    const lines = await eventually(() => {
      const got = jsonLines(tail.output());
      return got.length >= 3 ? got : undefined;
    }, 10_000, 'the tail to print the new events');
    tail.child.kill('SIGINT');
    const result = await tail.done;
    expect(result.code, result.stderr).to.equal(0);
    expect(lines.map((line) => (line.data as Record<string, unknown>).UserEvent)).to.deep.equal(['n0', 'n1', 'n2']);
  });

  it('masks AuthDetail Password and Md5Cred in export and in tail (issue 10): the clear values occur nowhere', async () => {
    const secrets = { Password: 'cli-clear-password-77', Md5Cred: 'cli-clear-md5-0123456789abcdef' };
    const authDetail = { ObjectType: 'auth', ObjectName: 'pjagent-09', Username: 'pjagent-09', AuthType: 'userpass', ...secrets };
    const tail = start(jade, ['events', 'tail', '--type', 'AuthDetail']);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const { lastPosition } = await jade.jade.store.append('pbx-asterisk', [{ type: 'AuthDetail', data: authDetail, metadata: {} }]);
    const tailed = await eventually(() => {
      const got = jsonLines(tail.output());
      return got.length >= 1 ? got : undefined;
    }, 10_000, 'the tail to print the AuthDetail');
    tail.child.kill('SIGINT');
    const tailRun = await tail.done;
    const exported = await run(jade, ['events', 'export', '--type', 'AuthDetail', '--from', String(lastPosition)]);
    expect(exported.code, exported.stderr).to.equal(0);
    for (const [what, text] of [['tail', tailRun.stdout], ['export', exported.stdout]] as const) {
      expect(jsonLines(text).map((line) => line.data), what).to.deep.equal([{ ...authDetail, Password: '[redacted]', Md5Cred: '[redacted]' }]);
      for (const secret of Object.values(secrets)) expect(text, what).not.to.include(secret);
    }
    expect(tailed[0]!.position).to.equal(lastPosition);
  });

  it('shows a call for a terminal: summary, legs, the command and every event of the call', async () => {
    const result = await run(jade, ['calls', 'show', queueCall]);
    expect(result.code, result.stderr).to.equal(0);
    const stream = await jade.jade.store.readStream(`call-${queueCall}`);
    expect(result.stdout).to.match(new RegExp(`^call ${queueCall.replace('.', '\\.')}`));
    expect(result.stdout).to.include('queues: sales_1   agents: agent-01');
    expect(result.stdout).to.match(/hung up by caller\s+cause 16 Normal Clearing/);
    expect(result.stdout).to.match(/Hangup\s+succeeded by alice\s+cmd-1/);
    const timeline = result.stdout.split('timeline\n')[1]!.trim().split('\n');
    expect(timeline.length).to.equal(stream.length + 2);
    expect(timeline[0]).to.match(/^\s*\+0\.000\s+#\d+\s+Newchannel\s+Local\/200@demo-00000004;1/);
    expect(result.stdout).to.match(/QueueCallerJoin\s+Local\/200@demo-00000004;2\s+queue sales_1/);
    expect(result.stdout).to.match(/HangupRequested\s+by alice/);
  });

  it('says so for an unknown call, and prints the usage for a bad command line', async () => {
    const unknown = await run(jade, ['calls', 'show', 'nope']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/no call nope/);
    const bad = await run(jade, ['events', 'export', '--from', 'x']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/--from must be a log position[\s\S]*usage:/);
  });

  it('rebuilds through the running server with --server, and refuses to rebuild beside it without', async () => {
    const refused = await run(jade, ['rebuild']);
    expect(refused.code).to.equal(1);
    if (jade.config.eventstore.type === 'postgres') {
      expect(refused.stderr, 'names the leading node').to.include(`${jade.jade.leadership.view().node} leads the jade nodes on this database`);
    } else {
      expect(refused.stderr).to.match(/holds/);
      expect(refused.stderr, 'names the holder, read from the lock').to.include(`pid ${process.pid}`);
    }
    const through = await run(jade, ['rebuild', 'calls', '--server']);
    expect(through.code, through.stderr).to.equal(0);
    expect(through.stderr).to.match(/rebuilt calls to position \d+: \d+ events/);
  });
});
