/**
 * The recorded traffic the end-to-end benchmark replays: both captures, renumbered per loop so each repeat is
 * a new set of calls (unique ids, linked ids and channel-name suffixes shifted), cut into whole frames.
 * Also writes a pre-filled log straight into the SQLite file (one transaction per 50 k rows), so the
 * benchmark can measure with 10 k, 100 k or 1 M events already in the log without replaying them over AMI.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { AmiFrameParser } from '../../src/ami/frame-parser.js';
import { callIdOf } from '../../src/ami/event-table.js';
import { streams } from '../../src/events/index.js';
import { SqliteEventStore } from '../../src/eventstore/sqlite/sqlite-event-store.js';

const captureNames = ['ami-capture-asterisk22.txt', 'ami-capture-sandbox.txt'];

/** Both captures, as frames (text without the terminating blank line), FullyBooted/SuccessfulAuth of each kept. */
export const captureFrames: readonly string[] = captureNames.flatMap((name) =>
  readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8')
    .split('\r\n\r\n')
    .filter((frame) => frame.trim() !== ''),
);

const idLine = /^(\w*(?:Uniqueid|Linkedid)): (\d+)\.(\d+)$/gim;
const channelLine = /^(\w*Channel): (.*-)([0-9a-f]{8})((?:;\d)?)$/gim;

/** Loop `loop` of the traffic: every call id and channel suffix moved so no two loops share a call. */
export function renumber(frame: string, loop: number): string {
  if (loop === 0) return frame;
  return frame
    .replace(idLine, (_all, name: string, seconds: string, sequence: string) => `${name}: ${seconds}.${Number(sequence) + loop * 1_000_000}`)
    .replace(channelLine, (_all, name: string, prefix: string, hex: string, half: string) => {
      const suffix = ((parseInt(hex, 16) + loop * 0x10000) % 0x1_0000_0000).toString(16).padStart(8, '0');
      return `${name}: ${prefix}${suffix}${half}`;
    });
}

/** Loops `[first, first + count)` as one text, each frame ended by its blank line. */
export function loopsText(first: number, count: number): string {
  const parts: string[] = [];
  for (let loop = first; loop < first + count; loop++) for (const frame of captureFrames) parts.push(renumber(frame, loop), '\r\n\r\n');
  return parts.join('');
}

/**
 * Writes `count` events (loops of the traffic mapped as the ingest maps them, from loop `firstLoop` on)
 * into a new SQLite store in `dataDir`. Returns the loop after the last one used.
 */
export async function prefillStore(dataDir: string, count: number, node: string, firstLoop = 1_000): Promise<number> {
  const store = await SqliteEventStore.open({ dataDir });
  await store.close();
  const db = new BetterSqlite3(join(dataDir, SqliteEventStore.fileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare('INSERT INTO events (position, stream, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const revisions = new Map<string, number>();
  const recordedAt = new Date().toISOString();
  const metadata = JSON.stringify({ node, receivedAt: recordedAt });
  let rows: Array<[number, string, number, string, string, string, string]> = [];
  const flush = db.transaction((batch: typeof rows) => {
    for (const row of batch) insert.run(...row);
  });
  let position = 0;
  let loop = firstLoop;
  const pbx = streams.pbx(node);
  while (position < count) {
    const parser = new AmiFrameParser();
    for (const frame of parser.push(Buffer.from(loopsText(loop, 1)))) {
      if (frame.kind !== 'event' || position >= count) continue;
      const { Event: type = '', Timestamp: _timestamp, ...data } = frame.fields;
      const callId = callIdOf(type, frame.fields);
      const stream = callId === undefined ? pbx : streams.call(callId);
      const revision = (revisions.get(stream) ?? -1) + 1;
      revisions.set(stream, revision);
      rows.push([++position, stream, revision, type, JSON.stringify(data), metadata, recordedAt]);
      if (rows.length >= 50_000) {
        flush(rows);
        rows = [];
      }
    }
    loop++;
  }
  flush(rows);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return loop;
}
