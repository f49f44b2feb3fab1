import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { expect } from 'chai';
import { DataDirLockedError, lockFileName } from '../../../src/eventstore/sqlite/lock-file.js';
import { SqliteEventStore } from '../../../src/eventstore/sqlite/sqlite-event-store.js';
import { SqliteLogSource } from '../../../src/eventstore/sqlite/sqlite-log-source.js';
import type { JadeEvent } from '../../../src/events/index.js';
import { httpClient } from '../../support/http.js';
import { eventually } from '../../support/jade.js';
import { exited, freePort, serveJade } from '../../support/jade-process.js';
import { eventStoreContract } from './contract.js';
import { logSourceContract } from './log-source-contract.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jade-es-'));
  dirs.push(dir);
  return dir;
}

const event = (type: string, data: Record<string, unknown> = {}): JadeEvent => ({ type, data, metadata: {} });

describe('sqlite adapter', function () {
  after(function () {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  eventStoreContract('sqlite', () => SqliteEventStore.open({ dataDir: tempDir() }), { gapFreePositions: true, emptyOnOpen: true });

  // The log read straight from the file beside its writer: opened while the store holds the data dir's lock (a reader needs none).
  logSourceContract('sqlite file read beside its writer', async () => {
    const dataDir = tempDir();
    const writer = await SqliteEventStore.open({ dataDir });
    const source = SqliteLogSource.open(dataDir);
    return {
      writer,
      source,
      close: async () => {
        source.close();
        await writer.close();
      },
    };
  });

  it('keeps its events across a reopen and continues the positions', async function () {
    const dataDir = tempDir();
    const first = await SqliteEventStore.open({ dataDir });
    await first.append('call-1', [event('A'), event('B')]);
    await first.close();
    const second = await SqliteEventStore.open({ dataDir });
    try {
      const result = await second.append('call-1', [event('C')], 1);
      expect(result).to.deep.equal({ nextExpectedRevision: 2, firstPosition: 3, lastPosition: 3 });
      expect((await second.readAll()).map((e) => e.type)).to.deep.equal(['A', 'B', 'C']);
    } finally {
      await second.close();
    }
  });

  it('stores the log in WAL mode with the schema other tools read', async function () {
    const dataDir = tempDir();
    const store = await SqliteEventStore.open({ dataDir });
    await store.append('pbx-a', [event('A', { x: 1 })]);
    await store.close();
    const db = new BetterSqlite3(join(dataDir, SqliteEventStore.fileName), { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      expect(db.prepare('SELECT position, stream, revision, type, data, metadata FROM events').all()).to.deep.equal([
        { position: 1, stream: 'pbx-a', revision: 0, type: 'A', data: '{"x":1}', metadata: '{}' },
      ]);
    } finally {
      db.close();
    }
  });

  describe('data dir lock', function () {
    it('holds the data dir while open: isLocked says so and a second open is refused', async function () {
      const dataDir = tempDir();
      expect(SqliteEventStore.isLocked(dataDir)).to.equal(false);
      const store = await SqliteEventStore.open({ dataDir });
      expect(SqliteEventStore.isLocked(dataDir)).to.equal(true);
      expect(SqliteEventStore.lockHolder(dataDir)).to.equal(process.pid);
      let refused: unknown;
      await SqliteEventStore.open({ dataDir }).catch((error: unknown) => (refused = error));
      expect(refused).to.be.instanceOf(DataDirLockedError).and.include({ pid: process.pid });
      await store.close();
      expect(SqliteEventStore.isLocked(dataDir)).to.equal(false);
    });

    it('takes over a lock left by a process that no longer exists', async function () {
      const dataDir = tempDir();
      const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
      writeFileSync(join(dataDir, lockFileName), `${deadPid}\n`);
      expect(SqliteEventStore.isLocked(dataDir)).to.equal(false);
      const store = await SqliteEventStore.open({ dataDir });
      expect(SqliteEventStore.lockHolder(dataDir)).to.equal(process.pid);
      await store.close();
    });

    // A restarted container or a quick respawn can get the very pid its dead predecessor recorded,
    // and any other live process can have it too: a recorded pid proves nothing about a holder.
    for (const [who, pid] of [
      ['this process', process.pid],
      ['another live process', process.ppid],
    ] as const) {
      it(`takes a pid-file lock that names ${who} when no process holds the lock`, async function () {
        const dataDir = tempDir();
        writeFileSync(join(dataDir, lockFileName), `${pid}\n`);
        expect(SqliteEventStore.isLocked(dataDir)).to.equal(false);
        const store = await SqliteEventStore.open({ dataDir });
        try {
          expect(SqliteEventStore.lockHolder(dataDir)).to.equal(process.pid);
        } finally {
          await store.close();
        }
      });

      it(`takes a lock whose recorded holder is ${who} when that holder no longer holds it`, async function () {
        const dataDir = tempDir();
        const first = await SqliteEventStore.open({ dataDir });
        await first.close();
        const lockDb = new BetterSqlite3(join(dataDir, lockFileName));
        lockDb.prepare('UPDATE holder SET pid = ?').run(pid);
        lockDb.close();
        expect(SqliteEventStore.isLocked(dataDir)).to.equal(false);
        const second = await SqliteEventStore.open({ dataDir });
        try {
          expect(SqliteEventStore.lockHolder(dataDir)).to.equal(process.pid);
        } finally {
          await second.close();
        }
      });
    }

    it('is held by the store in another process while it lives, and taken the moment it is killed', async function () {
      this.timeout(30_000);
      const dataDir = tempDir();
      const port = await freePort();
      const child = serveJade({ dataDir, port, adminPassword: 'lock-test-secret', env: { JADE_AMI_PORT: '1' } });
      try {
        const http = httpClient(`http://127.0.0.1:${port}`);
        await eventually(async () => ((await http.get('/v1/ping')).status === 200 ? true : undefined), 20_000, 'jade to serve');
        expect(SqliteEventStore.lockHolder(dataDir)).to.equal(child.pid);
        let refused: unknown;
        await SqliteEventStore.open({ dataDir }).catch((error: unknown) => (refused = error));
        expect(refused).to.be.instanceOf(DataDirLockedError).and.include({ pid: child.pid });
      } finally {
        child.kill('SIGKILL');
        await exited(child);
      }
      expect(SqliteEventStore.isLocked(dataDir)).to.equal(false);
      const store = await SqliteEventStore.open({ dataDir });
      await store.close();
    });
  });

  describe('group commit', function () {
    it('writes concurrent appends in one transaction', async function () {
      const store = await SqliteEventStore.open({ dataDir: tempDir() });
      try {
        await Promise.all(Array.from({ length: 100 }, (_, i) => store.append(`s-${i % 3}`, [event('E')])));
        expect(store.stats()).to.deep.equal({ groupsCommitted: 1, appendsCommitted: 100, eventsCommitted: 100 });
      } finally {
        await store.close();
      }
    });

    it('bounds a group by groupCommitMaxBatch events, never splitting an append', async function () {
      const store = await SqliteEventStore.open({ dataDir: tempDir(), groupCommitMaxBatch: 10 });
      try {
        const pending = Array.from({ length: 40 }, (_, i) => store.append('s', [event('E', { i })]));
        pending.push(store.append('s', Array.from({ length: 25 }, () => event('Big'))));
        await Promise.all(pending);
        expect(store.stats()).to.deep.equal({ groupsCommitted: 5, appendsCommitted: 41, eventsCommitted: 65 });
        expect((await store.readAll()).map((e) => e.position)).to.deep.equal(Array.from({ length: 65 }, (_, i) => i + 1));
      } finally {
        await store.close();
      }
    });

    it('rejects an event whose data is not JSON without failing the appends beside it', async function () {
      const store = await SqliteEventStore.open({ dataDir: tempDir() });
      try {
        const outcomes = await Promise.allSettled([
          store.append('s', [event('Good1')]),
          store.append('s', [event('Bad', { n: 1n })]),
          store.append('s', [event('Good2')]),
        ]);
        expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
        expect((await store.readAll()).map((e) => [e.position, e.type])).to.deep.equal([
          [1, 'Good1'],
          [2, 'Good2'],
        ]);
      } finally {
        await store.close();
      }
    });

    it('fails a group whose write fails, whole, and goes on with gap-free positions after it', async function () {
      const dataDir = tempDir();
      const store = await SqliteEventStore.open({ dataDir });
      try {
        await store.append('s', [event('Before')]);
        // Another connection makes SQLite refuse one row: the writer's transaction rolls back.
        const other = new BetterSqlite3(join(dataDir, SqliteEventStore.fileName));
        other.exec("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.type = 'Boom' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
        const group = await Promise.allSettled([store.append('s', [event('Beside')]), store.append('t', [event('Boom')])]);
        expect(group.map((outcome) => outcome.status)).to.deep.equal(['rejected', 'rejected']);
        expect((group[0] as PromiseRejectedResult).reason).to.have.property('name', 'EventStoreUnavailableError');
        other.exec('DROP TRIGGER refuse');
        other.close();
        const after = await store.append('s', [event('After')]);
        expect(after).to.deep.equal({ nextExpectedRevision: 1, firstPosition: 2, lastPosition: 2 });
        expect((await store.readAll()).map((e) => [e.position, e.type])).to.deep.equal([
          [1, 'Before'],
          [2, 'After'],
        ]);
      } finally {
        await store.close();
      }
    });

    it('answers an awaited append in a process with nothing else to do, and lets that process end without close()', function () {
      // The writer thread holds the event loop open only while a group is in flight: an unclosed store
      // never keeps a process alive, and an awaited append is never cut off by the process ending first.
      const dataDir = tempDir();
      const script = [
        `const { SqliteEventStore } = await import(${JSON.stringify(new URL('../../../src/eventstore/sqlite/sqlite-event-store.ts', import.meta.url).pathname)});`,
        `const store = await SqliteEventStore.open({ dataDir: ${JSON.stringify(dataDir)} });`,
        `const result = await store.append('s', [{ type: 'E', data: {}, metadata: {} }]);`,
        `console.log('appended ' + result.lastPosition);`,
      ].join('\n');
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
      expect(child.status, child.stderr).to.equal(0);
      expect(child.stdout.trim()).to.equal('appended 1');
      const db = new BetterSqlite3(join(dataDir, SqliteEventStore.fileName), { readonly: true });
      try {
        expect(db.prepare('SELECT position, type FROM events').all()).to.deep.equal([{ position: 1, type: 'E' }]);
      } finally {
        db.close();
      }
    });

    it('commits appends still queued when close() is called, then refuses new ones', async function () {
      const dataDir = tempDir();
      const store = await SqliteEventStore.open({ dataDir });
      const queued = store.append('s', [event('Queued')]);
      await store.close();
      expect((await queued).lastPosition).to.equal(1);
      let refused: unknown;
      await store.append('s', [event('Late')]).catch((error: unknown) => (refused = error));
      expect(refused).to.have.property('name', 'EventStoreUnavailableError');
    });
  });
});
