/**
 * jade as a child process, SIGKILLed while it acknowledges HTTP writes, restarted on the same data
 * dir, twenty times in a row: the data-dir lock dies with its holder, so every restart starts, and
 * the log stays gap-free with every acknowledged write in it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqliteEventStore } from '../../../src/eventstore/index.js';
import { obStreams } from '../../../src/events/outbound.js';
import { httpClient, type HttpClient } from '../../support/http.js';
import { eventually } from '../../support/jade.js';
import { exited, freePort, serveJade } from '../../support/jade-process.js';

const password = 'restart-test-secret';
const cycles = 20;
const writersPerCycle = 4;
const acksPerCycle = 8;

/** Creates plans until `stop()` says so or the server dies; returns the uuids jade acknowledged with a 200. */
function writePlans(http: HttpClient, token: string, cycle: number): { acknowledged: Promise<string[]>; count: () => number; stop: () => void } {
  const uuids: string[] = [];
  let stopped = false;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; !stopped; i++) {
      try {
        const response = await http.post('/v1/ob/plans', { token, body: { name: `cycle ${cycle} writer ${w} plan ${i}` } });
        if (response.status === 200) uuids.push((response.body?.result as { uuid: string }).uuid);
      } catch {
        return; // the connection died with the process: that write was never acknowledged
      }
    }
  };
  const all = Promise.all(Array.from({ length: writersPerCycle }, (_, w) => writer(w))).then(() => uuids);
  return { acknowledged: all, count: () => uuids.length, stop: () => (stopped = true) };
}

describe('jade SIGKILLed and restarted on the same data dir', function () {
  this.timeout(120_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'jade-restarts-'));
  let child: ChildProcess | undefined;

  after(async function () {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`starts ${cycles} times in a row after a SIGKILL mid-write, on a gap-free log holding every acknowledged write`, async function () {
    const port = await freePort();
    const http = httpClient(`http://127.0.0.1:${port}`);
    const acknowledged: string[] = [];
    let token: string | undefined;
    let started = 0;

    for (let cycle = 1; cycle <= cycles; cycle++) {
      child = serveJade({ dataDir, port, adminPassword: password, env: { JADE_AMI_PORT: '1' } });
      const running = child;
      let died = false;
      void exited(running).then(() => (died = true));
      await eventually(
        async () => {
          if (died) throw new Error(`jade exited on start ${cycle} (code ${String(running.exitCode)})`);
          return (await http.get('/v1/ping')).status === 200 ? true : undefined;
        },
        20_000,
        `jade to start (start ${cycle})`,
      );
      started++;
      // Tokens are in the log: the one from the first start still works after each restart.
      if (token === undefined) {
        const login = await http.post('/v1/admin/login', { basic: { username: 'admin', password } });
        token = (login.body?.result as { authtoken: string }).authtoken;
      }
      const writes = writePlans(http, token, cycle);
      await eventually(() => (writes.count() >= acksPerCycle ? true : undefined), 20_000, `acknowledged writes (start ${cycle})`);
      running.kill('SIGKILL');
      await exited(running);
      writes.stop();
      acknowledged.push(...(await writes.acknowledged));
    }
    expect(started).to.equal(cycles);

    const store = await SqliteEventStore.open({ dataDir });
    try {
      const log = await store.readAll();
      expect(log.map((e) => e.position), 'positions 1..N with no gap').to.deep.equal(log.map((_, i) => i + 1));
      expect(acknowledged.length).to.be.at.least(cycles * acksPerCycle);
      for (const uuid of acknowledged) {
        const types = (await store.readStream(obStreams.plan(uuid))).map((e) => e.type);
        expect(types, `acknowledged plan ${uuid}`).to.include('PlanCreated');
      }
    } finally {
      await store.close();
    }
  });
});
