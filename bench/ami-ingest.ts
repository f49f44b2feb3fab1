/**
 * AMI ingest throughput on recorded real traffic (test/fixtures/ami-capture-asterisk22.txt, Asterisk 22).
 * Not a test: `npx tsx bench/ami-ingest.ts [--frames 200000] [--store sqlite|memory] [--no-library]`.
 *
 * Prints:
 * 1. parse only: jade's frame parser over the capture in memory (frames/s, one core);
 * 2. end to end: the capture looped to ~`--frames` frames and replayed over loopback TCP by the fake AMI
 *    server, running in a child process so it does not share this process's core, into `startAmi` writing to
 *    the event store (sqlite by default: WAL + fsync'd group commit). "parsed" is when the last frame was
 *    parsed and handed to the ingest; "appended" is when the last one was acknowledged by the store;
 * 3. for comparison, asterisk-ami-client 1.1.5 receiving the same replay (events emitted/s, parse only,
 *    nothing stored): the number behind the decision not to use it for ingest.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AmiFrameParser } from '../src/ami/frame-parser.js';
import { startAmi, type ResyncReport } from '../src/ami/index.js';
import type { EventStore } from '../src/eventstore/port.js';
import { silentLogger } from '../src/logger.js';
import { FakeAmi } from '../test/support/fake-ami.js';

const fixture = readFileSync(new URL('../test/fixtures/ami-capture-asterisk22.txt', import.meta.url));
const fixtureText = fixture.toString('utf8');
const framesPerCapture = new AmiFrameParser().push(fixture).length;

type ToServer = { readonly stream: number };
type FromServer = { readonly port: number } | { readonly streamed: true };

/** Child-process side: a fake AMI server that replays the capture `stream` times to its logged-in client. */
async function serve(): Promise<void> {
  const fake = await FakeAmi.start();
  process.send?.({ port: fake.port } satisfies FromServer);
  process.on('message', (message: ToServer) => {
    void fake.stream(fixtureText, message.stream).then(() => process.send?.({ streamed: true } satisfies FromServer));
  });
  process.on('disconnect', () => void fake.close().then(() => process.exit(0)));
}

async function startServer(): Promise<{ child: ChildProcess; port: number }> {
  // Same entry file, server mode; execArgv is inherited, so the child runs under tsx too.
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  const [message] = (await once(child, 'message')) as [FromServer];
  if (!('port' in message)) throw new Error('replay server did not report its port');
  return { child, port: message.port };
}

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

function parseOnly(loops: number): { frames: number; ms: number } {
  const parser = new AmiFrameParser();
  let frames = 0;
  const started = performance.now();
  for (let loop = 0; loop < loops; loop++) {
    for (let offset = 0; offset < fixture.length; offset += 64 * 1024) frames += parser.push(fixture.subarray(offset, offset + 64 * 1024)).length;
  }
  return { frames, ms: performance.now() - started };
}

async function openStore(kind: string, dir: string): Promise<EventStore> {
  if (kind === 'memory') {
    const { MemoryEventStore } = await import('../src/eventstore/memory/memory-event-store.js');
    return new MemoryEventStore();
  }
  const { SqliteEventStore } = await import('../src/eventstore/sqlite/sqlite-event-store.js');
  return SqliteEventStore.open({ dataDir: dir });
}

async function endToEnd(loops: number, storeKind: string): Promise<{ frames: number; parsedMs: number; appendedMs: number; appended: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'jade-ami-bench-'));
  const store = await openStore(storeKind, dir);
  const { child, port } = await startServer();
  let resynced: () => void = () => undefined;
  const firstRound = new Promise<void>((resolve) => (resynced = resolve));
  const ami = startAmi({
    config: { host: '127.0.0.1', port, username: 'jade', secret: 's3cret', node: 'bench', keepaliveMs: 60_000, actionTimeoutMs: 10_000, reconnectInitialMs: 100, reconnectMaxMs: 1000 },
    store,
    logger: silentLogger(),
    onResync: (_report: ResyncReport) => resynced(),
  });
  await firstRound;
  await ami.ingest.flush();
  const before = ami.stats();
  const frames = loops * framesPerCapture;
  const target = before.received + frames;

  const started = performance.now();
  child.send({ stream: loops } satisfies ToServer);
  let parsedMs = 0;
  // Polling costs a timer turn per ms at most; the ingest does its work between ticks.
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const stats = ami.stats();
      if (parsedMs === 0 && stats.received >= target) parsedMs = performance.now() - started;
      if (stats.appended >= target) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const appendedMs = performance.now() - started;
  const appended = ami.stats().appended - before.appended;

  await ami.stop();
  child.disconnect();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { frames, parsedMs, appendedMs, appended };
}

async function libraryParse(loops: number): Promise<{ frames: number; ms: number } | string> {
  let AmiClient: typeof import('asterisk-ami-client').default;
  try {
    AmiClient = (await import('asterisk-ami-client')).default;
  } catch {
    return 'asterisk-ami-client is not installed';
  }
  const { child, port } = await startServer();
  const client = new AmiClient({ reconnect: false, keepAlive: false, emitEventsByTypes: false });
  await client.connect('jade', 's3cret', { host: '127.0.0.1', port });
  const frames = loops * framesPerCapture;
  let seen = 0;
  const started = performance.now();
  const done = new Promise<void>((resolve) => {
    client.on('event', () => {
      if (++seen === frames) resolve();
    });
  });
  child.send({ stream: loops } satisfies ToServer);
  await done;
  const ms = performance.now() - started;
  client.disconnect();
  child.disconnect();
  return { frames, ms };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      frames: { type: 'string', default: '200000' },
      store: { type: 'string', default: 'sqlite' },
      'no-library': { type: 'boolean', default: false },
    },
  });
  const loops = Math.max(1, Math.round(Number(values.frames) / framesPerCapture));
  const frames = loops * framesPerCapture;
  console.log(`capture: ${framesPerCapture} frames, ${fixture.length} bytes; replayed ${loops} times = ${frames.toLocaleString('en-US')} frames`);

  const parsed = parseOnly(loops);
  console.log(`parse only (jade frame parser, in memory):   ${rate(parsed.frames, parsed.ms)} frames (${parsed.ms.toFixed(0)} ms)`);

  const e2e = await endToEnd(loops, values.store ?? 'sqlite');
  console.log(`end to end over TCP into ${values.store} store:`);
  console.log(`  parsed and handed to ingest:               ${rate(e2e.frames, e2e.parsedMs)} frames (${e2e.parsedMs.toFixed(0)} ms)`);
  console.log(`  appended (acknowledged by the store):      ${rate(e2e.appended, e2e.appendedMs)} events (${e2e.appendedMs.toFixed(0)} ms, ${e2e.appended} events)`);

  if (!values['no-library']) {
    const library = await libraryParse(loops);
    if (typeof library === 'string') console.log(`asterisk-ami-client: skipped (${library})`);
    else console.log(`asterisk-ami-client 1.1.5 over TCP, parse only: ${rate(library.frames, library.ms)} frames (${library.ms.toFixed(0)} ms)`);
  }
}

if (process.argv.includes('--serve')) {
  void serve();
} else {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
