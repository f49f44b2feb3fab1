/**
 * The end-to-end benchmark's other processes, so neither the AMI replay nor the clients' decoding runs on
 * the server's event loop: `children.ts ami` (a fake Asterisk replaying the captures over TCP) and
 * `children.ts clients` (many socket.io clients on one topic, counting what arrives and when).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { io as socketIoClient } from 'socket.io-client';
import { WebSocket } from 'ws';
import { FakeAmi } from '../../test/support/fake-ami.js';
import { Histogram, nowMs, sleep } from './histogram.js';
import { captureFrames, loopsText, renumber } from './replay.js';

// ------------------------------------------------------------------------------------------------
// Fake AMI

export type ToAmi =
  | { readonly op: 'prepare'; readonly first: number; readonly loops: number }
  | { readonly op: 'go' }
  | { readonly op: 'paced'; readonly first: number; readonly loops: number; readonly rate: number };
type FromAmi = { readonly op: 'port'; readonly port: number } | { readonly op: 'prepared' } | { readonly op: 'streamed'; readonly frames: number };

async function amiChild(): Promise<void> {
  const fake = await FakeAmi.start();
  let prepared = '';
  const send = (message: FromAmi) => process.send?.(message);
  send({ op: 'port', port: fake.port });
  process.on('message', (message: ToAmi) => {
    void (async () => {
      if (message.op === 'prepare') {
        prepared = loopsText(message.first, message.loops);
        send({ op: 'prepared' });
      } else if (message.op === 'go') {
        await fake.stream(prepared);
        send({ op: 'streamed', frames: 0 });
      } else {
        // Paced: whole frames every ~2 ms, each due at its share of the rate, each stamped with when it left.
        const frames: string[] = [];
        for (let loop = message.first; loop < message.first + message.loops; loop++) for (const frame of captureFrames) frames.push(renumber(frame, loop));
        const started = nowMs();
        let sent = 0;
        while (sent < frames.length) {
          const due = Math.min(frames.length, Math.floor(((nowMs() - started) / 1000) * message.rate) + 1);
          if (due > sent) {
            const stamp = nowMs().toFixed(3);
            let text = '';
            for (; sent < due; sent++) text += `${frames[sent]}\r\nBenchSent: ${stamp}\r\n\r\n`;
            await fake.stream(text);
          }
          await sleep(2);
        }
        send({ op: 'streamed', frames: sent });
      }
    })();
  });
  process.on('disconnect', () => void fake.close().then(() => process.exit(0)));
}

export class AmiReplay {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static async start(): Promise<AmiReplay> {
    const child = fork(fileURLToPath(import.meta.url), ['ami'], { stdio: 'inherit' });
    const [message] = (await once(child, 'message')) as [FromAmi];
    if (message.op !== 'port') throw new Error('fake AMI did not report its port');
    return new AmiReplay(child, message.port);
  }

  async ask(message: ToAmi): Promise<FromAmi> {
    this.child.send(message);
    const [reply] = (await once(this.child, 'message')) as [FromAmi];
    return reply;
  }

  /** Sends without waiting for the answer (the benchmark polls the server meanwhile). */
  tell(message: ToAmi): Promise<FromAmi> {
    return this.ask(message);
  }

  stop(): void {
    this.child.disconnect();
  }
}

// ------------------------------------------------------------------------------------------------
// Clients

export type ClientMode = 'raw' | 'socketio';
type ToClients =
  | { readonly op: 'connect'; readonly url: string; readonly token: string; readonly count: number; readonly topic: string; readonly mode: ClientMode }
  | { readonly op: 'reset' }
  | { readonly op: 'report' }
  /** Commit times of positions: position, ms, position, ms, ... */
  | { readonly op: 'latency'; readonly committed: number[] };
export type ClientsReport = {
  readonly op: 'report';
  readonly clients: number;
  readonly open: number;
  readonly received: number;
  readonly minReceived: number;
  readonly maxReceived: number;
};
type FromClients = { readonly op: 'connected'; readonly count: number; readonly failed: number } | ClientsReport | { readonly op: 'latency'; readonly histogram: Array<[number, number]> };

interface Tally {
  received: number;
  open: boolean;
  /** Receipts: position, ms, position, ms, ... */
  samples: number[];
}

const positionMark = '{"position":';

