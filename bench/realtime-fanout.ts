/**
 * Realtime fan-out benchmark (issue 4, item 4). Not a test:
 *
 *   npx tsx bench/realtime-fanout.ts [--clients 1000] [--rates 100,500,2000] [--seconds 5]
 *                                    [--ingest-clients 200] [--changes 200000] [--frames 100000] [--ami-rates 0,2000]
 *                                    [--client raw|socketio] [--store memory|sqlite] [--baseline-rates 100,500]
 *                                    [--only fanout|baseline|feed|ami]
 *
 * The server (an HTTP server with `attachRealtime`, default config) runs here; the clients run in a
 * separate process (this file with `--clients-child`), so their decoding does not share this process.
 *
 * 1. fanout: `--clients` clients subscribed to `/core/channels/`; synthetic channel changes fed through a
 *    real ChangeFeed at each of `--rates` changes/s for `--seconds`. Prints delivered events/s (summed
 *    over clients), latency change -> receipt (p50/p99/max, from a `sent_at` stamped in the row when the
 *    change is fed, read by the client from the payload), server CPU per delivery, drops.
 *    `baseline` runs the same with plain socket.io broadcasting each event (what the issue measured at ~7 µs
 *    of server CPU per delivery), for comparison.
 * 2. feed: `--ingest-clients` clients on `/`; `--changes` changes fed through the ChangeFeed as fast as
 *    the server takes them (commits of 100). Prints the rate until every client had every event.
 * 3. ami: the full path: recorded Asterisk 22 traffic (test/fixtures/ami-capture-asterisk22.txt) replayed
 *    over TCP by the fake AMI (another child process) -> src/ami ingest -> event store -> projection runner
 *    -> realtime, `--ingest-clients` clients on `/`, once as fast as it goes (`--frames`) and once paced at each
 *    non-zero `--ami-rates` for ~10 s. Prints the ingest rate (AMI events appended, projected and published),
 *    when every client had every event, drops, CPU, and latency commit -> receipt for one client.
 *
 * `--client raw` (default) is a minimal engine.io/socket.io client over `ws` that counts events and reads
 * `sent_at` by scanning the frame bytes; `socketio` is socket.io-client itself, which JSON-decodes every
 * message: with hundreds of clients on one machine that decoding, not the server, is what saturates first.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Server as SocketIoServer } from 'socket.io';
import { io as socketIoClient } from 'socket.io-client';
import { WebSocket } from 'ws';
import type { ChannelRow } from '../projections/channels.js';
import { AmiFrameParser } from '../src/ami/frame-parser.js';
import { startAmi } from '../src/ami/index.js';
import type { AuthUser } from '../src/auth/index.js';
import { loadConfig } from '../src/config.js';
import type { EventStore } from '../src/eventstore/port.js';
import { silentLogger } from '../src/logger.js';
import { Histogram, nowMs, sleep } from './e2e/histogram.js';
import { ChangeFeed, createProjectionRunner, openReadModelDb, type ReadModelChange } from '../src/readmodels/index.js';
import { attachRealtime, toRealtimeEvent, type Realtime, type WireEvent } from '../src/realtime/index.js';
import { FakeAmi } from '../test/support/fake-ami.js';

const TOKEN = 'bench-token';
const benchUser: AuthUser = { uuid: 'bench', username: 'bench', permissions: ['admin'] };

// ------------------------------------------------------------------------------------------------
// Client process

type ClientMode = 'raw' | 'socketio';
type ToChild =
  | { readonly op: 'connect'; readonly url: string; readonly count: number; readonly topic: string; readonly mode: ClientMode }
  | { readonly op: 'reset' }
  | { readonly op: 'report' };
type FromChild =
  | { readonly op: 'connected'; readonly count: number; readonly failed: number }
  | {
      readonly op: 'report';
      readonly clients: number;
      readonly received: number;
      readonly minReceived: number;
      readonly disconnected: number;
      readonly histogram: [number, number][];
      /** CPU the client process used since the last reset, in µs. */
      readonly cpuMicros: number;
      /** The first client's receipts: position, wall-clock ms, position, ms, ... */
      readonly samples: number[];
    };

