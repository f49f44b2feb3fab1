import * as ws from 'ws';
import type { Encoder, PublishedEvent } from './batch.js';

/**
 * Wire encodings, built from the events' pre-serialised payloads by string assembly (never a second
 * JSON.stringify of the data), once per batch (see Batch.encoded).
 */

/** `{position, topic, event, data}`: one item of the socket.io `events` message. */
function socketIoItem(event: PublishedEvent): string {
  return `{"position":${event.position},"topic":${JSON.stringify(event.topic)},"event":${JSON.stringify(event.event)},"data":${event.dataJson}}`;
}

/** The array the socket.io `events` message carries, as JSON text. */
export function eventsArrayJson(events: readonly PublishedEvent[]): string {
  let out = '[';
  for (let i = 0; i < events.length; i++) out += (i === 0 ? '' : ',') + socketIoItem(events[i]!);
  return `${out}]`;
}

export interface SocketIoPacket {
  /** The socket.io EVENT packet for the main namespace, as socket.io-parser writes it: `2["events",[...]]`. */
  readonly data: string;
  /**
   * The same packet as a complete WebSocket frame (engine.io message type `4` + data), so engine.io's
   * WebSocket transport writes it as is for every client: what socket.io's own broadcast does
   * (`wsPreEncodedFrame`, socket.io-adapter); absent if `ws` cannot build frames.
   */
  readonly wsPreEncodedFrame?: readonly Buffer[];
}

type FrameBuilder = (data: Buffer, options: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean }) => Buffer[];

// `ws` has a static frame builder that its typings do not declare; socket.io-adapter uses the same one.
const buildFrame = (ws as unknown as { Sender?: { frame?: FrameBuilder } }).Sender?.frame;

export const socketIoEvents: Encoder<SocketIoPacket> = (events) => {
  const data = `2["events",${eventsArrayJson(events)}]`;
  if (buildFrame === undefined) return { data };
  const frame = buildFrame(Buffer.from(`4${data}`), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
  return { data, wsPreEncodedFrame: frame };
};

/** The manual's WebSocket frames (40-events §3.2.3): one text frame `{"<topic>": {"<event>": payload}}` per event. */
export const manualFrames: Encoder<readonly Buffer[]> = (events) =>
  events.map((event) => Buffer.from(`{${JSON.stringify(event.topic)}:{${JSON.stringify(event.event)}:${event.dataJson}}}`));
