/**
 * Kill jade with SIGKILL while it appends a burst (AMI events of many calls plus audited commands),
 * start it again on the same data dir: the store opens, positions are gap-free, and every command
 * jade acknowledged with a 200 is in the log with its outcome.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqliteEventStore } from '../../src/eventstore/index.js';
import { httpClient } from '../support/http.js';
import { eventually } from '../support/jade.js';
import { exited, freePort, serveJade } from '../support/jade-process.js';
import { getSandbox } from './hooks.js';

const password = 'crash-test-secret';

function serve(dataDir: string, port: number): ChildProcess {
  return serveJade({ dataDir, port, adminPassword: password, env: getSandbox().jadeEnv() });
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
