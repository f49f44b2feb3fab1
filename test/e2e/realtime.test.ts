/**
 * Issue 4 end to end: realtime against the real Asterisk sandbox. Calls are originated and hung up
 * through the REST API; socket.io and plain WebSocket clients watch them as the manual's events.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { io as socketIoClient, type Socket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { publishTopic, type ClientToServerEvents, type ServerToClientEvents, type WireEvent } from '../../src/realtime/index.js';
import { eventually, startTestJade, testAdminPassword, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type IoClient = Socket<ServerToClientEvents, ClientToServerEvents>;
type Channel = { readonly unique_id: string; readonly linked_id: string; readonly hangup_cause?: number | null };

/** A socket.io client that keeps every event it is sent. */
interface Watcher {
  readonly socket: IoClient;
  readonly events: WireEvent[];
  close(): void;
}

async function watch(jade: RunningJade, topic: string, position?: number): Promise<Watcher & { replayed: number }> {
  const socket: IoClient = socketIoClient(jade.baseUrl, { transports: ['websocket'], auth: { authtoken: jade.token }, reconnection: false, forceNew: true });
  const events: WireEvent[] = [];
  socket.on('events', (batch) => events.push(...batch));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const ack = await socket.emitWithAck('subscribe', position === undefined ? topic : { topic, position });
  if ('error' in ack) throw new Error(`subscribe refused: ${ack.error}`);
  if ('resync' in ack && ack.resync) throw new Error(`resume refused: ${ack.resync.message}`);
  return { socket, events, replayed: 'replayed' in ack ? ack.replayed : 0, close: () => socket.disconnect() };
}

/** The manual's plain WebSocket client, subscribed the manual's way. */
async function watchPlain(jade: RunningJade, topic: string): Promise<{ frames: Record<string, Record<string, Channel>>[]; close(): void }> {
  const url = `${jade.baseUrl.replace(/^http/, 'ws')}${jade.config.realtime.wsPath}?authtoken=${encodeURIComponent(jade.token)}`;
  const ws = new WebSocket(url);
  const frames: Record<string, Record<string, Channel>>[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Record<string, Record<string, Channel>>));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'subscribe', topic }));
  return { frames, close: () => ws.close() };
}

const dataOf = (event: WireEvent) => event.data as Channel;
const ofCall = (linkedId: string) => (event: WireEvent) => event.topic.startsWith('/core/channels/') && dataOf(event).linked_id === linkedId;

