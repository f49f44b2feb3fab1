/**
 * Appends/s of the PostgreSQL event store, the rows of bench/eventstore-append.ts. Not a test:
 * `npx tsx bench/eventstore-append-postgres.ts [--seconds 2]`, against `JADE_POSTGRES_URL` (a fresh database is
 * created on that server) or else a private throwaway cluster (test/support/postgres.ts: fsync off, so the
 * figures there show the append path's round trips and locking, not a disk's flush rate).
 */
import { parseArgs } from 'node:util';
import type { JadeEvent } from '../src/events/index.js';
import { PostgresEventStore } from '../src/eventstore/postgres/postgres-event-store.js';
import { createTestDatabase } from '../test/support/postgres.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);
if (process.env.JADE_POSTGRES_URL) process.env.JADE_TEST_POSTGRES_URL = process.env.JADE_POSTGRES_URL;

const event = (i: number): JadeEvent => ({
  type: 'Newchannel',
  data: { Channel: `PJSIP/agent-${i % 100}-0000${i}`, ChannelState: '4', Uniqueid: `1700000000.${i}`, Linkedid: `1700000000.${i - (i % 4)}`, Context: 'from-internal', Exten: '2001' },
  metadata: { node: 'asterisk', receivedAt: '2024-01-01T00:00:00.000000000Z' },
});

async function measure(mode: string, batch: number, run: (store: PostgresEventStore, until: number) => Promise<number>): Promise<void> {
  const database = await createTestDatabase('bench');
  const store = await PostgresEventStore.open({ connectionString: database.url });
  try {
    const start = performance.now();
    const appends = await run(store, start + seconds * 1000);
    const elapsed = (performance.now() - start) / 1000;
    const events = await store.headPosition();
    console.log(`${mode.padEnd(24)} batch ${String(batch).padStart(4)}  ${(appends / elapsed).toFixed(0).padStart(7)} appends/s  ${(events / elapsed).toFixed(0).padStart(8)} events/s`);
  } finally {
    await store.close();
    await database.drop();
  }
}

const sequential = (batch: number) => async (store: PostgresEventStore, until: number): Promise<number> => {
  let appends = 0;
  while (performance.now() < until) {
    await store.append(`call-${appends % 50}`, Array.from({ length: batch }, (_, k) => event(appends * batch + k)));
    appends++;
  }
  return appends;
};

const concurrent = (inFlight: number) => async (store: PostgresEventStore, until: number): Promise<number> => {
  let appends = 0;
  const caller = async (): Promise<void> => {
    while (performance.now() < until) {
      const i = appends++;
      await store.append(`call-${i % 50}`, [event(i)]);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, caller));
  return appends;
};

await measure('sequential', 1, sequential(1));
await measure('sequential', 100, sequential(100));
await measure('sequential', 1000, sequential(1000));
await measure('concurrent x64', 1, concurrent(64));
process.exit(0);
