/**
 * Issue 13 P2 against the real Asterisk 22 sandbox: a buddy's presence follows the registration of its
 * user's PJSIP contact (sipp), within a second, over REST (`GET /v1/me/buddies`) and realtime (socket.io
 * on the owner's private topic `/me/buddies/<owner uuid>`).
 */
import { expect } from 'chai';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import { permissions } from '../../src/auth/index.js';
import type { ClientToServerEvents, ServerToClientEvents, WireEvent } from '../../src/realtime/index.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { freeUdpPort, sippRegister } from '../support/sipp.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;

describe('buddies: presence from a real PJSIP registration (issue 13)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  const events: WireEvent[] = [];
  const tokens = {} as Record<'ann' | 'bob', string>;
  const ids = {} as Record<'ann' | 'bob', string>;

  before(async function () {
    jade = await startTestJade(getSandbox());
    await waitForAmi(jade);
    for (const name of ['ann', 'bob'] as const) {
      ids[name] = (await jade.jade.auth.service.createUser({ username: name, name, password: `${name}-pw`, permissions: [permissions.user] })).uuid;
      const login = await jade.http.post('/v1/me/login', { basic: { username: name, password: `${name}-pw` } });
      tokens[name] = (login.body?.result as { authtoken: string }).authtoken;
    }
  });

  after(async function () {
    socket?.disconnect();
    await jade?.stop();
  });

  it('a buddy whose contact registers is available within a second, and unavailable once it unregisters', async function () {
    const sandbox = getSandbox();
    const user = sandbox.pjsipUsers[sandbox.pjsipUsers.length - 1]!;
    await eventually(async () => ((await jade.get(`/v1/pjsip/endpoints/${user.name}`)).status === 200 ? true : undefined), 10_000, 'the endpoint');
    const contact = await jade.post('/v1/admin/user/contacts', { user_uuid: ids.bob, type: 'pjsip_endpoint', target: user.name, name: 'bob desk' });
    expect(contact.status, contact.text).to.equal(200);
    const created = await jade.http.post('/v1/me/buddies', { token: tokens.ann, body: { uuid_user: ids.bob } });
    expect(created.status, created.text).to.equal(200);
    const buddy = resultOf(created.body).uuid as string;
    expect(resultOf(created.body).presence).to.equal('unavailable');

    socket = socketIoClient(jade.baseUrl, { transports: ['websocket'], auth: { authtoken: tokens.ann }, reconnection: false, forceNew: true });
    socket.on('events', (batch) => events.push(...batch));
    await new Promise<void>((resolve, reject) => {
      socket!.once('connect', () => resolve());
      socket!.once('connect_error', reject);
    });
    const ack = await socket.emitWithAck('subscribe', `/me/buddies/${ids.ann}`);
    expect(ack).to.not.have.property('error');
    // Bob may not watch ann's buddies.
    const bobSocket = socketIoClient(jade.baseUrl, { transports: ['websocket'], auth: { authtoken: tokens.bob }, reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      bobSocket.once('connect', () => resolve());
      bobSocket.once('connect_error', reject);
    });
    expect(await bobSocket.emitWithAck('subscribe', `/me/buddies/${ids.ann}`)).to.have.property('error');
    bobSocket.disconnect();

    const presence = async (): Promise<unknown> => listOf((await jade.http.get('/v1/me/buddies', { token: tokens.ann })).body).find((b) => b.uuid === buddy)?.presence;
    const pushed = (value: string): boolean => events.some((e) => e.event === 'me.buddy.update' && (e.data as Row).uuid === buddy && (e.data as Row).presence === value);
    const localPort = await freeUdpPort();

    await sippRegister({ user: user.name, password: user.password, sipPort: sandbox.sipPort, localPort, expires: 120 });
    const registered = Date.now();
    await eventually(async () => ((await presence()) === 'available' ? true : undefined), 1_000, 'buddy available within a second');
    await eventually(() => (pushed('available') ? true : undefined), 1_000, 'me.buddy.update available');
    expect(Date.now() - registered).to.be.lessThan(1_000);

    await sippRegister({ user: user.name, password: user.password, sipPort: sandbox.sipPort, localPort, expires: 0 });
    const unregistered = Date.now();
    await eventually(async () => ((await presence()) === 'unavailable' ? true : undefined), 1_000, 'buddy unavailable within a second');
    await eventually(() => (pushed('unavailable') ? true : undefined), 1_000, 'me.buddy.update unavailable');
    expect(Date.now() - unregistered).to.be.lessThan(1_000);
    const topics = new Set(events.map((e) => e.topic));
    expect([...topics]).to.deep.equal([`/me/buddies/${ids.ann.replace(/-/g, '%2D')}/${buddy.replace(/-/g, '%2D')}`]);
  });
});
