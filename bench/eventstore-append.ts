/**
 * Appends/s of the sqlite event store (WAL, synchronous=FULL: every acknowledged append is fsync'd).
 * Not a test: `npx tsx bench/eventstore-append.ts [--seconds 2] [--dir <parent dir>]`.
 * Rows: sequential awaited appends of 1, 100 and 1000 events, and many concurrent single-event
 * appends, which group commit folds into few transactions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { JadeEvent } from '../src/events/index.js';
import { SqliteEventStore } from '../src/eventstore/sqlite/sqlite-event-store.js';

interface Row {
  readonly mode: string;
  readonly batch: number;
  readonly appends: number;
  readonly events: number;
  readonly seconds: number;
  readonly groups: number;
}

/** About the size of a real AMI Newchannel event. */
function amiLikeEvent(i: number): JadeEvent {
  return {
    type: 'Newchannel',
    data: {
      Channel: `PJSIP/agent-${i % 100}-0000${i}`,
      ChannelState: '4',
      ChannelStateDesc: 'Ring',
      CallerIDNum: '1001',
      CallerIDName: 'Agent',
      ConnectedLineNum: '<unknown>',
      ConnectedLineName: '<unknown>',
      Language: 'en',
      AccountCode: '',
      Context: 'from-internal',
      Exten: '2001',
      Priority: '1',
      Uniqueid: `1700000000.${i}`,
      Linkedid: `1700000000.${i - (i % 4)}`,
    },
    metadata: { node: 'asterisk', receivedAt: '2024-01-01T00:00:00.000000000Z' },
  };
}

async function measure(parent: string, mode: string, batch: number, seconds: number, run: (store: SqliteEventStore, until: number) => Promise<number>): Promise<Row> {
  const dataDir = mkdtempSync(join(parent, 'jade-bench-'));
  const store = await SqliteEventStore.open({ dataDir });
  try {
    const start = performance.now();
    const appends = await run(store, start + seconds * 1000);
    const elapsed = (performance.now() - start) / 1000;
    const stats = store.stats();
    return { mode, batch, appends, events: stats.eventsCommitted, seconds: elapsed, groups: stats.groupsCommitted };
  } finally {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function sequential(batch: number) {
  return async (store: SqliteEventStore, until: number): Promise<number> => {
    let appends = 0;
    while (performance.now() < until) {
      await store.append(`call-${appends % 50}`, Array.from({ length: batch }, (_, k) => amiLikeEvent(appends * batch + k)));
      appends++;
    }
    return appends;
  };
}

/** `inFlight` callers, each appending one event and awaiting it before the next, like concurrent requests. */
function concurrent(inFlight: number) {
  return async (store: SqliteEventStore, until: number): Promise<number> => {
    let appends = 0;
    const caller = async (): Promise<void> => {
      while (performance.now() < until) {
        const i = appends++;
        await store.append(`call-${i % 50}`, [amiLikeEvent(i)]);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, caller));
    return appends;
  };
}

function printTable(rows: readonly Row[]): void {
  const header = ['mode', 'events/append', 'appends', 'appends/s', 'events/s', 'appends/txn'];
  const body = rows.map((r) => [
    r.mode,
    String(r.batch),
    String(r.appends),
    Math.round(r.appends / r.seconds).toLocaleString('en-US'),
    Math.round(r.events / r.seconds).toLocaleString('en-US'),
    (r.appends / r.groups).toFixed(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const cells of body) console.log(line(cells));
}

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' }, dir: { type: 'string', default: tmpdir() } } });
const seconds = Number(values.seconds);
const parent = values.dir;

console.log(`sqlite event store, synchronous=FULL, WAL; ${seconds}s per row; files under ${parent}; node ${process.version}`);
const rows: Row[] = [];
rows.push(await measure(parent, 'sequential', 1, seconds, sequential(1)));
rows.push(await measure(parent, 'concurrent x1000', 1, seconds, concurrent(1000)));
rows.push(await measure(parent, 'sequential', 100, seconds, sequential(100)));
rows.push(await measure(parent, 'sequential', 1000, seconds, sequential(1000)));
printTable(rows);
