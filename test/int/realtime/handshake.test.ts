import { expect } from 'chai';
import { AuthService } from '../../../src/auth/index.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { silentLogger } from '../../../src/logger.js';
import { connected, ioClient, startRealtime, wsUrl, type TestRealtime } from './support.js';
import { WebSocket } from 'ws';

/** The handshake against the real auth module: a token it issued works until it idles out or is logged out. */
describe('realtime handshake with real tokens', function () {
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
    rt = await startRealtime({}, { verifyToken: (token) => auth.verifyToken(token) });
  });

  after(async () => {
    await rt.close();
    await auth.stop();
    await store.close();
  });

  async function login(): Promise<string> {
    const result = await auth.login('admin', 'realtime-secret');
    if (!result.ok) throw new Error('login failed');
    return result.token;
  }

  const refusal = (token: string) =>
    connected(ioClient(rt.url, { token })).then(
      (socket) => {
        socket.disconnect();
        return undefined;
      },
      (error: unknown) => (error as Error).message,
    );

  /** The status the server answers a plain WebSocket upgrade with (101 when it upgrades). */
  const upgradeStatus = (token: string) =>
    new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(wsUrl(rt.url, '/ws', token));
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.once('error', reject);
    });

  it('accepts a freshly issued token on socket.io and the plain WebSocket', async () => {
    const token = await login();
    expect(await refusal(token)).to.equal(undefined);
    expect(await upgradeStatus(token)).to.equal(101);
  });

  it('refuses a token that idled out', async () => {
    const token = await login();
    now += (idleSeconds + 1) * 1000;
    expect(await refusal(token)).to.equal('invalid or expired authtoken');
    expect(await upgradeStatus(token)).to.equal(401);
  });

  it('refuses a logged-out token', async () => {
    const token = await login();
    await auth.logout(token);
    expect(await refusal(token)).to.equal('invalid or expired authtoken');
    expect(await upgradeStatus(token)).to.equal(401);
  });
});
