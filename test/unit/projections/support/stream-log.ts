import type { AmiFields, RecordedEvent } from '../../../../src/events/index.js';
import { formatTimestamp } from '../../../../src/events/time.js';
import { callIdOf } from '../../../../src/ami/event-table.js';
import { framesToEvents } from './ami-capture.js';

/**
 * A log with real stream names (the history projections route by stream: `call-`, `command-`,
 * `dialing-`). Positions from 1; event N is recorded N-1 seconds after 2026-01-01T00:00:00Z.
 */
export class StreamLog {
  private readonly events: RecordedEvent[] = [];
  private readonly revisions = new Map<string, number>();
  private readonly baseNs = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;

  timeOf(position: number): string {
    return formatTimestamp(this.baseNs + BigInt(position - 1) * 1_000_000_000n);
  }

  add(stream: string, type: string, data: Record<string, unknown>, metadata: Record<string, unknown> = {}): RecordedEvent {
    const position = this.events.length + 1;
    const revision = (this.revisions.get(stream) ?? -1) + 1;
    this.revisions.set(stream, revision);
    const event: RecordedEvent = {
      type,
      data,
      metadata: { node: 'test', receivedAt: this.timeOf(position), ...metadata },
      position,
      stream,
      revision,
      recordedAt: this.timeOf(position),
    };
    this.events.push(event);
    return event;
  }

  /** An AMI event of a call: filed in `call-<linkedId>`. */
  call(linkedId: string, type: string, data: Record<string, string>): RecordedEvent {
    return this.add(`call-${linkedId}`, type, data);
  }

  /** A command's event, shaped like src/commands/command.ts writes it. */
  command(uuid: string, type: string, data: Record<string, unknown>): RecordedEvent {
    return this.add(`command-${uuid}`, type, { command_id: uuid, ...data }, { commandId: uuid, userId: 'user-1', correlationId: uuid });
  }

  all(): RecordedEvent[] {
    return [...this.events];
  }
}

/**
 * Recorded AMI frames as the ingest stores them, with positions: each filed in the stream the ingest's
 * own table picks (`callIdOf`: LocalBridge by LocalOneLinkedid, ParkedCall by ParkeeLinkedid, ...).
 */
export function captureLog(frames: readonly AmiFields[]): RecordedEvent[] {
  const revisions = new Map<string, number>();
  return framesToEvents(frames).map(({ event }, index) => {
    const callId = callIdOf(event.type, event.data as AmiFields);
    const stream = callId === undefined ? 'pbx-test' : `call-${callId}`;
    const revision = (revisions.get(stream) ?? -1) + 1;
    revisions.set(stream, revision);
    return { ...event, position: index + 1, stream, revision, recordedAt: String(event.metadata.receivedAt) };
  });
}

/** A channel's snapshot headers as Asterisk sends them in channel events. */
export function legFields(channel: string, uniqueId: string, linkedId: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    Channel: channel,
    ChannelState: '4',
    ChannelStateDesc: 'Ring',
    CallerIDNum: '<unknown>',
    CallerIDName: '<unknown>',
    ConnectedLineNum: '<unknown>',
    ConnectedLineName: '<unknown>',
    Language: 'en',
    AccountCode: '',
    Context: 'demo',
    Exten: '300',
    Priority: '1',
    Uniqueid: uniqueId,
    Linkedid: linkedId,
    ...overrides,
  };
}
