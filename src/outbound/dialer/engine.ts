import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { getChannel } from '../../../projections/channels.js';
import { getCampaign, listCampaignsByStatus, listScheduledCampaigns } from '../../../projections/ob-campaigns.js';
import { getDestination } from '../../../projections/ob-destinations.js';
import { listDialings } from '../../../projections/ob-dialings.js';
import { getDlma } from '../../../projections/ob-dlmas.js';
import { countDls, listDialableDls, listDialingDls } from '../../../projections/ob-dls.js';
import { getPlan } from '../../../projections/ob-plans.js';
import type { AmiGateway } from '../../ami/port.js';
import { executeCommand, type Actor, type CommandDeps } from '../../commands/command.js';
import type { ResourceContext } from '../../commands/resource.js';
import type { ObResourceCommands } from '../commands.js';
import { amiEventTypes, obEventTypes, obStreams, streams, type DialingEndedData, type DialingProgress, type RecordedEvent } from '../../events/index.js';
import type { EventStore, Subscription } from '../../eventstore/port.js';
import type { Logger } from '../../logger.js';
import type { Database } from '../../readmodels/database.js';
import { Mutex } from '../../readmodels/mutex.js';
import { formatTimestamp, parseTimestamp } from '../../events/time.js';
import {
  campaignStartProblems,
  campaignStatus,
  dialingStatus,
  ObRefusal,
  pickDialNumber,
  trycntKey,
  type CampaignObject,
  type DestinationObject,
  type DialingObject,
  type DlmaObject,
  type DlObject,
  type PlanObject,
} from '../resources/index.js';
import { campaignStep, stepReasons, type CampaignView, type ScheduleView } from './campaign-step.js';
import { resDialDetail, resHangupText } from './codes.js';
import { buildDialing, evolveDialing, originateAction, progressChanges, progressOf } from './dialing.js';
import { LiveDialings, type LiveDialing } from './live.js';
import { isComplete, isInDoubt, isSettling, observe, outcome, progress } from './observe.js';
import { hangupDialingChannel } from './hangup.js';
import { capacitySource, dialsAllowed, MEMBER_NOT_IN_USE, type Capacity } from './pacing.js';
import { resultRecord, type ResultFile } from './result-file.js';
import { isInWindow, localStamp, scheduleZone, windowOpenedAt } from './schedule.js';

/**
 * The outbound dialer (issue 6 items 2-4): a process manager fed by the log.
 *
 * Decisions are events, recorded before they act: taking an entry (`DlDialingStarted`, on the entry's
 * stream with its expected revision: one winner), creating the dialing (`DialingCreated`), the audited
 * Originate (`OriginateRequested` before Asterisk hears of it), campaign status changes. What Asterisk
 * answers reaches the dialer only through the log (its subscription), is folded per dialing
 * (`observe.ts`) and recorded as `DialingUpdated`; a complete outcome finalises the dialing: `DialingEnded`,
 * one result line (fsync'd), then `DlDialingEnded` releases the entry with its results.
 *
 * Everything it holds in memory is rebuilt on start from the read models and the streams (`recover`), so a
 * crash loses nothing: dialings in flight are followed again, those whose channel vanished are finalised,
 * a half-done finalisation is completed, and no entry is taken twice (the entry's stream refuses).
 */

export interface DialerReadModels {
  waitForPosition(position: number, timeoutMs: number): Promise<void>;
}

export interface DialerOptions {
  readonly store: EventStore;
  readonly db: Kysely<Database>;
  readonly readModels: DialerReadModels;
  readonly ami: AmiGateway;
  readonly resources: ObResourceCommands;
  /** For the audited Asterisk commands (Originate, Hangup). */
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
   */
  readonly requestChannelSnapshot?: () => Promise<unknown>;
}

/** Who the dialer's audited commands and events name. */
export const dialerActor: Actor = { uuid: 'outbound-dialer', username: 'outbound-dialer' };

/** Campaign statuses the dialer works on every tick (a stopped or paused one only when it has a schedule). */
const activeStatuses = [campaignStatus.start, campaignStatus.stopping, campaignStatus.starting, campaignStatus.pausing, campaignStatus.stoppingForcedly];

