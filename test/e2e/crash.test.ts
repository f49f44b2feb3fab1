/**
 * Kill jade with SIGKILL while it appends a burst (AMI events of many calls plus audited commands),
 * start it again on the same data dir: the store opens, positions are gap-free, and every command
 * jade acknowledged with a 200 is in the log with its outcome.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SqliteEventStore } from '../../src/eventstore/index.js';
import { httpClient } from '../support/http.js';
import { eventually } from '../support/jade.js';
import { getSandbox } from './hooks.js';

// The source through tsx, not bin/jade.js: a stale dist/ must not stand in for the code under test.
const jadeCli = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli.ts');
const password = 'crash-test-secret';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function serve(dataDir: string, port: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', jadeCli, 'serve'], {
    env: {
      ...process.env,
      ...getSandbox().jadeEnv(),
      NODE_ENV: 'production',
      JADE_DATA_DIR: dataDir,
      JADE_HTTP_HOST: '127.0.0.1',
      JADE_HTTP_PORT: String(port),
      JADE_ADMIN_PASSWORD: password,
      JADE_LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

describe('jade killed with SIGKILL mid-burst', function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'jade-crash-'));
  let child: ChildProcess | undefined;

  after(async function () {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts on a gap-free log that holds every acknowledged command', async function () {
    const port = await freePort();
    const http = httpClient(`http://127.0.0.1:${port}`);
    child = serve(dataDir, port);
    await eventually(async () => {
      const health = await http.get('/v1/health');
      return (health.body?.result as { ami: { connected: boolean } }).ami.connected ? true : undefined;
    }, 30_000, 'jade to serve and connect');
    const login = await http.post('/v1/admin/login', { basic: { username: 'admin', password } });
    const token = (login.body?.result as { authtoken: string }).authtoken;

    const acknowledged: string[] = [];
    let killed = false;
    const originateLoop = async (): Promise<void> => {
      while (!killed) {
        try {
          const r = await http.post('/v1/core/channels', { token, body: { channel: 'Local/100@demo', application: 'Wait', data: '1' } });
          if (r.status === 200) acknowledged.push((r.body?.result as { command_id: string }).command_id);
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const loops = [originateLoop(), originateLoop(), originateLoop()];
    await eventually(() => (acknowledged.length >= 15 ? true : undefined), 30_000, 'a burst of acknowledged originates');
    killed = true;
    child.kill('SIGKILL');
    await exited(child);
    await Promise.all(loops);

    // Restart on the same dir: the stale lock of the dead process must not stop it.
    child = serve(dataDir, port);
    await eventually(async () => ((await http.get('/v1/health')).status === 200 ? true : undefined), 30_000, 'jade to restart');
    child.kill('SIGTERM');
    await exited(child);

    const store = await SqliteEventStore.open({ dataDir });
    try {
      const events = await store.readAll();
      expect(events.length).to.be.greaterThan(acknowledged.length * 10);
      events.forEach((event, index) => expect(event.position, 'gap-free from 1').to.equal(index + 1));
      for (const commandId of acknowledged) {
        const types = (await store.readStream(`command-${commandId}`)).map((e) => e.type);
        expect(types, `command ${commandId}`).to.deep.equal(['OriginateRequested', 'OriginateSucceeded']);
      }
    } finally {
      await store.close();
    }
  });
});
