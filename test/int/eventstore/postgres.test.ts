import pg from 'pg';
import { expect } from 'chai';
import type { JadeEvent } from '../../../src/events/index.js';
import { PostgresEventStore } from '../../../src/eventstore/postgres/postgres-event-store.js';
import { PostgresLogSource } from '../../../src/eventstore/postgres/postgres-log-source.js';
import { EventStoreUnavailableError } from '../../../src/eventstore/port.js';
import { StoreLogSource } from '../../../src/eventstore/store-log-source.js';
import { postgresForSuite, type TestDatabase } from '../../support/postgres.js';
import { eventStoreContract } from './contract.js';
import { logSourceContract } from './log-source-contract.js';

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const event = (type: string, data: Record<string, unknown> = {}): JadeEvent => ({ type, data, metadata: {} });

describe('postgres adapter', function () {
  let database: TestDatabase;

  before(async function () {
    database = await postgresForSuite(this, 'eventstore');
  });

  after(async function () {
    await database?.drop();
  });

  /** Each store the contract opens starts from an empty log: the table is dropped first (tests run one at a time). */
  async function emptyStore(): Promise<PostgresEventStore> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('DROP TABLE IF EXISTS events');
    } finally {
      await client.end();
    }
    return PostgresEventStore.open({ connectionString: database.url });
  }

  eventStoreContract('postgres', emptyStore, { gapFreePositions: true, emptyOnOpen: true });

  logSourceContract('the store-backed log over postgres', async () => {
    const writer = await emptyStore();
    const source = new StoreLogSource(writer);
    return {
      writer,
      source,
      close: async () => {
        source.close();
        await writer.close();
      },
    };
  });

  // The log read with SQL filters by a source of its own beside the writer (the log API and the CLI on PostgreSQL).
  logSourceContract('postgres SQL log source beside its writer', async () => {
    const writer = await emptyStore();
    const source = PostgresLogSource.open(database.url);
    return {
      writer,
      source,
      close: async () => {
        source.close();
        await writer.close();
      },
    };
  });

  describe('several stores on one database (several jade processes)', function () {
    let stores: PostgresEventStore[];

    beforeEach(async function () {
      const first = await emptyStore();
      stores = [first, await PostgresEventStore.open({ connectionString: database.url }), await PostgresEventStore.open({ connectionString: database.url })];
    });

    afterEach(async function () {
      await Promise.all(stores.map((store) => store.close()));
    });

    it('interleaves concurrent appends of three stores into one gap-free log, each stream revision-ordered', async function () {
      const pending = stores.flatMap((store, s) => Array.from({ length: 60 }, (_, i) => store.append(`shared-${i % 4}`, [event('E', { s, i }), event('F', { s, i })])));
      const results = await Promise.all(pending);
      const log = await stores[0]!.readAll();
      expect(log.map((e) => e.position)).to.deep.equal(Array.from({ length: 360 }, (_, i) => i + 1));
      // Every append's two events are adjacent: an append is never split by another process's.
      for (const result of results) expect(result.lastPosition).to.equal(result.firstPosition + 1);
      for (let k = 0; k < 4; k++) {
        const revisions = (await stores[1]!.readStream(`shared-${k}`)).map((e) => e.revision);
        expect(revisions).to.deep.equal(revisions.map((_, i) => i));
      }
    });

    it('refuses the second of two processes appending no_stream to the same stream', async function () {
      const outcomes = await Promise.allSettled(stores.map((store) => store.append('once', [event('Created')], 'no_stream')));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).to.have.length(1);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.name)).to.deep.equal(['ConcurrencyError', 'ConcurrencyError']);
    });

    it('wakes a subscription of one store on appends of another (LISTEN/NOTIFY), in order and gap-free', async function () {
      const seen: number[] = [];
      const subscription = stores[0]!.subscribeToAll({ afterPosition: 0, onEvents: (events) => void seen.push(...events.map((e) => e.position)) });
      try {
        for (let i = 0; i < 30; i++) await stores[1 + (i % 2)]!.append(`other-${i % 3}`, [event('Remote', { i })]);
        const deadline = Date.now() + 5000;
        while (seen.length < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(seen).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(await stores[0]!.headPosition()).to.equal(30);
      } finally {
        await subscription.close();
      }
    });

    it('keeps waking a subscription after its LISTEN connection is killed (reconnects, re-reads the head)', async function () {
      const seen: number[] = [];
      const subscription = stores[0]!.subscribeToAll({ afterPosition: 0, onEvents: (events) => void seen.push(...events.map((e) => e.position)) });
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        await stores[1]!.append('before-kill', [event('A')]);
        await waitUntil(() => seen.length === 1);
        const killed = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
        );
        expect(killed.rowCount, 'LISTEN sessions terminated').to.equal(3);
        await stores[2]!.append('after-kill', [event('B')]);
        await waitUntil(() => seen.length === 2);
        expect(seen).to.deep.equal([1, 2]);
      } finally {
        await admin.end();
        await subscription.close();
      }
    });

    it('lets a reader never see a later position before an earlier one commits', async function () {
      // A reader polling the head while three writers race: whenever it sees position N, 1..N are all readable.
      const writers = stores.map(async (store, s) => {
        for (let i = 0; i < 40; i++) await store.append(`race-${s}`, [event('R', { i })]);
      });
      const reader = await PostgresEventStore.open({ connectionString: database.url });
      let checks = 0;
      let done = false;
      const all = Promise.all(writers).finally(() => (done = true));
      try {
        while (!done) {
          const log = await reader.readAll();
          expect(log.map((e) => e.position)).to.deep.equal(log.map((_, i) => i + 1));
          checks++;
        }
        await all;
      } finally {
        await reader.close();
      }
      expect(checks).to.be.greaterThan(0);
    });
  });

  it('stores a U+0000 in a stream name or type (hostile AMI frames carry them) as U+FFFD, failing no append beside it', async function () {
    const store = await emptyStore();
    try {
      const outcomes = await Promise.allSettled([store.append('call-a', [event('Good1')]), store.append('call-\u0000x', [event('Bad\u0000Type', { v: 'in\u0000data' })]), store.append('call-a', [event('Good2')])]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled']);
      const log = await store.readAll();
      expect(log.map((e) => [e.stream, e.type])).to.deep.equal([
        ['call-a', 'Good1'],
        ['call-\uFFFDx', 'Bad\uFFFDType'],
        ['call-a', 'Good2'],
      ]);
      expect(log[1]!.data).to.deep.equal({ v: 'in\u0000data' });
    } finally {
      await store.close();
    }
  });

  it('reports an unreachable server as EventStoreUnavailableError', async function () {
    let refused: unknown;
    await PostgresEventStore.open({ connectionString: 'postgres://jade@127.0.0.1:1/none' }).catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(EventStoreUnavailableError);
  });
});
