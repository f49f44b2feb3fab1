import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AmiFields, AmiSnapshotData, RecordedEvent } from '../../../../src/events/index.js';
import { amiEventTypes, streams } from '../../../../src/events/index.js';
import { callIdOf } from '../../../../src/ami/event-table.js';
import { formatTimestamp } from '../../../../src/events/time.js';
import { parseAmiFrames } from './ami-capture.js';

/**
 * The traffic recorded from the e2e sandbox (scripts/record-ami.ts): logins, list actions run after each
 * connect, parking, agents, a sipp registration, an outbound registration. Unlike the Asterisk 22 capture
 * it contains list answers, which are turned back into what the ingest records: one `AmiSnapshot` per list.
 */
export const sandboxCapturePath = fileURLToPath(new URL('../../../fixtures/ami-capture-sandbox.txt', import.meta.url));

/** A list's `...Complete` event -> the action that produced it (the names of src/ami/snapshots.ts). */
const listActions: Readonly<Record<string, string>> = {
  CoreShowChannelsComplete: 'CoreShowChannels',
  QueueStatusComplete: 'QueueStatus',
  QueueSummaryComplete: 'QueueSummary',
  ParkedCallsComplete: 'ParkedCalls',
  ParkinglotsComplete: 'Parkinglots',
  DeviceStateListComplete: 'DeviceStateList',
  EndpointListComplete: 'PJSIPShowEndpoints',
  AorListComplete: 'PJSIPShowAors',
  AuthListComplete: 'PJSIPShowAuths',
  ContactListComplete: 'PJSIPShowContacts',
  OutboundRegistrationDetailComplete: 'PJSIPShowRegistrationsOutbound',
  AgentsComplete: 'Agents',
};

/**
 * The capture as the ingest stores it: events with Asterisk's name and headers, and every list answer as one
 * `AmiSnapshot` at the place of its `...Complete` (its items do not appear as events). Positions from 1,
 * `receivedAt` 10 ms apart (deterministic), Asterisk's Timestamp in the metadata when the frame has one.
 */
export function sandboxCaptureEvents(): RecordedEvent[] {
  const frames = parseAmiFrames(readFileSync(sandboxCapturePath, 'utf8'));
  const listIds = new Set(frames.filter((f) => f.EventList === 'Complete' && f.ActionID !== undefined).map((f) => f.ActionID!));
  const items = new Map<string, AmiFields[]>();
  const start = BigInt(Date.UTC(2026, 10, 27, 22, 18, 17)) * 1_000_000n;
  const events: RecordedEvent[] = [];
  const push = (type: string, data: Record<string, unknown>, stream: string, timestamp?: string): void => {
    const position = events.length + 1;
    const receivedAt = formatTimestamp(start + BigInt(position) * 10_000_000n);
    events.push({ type, data, metadata: { node: 'sandbox', receivedAt, ...(timestamp ? { timestamp } : {}) }, position, stream, revision: 0, recordedAt: receivedAt });
  };
  for (const frame of frames) {
    const id = frame.ActionID;
    if (id !== undefined && listIds.has(id)) {
      if (frame.EventList === 'Complete') {
        const action = listActions[frame.Event!] ?? frame.Event!.replace(/Complete$/, '');
        const data: AmiSnapshotData = { action, items: items.get(id) ?? [], response: { Response: 'Success', EventList: 'start' }, complete: frame, round: id };
        push(amiEventTypes.snapshot, { ...data }, streams.pbx('sandbox'));
        items.delete(id);
      } else {
        items.set(id, [...(items.get(id) ?? []), frame]);
      }
      continue;
    }
    const { Event: type, Timestamp: timestamp, ...data } = frame;
    const linked = callIdOf(type!, data);
    push(type!, data, linked ? streams.call(linked) : streams.pbx('sandbox'), timestamp);
  }
  return events;
}
