import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callIdOf } from '../../../src/ami/event-table.js';
import { AmiLinkLostError, type AmiAction, type AmiConnectionState, type AmiGateway, type AmiListResult, type AmiCommandResult } from '../../../src/ami/port.js';
import type { CommandDeps } from '../../../src/commands/command.js';
import type { ResourceContext } from '../../../src/commands/resource.js';
import { ObResourceCommands } from '../../../src/outbound/commands.js';
import { amiEventTypes, type AmiFields, type JadeEvent } from '../../../src/events/index.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import type { EventStore } from '../../../src/eventstore/port.js';
import { silentLogger } from '../../../src/logger.js';
import { Dialer, type DialerOptions } from '../../../src/outbound/dialer/index.js';
import { ResultFile } from '../../../src/outbound/dialer/result-file.js';
import { openReadModelDb, type ReadModelDb } from '../../../src/readmodels/database.js';
import { createProjectionRunner, type ProjectionRunner } from '../../../src/readmodels/runner.js';
import type { ReadModelChange } from '../../../projections/index.js';
import { createReadModelSync } from '../../../src/readmodels/sync.js';
import { formatTimestamp } from '../../../src/events/time.js';
import { materialise, type RecordedEvent, type RecordedScenario } from '../../unit/outbound/dialer-traffic.js';

/**
 * The dialer against the memory store, real projections, and a simulated Asterisk: an AMI gateway that
 * answers actions and appends the recorded traffic of test/unit/outbound/dialer-traffic.ts to the log, as
 * jade's AMI ingest would (same streams, same event shape). Numbers behave like the sandbox's `customers`
 * context: 1XXX answers (and stays up until hung up), 2XXX is busy, 3XXX rings without answer, 4XXX is
 * congested, 9XXX is an extension that does not exist; another tech than Local gets no channel.
 * Time is a fake clock the test moves.
 */

/** The scenario a dialed channel plays. */
export function scenarioFor(channel: string): RecordedScenario {
  const match = /^Local\/(\d)\d*@/i.exec(channel);
  if (!match) return 'no_channel';
  const first = match[1];
  return first === '1' ? 'answer_park' : first === '2' ? 'busy' : first === '3' ? 'no_answer' : first === '4' ? 'congestion' : 'invalid_exten';
}

interface HeldCall {
  /** The originated channel's name. */
  readonly channel: string;
  readonly rest: RecordedEvent[];
}

export class SimulatedAsterisk implements AmiGateway {
  readonly actions: AmiAction[] = [];
  connected = true;
  /** When false, calls are not played on Originate: the test plays them (`play`). */
  autoplay = true;
  /** When false, an answered call plays to its recorded end (parked, timed out, hung up) instead of waiting. */
  holdAnswered = true;
  /** Originates answered with `Response: Error` while set. */
  refuseOriginate = false;
  /**
   * While set, the link drops after an Originate is written and before its answer (AmiLinkLostError), and Asterisk
   * had: `no_call` made no call; `call` made it and its events reach jade (after the reconnect); `call_unseen` made
   * it but its events so far were lost with the link (only a channel snapshot, or its hangup later, shows it).
   */
  loseOriginateAnswer: 'no_call' | 'call' | 'call_unseen' | undefined;
  private seq = 0;
  /** Answered calls wait here for a Hangup (action or test) to play the rest. */
  readonly held = new Map<string, HeldCall>();
  /** Originates received and not played yet (autoplay off). */
  readonly pending = new Map<string, AmiAction>();
  private readonly appends = new Set<Promise<unknown>>();

  constructor(private readonly store: EventStore, private readonly clock: () => number) {}

  state(): AmiConnectionState {
    return { connected: this.connected, since: null, lastEventAt: null };
  }

  async action(action: AmiAction): Promise<AmiFields> {
    this.actions.push(action);
    if (action.Action === 'Originate') {
      if (this.refuseOriginate) {
        const { AmiActionError } = await import('../../../src/ami/port.js');
        throw new AmiActionError('Originate', { Response: 'Error', Message: 'Originate failed' });
      }
      const uuid = String(action.ChannelId);
      const lost = this.loseOriginateAnswer;
      if (lost !== undefined) {
        if (lost === 'call') setImmediate(() => this.track(this.play(uuid, action)));
        if (lost === 'call_unseen') setImmediate(() => this.track(this.play(uuid, action, { silent: true })));
        throw new AmiLinkLostError('Originate', 'connection closed by Asterisk');
      }
      if (this.autoplay) setImmediate(() => this.track(this.play(uuid, action)));
      else this.pending.set(uuid, action);
      return { Response: 'Success', Message: 'Originate successfully queued' };
    }
    if (action.Action === 'Hangup') {
      const channel = String(action.Channel);
      const uuid = [...this.held.entries()].find(([id, call]) => channel === id || channel === call.channel)?.[0];
      if (uuid !== undefined) setImmediate(() => this.track(this.hangup(uuid)));
      return { Response: 'Success', Message: 'Channel Hungup' };
    }
    return { Response: 'Success' };
  }