const SENT_AT = Buffer.from('"sent_at":');

/** One client's counters. */
interface Tally {
  received: number;
  open: boolean;
  /** Set on one client: when each position arrived (for latency against the server's commit times). */
  samples?: number[];
}

const positionPattern = /\{"position":(\d+)/g;

/** A minimal socket.io client (engine.io v4 over WebSocket): connect with the token, subscribe, count events. */
function rawClient(url: string, topic: string, tally: Tally, histogram: Histogram): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('error', reject);
    ws.on('close', () => (tally.open = false));
    ws.on('message', (data: Buffer) => {
      // engine.io: 0 open, 2 ping, 4 message; socket.io inside a message: 0 connect, 2 event, 3 ack.
      const engineType = data[0];
      if (engineType === 0x30) ws.send(`40${JSON.stringify({ authtoken: TOKEN })}`);
      else if (engineType === 0x32) ws.send('3');
      else if (engineType === 0x34) {
        const ioType = data[1];
        if (ioType === 0x30) ws.send(`420${JSON.stringify(['subscribe', topic])}`);
        else if (ioType === 0x33) {
          tally.open = true;
          resolve();
        } else if (ioType === 0x34) reject(new Error(data.toString()));
        else if (ioType === 0x32) {
          // Each event carries one sent_at (the bench's rows) or none (real AMI traffic: count `"position":`).
          const now = nowMs();
          let events = 0;
          for (let at = data.indexOf(SENT_AT); at !== -1; at = data.indexOf(SENT_AT, at + SENT_AT.length)) {
            events++;
            const start = at + SENT_AT.length;
            let end = start;
            while (end < data.length && data[end] !== 0x2c && data[end] !== 0x7d) end++;
            histogram.add(now - Number(data.toString('latin1', start, end)));
          }
          if (events === 0) for (let at = data.indexOf('{"position":'); at !== -1; at = data.indexOf('{"position":', at + 12)) events++;
          tally.received += events;
          if (tally.samples) for (const match of data.toString('latin1').matchAll(positionPattern)) tally.samples.push(Number(match[1]), now);
        }
      }
    });
  });
}

