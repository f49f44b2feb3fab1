import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { SqliteEventStore } from '../../../src/eventstore/sqlite/sqlite-event-store.js';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'support', 'sqlite-append-burst.ts');

interface Ack {
  readonly first: number;
  readonly last: number;
  readonly stream: string;
  readonly lastRevision: number;
  readonly n: number;
}

/** Runs the burst writer until it has acknowledged `minAcks` appends, then SIGKILLs it mid-burst. */
function burstThenKill(dataDir: string, minAcks: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acks: Ack[] = [];
    let buffered = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      // The last piece may be a line cut by the kill: only whole lines count as acknowledged.
      buffered = lines.pop()!;
      for (const line of lines) {
        const [tag, first, last, stream, lastRevision, n] = line.split(' ');
        if (tag !== 'ack') continue;
        acks.push({ first: Number(first), last: Number(last), stream: stream!, lastRevision: Number(lastRevision), n: Number(n) });
      }
      if (!killed && acks.length >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(acks);
      else reject(new Error(`burst writer exited on its own (code ${String(code)}) after ${acks.length} acks`));
    });
  });
}

describe('sqlite event store durability under SIGKILL', function () {
  this.timeout(60000);
  let dataDir: string;

  beforeEach(function () {
    dataDir = mkdtempSync(join(tmpdir(), 'jade-crash-'));
  });

  afterEach(function () {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reopens with gap-free positions and every acknowledged append present', async function () {
    const acks = await burstThenKill(dataDir, 5000);
    expect(acks.length).to.be.at.least(5000);

    const store = await SqliteEventStore.open({ dataDir });
    try {
      const log = await store.readAll();
      expect(log.map((e) => e.position)).to.deep.equal(log.map((_, i) => i + 1));
      expect(await store.headPosition()).to.equal(log.length);
      for (const ack of acks) {
        const count = ack.last - ack.first + 1;
        for (let k = 0; k < count; k++) {
          const stored = log[ack.first + k - 1];
          expect(stored, `acknowledged position ${ack.first + k}`).to.not.equal(undefined);
          expect(stored).to.deep.include({ stream: ack.stream, revision: ack.lastRevision - count + 1 + k, type: 'BurstEvent', data: { n: ack.n, k } });
        }
      }
      // The store is usable after the crash: appends continue the numbering.
      const next = await store.append('after-crash', [{ type: 'Resumed', data: {}, metadata: {} }]);
      expect(next.firstPosition).to.equal(log.length + 1);
    } finally {
      await store.close();
    }
  });
});