  listAction(): Promise<AmiListResult> {
    return Promise.reject(new Error('not simulated'));
  }

  command(): Promise<AmiCommandResult> {
    return Promise.reject(new Error('not simulated'));
  }

  /** Plays a call: everything up to the answer for an answered one (then held), the whole call otherwise. */
  async play(uuid: string, action: AmiAction = this.pending.get(uuid)!, options: { readonly silent?: boolean } = {}): Promise<void> {
    this.pending.delete(uuid);
    const channel = String(action.Channel);
    const scenario = scenarioFor(channel);
    const number = /\/(\w+)/.exec(channel)?.[1] ?? '0';
    this.seq += 1;
    const events = materialise(scenario, { uuid, other: String(action.OtherChannelId ?? randomUUID()), action: String(action.ActionID), number, seq: this.seq });
    if (scenario === 'answer_park' && this.holdAnswered) {
      // Up to the park: the customer is on the line until someone hangs up.
      const parked = events.findIndex((e) => e.fields.Event === 'ParkedCall');
      if (!options.silent) await this.emit(events.slice(0, parked + 1));
      this.held.set(uuid, { channel: String(events[0]!.fields.Channel), rest: events.slice(parked + 1).filter((e) => e.fields.Event !== 'ParkedCallTimeOut') });
      return;
    }
    await this.emit(events);
  }

  /** The rest of an answered call: it hangs up with cause 16. */
  async hangup(uuid: string): Promise<void> {
    const call = this.held.get(uuid);
    if (!call) return;
    this.held.delete(uuid);
    await this.emit(call.rest);
  }

  /** Events that arrive while jade is not listening are lost: drop a held call without a trace. */
  vanish(uuid: string): void {
    this.held.delete(uuid);
  }

  /** A reconnect's CoreShowChannels snapshot listing the calls still up (held); `node`: the box it comes from (the others' list nothing). */
  async snapshotChannels(node = 'test'): Promise<number> {
    const held = node === 'test' ? [...this.held.entries()] : [];
    const items = held.map(([uuid, call]) => ({ Event: 'CoreShowChannel', Uniqueid: uuid, Linkedid: uuid, Channel: call.channel, ChannelState: '6', ChannelStateDesc: 'Up', Duration: '00:00:05' }));
    const at = formatTimestamp(BigInt(this.clock()) * 1_000_000n);
    const event: JadeEvent = { type: amiEventTypes.snapshot, data: { action: 'CoreShowChannels', items, response: { Response: 'Success' }, round: randomUUID() }, metadata: { node, receivedAt: at } };
    return (await this.store.append(`pbx-${node}`, [event])).lastPosition;
  }

  /** Appends AMI events as the ingest does: `call-<linked id>`, else `pbx-<node>`. */
  async emit(events: readonly RecordedEvent[]): Promise<number> {
    let last = 0;
    const at = formatTimestamp(BigInt(this.clock()) * 1_000_000n);
    for (const { fields } of events) {
      const { Event: type, ...data } = fields;
      const callId = callIdOf(type!, fields);
      const appended = await this.store.append(callId === undefined ? 'pbx-test' : `call-${callId}`, [{ type: type!, data, metadata: { node: 'test', receivedAt: at } }]);
      last = appended.lastPosition;
    }
    return last;
  }

  /** Queue members as Asterisk announces them (QueueMemberAdded / QueueMemberStatus). */
  async member(queue: string, name: string, status: number, paused = 0, type = 'QueueMemberAdded'): Promise<number> {
    const interfaceName = `Local/${name}@agents`;
    const data = { Queue: queue, MemberName: name, Interface: interfaceName, StateInterface: interfaceName, Membership: 'static', Penalty: '0', CallsTaken: '0', LastCall: '0', LastPause: '0', LoginTime: '0', InCall: '0', Status: String(status), Paused: String(paused), PausedReason: '', Ringinuse: '0', Wrapuptime: '0' };
    return (await this.store.append('pbx-test', [{ type, data, metadata: { node: 'test' } }])).lastPosition;
  }

