/**
 * Records real AMI traffic from the Asterisk sandbox into a fixture file.
 *
 *   tsx scripts/record-ami.ts [--out test/fixtures/ami-capture-sandbox.txt] [--min-kb 400] [--max-rounds 12]
 *
 * Needs root and a provisioned sandbox (scripts/sandbox-provision.sh). Starts its own
 * sandbox instance, logs in with events on, and writes every byte Asterisk sends after
 * the login response: AMI frames with CRLF line ends, each ended by a blank line,
 * responses to the actions below included (a live client sees those too), with
 * `Timestamp:` headers (timestampevents=yes).
 *
 * Each round runs, partly at once: a demo call hung up after a second; queue calls into
 * sales_1 answered by a Local member; customers that answer, are busy, never answer and
 * fail (originated directly and through Dial()); a parked call that is hung up and one
 * that times out; a caller waiting in sales_2 (no members) who gives up; an async AGI session with a command; dynamic queue member add / pause /
 * unpause / remove on sales_2; an app_agent_pool agent logging in, taking a call and
 * logging off; a sipp registration and unregistration; and the list actions jade runs
 * after a (re)connect, taken while calls are up. Rounds repeat until the file reaches
 * --min-kb. Some originates preset ChannelId and use uuid ActionIDs as jade does, others
 * do not, like calls made on Asterisk directly.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { amiGet, AsteriskSandbox, SandboxAmi, type AmiFrame } from '../test/support/asterisk-sandbox.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIPP_SCENARIO = path.join(ROOT, 'test/fixtures/sipp/register.xml');

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(ROOT, 'test/fixtures/ami-capture-sandbox.txt') },
    'min-kb': { type: 'string', default: '400' },
    'max-rounds': { type: 'string', default: '12' },
  },
});
const outFile = path.resolve(values.out);
const minBytes = Number(values['min-kb']) * 1024;
const maxRounds = Number(values['max-rounds']);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const is = (event: string, fields: Record<string, string> = {}) => (frame: AmiFrame) =>
  amiGet(frame, 'Event') === event && Object.entries(fields).every(([k, v]) => amiGet(frame, k) === v);

async function main(): Promise<void> {
  const availability = AsteriskSandbox.available();
  if (!availability.ok) throw new Error(`cannot record: ${availability.reason}`);
  // A short parking time so a parked call times out inside a round.
  const sandbox = new AsteriskSandbox({ parkingTimeSeconds: 6 });
  await sandbox.start();
  process.stderr.write(`sandbox up in ${sandbox.lastBootMs} ms on AMI port ${sandbox.amiPort}\n`);
  const ami = await SandboxAmi.connect({
    host: sandbox.host,
    port: sandbox.amiPort,
    username: sandbox.amiUsername,
    secret: sandbox.amiSecret,
  });
  const bytes = () => ami.frames.reduce((n, f) => n + f.raw.length, 0);

  try {
    // Let boot-time events (outbound registration, device states) arrive first.
    await sleep(1_000);
    await snapshots(ami);
    for (let round = 1; round <= maxRounds && bytes() < minBytes; round++) {
      await runRound(ami, sandbox, round);
      process.stderr.write(`round ${round}: ${ami.frames.length} frames, ${Math.round(bytes() / 1024)} KB\n`);
    }
    await waitIdle(ami);
    await snapshots(ami);
  } finally {
    ami.close();
    await sandbox.stop();
  }

  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, Buffer.concat(ami.frames.map((f) => f.raw)));
  const counts = new Map<string, number>();
  for (const f of ami.frames) {
    const name = amiGet(f, 'Event') ?? `Response: ${amiGet(f, 'Response') ?? '?'}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  process.stderr.write(`wrote ${outFile}: ${ami.frames.length} frames, ${bytes()} bytes\n`);
  for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1])) process.stderr.write(`  ${String(n).padStart(5)} ${name}\n`);
}

/** The list actions jade runs after every (re)connect. */
async function snapshots(ami: SandboxAmi): Promise<void> {
  for (const action of [
    'CoreStatus', 'CoreSettings', 'CoreShowChannels', 'QueueStatus', 'QueueSummary', 'ParkedCalls', 'Parkinglots',
    'DeviceStateList', 'PJSIPShowEndpoints', 'PJSIPShowContacts', 'PJSIPShowAors', 'PJSIPShowAuths',
    'PJSIPShowRegistrationsOutbound', 'Agents',
  ]) {
    await ami.action({ Action: action, ActionID: randomUUID() });
  }
  await ami.action({ Action: 'Command', ActionID: randomUUID(), Command: 'module show' });
}

interface Originated {
  readonly actionId: string;
  readonly uniqueId: string | undefined;
}

