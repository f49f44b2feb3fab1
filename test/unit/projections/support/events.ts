import type { AmiFields, AmiSnapshotData, RecordedEvent } from '../../../../src/events/index.js';
import { amiEventTypes } from '../../../../src/events/index.js';
import { formatTimestamp } from '../../../../src/events/time.js';
import { callIdOf } from '../../../../src/ami/event-table.js';

/** The stream the ingest files an event in (`call-<linked id>` or `pbx-test`): projections react by stream family too. */
function streamOf(type: string, data: Record<string, unknown>): string {
  const fields: AmiFields = Object.fromEntries(Object.entries(data).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const callId = callIdOf(type, fields);
  return callId === undefined ? 'pbx-test' : `call-${callId}`;
}

/**
 * Builds a log for projection tests: positions from 1, each event one second after the previous
 * (from 2026-01-01T00:00:00Z), so expected `tm_*` values are easy to state.
 */
export class LogBuilder {
  private readonly events: RecordedEvent[] = [];
  private readonly baseNs = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;

  /** The API timestamp of the event at `position`. */
  timeOf(position: number): string {
    return formatTimestamp(this.baseNs + BigInt(position - 1) * 1_000_000_000n);
  }

  add(type: string, data: Record<string, unknown>, metadata: Record<string, unknown> = {}): RecordedEvent {
    const position = this.events.length + 1;
    const event: RecordedEvent = {
      type,
      data,
      metadata: { node: 'test', receivedAt: this.timeOf(position), ...metadata },
      position,
      stream: streamOf(type, data),
      revision: position - 1,
      recordedAt: this.timeOf(position),
    };
    this.events.push(event);
    return event;
  }

  snapshot(action: string, parts: { items?: AmiFields[]; response?: AmiFields; output?: string[] } = {}): RecordedEvent {
    const data: AmiSnapshotData = {
      action,
      items: parts.items ?? [],
      response: parts.response ?? { Response: 'Success' },
      ...(parts.output ? { output: parts.output } : {}),
      round: 'r1',
    };
    return this.add(amiEventTypes.snapshot, { ...data });
  }

  all(): RecordedEvent[] {
    return [...this.events];
  }
}

/** The channel block Asterisk puts in channel events. */
export function channelFields(uniqueId: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Channel: `PJSIP/pjagent-01-0000000${uniqueId.slice(-1)}`,
    ChannelState: '4',
    ChannelStateDesc: 'Ring',
    CallerIDNum: 'pjagent-01',
    CallerIDName: 'pjagent-01',
    ConnectedLineNum: '<unknown>',
    ConnectedLineName: '<unknown>',
    Language: 'en',
    AccountCode: '',
    Context: 'demo',
    Exten: '4002',
    Priority: '1',
    Uniqueid: uniqueId,
    Linkedid: uniqueId,
    ...overrides,
  };
}