/** Unread log events above which a tick starts no new dialing. */
const MAX_UNREAD_EVENTS = 5000;

/** Campaigns stepped at once in a tick. */
const CAMPAIGN_CONCURRENCY = 16;

/** `fn` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A forced stop resends its Hangup to a channel still up after this long. */
const HANGUP_RETRY_MS = 3000;

/** A dialing in doubt past its timeout asks for a channel snapshot at most this often. */
const DOUBT_SNAPSHOT_RETRY_MS = 30_000;

interface LastChange {
  readonly reason: string | null;
  /** API timestamp of the change; null when the campaign never changed status. */
  readonly at: string | null;
}

export class Dialer {
  private readonly live = new LiveDialings();
  private readonly lock = new Mutex();
  private readonly clock: () => number;
  private readonly newUuid: () => string;
  private readonly maxDialsPerTick: number;
  private readonly hangupGraceMs: number;
  private readonly originateGraceMs: number;
  private readonly snapshotGraceMs: number;
  private readonly settleTimeoutMs: number;
  private readonly lastChanges = new Map<string, LastChange>();
  /** Sends in flight (Originate, Hangup), awaited on stop. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wakeScheduled = false;
  /** The subscription is far behind the log: no new dialings this tick. */
  private lagging = false;
  private stopped = false;
  /** Highest log position the subscription has handled. */
  private handled = 0;
  private readonly handledWaiters = new Set<{ position: number; resolve: () => void }>();
  /** Wall clock of the last channel snapshot asked for on behalf of dialings in doubt. */
  private doubtSnapshotAtMs: number | undefined;
  /** Counters for benchmarks and health. */
  readonly stats = { ticks: 0, dialed: 0, finalised: 0, statusChanges: 0 };

  constructor(private readonly options: DialerOptions) {
    this.clock = options.clock ?? Date.now;
    this.newUuid = options.newUuid ?? randomUUID;
    this.maxDialsPerTick = options.maxDialsPerTick ?? 10;
    this.hangupGraceMs = options.hangupGraceMs ?? 3000;
    this.originateGraceMs = options.originateGraceMs ?? 30_000;
    this.snapshotGraceMs = options.snapshotGraceMs ?? 2000;
    this.settleTimeoutMs = options.settleTimeoutMs ?? 5000;
  }

  // --- lifecycle -----------------------------------------------------------------------------------