describe('Realtime against a real Asterisk 22', function () {
  this.timeout(120_000);
  let jade: RunningJade;

  before(async function () {
    jade = await startTestJade(getSandbox());
    await waitForAmi(jade);
  });

  after(async function () {
    await jade?.stop();
  });

  /** Originates a call (a Local channel running Wait), returns its unique id, which is also its linked id. */
  async function originate(callerName: string): Promise<string> {
    const created = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', application: 'Wait', data: '30', caller_id: `${callerName} <600>` });
    expect(created.status, created.text).to.equal(200);
    return (created.body?.result as { unique_id: string }).unique_id;
  }

  /** Hangs the call up and waits until none of its channels is left in the read model. */
  async function hangUp(uniqueId: string): Promise<void> {
    const hungUp = await jade.delete(`/v1/core/channels/${uniqueId}`);
    expect(hungUp.status, hungUp.text).to.equal(200);
    await eventually(async () => {
      const list = ((await jade.get('/v1/core/channels')).body?.result as { list?: Channel[] } | undefined)?.list ?? [];
      return list.some((channel) => channel.linked_id === uniqueId) ? undefined : true;
    }, 15_000, `the channels of ${uniqueId} to be gone`);
  }

  /** Waits until every channel of the call that was created has been deleted, in the watcher's events. */
  function callDone(watcher: Watcher, linkedId: string): Promise<WireEvent[]> {
    return eventually(() => {
      const events = watcher.events.filter(ofCall(linkedId));
      const created = new Set(events.filter((e) => e.event === 'core.channel.create').map((e) => dataOf(e).unique_id));
      const deleted = new Set(events.filter((e) => e.event === 'core.channel.delete').map((e) => dataOf(e).unique_id));
      return created.size > 0 && [...created].every((id) => deleted.has(id)) ? events : undefined;
    }, 15_000, `create and delete events of call ${linkedId}`);
  }

  it('shows a call originated and hung up through the API as create, updates and delete, to the right subscribers', async function () {
    const callerName = `rt-${randomUUID().slice(0, 8)}`;
    const channels = await watch(jade, '/core/channels/');
    const otherTarget = await watch(jade, `/core/channels/${callerName}-other`);
    const everything = await watch(jade, '/');
    const plain = await watchPlain(jade, '/core/channels/');
    // The manual's protocol has no acknowledgement: give the subscribe frame time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 300));

    const uniqueId = await originate(callerName);
    await hangUp(uniqueId);
    const events = await callDone(channels, uniqueId);

    // Per channel (the ;1 and ;2 legs of the Local channel): create first, delete last, updates between.
    const legs = new Map<string, WireEvent[]>();
    for (const event of events) legs.set(dataOf(event).unique_id, [...(legs.get(dataOf(event).unique_id) ?? []), event]);
    expect(legs.has(uniqueId), 'the originated channel').to.equal(true);
    for (const [leg, own] of legs) {
      const names = own.map((e) => e.event);
      expect(names[0], leg).to.equal('core.channel.create');
      expect(names[names.length - 1], leg).to.equal('core.channel.delete');
      expect(names.slice(1, -1).every((name) => name === 'core.channel.update'), leg).to.equal(true);
      expect(own.length, leg).to.be.greaterThan(2);
    }
    // In log order, and the payload is the manual's channel object.
    const positions = events.map((e) => e.position);
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
    // Each on the topic of its caller id name at that moment: Asterisk creates the channel with no caller id
    // (`<unknown>`) and sets the originate's a moment later, so the target moves, as the manual's scheme implies.
    for (const event of events) expect(event.topic).to.equal(publishTopic('/core/channels/', (event.data as { caller_id_name: string }).caller_id_name));
    const originated = legs.get(uniqueId)!;
    expect(originated[originated.length - 1]!.topic).to.equal(`/core/channels/${callerName.replace(/-/g, '%2D')}`);
    expect(dataOf(originated[originated.length - 1]!).hangup_cause).to.be.a('number');

    // `/` sees the same events, in the same order, with the same positions.
    await callDone(everything, uniqueId);
    expect(everything.events.filter(ofCall(uniqueId))).to.deep.equal(events);
    // A subscriber to another target sees nothing of it.
    expect(otherTarget.events.filter(ofCall(uniqueId))).to.deep.equal([]);
    // The plain WebSocket client gets the same events as the manual's frames.
    const plainFrames = await eventually(() => {
      const mine = plain.frames.filter((frame) => Object.values(Object.values(frame)[0]!)[0]!.linked_id === uniqueId);
      return mine.length >= events.length ? mine : undefined;
    }, 10_000, 'the plain WebSocket frames');
    expect(plainFrames).to.deep.equal(events.map((e) => ({ [e.topic]: { [e.event]: e.data } })));

    for (const client of [channels, otherTarget, everything, plain]) client.close();
  });

  it('resumes after a disconnect with exactly the missed events of three calls, in order, no duplicates', async function () {
    const reference = await watch(jade, '/core/channels/');
    const first = await watch(jade, '/core/channels/');
    const warmUp = await originate(`rt-${randomUUID().slice(0, 8)}`);
    await hangUp(warmUp);
    await callDone(first, warmUp);
    const last = first.events[first.events.length - 1]!.position;
    first.close();

    const calls: string[] = [];
    for (let i = 0; i < 3; i++) {
      const uniqueId = await originate(`rt-${randomUUID().slice(0, 8)}`);
      await hangUp(uniqueId);
      calls.push(uniqueId);
    }
    for (const call of calls) await callDone(reference, call);

    const resumed = await watch(jade, '/core/channels/', last);
    for (const call of calls) await callDone(resumed, call);
    await new Promise((resolve) => setTimeout(resolve, 500));

    const missed = reference.events.filter((e) => e.position > last);
    expect(resumed.replayed).to.be.at.least(calls.length * 4);
    // Exactly what the client missed (plus whatever went live since, identical in both), in order, once.
    expect(resumed.events.slice(0, missed.length)).to.deep.equal(missed);
    expect(resumed.events).to.deep.equal(reference.events.filter((e) => e.position > last));
    const keys = resumed.events.map((e) => `${e.position}/${e.event}/${dataOf(e).unique_id}`);
    expect(new Set(keys).size).to.equal(keys.length);
    for (const call of calls) {
      const names = resumed.events.filter(ofCall(call)).filter((e) => dataOf(e).unique_id === call).map((e) => e.event);
      expect(names[0]).to.equal('core.channel.create');
      expect(names[names.length - 1]).to.equal('core.channel.delete');
    }
    reference.close();
    resumed.close();
  });

  it('refuses a bad or logged-out token at the handshake', async function () {
    const refused = (token: string) =>
      new Promise<string>((resolve) => {
        const socket = socketIoClient(jade.baseUrl, { transports: ['websocket'], auth: { authtoken: token }, reconnection: false, forceNew: true });
        socket.once('connect', () => {
          socket.disconnect();
          resolve('connected');
        });
        socket.once('connect_error', (error) => resolve(error.message));
      });
    expect(await refused('not-a-token')).to.equal('invalid or expired authtoken');

    const login = await jade.http.post('/v1/admin/login', { basic: { username: 'admin', password: testAdminPassword } });
    const token = (login.body?.result as { authtoken: string }).authtoken;
    expect(await refused(token)).to.equal('connected');
    expect((await jade.http.delete('/v1/admin/login', { token })).status).to.equal(200);
    expect(await refused(token)).to.equal('invalid or expired authtoken');

    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${jade.baseUrl.replace(/^http/, 'ws')}${jade.config.realtime.wsPath}?authtoken=${token}`);
      ws.once('open', () => resolve(101));
      ws.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.once('error', () => undefined);
    });
    expect(status).to.equal(401);
  });
});
