import { expect } from 'chai';
import { Decoder, PacketType, type Packet } from 'socket.io-parser';
import type { PublishedEvent } from '../../../src/realtime/batch.js';
import { manualFrames, socketIoEvents } from '../../../src/realtime/wire.js';

const events: PublishedEvent[] = [
  { position: 7, topic: '/core/channels/pjagent%2D01', event: 'core.channel.create', dataJson: JSON.stringify({ unique_id: '1.1', note: 'quote " and \\ and ünï' }) },
  { position: 8, topic: '/core/agis/', event: 'core.agi.delete', dataJson: JSON.stringify({ unique_id: '1.2', cmd: {} }) },
];

/** socket.io's own decoder, the one its clients run: the hand-assembled packet must mean what socket.io would have sent. */
function decode(data: string): Packet {
  const decoder = new Decoder();
  let packet: Packet | undefined;
  decoder.on('decoded', (decoded: Packet) => (packet = decoded));
  decoder.add(data);
  if (!packet) throw new Error('nothing decoded');
  return packet;
}

describe('realtime wire encodings', () => {
  it('builds the socket.io EVENT packet `events` with {position, topic, event, data} items', () => {
    const packet = socketIoEvents(events);
    const decoded = decode(packet.data);
    expect(decoded.type).to.equal(PacketType.EVENT);
    expect(decoded.nsp).to.equal('/');
    expect(decoded.data).to.deep.equal([
      'events',
      [
        { position: 7, topic: '/core/channels/pjagent%2D01', event: 'core.channel.create', data: { unique_id: '1.1', note: 'quote " and \\ and ünï' } },
        { position: 8, topic: '/core/agis/', event: 'core.agi.delete', data: { unique_id: '1.2', cmd: {} } },
      ],
    ]);
  });

  it('pre-builds the WebSocket frame: an unmasked text frame holding engine.io message `4` + the packet', () => {
    const { data, wsPreEncodedFrame } = socketIoEvents(events);
    const frame = Buffer.concat(wsPreEncodedFrame ?? []);
    const payload = Buffer.from(`4${data}`);
    expect(frame[0]).to.equal(0x81); // FIN + text
    const length = frame[1]! & 0x7f;
    const offset = length === 126 ? 4 : length === 127 ? 10 : 2;
    expect(frame[1]! & 0x80).to.equal(0); // not masked
    expect(frame.subarray(offset).equals(payload)).to.equal(true);
  });

  it("builds the manual's frames, one {topic: {event: payload}} per event", () => {
    expect(manualFrames(events).map((frame) => JSON.parse(frame.toString()) as unknown)).to.deep.equal([
      { '/core/channels/pjagent%2D01': { 'core.channel.create': { unique_id: '1.1', note: 'quote " and \\ and ünï' } } },
      { '/core/agis/': { 'core.agi.delete': { unique_id: '1.2', cmd: {} } } },
    ]);
  });
});