  async idle(): Promise<void> {
    while (this.appends.size > 0) await Promise.allSettled([...this.appends]);
  }

  private track(work: Promise<unknown>): void {
    this.appends.add(work);
    void work.finally(() => this.appends.delete(work));
  }
}

export interface DialerHarness {
  readonly store: MemoryEventStore;
  readonly readModels: ReadModelDb;
  readonly runner: ProjectionRunner<ReadModelChange>;
  readonly asterisk: SimulatedAsterisk;
  readonly resources: ObResourceCommands;
  readonly commands: CommandDeps;
  readonly resultPath: string;
  dialer: Dialer;
  /** The fake wall clock (ms). */
  now: number;
  ctx: ResourceContext;
  /** Moves the clock. */
  advance(ms: number): void;
  /** A tick, then everything it caused (Originates, simulated calls, their finalisation) settled. */
  step(): Promise<void>;
  /** Everything in flight settled, without a tick. */
  settle(): Promise<void>;
  /** A new dialer on the same log and read models, as after a restart (the old one is dropped, not stopped cleanly). */
  restart(): Promise<void>;
  resultLines(): Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * `dialerStore`: what the dialer's own resource commands (its status changes, its entry takes) append
 * through, to put a test's appends between the dialer's read and its append; the client's `resources` and
 * the rest of the dialer use the store itself.
 */
export interface HarnessBoxes {
  /** Configured Asterisk boxes (`commands.nodes`), every one played by the one simulated Asterisk; absent: one unnamed box. */
  readonly boxes?: readonly string[];
}

export async function dialerHarness(options: Partial<DialerOptions> = {}, dialerStore?: (store: EventStore) => EventStore, settings: HarnessBoxes = {}): Promise<DialerHarness> {
  const store = new MemoryEventStore();
  const readModels = await openReadModelDb(':memory:');
  const runner = createProjectionRunner({ store, readModels });
  await runner.start();
  const dir = mkdtempSync(join(tmpdir(), 'jade-dialer-'));
  const resultPath = join(dir, 'outbound_result.json');
  let resultFile = new ResultFile(resultPath);
  const sync = createReadModelSync(runner);
  const h = {} as DialerHarness;
  const clock = (): number => h.now;
  const nowTs = (): string => formatTimestamp(BigInt(h.now) * 1_000_000n);
  const asterisk = new SimulatedAsterisk(store, clock);
  const resources = new ObResourceCommands({ store, db: readModels.db, readModels: sync, settleTimeoutMs: 5000, now: nowTs });
  const dialerResources = dialerStore ? new ObResourceCommands({ store: dialerStore(store), db: readModels.db, readModels: sync, settleTimeoutMs: 5000, now: nowTs }) : resources;
  const { boxes } = settings;
  const nodes = boxes === undefined ? {} : { nodes: { names: boxes, gateway: (node: string) => (boxes.includes(node) ? asterisk : undefined) } };
  const commands: CommandDeps = { store, ami: asterisk, ...nodes, readModels: sync, logger: silentLogger(), settleTimeoutMs: 5000 };
  const makeDialer = (): Dialer =>
    new Dialer({ store, db: readModels.db, readModels: runner, resources: dialerResources, commands, resultFile, timezone: 'UTC', logger: silentLogger(), clock, tickMs: 0, ...options });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i += 1) {
      // A macrotask turn: the simulated Asterisk plays its calls from setImmediate.
      await new Promise((resolve) => setImmediate(resolve));
      await asterisk.idle();
      await h.dialer.settle();
      await runner.waitForPosition(await store.headPosition(), 5000);
    }
  };
  Object.assign(h, {
    store,
    readModels,
    runner,
    asterisk,
    resources,
    commands,
    resultPath,
    now: Date.parse('2026-03-02T10:00:00Z'),
    ctx: resources.context({ uuid: 'test-user', username: 'test' }),
    advance: (ms: number) => {
      h.now += ms;
    },
    step: async () => {
      await h.dialer.tick();
      await settle();
    },
    settle,
    restart: async () => {
      await h.dialer.stop();
      await resultFile.close();
      resultFile = new ResultFile(resultPath);
      h.dialer = makeDialer();
      await h.dialer.start();
      await settle();
    },
    resultLines: () => {
      try {
        return readFileSync(resultPath, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>);
      } catch {
        return [];
      }
    },
    close: async () => {
      await h.dialer.stop();
      await resultFile.close();
      await runner.stop();
      await store.close();
      await readModels.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  h.dialer = makeDialer();
  await h.dialer.start();
  return h;
}