/** Async Originate of a Local channel into an application; presets ids as jade does when asked. */
async function originate(
  ami: SandboxAmi,
  channel: string,
  opts: { app?: string; data?: string; timeoutMs?: number; preset?: boolean; variables?: string[] } = {},
): Promise<Originated> {
  const actionId = randomUUID();
  const uniqueId = opts.preset === false ? undefined : randomUUID();
  const { response } = await ami.action({
    Action: 'Originate',
    ActionID: actionId,
    Channel: channel,
    Application: opts.app ?? 'Wait',
    Data: opts.data ?? '30',
    Timeout: String(opts.timeoutMs ?? 10_000),
    CallerID: '"Jade Recorder" <5550100>',
    Async: 'true',
    ...(uniqueId === undefined ? {} : { ChannelId: uniqueId, OtherChannelId: randomUUID() }),
    ...(opts.variables === undefined ? {} : { Variable: opts.variables }),
  });
  if (amiGet(response, 'Response') !== 'Success') throw new Error(`Originate ${channel}: ${amiGet(response, 'Message')}`);
  return { actionId, uniqueId };
}

async function answered(ami: SandboxAmi, call: Originated): Promise<AmiFrame> {
  const response = await ami.waitFor(is('OriginateResponse', { ActionID: call.actionId }), { timeoutMs: 20_000, description: 'OriginateResponse' });
  if (amiGet(response, 'Reason') !== '4') throw new Error(`call ${amiGet(response, 'Channel')} not answered: Reason ${amiGet(response, 'Reason')}`);
  return response;
}

async function hangup(ami: SandboxAmi, channel: string): Promise<void> {
  await ami.action({ Action: 'Hangup', ActionID: randomUUID(), Channel: channel, Cause: '16' });
}

async function demoCall(ami: SandboxAmi): Promise<void> {
  const call = await originate(ami, 'Local/100@demo', { variables: ['JADE_TEST=demo', 'CHANNEL(accountcode)=rec'] });
  const response = await answered(ami, call);
  await sleep(1_000);
  await hangup(ami, amiGet(response, 'Channel')!);
}

async function queueCall(ami: SandboxAmi, talkMs: number): Promise<void> {
  const call = await originate(ami, 'Local/300@demo', { data: '60' });
  const response = await answered(ami, call);
  await ami.waitFor(is('AgentConnect', { Linkedid: call.uniqueId! }), { timeoutMs: 10_000, description: 'AgentConnect' });
  await sleep(talkMs);
  await hangup(ami, amiGet(response, 'Channel')!);
}

async function customers(ami: SandboxAmi, round: number): Promise<void> {
  const n = String(round % 10);
  const calls = [
    // Answered; our side's Wait(2) ends it before the customer's Wait(20).
    originate(ami, `Local/100${n}@customers`, { data: '2' }),
    originate(ami, `Local/200${n}@customers`, { preset: false }),
    originate(ami, `Local/300${n}@customers`, { timeoutMs: 2_000 }),
    originate(ami, `Local/400${n}@customers`),
    // Through app_dial: DialBegin/DialEnd with DialStatus ANSWER / BUSY / CONGESTION.
    originate(ami, `Local/5100${n}@demo`, { data: '3' }),
    originate(ami, `Local/5200${n}@demo`, { preset: false }),
    originate(ami, `Local/5400${n}@demo`),
  ];
  const started = await Promise.all(calls);
  await Promise.all(
    started.map((c) => ami.waitFor(is('OriginateResponse', { ActionID: c.actionId }), { timeoutMs: 20_000, description: 'OriginateResponse' })),
  );
}

async function parkedCalls(ami: SandboxAmi): Promise<void> {
  const giveUp = await originate(ami, 'Local/200@demo');
  const timeOut = await originate(ami, 'Local/200@demo', { data: '60' });
  const parked = await ami.waitFor(is('ParkedCall', { ParkeeLinkedid: giveUp.uniqueId! }), { timeoutMs: 10_000, description: 'ParkedCall' });
  await sleep(1_000);
  await hangup(ami, amiGet(parked, 'ParkeeChannel')!);
  await ami.waitFor(is('ParkedCallTimeOut', { ParkeeLinkedid: timeOut.uniqueId! }), { timeoutMs: 20_000, description: 'ParkedCallTimeOut' });
}

async function asyncAgi(ami: SandboxAmi): Promise<void> {
  const call = await originate(ami, 'Local/400@demo');
  const start = await ami.waitFor(is('AsyncAGIStart', { Linkedid: call.uniqueId! }), { timeoutMs: 10_000, description: 'AsyncAGIStart' });
  const channel = amiGet(start, 'Channel')!;
  for (const command of ['GET VARIABLE CHANNEL(language)', 'EXEC Wait 1']) {
    const commandId = randomUUID();
    await ami.action({ Action: 'AGI', ActionID: randomUUID(), Channel: channel, Command: command, CommandID: commandId });
    await ami.waitFor(is('AsyncAGIExec', { CommandID: commandId }), { timeoutMs: 10_000, description: 'AsyncAGIExec' });
  }
  await hangup(ami, channel);
}

