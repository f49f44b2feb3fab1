import { expect } from 'chai';
import { WebSocket } from 'ws';
import { agiChange, channelChange } from '../../unit/realtime/rows.js';
import { recorder, settle, sleep, startRealtime, wsRecorder, wsUrl, type TestRealtime, type WsRecorder } from './support.js';

/** The manual's plain WebSocket protocol on the same HTTP server (40-events-websocket §3). */
describe('realtime plain WebSocket at /ws (real HTTP server, real ws clients)', function () {
  let rt: TestRealtime;
  const clients: WsRecorder[] = [];
  const client = async (token?: string): Promise<WsRecorder> => {
    const made = await wsRecorder(rt.url, token);
    clients.push(made);
    return made;
  };
  /** The manual's protocol has no acknowledgement: wait until the server holds the subscription. */
  const subscribed = async (groups: number) => {
    for (let i = 0; i < 100 && rt.realtime.stats().groups < groups; i++) await sleep(5);
  };

  beforeEach(async () => {
    rt = await startRealtime();
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await rt.close();
  });

  it("sends the manual's frames {topic: {event: payload}}, one per event, in order", async () => {
    const c = await client();
    c.send({ type: 'subscribe', topic: '/core/channels/' });
    await subscribed(1);
    rt.commit([channelChange('create', 1)]);
    rt.commit([agiChange('create', 2)]);
    rt.commit([channelChange('delete', 3, { hangup_cause: 16 })]);
    const frames = (await c.waitForFrames(2)) as Record<string, Record<string, Record<string, unknown>>>[];
    await settle();
    expect(frames).to.have.length(2);
    expect(frames.map((frame) => Object.keys(frame))).to.deep.equal([['/core/channels/pjagent%2D01'], ['/core/channels/pjagent%2D01']]);
    expect(Object.keys(frames[0]!['/core/channels/pjagent%2D01']!)).to.deep.equal(['core.channel.create']);
    const deleted = frames[1]!['/core/channels/pjagent%2D01']!['core.channel.delete']!;
    expect(deleted).to.include({ unique_id: '1700000000.1', hangup_cause: 16, caller_id_name: 'pjagent-01' });
  });

  it('gets the same events as a socket.io client on the same topic', async () => {
    const ws = await client();
    const io = await recorder(rt.url);
    ws.send({ type: 'subscribe', topic: '/' });
    await io.subscribe('/');
    await subscribed(1);
    for (let position = 1; position <= 20; position++) rt.commit([channelChange(position === 1 ? 'create' : 'update', position)]);
    const frames = (await ws.waitForFrames(20)) as Record<string, Record<string, unknown>>[];
    const events = await io.waitForEvents(20);
    expect(frames).to.deep.equal(events.map((e) => ({ [e.topic]: { [e.event]: e.data } })));
    io.close();
  });

  it('ignores malformed and unknown messages, keeps the connection, and honours unsubscribe', async () => {
    const c = await client();
    c.send('not json');
    c.send({ type: 'subscribe' });
    c.send({ type: 'dance', topic: '/' });
    c.send([1, 2]);
    c.send({ type: 'subscribe', topic: '/core/agis/' });
    await subscribed(1);
    rt.commit([agiChange('create', 1)]);
    await c.waitForFrames(1);
    c.send({ type: 'unsubscribe', topic: '/core/agis/' });
    c.send({ type: 'unsubscribe', topic: '/never/subscribed' });
    for (let i = 0; i < 100 && rt.realtime.stats().groups > 0; i++) await sleep(5);
    rt.commit([agiChange('delete', 2)]);
    await settle();
    expect(c.frames).to.have.length(1);
    expect(c.ws.readyState).to.equal(WebSocket.OPEN);
  });

  it('refuses an upgrade without a valid token with 401 and the error envelope', async () => {
    for (const token of [null, 'nope']) {
      const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const ws = new WebSocket(wsUrl(rt.url, '/ws', token));
        ws.once('open', () => reject(new Error('upgraded without a valid token')));
        ws.once('unexpected-response', (_request, res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        ws.once('error', () => undefined);
      });
      expect(response.status).to.equal(401);
      expect(JSON.parse(response.body)).to.deep.include({ api_ver: '0.1', statuscode: 401 });
    }
  });

  it('answers only its own path: socket.io keeps working beside it', async () => {
    const ws = await client();
    const io = await recorder(rt.url);
    expect(ws.ws.readyState).to.equal(WebSocket.OPEN);
    expect(io.socket.connected).to.equal(true);
    io.close();
  });
});