async function socketIoClientOf(url: string, topic: string, tally: Tally, histogram: Histogram): Promise<void> {
  const socket = socketIoClient(url, { transports: ['websocket'], auth: { authtoken: TOKEN }, reconnection: false, forceNew: true });
  socket.on('disconnect', () => (tally.open = false));
  socket.on('events', (events: WireEvent[]) => {
    const now = nowMs();
    for (const event of events) {
      const sentAt = (event.data as { sent_at?: number }).sent_at;
      if (sentAt !== undefined) histogram.add(now - sentAt);
      tally.samples?.push(event.position, now);
    }
    tally.received += events.length;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  await socket.emitWithAck('subscribe', topic);
  tally.open = true;
}

function clientsChild(): void {
  const tallies: Tally[] = [];
  const histogram = new Histogram();
  let cpu = process.cpuUsage();
  const send = (message: FromChild) => process.send?.(message);
  process.on('message', (message: ToChild) => {
    if (message.op === 'connect') {
      void (async () => {
        let failed = 0;
        const connect = message.mode === 'raw' ? rawClient : socketIoClientOf;
        // In waves, so the handshakes do not all time out together.
        for (let i = 0; i < message.count; i += 50) {
          const wave = Array.from({ length: Math.min(50, message.count - i) }, () => {
            const tally: Tally = tallies.length === 0 ? { received: 0, open: false, samples: [] } : { received: 0, open: false };
            tallies.push(tally);
            return connect(message.url, message.topic, tally, histogram).catch(() => void failed++);
          });
          await Promise.all(wave);
        }
        send({ op: 'connected', count: tallies.length - failed, failed });
      })();
    } else if (message.op === 'reset') {
      for (const tally of tallies) {
        tally.received = 0;
        if (tally.samples) tally.samples.length = 0;
      }
      // In place: the clients hold this object.
      histogram.counts.fill(0);
      cpu = process.cpuUsage();
    } else {
      const open = tallies.filter((t) => t.open);
      send({
        op: 'report',
        clients: tallies.length,
        received: tallies.reduce((sum, t) => sum + t.received, 0),
        minReceived: open.length === 0 ? 0 : Math.min(...open.map((t) => t.received)),
        disconnected: tallies.length - open.length,
        histogram: histogram.sparse(),
        cpuMicros: ((used) => used.user + used.system)(process.cpuUsage(cpu)),
        samples: tallies[0]?.samples ?? [],
      });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ------------------------------------------------------------------------------------------------
// Server side

class Clients {
  private constructor(private readonly child: ChildProcess) {}

  static async start(url: string, count: number, topic: string, mode: ClientMode): Promise<Clients> {
    const child = fork(fileURLToPath(import.meta.url), ['--clients-child'], { stdio: 'inherit' });
    const clients = new Clients(child);
    const connected = await clients.ask({ op: 'connect', url, count, topic, mode });
    if (connected.op !== 'connected' || connected.failed > 0) throw new Error(`clients failed to connect: ${JSON.stringify(connected)}`);
    return clients;
  }

  async ask(message: ToChild): Promise<FromChild> {
    this.child.send(message);
    const [reply] = (await once(this.child, 'message')) as [FromChild];
    return reply;
  }

  reset(): void {
    this.child.send({ op: 'reset' } satisfies ToChild);
  }

  async report(): Promise<Extract<FromChild, { op: 'report' }>> {
    const reply = await this.ask({ op: 'report' });
    if (reply.op !== 'report') throw new Error('unexpected reply');
    return reply;
  }

  /** Until every open client has `events` events, or nothing moved for a while. */
  async waitFor(events: number, stallMs = 5000): Promise<Extract<FromChild, { op: 'report' }>> {
    let last = -1;
    let since = Date.now();
    for (;;) {
      const report = await this.report();
      if (report.clients === 0 || report.minReceived >= events) return report;
      if (report.received !== last) {
        last = report.received;
        since = Date.now();
      } else if (Date.now() - since > stallMs) return report;
      await sleep(20);
    }
  }

  stop(): void {
    this.child.disconnect();
  }
}

interface Served {
  readonly url: string;
  readonly server: Server;
  readonly realtime: Realtime;
  close(): Promise<void>;
}

async function serve(changes: Pick<ChangeFeed<ReadModelChange>, 'on'>, startPosition = 0): Promise<Served> {
  const config = loadConfig({ env: {} }).realtime;
  const server = createServer((_request, response) => response.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const realtime = attachRealtime({
    httpServer: server,
    changes,
    verifyToken: (token) => (token === TOKEN ? benchUser : undefined),
    tokenState: (token) => (token === TOKEN ? 'live' : 'revoked'),
    config,
    logger: silentLogger(),
    startPosition,
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    realtime,
    async close() {
      await realtime.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const template: ChannelRow = {
  unique_id: '1700000000.1',
  linked_id: '1700000000.1',
  channel: 'PJSIP/pjagent-01-00000001',
  channel_state: 6,
  channel_state_desc: 'Up',
  context: 'demo',
  exten: '100',
  priority: '1',
  caller_id_name: 'pjagent-01',
  caller_id_num: 'pjagent-01',
  connected_line_name: '<unknown>',
  connected_line_num: '<unknown>',
  account_code: '',
  language: 'en',
  application: 'Queue',
  application_data: 'sales_1',
  bridge_id: null,
  hangup_cause: null,
  hangup_cause_desc: null,
  variables: { ABANDONED: 'TRUE', QUEUEPOSITION: '1' },
  tm_create: '2026-01-01T00:00:00.000000000Z',
  tm_update: '2026-01-01T00:00:01.000000000Z',
};

/** A channel update as the runner emits it, stamped with when it was fed (the payload carries it to the client). */
function change(position: number): ReadModelChange {
  const uniqueId = `1700000000.${position % 500}`;
  const row = { ...template, unique_id: uniqueId, caller_id_name: `agent-${position % 50}`, node: 'asterisk', row_key: `asterisk/${uniqueId}`, sent_at: nowMs() };
  return { projection: 'channels', table: 'channels', op: 'update', key: row.unique_id, row, position };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** What the fan-out measurement needs from a server: jade's realtime, or the naive baseline. */
interface FanoutServer {
  readonly url: string;
  readonly feed: ChangeFeed<ReadModelChange>;
  /** Deliveries and messages so far, and clients dropped. */
  counters(): { deliveries: number; messages: number; dropped: number };
  close(): Promise<void>;
}

async function jadeServer(): Promise<FanoutServer> {
  const feed = new ChangeFeed<ReadModelChange>();
  const served = await serve(feed);
  return {
    url: served.url,
    feed,
    counters: () => {
      const stats = served.realtime.stats();
      return { deliveries: stats.delivered.events, messages: stats.delivered.messages, dropped: stats.dropped };
    },
    close: () => served.close(),
  };
}

/**
 * The baseline: what socket.io gives without coalescing, one broadcast per event (`io.to(room).emit`,
 * which already encodes once per broadcast and writes once per client per event).
 */
async function baselineServer(): Promise<FanoutServer> {
  const feed = new ChangeFeed<ReadModelChange>();
  const server = createServer((_request, response) => response.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const io = new SocketIoServer(server, { serveClient: false });
  io.use((socket, next) => next((socket.handshake.auth as { authtoken?: string }).authtoken === TOKEN ? undefined : new Error('bad token')));
  io.on('connection', (socket) => {
    socket.on('subscribe', (_topic: unknown, ack?: (result: unknown) => void) => {
      void socket.join('subscribers');
      ack?.({});
    });
  });
  let deliveries = 0;
  feed.on('batch', (batch) => {
    const subscribers = io.sockets.adapter.rooms.get('subscribers')?.size ?? 0;
    for (const change of batch.changes) {
      const event = toRealtimeEvent(change);
      if (!event) continue;
      io.to('subscribers').emit('events', [event]);
      deliveries += subscribers;
    }
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    feed,
    counters: () => ({ deliveries, messages: deliveries, dropped: 0 }),
    async close() {
      server.closeAllConnections();
      await io.close();
    },
  };
}

async function fanoutRun(kind: 'jade' | 'baseline', clientCount: number, rates: readonly number[], seconds: number, mode: ClientMode): Promise<void> {
  const served = kind === 'jade' ? await jadeServer() : await baselineServer();
  const clients = await Clients.start(served.url, clientCount, '/core/channels/', mode);
  const title =
    kind === 'jade' ? 'jade realtime (coalesced, encoded once per batch)' : 'baseline: plain socket.io, one broadcast per event (io.to(room).emit)';
  console.log(`\n1. fan-out, ${title}: ${clientCount} ${mode} clients on /core/channels/ (separate process), ~${JSON.stringify(change(0).row).length + 60} bytes per event`);
  let position = 0;
  for (const rate of rates) {
    clients.reset();
    const before = served.counters();
    const cpu = process.cpuUsage();
    const started = nowMs();
    const total = Math.round(rate * seconds);
    // Fed in slices every 5 ms, one commit per change (like a live runner batch of one event).
    let fed = 0;
    while (fed < total) {
      const due = Math.min(total, Math.round(((nowMs() - started) / 1000) * rate));
      for (; fed < due; fed++) served.feed.publish([change(++position)], position);
      await sleep(5);
    }
    const report = await clients.waitFor(total);
    const ms = nowMs() - started;
    const used = process.cpuUsage(cpu);
    const after = served.counters();
    const deliveries = after.deliveries - before.deliveries;
    const histogram = new Histogram();
    for (const [bucket, count] of report.histogram) histogram.counts[bucket] = count;
    console.log(
      `  ${fmt(rate).padStart(6)} changes/s: delivered ${fmt((report.received / ms) * 1000).padStart(10)} events/s ` +
        `(${fmt(report.received)} of ${fmt(total * clientCount)}), latency p50 ${histogram.percentile(0.5).toFixed(1)} ms, ` +
        `p99 ${histogram.percentile(0.99).toFixed(1)} ms, max ${histogram.max().toFixed(1)} ms; server CPU ${((used.user + used.system) / Math.max(1, deliveries)).toFixed(2)} µs/delivery ` +
        `(${((used.user + used.system) / 1000 / ms).toFixed(2)} cores), ${fmt(after.messages - before.messages)} messages, dropped ${after.dropped - before.dropped}; ` +
        `client process ${(report.cpuMicros / 1000 / ms).toFixed(2)} cores`,
    );
  }
  clients.stop();
  await served.close();
}

async function feedRun(clientCount: number, total: number, mode: ClientMode): Promise<void> {
  const feed = new ChangeFeed<ReadModelChange>();
  const served = await serve(feed);
  const clients = await Clients.start(served.url, clientCount, '/', mode);
  clients.reset();
  const cpu = process.cpuUsage();
  const started = nowMs();
  let position = 0;
  // As fast as the server takes them: a commit of 100, then yield so the ticks (and socket writes) run.
  while (position < total) {
    const commit: ReadModelChange[] = [];
    for (let i = 0; i < 100 && position < total; i++) commit.push(change(++position));
    feed.publish(commit, position);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const fedMs = nowMs() - started;
  const report = await clients.waitFor(total);
  const ms = nowMs() - started;
  const used = process.cpuUsage(cpu);
  const stats = served.realtime.stats();
  const histogram = new Histogram();
  for (const [bucket, count] of report.histogram) histogram.counts[bucket] = count;
  console.log(`\n2. feed at max rate: ${fmt(total)} changes through the ChangeFeed, ${clientCount} ${mode} clients on / (separate process)`);
  console.log(
    `  fed in ${fedMs.toFixed(0)} ms; every client had every event after ${ms.toFixed(0)} ms: ${fmt((total / ms) * 1000)} events/s ` +
      `(${fmt((report.received / ms) * 1000)} deliveries/s), latency p50 ${histogram.percentile(0.5).toFixed(1)} ms p99 ${histogram.percentile(0.99).toFixed(1)} ms; ` +
      `server CPU ${((used.user + used.system) / Math.max(1, stats.delivered.events)).toFixed(2)} µs/delivery; complete ${report.minReceived >= total}, dropped ${stats.dropped}; client process ${(report.cpuMicros / 1000 / ms).toFixed(2)} cores`,
  );
  clients.stop();
  await served.close();
}

// ------------------------------------------------------------------------------------------------
// Full path: recorded AMI traffic over TCP -> ingest -> store -> runner -> realtime

const capture = readFileSync(new URL('../test/fixtures/ami-capture-asterisk22.txt', import.meta.url));
const captureText = capture.toString('utf8');
const framesPerCapture = new AmiFrameParser().push(capture).length;
/** The capture cut at frame boundaries into pieces of ~20 frames, for paced replay. */
const capturePieces = ((): { text: string; frames: number }[] => {
  const frames = captureText.split('\r\n\r\n').filter((frame) => frame !== '');
  const pieces: { text: string; frames: number }[] = [];
  for (let i = 0; i < frames.length; i += 20) {
    const group = frames.slice(i, i + 20);
    pieces.push({ text: group.map((frame) => `${frame}\r\n\r\n`).join(''), frames: group.length });
  }
  return pieces;
})();

async function fakeAmiChild(): Promise<void> {
  const fake = await FakeAmi.start();
  process.send?.({ port: fake.port });
  process.on('message', (message: { stream: number; rate: number }) => {
    void (async () => {
      if (message.rate <= 0) await fake.stream(captureText, message.stream);
      else {
        // Paced: pieces of whole frames every few ms, each due at its share of the rate (a whole capture at
        // once would measure the burst, not the pipeline).
        const started = nowMs();
        let sent = 0;
        for (let loop = 0; loop < message.stream; loop++) {
          for (const piece of capturePieces) {
            await fake.stream(piece.text, 1);
            sent += piece.frames;
            const due = started + (sent * 1000) / message.rate;
            if (due > nowMs() + 1) await sleep(due - nowMs());
          }
        }
      }
      process.send?.({ streamed: true });
    })();
  });
  process.on('disconnect', () => void fake.close().then(() => process.exit(0)));
}

async function openStore(kind: string, dir: string): Promise<EventStore> {
  if (kind === 'sqlite') {
    const { SqliteEventStore } = await import('../src/eventstore/sqlite/sqlite-event-store.js');
    return SqliteEventStore.open({ dataDir: dir });
  }
  const { MemoryEventStore } = await import('../src/eventstore/memory/memory-event-store.js');
  return new MemoryEventStore();
}

async function amiRun(clientCount: number, frames: number, rate: number, storeKind: string, mode: ClientMode): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jade-realtime-bench-'));
  const store = await openStore(storeKind, dir);
  const readModels = await openReadModelDb(storeKind === 'sqlite' ? join(dir, 'readmodels.sqlite') : ':memory:');
  const runner = createProjectionRunner({ store, readModels });
  await runner.start();
  const served = await serve(runner.changes, runner.position());
  const clients = await Clients.start(served.url, clientCount, '/', mode);
  // When each position's changes were committed (the feed fires right after the commit): latency's start.
  const committedAt = new Map<number, number>();
  runner.changes.on('batch', (batch) => {
    const now = nowMs();
    for (const change of batch.changes) if (!committedAt.has(change.position)) committedAt.set(change.position, now);
  });

  const amiChild = fork(fileURLToPath(import.meta.url), ['--ami-child'], { stdio: 'inherit' });
  const [hello] = (await once(amiChild, 'message')) as [{ port: number }];
  let resynced: () => void = () => undefined;
  const firstRound = new Promise<void>((resolve) => (resynced = resolve));
  const ami = startAmi({
    config: { host: '127.0.0.1', port: hello.port, username: 'jade', secret: 's3cret', node: 'bench', keepaliveMs: 60_000, actionTimeoutMs: 10_000, reconnectInitialMs: 100, reconnectMaxMs: 1000 },
    store,
    logger: silentLogger(),
    onResync: () => resynced(),
  });
  await firstRound;
  await ami.ingest.flush();
  await runner.waitForPosition(await store.headPosition(), 10_000);
  await sleep(100);
  clients.reset();

  const loops = Math.max(1, Math.round(frames / framesPerCapture));
  const target = ami.stats().received + loops * framesPerCapture;
  const publishedBefore = served.realtime.stats().published;
  const cpu = process.cpuUsage();
  const started = nowMs();
  amiChild.send({ stream: loops, rate });
  while (ami.stats().appended < target) await sleep(2);
  const appendedMs = nowMs() - started;
  await runner.waitForPosition(await store.headPosition(), 60_000);
  const projectedMs = nowMs() - started;
  const pipelineCpu = process.cpuUsage(cpu);
  await sleep(60); // the last tick
  const published = served.realtime.stats().published - publishedBefore;
  const report = await clients.waitFor(published);
  const ms = nowMs() - started;
  const used = process.cpuUsage(cpu);
  const stats = served.realtime.stats();
  const events = loops * framesPerCapture;
  const cores = (micros: number, over: number) => (micros / 1000 / over).toFixed(2);
  const latency = new Histogram();
  for (let i = 0; i < report.samples.length; i += 2) {
    const committed = committedAt.get(report.samples[i]!);
    if (committed !== undefined) latency.add(report.samples[i + 1]! - committed);
  }
  const pace = rate > 0 ? `paced at ${fmt(rate)}/s` : 'as fast as it goes';
  console.log(
    `\n3. full path, ${pace}: ${fmt(events)} recorded AMI events over TCP -> ingest -> ${storeKind} store -> runner -> realtime, ${clientCount} ${mode} clients on / (separate process)`,
  );
  console.log(
    `  ingest rate: ${fmt((events / projectedMs) * 1000)} AMI events/s (all appended in ${appendedMs.toFixed(0)} ms, projected and published in ${projectedMs.toFixed(0)} ms; ` +
      `server ${cores(pipelineCpu.user + pipelineCpu.system, projectedMs)} cores, ${((pipelineCpu.user + pipelineCpu.system) / events).toFixed(1)} µs CPU per AMI event)`,
  );
  console.log(
    `  delivery: ${fmt(published)} realtime events x ${clientCount} clients; every remaining client had every event after ${ms.toFixed(0)} ms ` +
      `(${fmt((report.received / ms) * 1000)} deliveries/s); complete ${report.minReceived >= published}, dropped ${stats.dropped}; ` +
      `server ${cores(used.user + used.system, ms)} cores, client process ${cores(report.cpuMicros, ms)} cores`,
  );
  if (latency.total() > 0) {
    console.log(`  latency commit -> receipt (first client): p50 ${latency.percentile(0.5).toFixed(1)} ms, p99 ${latency.percentile(0.99).toFixed(1)} ms, max ${latency.max().toFixed(1)} ms`);
  }

  await ami.stop();
  amiChild.disconnect();
  clients.stop();
  await served.close();
  await runner.stop();
  await store.close();
  await readModels.close();
  rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: '1000' },
      rates: { type: 'string', default: '100,500,2000' },
      seconds: { type: 'string', default: '5' },
      'ingest-clients': { type: 'string', default: '200' },
      changes: { type: 'string', default: '200000' },
      frames: { type: 'string', default: '100000' },
      'ami-rates': { type: 'string', default: '0,2000' },
      client: { type: 'string', default: 'raw' },
      'baseline-rates': { type: 'string', default: '100,500' },
      store: { type: 'string', default: 'memory' },
      only: { type: 'string' },
    },
  });
  const mode: ClientMode = values.client === 'socketio' ? 'socketio' : 'raw';
  const only = values.only;
  const rates = (list: string | undefined) => String(list).split(',').map(Number);
  if (!only || only === 'fanout') await fanoutRun('jade', Number(values.clients), rates(values.rates), Number(values.seconds), mode);
  if (!only || only === 'baseline') await fanoutRun('baseline', Number(values.clients), rates(values['baseline-rates']), Number(values.seconds), mode);
  if (!only || only === 'feed') await feedRun(Number(values['ingest-clients']), Number(values.changes), mode);
  if (!only || only === 'ami') {
    for (const rate of rates(values['ami-rates'])) {
      // A paced run lasts about 10 s whatever the rate.
      const frames = rate > 0 ? rate * 10 : Number(values.frames);
      await amiRun(Number(values['ingest-clients']), frames, rate, values.store ?? 'memory', mode);
    }
  }
}

if (process.argv.includes('--clients-child')) clientsChild();
else if (process.argv.includes('--ami-child')) void fakeAmiChild();
else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