  /**
   * Recovers from the log and the read models, then follows the log and ticks. Call after the projection
   * runner started. `afterPosition`: where to follow the log from, when earlier than the head (main passes
   * the head from before AMI started, so the first channel snapshot of this run is seen and judged).
   */
  async start(afterPosition?: number): Promise<void> {
    const head = await this.options.store.headPosition();
    await this.options.readModels.waitForPosition(head, 60_000);
    const from = Math.min(head, afterPosition ?? head);
    this.handled = from;
    await this.lock.run(() => this.recover());
    this.subscription = this.options.store.subscribeToAll({
      afterPosition: from,
      batchSize: 1000,
      onEvents: (events) => this.lock.run(() => this.absorb(events)),
      onError: (error) => this.options.logger.error({ err: error }, 'dialer subscription stopped'),
    });
    const tickMs = this.options.tickMs ?? 500;
    if (tickMs > 0) this.timer = setInterval(() => this.wake(), tickMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.subscription?.close();
    this.subscription = undefined;
    await this.lock.run(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Live dialings the dialer follows (tests, health). */
  liveCount(campaignUuid?: string): number {
    return campaignUuid === undefined ? this.live.size : this.live.countFor(campaignUuid);
  }

  /** Resolves once the subscription has handled the log up to `position` (tests, benchmarks). */
  async waitHandled(position: number): Promise<void> {
    if (this.handled >= position) return;
    await new Promise<void>((resolve) => this.handledWaiters.add({ position, resolve }));
  }

  /** Everything appended so far is handled and every send in flight has settled (tests, benchmarks). */
  async settle(): Promise<void> {
    for (let round = 0; round < 100; round += 1) {
      await Promise.allSettled([...this.inFlight]);
      await this.waitHandled(await this.options.store.headPosition());
      await this.lock.run(() => undefined);
      if (this.inFlight.size === 0 && this.handled >= (await this.options.store.headPosition())) return;
    }
  }

  /** Runs one tick now (under the lock, after anything in progress). */
  tick(): Promise<void> {
    return this.lock.run(() => this.runTick());
  }

  /** Asks for a tick soon; several asks before it runs make one tick. */
  private wake(): void {
    if (this.wakeScheduled || this.stopped) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      if (!this.stopped) this.tick().catch((error: unknown) => this.options.logger.error({ err: error }, 'dialer tick failed'));
    });
  }

  // --- what the log says ---------------------------------------------------------------------------

  /** One batch of the log: fold what concerns live dialings, then act on the dialings it touched. */
  private async absorb(events: readonly RecordedEvent[]): Promise<void> {
    const touched = new Set<LiveDialing>();
    let snapshot: RecordedEvent | undefined;
    for (const event of events) {
      const live = this.dialingOf(event);
      if (live && !live.ending && event.position > live.obs.position) {
        live.obs = observe(live.obs, event, live.ids);
        touched.add(live);
      }
      switch (event.type) {
        case obEventTypes.campaignStatusChanged: {
          const data = event.data as { uuid?: string; reason?: string; tm_update?: string };
          if (typeof data.uuid === 'string') this.lastChanges.set(data.uuid, { reason: data.reason ?? null, at: data.tm_update ?? null });
          this.wake();
          break;
        }
        case obEventTypes.dlDeleted: {
          // Catalog §7.8: an entry deleted with force has its dialing hung up.
          const dialing = (event.data as { dialing_uuid?: unknown }).dialing_uuid;
          const held = typeof dialing === 'string' ? this.live.get(dialing) : undefined;
          if (held) this.sendHangup(held, 'dl_deleted');
          break;
        }
        case amiEventTypes.snapshot:
          if ((event.data as { action?: unknown }).action === 'CoreShowChannels') snapshot = event;
          break;
        default:
          break;
      }
    }
    await Promise.all([...touched].map((live) => this.advance(live)));
    if (snapshot) await this.reconcileChannels(snapshot);
    const last = events[events.length - 1];
    if (last) this.markHandled(last.position);
  }

  private markHandled(position: number): void {
    this.handled = Math.max(this.handled, position);
    for (const waiter of this.handledWaiters) {
      if (waiter.position > this.handled) continue;
      this.handledWaiters.delete(waiter);
      waiter.resolve();
    }
  }

  /** The live dialing an event is about: its call stream, its command stream, or an OriginateResponse naming it. */
  private dialingOf(event: RecordedEvent): LiveDialing | undefined {
    const { stream } = event;
    if (stream.startsWith('call-')) {
      const live = this.live.get(stream.slice(5));
      if (live) return live;
    } else if (stream.startsWith('command-')) {
      return this.live.byActionId(stream.slice(8));
    }
    if (event.type === 'OriginateResponse') {
      const actionId = event.data.ActionID;
      return typeof actionId === 'string' ? this.live.byActionId(actionId) : undefined;
    }
    return undefined;
  }

  /** Records what changed, or finalises a dialing whose outcome is complete. */
  private async advance(live: LiveDialing): Promise<void> {
    if (live.ending) return;
    if (isComplete(live.obs, live.local)) {
      await this.finalise(live, outcome(live.obs), live.obs.sent === 'rejected' || live.obs.sent === 'failed' ? 'originate_failed' : 'hangup');
      return;
    }
    if (isSettling(live.obs) && live.settlingSinceMs === undefined) live.settlingSinceMs = this.clock();
    const current = progressOf(live.dialing);
    const changes = progressChanges(current, progress(live.obs, current));
    if (Object.keys(changes).length === 0) return;
    const data = { uuid: live.dialing.uuid, changes, source_position: live.obs.position, tm_update: this.nowTs() };
    await this.appendDialing(live, obEventTypes.dialingUpdated, data);
  }

  private async appendDialing(live: LiveDialing, type: string, data: object): Promise<void> {
    const event = { type, data: data as Record<string, unknown>, metadata: this.metadata(live.dialing.uuid) };
    const appended = await this.options.store.append(obStreams.dialing(live.dialing.uuid), [event], live.revision);
    live.revision = appended.nextExpectedRevision;
    live.dialing = evolveDialing(live.dialing, event) ?? live.dialing;
  }

  /**
   * Catalog §4 step 8, in an order a crash can resume: the dialing's end (the decision), its result line
   * (fsync'd), then the entry's release with the results. Recovery finds an ended dialing whose entry is
   * still held, writes the line if the file lacks it, and releases the entry.
   */
  private async finalise(live: LiveDialing, final: DialingProgress, reason: string): Promise<void> {
    if (live.ending) return;
    live.ending = true;
    try {
      const now = this.nowTs();
      const ended: DialingEndedData = { uuid: live.dialing.uuid, ...final, reason, tm_update: now, tm_delete: now };
      await this.appendDialing(live, obEventTypes.dialingEnded, ended);
      await this.completeEnded(live.dialing, false);
      this.stats.finalised += 1;
    } catch (error) {
      this.options.logger.error({ err: error, dialing: live.dialing.uuid }, 'dialing finalisation failed; recovery completes it on restart');
    } finally {
      this.live.remove(live);
      this.wake();
    }
  }

  /** The steps after `DialingEnded`: the result line (unless recovery finds it written) and the entry's release. */
  private async completeEnded(dialing: DialingObject, recovering: boolean): Promise<void> {
    if (!recovering || !(await this.options.resultFile.contains(dialing.uuid))) await this.options.resultFile.append(resultRecord(dialing));
    await this.options.resources.endDlDialing(this.context(dialing.uuid), {
      uuid: dialing.uuid_dl_list,
      dialing_uuid: dialing.uuid,
      res_dial: dialing.res_dial,
      res_dial_detail: dialing.res_dial_detail,
      res_hangup: dialing.res_hangup,
      res_hangup_detail: dialing.res_hangup_detail,
      now: dialing.tm_update ?? this.nowTs(),
    });
  }

  /**
   * After a channel snapshot (a (re)connect to Asterisk, or jade's own restart): a dialing that reached
   * Asterisk, is old enough to have its channel, and whose channel Asterisk no longer lists ended while
   * jade could not hear it. Its outcome is what the log holds (an answered call stays answered).
   * A dialing in doubt is judged only by a snapshot taken after its `Unknown` outcome: its channel not listed
   * and never seen means the Originate made no call (`never_existed`), and the entry may be dialed again.
   */
  private async reconcileChannels(snapshot: RecordedEvent): Promise<void> {
    await this.options.readModels.waitForPosition(snapshot.position, this.settleTimeoutMs).catch(() => undefined);
    const at = Number((parseTimestamp(snapshot.recordedAt) ?? BigInt(this.clock()) * 1_000_000n) / 1_000_000n);
    const now = this.nowTs();
    for (const live of this.live.all()) {
      const { obs } = live;
      if (live.ending || obs.mainHangup !== null) continue;
      const doubtSettled = obs.sent === 'in_doubt' && obs.doubtPosition !== null && snapshot.position > obs.doubtPosition;
      const reached = obs.channel !== null || obs.sent === 'queued' || obs.originate !== null || doubtSettled;
      if (!reached || live.createdAtMs > at - this.snapshotGraceMs) continue;
      if (await getChannel(this.options.db, live.dialing.uuid, now)) continue;
      await this.finalise(live, outcome(obs), isInDoubt(obs) ? 'never_existed' : 'channel_gone');
    }
  }

  // --- recovery ------------------------------------------------------------------------------------

  /** Rebuilds the live dialings from the read models and the log, and completes what a crash interrupted. */
  private async recover(): Promise<void> {
    const { db, store } = this.options;
    // A crash mid-write leaves a torn last line: cut it first, so it neither counts as written below
    // (its entry is still held: the record is written again, whole) nor swallows the next record.
    const torn = await this.options.resultFile.open();
    if (torn > 0) this.options.logger.warn({ path: this.options.resultFile.path, bytes: torn }, 'result file ended in a torn line; cut it, its record is rewritten from the log');
    for (const row of await listDialings(db)) {
      const events = await store.readStream(obStreams.dialing(row.uuid));
      const dialing = events.reduce<DialingObject | undefined>(evolveDialing, undefined);
      const last = events[events.length - 1];
      if (!dialing || !last || events.some((event) => event.type === obEventTypes.dialingEnded)) continue;
      const live = this.live.add(dialing, last.revision, Number((parseTimestamp(dialing.tm_create) ?? 0n) / 1_000_000n));
      const related = [...(await store.readStream(streams.call(dialing.uuid))), ...(await store.readStream(streams.command(dialing.action_id)))];
      for (const event of related.sort((a, b) => a.position - b.position)) live.obs = observe(live.obs, event, live.ids);
    }
    // Entries held by a dialing that is not live: its end was recorded but not carried through, or the
    // crash fell between taking the entry and creating the dialing (no dialing stream: no call was made).
    for (const dl of await listDialingDls(db)) {
      const dialingUuid = dl.dialing_uuid;
      if (dialingUuid === null || this.live.get(dialingUuid)) continue;
      const events = await store.readStream(obStreams.dialing(dialingUuid));
      const dialing = events.reduce<DialingObject | undefined>(evolveDialing, undefined);
      if (dialing === undefined) {
        await this.options.resources.endDlDialing(this.context(dialingUuid), {
          uuid: dl.uuid,
          dialing_uuid: dialingUuid,
          res_dial: 0,
          res_dial_detail: resDialDetail(0),
          res_hangup: 0,
          res_hangup_detail: resHangupText(0),
          now: this.nowTs(),
        });
      } else if (events.some((event) => event.type === obEventTypes.dialingEnded)) {
        await this.completeEnded(dialing, true);
      }
    }
    for (const live of this.live.all()) {
      // The Originate was never requested: the crash came right after the dialing was created.
      if (live.obs.sent === 'none') await this.finalise(live, { ...outcome(live.obs), status: dialingStatus.originateRequestFailed }, 'never_sent');
      else if (live.obs.sent === 'requested') await this.recordCrashDoubt(live);
      else await this.advance(live);
    }
  }

  /**
   * The crash fell between `OriginateRequested` and its outcome: the Originate may have been written. Its
   * outcome is `Unknown` (recorded now, on the command's own stream), so the dialing is in doubt like any other.
   */
  private async recordCrashDoubt(live: LiveDialing): Promise<void> {
    const commandId = live.dialing.action_id;
    const event = {
      type: 'OriginateUnknown',
      data: { command_id: commandId, error: 'Restarted', reason: 'jade stopped after the Originate was requested and before Asterisk answered', timed_out: false },
      metadata: { commandId, userId: dialerActor.uuid, correlationId: commandId },
    };
    try {
      const appended = await this.options.store.append(streams.command(commandId), [event], 0);
      live.obs = observe(live.obs, { ...event, position: appended.lastPosition }, live.ids);
    } catch (error) {
      // An outcome landed meanwhile (the stream moved on): it is read like any other.
      this.options.logger.warn({ err: error, dialing: live.dialing.uuid }, 'could not record the Originate outcome as Unknown');
    }
    await this.advance(live);
  }

  // --- the tick ------------------------------------------------------------------------------------

  private async runTick(): Promise<void> {
    if (this.stopped) return;
    this.stats.ticks += 1;
    await this.expireDialings();
    // Backpressure: while the log holds much the dialer has not read (Asterisk's answers, its own records),
    // it finishes what it started before starting more.
    this.lagging = (await this.options.store.headPosition()) - this.handled > MAX_UNREAD_EVENTS;
    const positions: number[] = [];
    const byUuid = new Map<string, CampaignObject>();
    for (const campaign of [...(await listCampaignsByStatus(this.options.db, activeStatuses)), ...(await listScheduledCampaigns(this.options.db))]) byUuid.set(campaign.uuid, campaign);
    // Campaigns step concurrently (a few at a time): independent decisions, appends grouped into fewer commits.
    await forEachLimited([...byUuid.values()], CAMPAIGN_CONCURRENCY, async (campaign) => {
      try {
        positions.push(...(await this.stepCampaign(campaign)));
      } catch (error) {
        this.options.logger.error({ err: error, campaign: campaign.uuid }, 'dialer step failed');
      }
    });
    // The next tick must see this one's decisions (entries taken, statuses changed) in the read models.
    if (positions.length > 0) await this.options.readModels.waitForPosition(Math.max(...positions), this.settleTimeoutMs).catch(() => undefined);
  }

  /**
   * Timeouts (catalog §4 step 8): no OriginateResponse long after `dial_timeout`; an end whose remaining events
   * never came. A dialing in doubt is not timed out: ending it would free its entry for a second call while the
   * first may be ringing. Past its timeout it asks for a channel snapshot instead (reconcileChannels decides).
   */
  private async expireDialings(): Promise<void> {
    const now = this.clock();
    let doubtPastTimeout = false;
    for (const live of this.live.all()) {
      if (live.ending) continue;
      if (isInDoubt(live.obs)) {
        if (now - live.createdAtMs > live.dialing.dial_timeout + this.originateGraceMs) doubtPastTimeout = true;
        continue;
      }
      if (live.settlingSinceMs !== undefined && now - live.settlingSinceMs > this.hangupGraceMs) {
        await this.finalise(live, outcome(live.obs), 'hangup');
      } else if (live.obs.originate === null && now - live.createdAtMs > live.dialing.dial_timeout + this.originateGraceMs) {
        if (live.obs.channel !== null && live.obs.mainHangup === null) this.sendHangup(live, 'timeout');
        await this.finalise(live, outcome(live.obs), 'timeout');
      }
    }
    if (doubtPastTimeout) this.askChannelSnapshot(now);
  }

  private askChannelSnapshot(now: number): void {
    const request = this.options.requestChannelSnapshot;
    if (!request || !this.options.ami.state().connected) return;
    if (this.doubtSnapshotAtMs !== undefined && now - this.doubtSnapshotAtMs < DOUBT_SNAPSHOT_RETRY_MS) return;
    this.doubtSnapshotAtMs = now;
    this.track(request());
  }

  /** One campaign's step; returns the log positions it appended. */
  private async stepCampaign(campaign: CampaignObject): Promise<number[]> {
    const { db } = this.options;
    const refs = {
      ...(campaign.plan ? { plan: await getPlan(db, campaign.plan) } : {}),
      ...(campaign.dest ? { dest: await getDestination(db, campaign.dest) } : {}),
      ...(campaign.dlma ? { dlma: await getDlma(db, campaign.dlma) } : {}),
    };
    const problems = campaignStartProblems(campaign, refs);
    const liveDialings = this.live.countFor(campaign.uuid);
    const needsHistory = campaign.sc_mode === 1 || campaign.status !== campaignStatus.start;
    const last = needsHistory ? await this.lastChange(campaign.uuid) : { reason: null, at: null };
    const view: CampaignView = {
      status: campaign.status,
      lastReason: last.reason,
      liveDialings,
      problems,
      dlEndHandle: refs.plan?.dl_end_handle ?? 1,
      listEnded: await this.listEnded(campaign, refs.plan, refs.dlma, liveDialings, problems),
      ...(campaign.sc_mode === 1 ? { schedule: this.scheduleView(campaign, last) } : {}),
    };
    const step = campaignStep(view);
    switch (step.kind) {
      case 'status':
        return this.changeStatus(campaign, step.status, step.reason);
      case 'hangup_all':
        for (const live of this.live.ofCampaign(campaign.uuid)) {
          if (live.hangupSentAtMs === undefined || this.clock() - live.hangupSentAtMs > HANGUP_RETRY_MS) this.sendHangup(live, 'stopped_forcedly');
        }
        return [];
      case 'dial':
        return refs.plan && refs.dest && refs.dlma ? this.dial(campaign, refs.plan, refs.dest, refs.dlma) : [];
      default:
        return [];
    }
  }

  /** Catalog §4 step 9: nothing left to dial now or later, and none of the campaign's dialings left (checked only then: a scan). */
  private async listEnded(campaign: CampaignObject, plan: PlanObject | undefined, dlma: DlmaObject | undefined, liveDialings: number, problems: readonly string[]): Promise<boolean> {
    if (campaign.status !== campaignStatus.start || liveDialings > 0 || problems.length > 0 || !plan || !dlma || plan.dl_end_handle !== 1) return false;
    const counts = await countDls(this.options.db, dlma.uuid, plan, this.nowTs());
    return counts.unfinished === 0;
  }

  private scheduleView(campaign: CampaignObject, last: LastChange): ScheduleView {
    const now = this.clock();
    const zone = scheduleZone(campaign, this.options.timezone);
    const open = isInWindow(campaign, now, this.options.timezone);
    const openedAt = open ? windowOpenedAt(campaign, now, this.options.timezone) : undefined;
    const lastAt = last.at === null ? undefined : parseTimestamp(last.at);
    const lastLocal = lastAt === undefined ? undefined : localStamp(Number(lastAt / 1_000_000n), zone);
    return {
      open,
      openedSinceLastChange: openedAt !== undefined && (lastLocal === undefined || lastLocal < openedAt),
    };
  }

  /** The campaign's last status change (reason and time), from the subscription or, once, from its stream. */
  private async lastChange(uuid: string): Promise<LastChange> {
    const known = this.lastChanges.get(uuid);
    if (known) return known;
    const events = await this.options.store.readStream(obStreams.campaign(uuid));
    const last = [...events].reverse().find((event) => event.type === obEventTypes.campaignStatusChanged);
    const data = last?.data as { reason?: string; tm_update?: string } | undefined;
    const change: LastChange = { reason: data?.reason ?? null, at: data?.tm_update ?? null };
    this.lastChanges.set(uuid, change);
    return change;
  }

  private async changeStatus(campaign: CampaignObject, status: number, reason: string): Promise<number[]> {
    const positions: number[] = [];
    try {
      const done = await this.options.resources.changeCampaignStatus(this.context(campaign.uuid), campaign.uuid, status, reason);
      if (done.position !== undefined) positions.push(done.position);
      this.lastChanges.set(campaign.uuid, { reason, at: done.state?.tm_update ?? this.nowTs() });
      this.stats.statusChanges += 1;
    } catch (error) {
      if (!(error instanceof ObRefusal)) throw error;
      // A start refused (a resource went missing meanwhile): the campaign does not run.
      if (status === campaignStatus.start) return this.changeStatus(campaign, campaignStatus.stop, stepReasons.resourcesMissing);
      this.options.logger.warn({ campaign: campaign.uuid, status, reason: error.message }, 'dialer status change refused');
      return positions;
    }
    // Catalog §4 step 9 (proposal): a campaign that ran to the end of its list starts its next campaign.
    if (status === campaignStatus.stop && reason === stepReasons.dlEnd && campaign.next_campaign) {
      const next = await getCampaign(this.options.db, campaign.next_campaign);
      if (next && next.status === campaignStatus.stop) positions.push(...(await this.changeStatus(next, campaignStatus.starting, stepReasons.nextCampaign)));
    }
    this.wake();
    return positions;
  }

  // --- dialing ---------------------------------------------------------------------------------------

  /** Catalog §3-4: as many new dialings as the formula allows, least-tried entries first. */
  private async dial(campaign: CampaignObject, plan: PlanObject, dest: DestinationObject, dlma: DlmaObject): Promise<number[]> {
    if (this.lagging || !this.options.ami.state().connected) return [];
    const count = dialsAllowed({
      capacity: await this.capacity(dest),
      current: this.live.countFor(campaign.uuid),
      serviceLevel: plan.service_level,
      maxPerTick: this.maxDialsPerTick,
    });
    if (count === 0) return [];
    const now = this.nowTs();
    const candidates = await listDialableDls(this.options.db, dlma.uuid, plan, now, count);
    // Concurrently: the store groups the appends of one tick into few commits.
    const taken = await Promise.all(candidates.map((dl) => this.dialEntry(campaign, plan, dest, dlma, dl, now)));
    return taken.flat();
  }

  /** Takes one entry (single winner on its stream), records its dialing, and sends the Originate; returns the positions appended. */
  private async dialEntry(campaign: CampaignObject, plan: PlanObject, dest: DestinationObject, dlma: DlmaObject, dl: DlObject, now: string): Promise<number[]> {
    const number = pickDialNumber(dl, plan);
    if (!number) return [];
    const uuid = this.newUuid();
    const ctx = this.context(uuid);
    let taken;
    try {
      taken = await this.options.resources.startDlDialing(ctx, { uuid: dl.uuid, dialing_uuid: uuid, campaign_uuid: campaign.uuid, plan_uuid: plan.uuid, dial_index: number.dial_index, now });
    } catch (error) {
      // Taken meanwhile (another campaign on the same list) or changed: not ours to dial.
      if (error instanceof ObRefusal) return [];
      throw error;
    }
    if (!taken.state) return [];
    const dialing = buildDialing({
      uuid,
      actionId: this.newUuid(),
      otherChannelId: this.newUuid(),
      campaign,
      plan,
      dest,
      dlma,
      dl: taken.state,
      number: { ...number, dial_trycnt: taken.state[trycntKey(number.dial_index)] },
      now,
    });
    const created = { type: obEventTypes.dialingCreated, data: { ...dialing } as Record<string, unknown>, metadata: this.metadata(uuid, ctx) };
    const appended = await this.options.store.append(obStreams.dialing(uuid), [created], 'no_stream');
    const live = this.live.add(dialing, appended.nextExpectedRevision, this.clock());
    this.stats.dialed += 1;
    this.track(this.originate(live, plan));
    return taken.position === undefined ? [appended.lastPosition] : [taken.position, appended.lastPosition];
  }

  /** The destination's max available count (catalog §2.4): a queue's idle, unpaused members; otherwise no limit. */
  private async capacity(dest: DestinationObject): Promise<Capacity> {
    const source = capacitySource(dest);
    if (source.kind === 'unlimited') return 'unlimited';
    const row = await this.options.db
      .selectFrom('queue_members')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('queue_name', '=', source.queue)
      .where('status', '=', MEMBER_NOT_IN_USE)
      .where('paused', '=', 0)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** The audited Originate; its outcome events come back through the subscription. */
  private async originate(live: LiveDialing, plan: PlanObject): Promise<void> {
    const { dialing } = live;
    await executeCommand(this.options.commands, {
      type: 'Originate',
      actor: dialerActor,
      commandId: dialing.action_id,
      request: { dialing_uuid: dialing.uuid, campaign_uuid: dialing.uuid_camp, channel: dialing.dial_channel, dial_index: dialing.dial_index, dial_trycnt: dialing.dial_trycnt },
      targets: { unique_id: dialing.uuid, dialing_uuid: dialing.uuid, campaign_uuid: dialing.uuid_camp },
      act: async () => ({ response: await this.options.ami.action(originateAction(dialing, plan)), result: { unique_id: dialing.uuid, dialing_uuid: dialing.uuid } }),
    });
  }

  /** An audited Hangup of a dialing's channel (forced stop, deleted entry, timeout). */
  private sendHangup(live: LiveDialing, why: string): void {
    live.hangupSentAtMs = this.clock();
    this.track(hangupDialingChannel(this.options.commands, dialerActor, live.dialing, live.obs.channel, why));
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.options.logger.warn({ err: error }, 'dialer command failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  // --- helpers ---------------------------------------------------------------------------------------

  private nowTs(): string {
    return formatTimestamp(BigInt(Math.trunc(this.clock())) * 1_000_000n);
  }

  private context(correlationId: string): ResourceContext {
    return { commandId: this.newUuid(), userId: dialerActor.uuid, correlationId };
  }

  private metadata(dialingUuid: string, ctx: ResourceContext = this.context(dialingUuid)) {
    return { commandId: ctx.commandId, userId: ctx.userId, correlationId: ctx.correlationId };
  }
}
