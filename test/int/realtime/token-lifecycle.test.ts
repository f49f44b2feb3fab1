import { expect } from 'chai';
import { WebSocket } from 'ws';
import { AuthService } from '../../../src/auth/index.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { silentLogger } from '../../../src/logger.js';
import type { CloseReason, RealtimeError } from '../../../src/realtime/index.js';
import { connected, ioClient, startRealtime, wsRecorder, type IoClient, type TestRealtime } from './support.js';

/**
 * Issue 10, item 3: an open socket.io or /ws connection follows its token. Logout and idle expiry
 * close it within a second, telling the client why; the re-check itself does not keep a token alive.
 */
describe('realtime connections follow their token (real auth, real clients)', function () {
  this.timeout(10_000);
  let store: MemoryEventStore;
  let auth: AuthService;
  let rt: TestRealtime;
  let now = Date.UTC(2026, 0, 1);
  const idleSeconds = 60;

  before(async () => {
    store = new MemoryEventStore();
    auth = new AuthService({
      store,
      logger: silentLogger(),
      tokenIdleSeconds: idleSeconds,
      adminPassword: 'realtime-secret',
      clock: () => now,
      scrypt: { log2N: 10, r: 8, p: 1 },
      print: () => undefined,
    });
    await auth.start();
    rt = await startRealtime({}, { verifyToken: (token) => auth.verifyToken(token), tokenState: (token) => auth.tokenState(token) });
  });

  after(async () => {
    await rt?.close();
    await auth?.stop();
    await store?.close();
  });

  async function login(): Promise<string> {
    const result = await auth.login('admin', 'realtime-secret');
    if (!result.ok) throw new Error('login failed');
    return result.token;
  }

  /** What a socket.io client is told, and when it is disconnected (ms after `since`). */
  function watchSocket(socket: IoClient): { closing: CloseReason[]; disconnected: Promise<number>; since: () => void } {
    const closing: CloseReason[] = [];
    let start = Date.now();
    socket.on('closing', (reason) => closing.push(reason));
    const disconnected = new Promise<number>((resolve) => socket.once('disconnect', () => resolve(Date.now() - start)));
    return { closing, disconnected, since: () => (start = Date.now()) };
  }

  function watchWs(ws: WebSocket): { closed: Promise<{ code: number; reason: string; ms: number }>; since: () => void } {
    let start = Date.now();
    const closed = new Promise<{ code: number; reason: string; ms: number }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString(), ms: Date.now() - start })),
    );
    return { closed, since: () => (start = Date.now()) };
  }

  it('closes a socket.io and a /ws client within a second of logout, saying the token was revoked', async () => {
    const token = await login();
    const socket = await connected(ioClient(rt.url, { token }));
    const ws = await wsRecorder(rt.url, token);
    const io = watchSocket(socket);
    const plain = watchWs(ws.ws);
    io.since();
    plain.since();
    await auth.logout(token);
    const [ioMs, wsClose] = await Promise.all([io.disconnected, plain.closed]);
    expect(ioMs).to.be.below(1000);
    expect(io.closing).to.have.length(1);
    expect(io.closing[0]!.code).to.equal('token_revoked');
    expect(wsClose.ms).to.be.below(1000);
    expect(wsClose.code).to.equal(4401);
    expect(wsClose.reason).to.match(/revoked/);
  });

  it('closes a socket.io and a /ws client within a second of idle expiry, saying the token expired', async () => {
    const token = await login();
    const socket = await connected(ioClient(rt.url, { token }));
    const ws = await wsRecorder(rt.url, token);
    const io = watchSocket(socket);
    const plain = watchWs(ws.ws);
    // Several re-checks while the token is live: they must not count as uses.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(socket.connected).to.equal(true);
    expect(ws.ws.readyState).to.equal(WebSocket.OPEN);
    now += idleSeconds * 1000;
    io.since();
    plain.since();
    const [ioMs, wsClose] = await Promise.all([io.disconnected, plain.closed]);
    expect(ioMs).to.be.below(1000);
    expect(io.closing.map((reason) => reason.code)).to.deep.equal(['token_expired']);
    expect(wsClose.ms).to.be.below(1000);
    expect(wsClose.code).to.equal(4401);
    expect(wsClose.reason).to.match(/expired/);
  });

  it("keeps a connection open while the client's own messages keep its token in use", async () => {
    const token = await login();
    const socket = await connected(ioClient(rt.url, { token }));
    // Half the idle time, a subscribe (a use), half again: never idle for the whole period.
    now += (idleSeconds / 2) * 1000;
    await socket.emitWithAck('subscribe', '/core/channels/');
    now += (idleSeconds / 2 + 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(socket.connected).to.equal(true);
    expect(auth.tokenState(token)).to.equal('live');
    socket.disconnect();
  });
});

/** A refused subscribe is an error on that socket naming the topic; the connection stays. */
describe('realtime subscribe refusals on the wire (real HTTP server, real clients)', function () {
  let rt: TestRealtime;
  const manager = { uuid: 'u-m', username: 'mia', permissions: ['manager'] };

  before(async () => {
    rt = await startRealtime(
      { maxTopicsPerClient: 3 },
      { verifyToken: (token) => (token === 'manager-token' ? manager : undefined), tokenState: (token) => (token === 'manager-token' ? 'live' : 'revoked') },
    );
  });

  after(async () => {
    await rt?.close();
  });

  it('sends socket.io an error event for a forbidden topic and for a topic beyond the limit, and keeps the others', async () => {
    const socket = await connected(ioClient(rt.url, { token: 'manager-token' }));
    const errors: RealtimeError[] = [];
    socket.on('error', (error: RealtimeError) => errors.push(error));
    const ack = await socket.emitWithAck('subscribe', '/admin/users/');
    expect(ack).to.include({ code: 'topic_forbidden' });
    for (const topic of ['/core/channels/', '/core/agis/', '/queue/']) expect(await socket.emitWithAck('subscribe', topic)).to.include({ topic });
    expect(await socket.emitWithAck('subscribe', '/park/')).to.include({ code: 'too_many_topics' });
    expect(errors.map((error) => [error.code, error.topic])).to.deep.equal([
      ['topic_forbidden', '/admin/users/'],
      ['too_many_topics', '/park/'],
    ]);
    expect(socket.connected).to.equal(true);
    socket.disconnect();
  });

  it('sends a /ws client an error frame naming the topic, and keeps the connection', async () => {
    const ws = await wsRecorder(rt.url, 'manager-token');
    ws.send({ type: 'subscribe', topic: '/admin/' });
    const [frame] = await ws.waitForFrames(1);
    expect(frame).to.deep.equal({ error: { code: 'topic_forbidden', topic: '/admin/', message: 'no permission to subscribe to /admin/' } });
    expect(ws.ws.readyState).to.equal(WebSocket.OPEN);
    ws.close();
  });
});