/** A caller waiting in sales_2 (no members): a queue entry in the snapshots, then abandoned. */
async function waitingCaller(ami: SandboxAmi): Promise<void> {
  const call = await originate(ami, 'Local/301@demo', { data: '60' });
  const joined = await ami.waitFor(is('QueueCallerJoin', { Linkedid: call.uniqueId!, Queue: 'sales_2' }), { timeoutMs: 10_000, description: 'QueueCallerJoin sales_2' });
  await ami.action({ Action: 'QueueStatus', ActionID: randomUUID(), Queue: 'sales_2' });
  await sleep(1_000);
  await hangup(ami, amiGet(joined, 'Channel')!);
  await ami.waitFor(is('QueueCallerAbandon', { Linkedid: call.uniqueId! }), { timeoutMs: 10_000, description: 'QueueCallerAbandon' });
}

async function queueMembers(ami: SandboxAmi): Promise<void> {
  const iface = 'Local/agent-03@agents';
  const steps: Record<string, string>[] = [
    { Action: 'QueueAdd', Queue: 'sales_2', Interface: iface, MemberName: 'agent-03', Penalty: '1', Paused: 'false' },
    { Action: 'QueuePause', Queue: 'sales_2', Interface: iface, Paused: 'true', Reason: 'lunch' },
    { Action: 'QueuePenalty', Queue: 'sales_2', Interface: iface, Penalty: '2' },
    { Action: 'QueuePause', Queue: 'sales_2', Interface: iface, Paused: 'false' },
    { Action: 'QueueRemove', Queue: 'sales_2', Interface: iface },
  ];
  for (const step of steps) {
    await ami.action({ ...step, ActionID: randomUUID() });
    await sleep(100);
  }
}

async function agentPool(ami: SandboxAmi): Promise<void> {
  const mark = ami.mark();
  const login = await originate(ami, 'Local/1001@agent-login', { data: '60' });
  await ami.waitFor(is('AgentLogin', { Agent: '1001' }), { timeoutMs: 10_000, description: 'AgentLogin' });
  // app_agent_pool keeps a new agent's device UNAVAILABLE for a few seconds after login
  // (Agents already says AGENT_IDLE; an AgentRequest then fails with AGENT_STATUS=BUSY).
  await ami.waitFor(is('DeviceStateChange', { Device: 'Agent:1001', State: 'NOT_INUSE' }), {
    timeoutMs: 15_000,
    description: 'Agent:1001 NOT_INUSE',
    fromIndex: mark,
  });
  const caller = await originate(ami, 'Local/1001@agent-call', { data: '2' });
  await answered(ami, caller);
  await sleep(2_500);
  await ami.action({ Action: 'AgentLogoff', ActionID: randomUUID(), Agent: '1001' });
  await ami.waitFor(is('AgentLogoff', { Agent: '1001' }), { timeoutMs: 10_000, description: 'AgentLogoff' });
  // The login channel ends by itself once logged off; make sure of it.
  await ami.waitFor(is('Hangup', { Uniqueid: login.uniqueId! }), { timeoutMs: 10_000, description: 'agent login hangup' });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

function sipp(sandbox: AsteriskSandbox, localPort: number, expires: number): Promise<void> {
  const user = sandbox.pjsipUsers[1]!;
  const args = ['-sf', SIPP_SCENARIO, '-m', '1', '-i', '127.0.0.1', '-p', String(localPort), '-s', user.name, '-au', user.name,
    '-ap', user.password, '-key', 'expires', String(expires), '-timeout', '10s', '-timeout_error', '-nostdin',
    `127.0.0.1:${sandbox.sipPort}`];
  return new Promise((resolve, reject) => {
    execFile('sipp', args, { timeout: 20_000, cwd: path.dirname(SIPP_SCENARIO) }, (error) => (error ? reject(error) : resolve()));
  });
}

async function sipRegistration(sandbox: AsteriskSandbox): Promise<void> {
  const port = await freeUdpPort();
  await sipp(sandbox, port, 60);
  await sleep(500);
  await sipp(sandbox, port, 0);
}

async function runRound(ami: SandboxAmi, sandbox: AsteriskSandbox, round: number): Promise<void> {
  const work = [
    demoCall(ami),
    queueCall(ami, 2_000),
    sleep(300).then(() => queueCall(ami, 1_000)),
    customers(ami, round),
    parkedCalls(ami),
    asyncAgi(ami),
    // In series: a member added to sales_2 would otherwise take the waiting caller.
    waitingCaller(ami).then(() => queueMembers(ami)),
    agentPool(ami),
    sipRegistration(sandbox),
    // Snapshots while calls are up, as after a reconnect mid-traffic.
    sleep(1_500).then(() => snapshots(ami)),
  ];
  const results = await Promise.allSettled(work);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) throw new Error(`round ${round}: ${failed.map((f) => String(f.reason)).join('; ')}`);
  await waitIdle(ami);
}

/** Until Asterisk has no channels left, so rounds do not bleed into each other. */
async function waitIdle(ami: SandboxAmi): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const { events } = await ami.action({ Action: 'CoreShowChannels', ActionID: randomUUID() });
    if (events.length === 0) return;
    await sleep(200);
  }
  throw new Error('channels still up after 20 s');
}

main().catch((error: unknown) => {
  process.stderr.write(`record-ami: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
