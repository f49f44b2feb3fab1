import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../../projections/database.js';
import type { Actor, CommandDeps } from '../../commands/command.js';
import type { ResourceContext } from '../../commands/resource.js';
import type { EventMetadata } from '../../events/index.js';
import { formatTimestamp } from '../../events/time.js';
import type { EventStore } from '../../eventstore/port.js';
import type { Logger } from '../../logger.js';
import type { ObResourceCommands } from '../commands.js';
import { dialerBox, type DialerBox } from './box.js';
import { LiveDialings } from './live.js';
import type { ResultFile } from './result-file.js';

/**
 * What the dialer's parts share (engine.ts wires them): its options and clock, the live dialings, the
 * sends in flight, its counters, and a way to ask for a tick soon.
 */

export interface DialerReadModels {
  waitForPosition(position: number, timeoutMs: number): Promise<void>;
}

export interface DialerOptions {
  readonly store: EventStore;
  readonly db: Kysely<Database>;
  readonly readModels: DialerReadModels;
  readonly resources: ObResourceCommands;
  /** For the audited Asterisk commands (Originate, Hangup), over each campaign's box (`commands.nodes`). */
  readonly commands: CommandDeps;
  readonly resultFile: ResultFile;
  /** `outbound.timezone`: schedules of campaigns without their own zone. */
  readonly timezone: string;
  readonly logger: Logger;
  /** Wall clock in ms (tests: a fake). */
  readonly clock?: () => number;
  readonly newUuid?: () => string;
  /** Tick period; 0 = no timer (tests call `tick()`). */
  readonly tickMs?: number;
  /** At most this many new dialings per campaign per tick. */
  readonly maxDialsPerTick?: number;
  /** After the dialed channel's Hangup or a failed OriginateResponse, how long the rest (the other of the two, a `;2` side's Hangup) may take. */
  readonly hangupGraceMs?: number;
  /** A dialing without OriginateResponse this long after `dial_timeout` is finalised as an error (catalog §4 step 8). */
  readonly originateGraceMs?: number;
  /** A dialing younger than this at a channel snapshot is not judged by it (its channel may not exist yet). */
  readonly snapshotGraceMs?: number;
  /** How long a tick waits for the read models to show its own decisions. */
  readonly settleTimeoutMs?: number;
  /**
   * Asks Asterisk for a fresh channel list (a `CoreShowChannels` snapshot in the log). Used for a dialing in
   * doubt while the link stays up (its Originate timed out): a reconnect takes the snapshot by itself.
   * `node`: the box of the dialings in doubt; undefined: every box.
   */
  readonly requestChannelSnapshot?: (node?: string) => Promise<unknown>;
}

/** Who the dialer's audited commands and events name. */
export const dialerActor: Actor = { uuid: 'outbound-dialer', username: 'outbound-dialer' };

export interface DialerTimings {
  readonly maxDialsPerTick: number;
  readonly hangupGraceMs: number;
  readonly originateGraceMs: number;
  readonly snapshotGraceMs: number;
  readonly settleTimeoutMs: number;
}

export class DialerRuntime {
  readonly live = new LiveDialings();
  readonly clock: () => number;
  readonly newUuid: () => string;
  readonly timings: DialerTimings;
  /** Counters for benchmarks and health. */
  readonly stats = { ticks: 0, dialed: 0, finalised: 0, statusChanges: 0 };
  /** Sends in flight (Originate, Hangup), awaited on stop. */
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Campaign boxes the configuration does not name, already logged (once each, not every tick). */
  private readonly unconfiguredLogged = new Set<string>();

  constructor(
    readonly options: DialerOptions,
    /** Asks for a tick soon (several asks before it runs make one tick). */
    readonly wake: () => void,
  ) {
    this.clock = options.clock ?? Date.now;
    this.newUuid = options.newUuid ?? randomUUID;
    this.timings = {
      maxDialsPerTick: options.maxDialsPerTick ?? 10,
      hangupGraceMs: options.hangupGraceMs ?? 3000,
      originateGraceMs: options.originateGraceMs ?? 30_000,
      snapshotGraceMs: options.snapshotGraceMs ?? 2000,
      settleTimeoutMs: options.settleTimeoutMs ?? 5000,
    };
  }

  /**
   * The box a campaign (or one of its dialings) dials on. A node no longer configured is logged once and reads
   * as not connected: the campaign starts no dialing there, and a send to it is `Rejected`.
   */
  box(node: string | null): DialerBox {
    const box = dialerBox(this.options.commands, node);
    if (!box.configured && node !== null && !this.unconfiguredLogged.has(node)) {
      this.unconfiguredLogged.add(node);
      this.options.logger.warn({ node }, `campaign box ${node} is not configured (ami.nodes): its campaigns dial nothing and their calls cannot be hung up`);
    }
    return box;
  }

  /** Keeps a send's promise until it settles; its failure is logged, never thrown into the dialer. */
  track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.options.logger.warn({ err: error }, 'dialer command failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** Waits for every send in flight now (a settled send may have started others). */
  async settleInFlight(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  get sending(): boolean {
    return this.inFlight.size > 0;
  }

  nowTs(): string {
    return formatTimestamp(BigInt(Math.trunc(this.clock())) * 1_000_000n);
  }

  context(correlationId: string): ResourceContext {
    return { commandId: this.newUuid(), userId: dialerActor.uuid, correlationId };
  }

  metadata(dialingUuid: string, ctx: ResourceContext = this.context(dialingUuid)): EventMetadata {
    return { commandId: ctx.commandId, userId: ctx.userId, correlationId: ctx.correlationId };
  }
}
