/**
 * Child process for the SIGKILL durability test: appends to a sqlite store in `argv[2]` forever,
 * with many appends in flight, and prints one line per acknowledged append the moment it resolves:
 *   ack <firstPosition> <lastPosition> <stream> <lastRevision> <n>
 * (`n` is the append's sequence number, carried in each event's data with the event's index `k`).
 * Stdout to a pipe is synchronous on Linux, so a printed line was written before the next append.
 */
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: sqlite-append-burst.ts <dataDir>');
const inFlight = 256;

const store = await SqliteEventStore.open({ dataDir });
let next = 0;

async function worker(): Promise<never> {
  for (;;) {
    const n = next++;
    const stream = `burst-${n % 17}`;
    // Mostly single events, like AMI ingest, with some multi-event appends mixed in.
    const count = n % 10 === 0 ? 3 : 1;
    const events = Array.from({ length: count }, (_, k) => ({ type: 'BurstEvent', data: { n, k }, metadata: { node: 'crash' } }));
    const result = await store.append(stream, events);
    process.stdout.write(`ack ${result.firstPosition} ${result.lastPosition} ${stream} ${result.nextExpectedRevision} ${n}\n`);
  }
}

process.stdout.write('ready\n');
await Promise.all(Array.from({ length: inFlight }, () => worker()));
