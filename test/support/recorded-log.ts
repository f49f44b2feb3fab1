/**
 * A log of recorded real AMI traffic for benchmarks and tests (test/fixtures/ami-capture-sandbox.txt and
 * ami-capture-asterisk22.txt: calls, queues, parking, AGI, PJSIP, list responses), looped until it holds
 * the events asked for, every channel/call/bridge id suffixed per loop so the calls of one loop never
 * collide with another's, and filed exactly as the ingest files them (stream by the ingest's own event
 * table, Asterisk's `Timestamp` in the metadata).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { callIdOf } from '../../src/ami/event-table.js';
import type { AmiFields, JadeEvent } from '../../src/events/index.js';
import type { EventStore } from '../../src/eventstore/port.js';
import { formatTimestamp } from '../../src/events/time.js';
import { parseAmiFrames } from '../unit/projections/support/ami-capture.js';

const fixtures = ['ami-capture-sandbox.txt', 'ami-capture-asterisk22.txt'].map((name) =>
  parseAmiFrames(readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)), 'utf8')),
);
export const recorded: readonly AmiFields[] = fixtures.flat();

/** Headers holding a channel, call or bridge id: suffixed per loop. */
const idHeader = /(Uniqueid|Linkedid|LinkedID|UniqueID|BridgeUniqueid|BridgeUniqueId)$/;
const noId = new Set(['', '<null>', '<unknown>']);

/** One loop of the recorded traffic, as the ingest would append it (one event per frame, in order). */
export function loopEvents(loop: number, startNs: bigint): { stream: string; event: JadeEvent }[] {
  return recorded.map((frame, index) => {
    const data: Record<string, string> = {};
    for (const [key, value] of Object.entries(frame)) {
      if (key === 'Event' || key === 'Timestamp') continue;
      data[key] = idHeader.test(key) && !noId.has(value) ? `${value}-${loop}` : value;
    }
    // 50 µs apart, like a busy Asterisk; the ingest keeps Asterisk's Timestamp in the metadata.
    const ns = startNs + BigInt(index) * 50_000n;
    const timestamp = `${ns / 1_000_000_000n}.${String((ns % 1_000_000_000n) / 1000n).padStart(6, '0')}`;
    const callId = callIdOf(frame.Event!, { ...frame, ...data });
    return {
      stream: callId === undefined ? 'pbx-asterisk' : `call-${callId}`,
      event: { type: frame.Event!, data, metadata: { node: 'asterisk', receivedAt: formatTimestamp(ns + 200_000n), timestamp } },
    };
  });
}

/** Appends loops of the recorded traffic until the log holds `target` events; returns the head. */
export async function fillLog(store: Pick<EventStore, 'append'>, target: number, head = 0): Promise<number> {
  let startNs = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;
  for (let loop = 0; head < target; loop += 1) {
    const events = loopEvents(loop, startNs).slice(0, target - head);
    startNs += BigInt(events.length) * 50_000n + 1_000_000_000n;
    // Not awaited one by one: appends made in one turn share a group commit (one fsync), as under live load.
    const appends = events.map(({ stream, event }) => store.append(stream, [event]));
    head = (await Promise.all(appends)).at(-1)!.lastPosition;
  }
  return head;
}