/** A minimal socket.io client (engine.io v4 over WebSocket, the protocol socket.io-client speaks), reading positions from the frame text. */
function rawClient(url: string, token: string, topic: string, tally: Tally): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
    ws.on('error', reject);
    ws.on('close', () => (tally.open = false));
    ws.on('message', (data: Buffer) => {
      const engineType = data[0];
      if (engineType === 0x30) ws.send(`40${JSON.stringify({ authtoken: token })}`);
      else if (engineType === 0x32) ws.send('3');
      else if (engineType === 0x34) {
        const ioType = data[1];
        if (ioType === 0x30) ws.send(`420${JSON.stringify(['subscribe', topic])}`);
        else if (ioType === 0x33) {
          tally.open = true;
          resolve();
        } else if (ioType === 0x34) reject(new Error(data.toString()));
        else if (ioType === 0x32) {
          const now = nowMs();
          const text = data.toString('latin1');
          for (let at = text.indexOf(positionMark); at !== -1; at = text.indexOf(positionMark, at + positionMark.length)) {
            const start = at + positionMark.length;
            let end = start;
            while (end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57) end++;
            tally.samples.push(Number(text.slice(start, end)), now);
            tally.received++;
          }
        }
      }
    });
  });
}

async function socketIoClient_(url: string, token: string, topic: string, tally: Tally): Promise<void> {
  const socket = socketIoClient(url, { transports: ['websocket'], auth: { authtoken: token }, reconnection: false, forceNew: true });
  socket.on('disconnect', () => (tally.open = false));
  socket.on('events', (events: Array<{ position: number }>) => {
    const now = nowMs();
    for (const event of events) tally.samples.push(event.position, now);
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
  const send = (message: FromClients) => process.send?.(message);
  process.on('message', (message: ToClients) => {
    if (message.op === 'connect') {
      void (async () => {
        let failed = 0;
        const connect = message.mode === 'raw' ? rawClient : socketIoClient_;
        for (let i = 0; i < message.count; i += 25) {
          const wave = Array.from({ length: Math.min(25, message.count - i) }, () => {
            const tally: Tally = { received: 0, open: false, samples: [] };
            tallies.push(tally);
            return connect(message.url, message.token, message.topic, tally).catch(() => void failed++);
          });
          await Promise.all(wave);
        }
        send({ op: 'connected', count: tallies.length - failed, failed });
      })();
    } else if (message.op === 'reset') {
      for (const tally of tallies) {
        tally.received = 0;
        tally.samples = [];
      }
    } else if (message.op === 'report') {
      const open = tallies.filter((t) => t.open);
      const counts = open.map((t) => t.received);
      send({
        op: 'report',
        clients: tallies.length,
        open: open.length,
        received: counts.reduce((sum, n) => sum + n, 0),
        minReceived: counts.length === 0 ? 0 : Math.min(...counts),
        maxReceived: counts.length === 0 ? 0 : Math.max(...counts),
      });
    } else {
      const committed = new Map<number, number>();
      for (let i = 0; i < message.committed.length; i += 2) committed.set(message.committed[i]!, message.committed[i + 1]!);
      const histogram = new Histogram();
      for (const tally of tallies) {
        for (let i = 0; i < tally.samples.length; i += 2) {
          const at = committed.get(tally.samples[i]!);
          if (at !== undefined) histogram.add(tally.samples[i + 1]! - at);
        }
      }
      send({ op: 'latency', histogram: histogram.sparse() });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

/** One child process holding `count` clients. */
export class ClientProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(url: string, token: string, count: number, topic: string, mode: ClientMode): Promise<ClientProcess> {
    const child = fork(fileURLToPath(import.meta.url), ['clients'], { stdio: 'inherit' });
    const clients = new ClientProcess(child);
    const connected = await clients.ask({ op: 'connect', url, token, count, topic, mode });
    if (connected.op !== 'connected' || connected.failed > 0) throw new Error(`clients failed to connect: ${JSON.stringify(connected)}`);
    return clients;
  }

  private async ask(message: ToClients): Promise<FromClients> {
    this.child.send(message);
    const [reply] = (await once(this.child, 'message')) as [FromClients];
    return reply;
  }

  reset(): void {
    this.child.send({ op: 'reset' } satisfies ToClients);
  }

  async report(): Promise<ClientsReport> {
    const reply = await this.ask({ op: 'report' });
    if (reply.op !== 'report') throw new Error('unexpected reply');
    return reply;
  }

  async latency(committed: number[]): Promise<Array<[number, number]>> {
    const reply = await this.ask({ op: 'latency', committed });
    if (reply.op !== 'latency') throw new Error('unexpected reply');
    return reply.histogram;
  }

  stop(): void {
    this.child.disconnect();
  }
}

if (process.argv[2] === 'ami') void amiChild();
else if (process.argv[2] === 'clients') clientsChild();
