import { expect } from 'chai';
import type { Socket as NetSocket } from 'node:net';
import { channelChange } from '../../unit/realtime/rows.js';
import { capturingLogger, recorder, sleep, startRealtime, wsRecorder, type Recorder, type TestRealtime, type WsRecorder } from './support.js';

/** The TCP socket under a Node socket.io client on the websocket transport, to stop reading from it. */
function tcpOf(client: Recorder): NetSocket {
  const transport = client.socket.io.engine.transport as unknown as { ws?: { _socket?: NetSocket } };
  const socket = transport.ws?._socket;
  if (!socket) throw new Error('no TCP socket under the socket.io client');
  return socket;
}

function wsTcpOf(client: WsRecorder): NetSocket {
  const socket = (client.ws as unknown as { _socket?: NetSocket })._socket;
  if (!socket) throw new Error('no TCP socket under the ws client');
  return socket;
}

/** ~16 KB per event, so a stuck client fills the kernel's socket buffers quickly. */
const bulky = { variables: { PAD: 'x'.repeat(16 * 1024) } };

describe('realtime slow clients (real HTTP server, real clients)', function () {
  this.timeout(30_000);
  let rt: TestRealtime;
  let log: ReturnType<typeof capturingLogger>;
  const limit = 40;

  beforeEach(async () => {
    log = capturingLogger();
    rt = await startRealtime({ clientBufferLimit: limit, tickMs: 5 }, { logger: log.logger });
  });

  afterEach(async () => {
    await rt.close();
  });

  /** Commits `count` bulky changes, a few per tick, watching that no client ever holds more than the limit. */
  async function pump(count: number): Promise<number> {
    let maxUnsent = 0;
    for (let position = 1; position <= count; position++) {
      rt.commit([channelChange('update', position, bulky)]);
      if (position % 5 === 0) {
        await sleep(5);
        maxUnsent = Math.max(maxUnsent, rt.realtime.stats().unsent.max);
      }
    }
    return maxUnsent;
  }

  it('disconnects a socket.io client that stops reading, while the others get everything in order', async () => {
    const healthy = await recorder(rt.url);
    const stuck = await recorder(rt.url);
    await healthy.subscribe('/');
    await stuck.subscribe('/');
    tcpOf(stuck).pause();

    const count = 2000;
    const maxUnsent = await pump(count);
    const events = await healthy.waitForEvents(count, 20_000);

    expect(events.map((e) => e.position)).to.deep.equal(Array.from({ length: count }, (_, i) => i + 1));
    const stats = rt.realtime.stats();
    expect(stats.dropped).to.equal(1);
    expect(stats.clients.socketIo).to.equal(1);
    // Bounded: never more than the limit queued for anyone.
    expect(maxUnsent).to.be.at.most(limit);
    const said = log.lines.filter((line) => line.reason === 'slow_consumer');
    expect(said.map((line) => [line.transport, line.msg])).to.deep.equal([['socket.io', `realtime: disconnecting client: more than ${limit} events queued unsent`]]);

    // Once it reads again it finds the reason, then the connection is gone.
    const gone = new Promise<string>((resolve) => stuck.socket.once('disconnect', (reason) => resolve(reason)));
    tcpOf(stuck).resume();
    expect(await gone).to.be.a('string');
    expect(stuck.events().length).to.be.below(count);
    stuck.close();
    healthy.close();
  });

  it('disconnects a plain WebSocket client that stops reading, while the others get everything', async () => {
    const healthy = await wsRecorder(rt.url);
    const stuck = await wsRecorder(rt.url);
    healthy.send({ type: 'subscribe', topic: '/' });
    stuck.send({ type: 'subscribe', topic: '/' });
    await sleep(50);
    wsTcpOf(stuck).pause();

    const count = 2000;
    const maxUnsent = await pump(count);
    const frames = await healthy.waitForFrames(count, 20_000);
    expect(frames).to.have.length(count);
    expect(rt.realtime.stats().dropped).to.equal(1);
    expect(rt.realtime.stats().clients.ws).to.equal(1);
    expect(maxUnsent).to.be.at.most(limit);

    const closed = new Promise<number>((resolve) => stuck.ws.once('close', (code) => resolve(code)));
    wsTcpOf(stuck).resume();
    // 1008 if the close frame got through before the cut, 1006 (abnormal) if the grace period ran out first.
    expect(await closed).to.be.oneOf([1008, 1006]);
    healthy.close();
  });
});
