import { listCampaignsByStatus, listScheduledCampaigns } from '../../../projections/ob-campaigns.js';
import { getDestination } from '../../../projections/ob-destinations.js';
import { getDlma } from '../../../projections/ob-dlmas.js';
import { countDls, listDialableDls } from '../../../projections/ob-dls.js';
import { getPlan } from '../../../projections/ob-plans.js';
import { obEventTypes, obStreams } from '../../events/index.js';
import { parseTimestamp } from '../../events/time.js';
import { ConcurrencyError, type ExpectedRevision } from '../../eventstore/port.js';
import {
  campaignStartProblems,
  campaignStatus,
  CommandRefusal,
  evolveCampaign,
  isLive,
  pickDialNumber,
  trycntKey,
  type CampaignObject,
  type DestinationObject,
  type DlmaObject,
  type DlObject,
  type PlanObject,
} from '../resources/index.js';
import { campaignStep, stepReasons, type CampaignView, type ScheduleView } from './campaign-step.js';
import { buildDialing } from './dialing.js';
import { capacitySource, dialsAllowed, MEMBER_NOT_IN_USE, type Capacity } from './pacing.js';
import type { DialerRuntime } from './runtime.js';
import { isInWindow, localStamp, scheduleZone, windowOpenedAt } from './schedule.js';
import type { DialingTracker } from './tracking.js';

/**
 * The campaign ticker: each tick, every campaign that is running (or has a schedule) takes its next step
 * (catalog 50-outbound §3-4): a status change (start, stop at the end of its list, a schedule's window),
 * hanging up a forced stop's calls, or new dialings as the pacing formula allows.
 */

/** Campaign statuses the dialer works on every tick (a stopped or paused one only when it has a schedule). */
const activeStatuses = [campaignStatus.start, campaignStatus.stopping, campaignStatus.starting, campaignStatus.pausing, campaignStatus.stoppingForcedly];

/** Unread log events above which a tick starts no new dialing. */
const MAX_UNREAD_EVENTS = 5000;

/** Campaigns stepped at once in a tick. */
const CAMPAIGN_CONCURRENCY = 16;

/** A forced stop resends its Hangup to a channel still up after this long. */
const HANGUP_RETRY_MS = 3000;

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

interface LastChange {
  readonly reason: string | null;
  /** API timestamp of the change; null when the campaign never changed status. */
  readonly at: string | null;
}

/** A campaign as its stream has it now: what the dialer decides from, and the revision its change appends at. */
interface CampaignAt {
  readonly state: CampaignObject | undefined;
  readonly revision: ExpectedRevision;
  readonly last: LastChange;
}

export class CampaignTicker {
  /** The subscription is far behind the log: no new dialings this tick. */
  private lagging = false;

  constructor(
    private readonly runtime: DialerRuntime,
    private readonly tracker: DialingTracker,
  ) {}

  /** One tick; `handled` is the log position the dialer's subscription has reached. */
  async tick(handled: number): Promise<void> {
    const { options, timings } = this.runtime;
    this.runtime.stats.ticks += 1;
    await this.tracker.expireDialings();
    // Backpressure: while the log holds much the dialer has not read (Asterisk's answers, its own records),
    // it finishes what it started before starting more.
    this.lagging = (await options.store.headPosition()) - handled > MAX_UNREAD_EVENTS;
    const positions: number[] = [];
    const byUuid = new Map<string, CampaignObject>();
    for (const campaign of [...(await listCampaignsByStatus(options.db, activeStatuses)), ...(await listScheduledCampaigns(options.db))]) byUuid.set(campaign.uuid, campaign);
    // Campaigns step concurrently (a few at a time): independent decisions, appends grouped into fewer commits.
    await forEachLimited([...byUuid.values()], CAMPAIGN_CONCURRENCY, async (campaign) => {
      try {
        positions.push(...(await this.stepCampaign(campaign)));
      } catch (error) {
        options.logger.error({ err: error, campaign: campaign.uuid }, 'dialer step failed');
      }
    });
    // The next tick must see this one's decisions (entries taken, statuses changed) in the read models.
    if (positions.length > 0) await options.readModels.waitForPosition(Math.max(...positions), timings.settleTimeoutMs).catch(() => undefined);
  }

  /**
   * One campaign's step; returns the log positions it appended. The read model only says which campaigns
   * to look at: the step is decided from the campaign's stream, and a status change is appended at the
   * revision it was decided from, so a client's request recorded meanwhile (a pause, a stop) is never
   * overwritten by a decision taken before it; the next tick decides again from the new state.
   */
  private async stepCampaign(listed: CampaignObject): Promise<number[]> {
    const { db } = this.runtime.options;
    const at = await this.loadCampaign(listed.uuid);
    const campaign = at.state;
    if (!isLive(campaign)) return [];
    const refs = {
      ...(campaign.plan ? { plan: await getPlan(db, campaign.plan) } : {}),
      ...(campaign.dest ? { dest: await getDestination(db, campaign.dest) } : {}),
      ...(campaign.dlma ? { dlma: await getDlma(db, campaign.dlma) } : {}),
    };
    const problems = campaignStartProblems(campaign, refs);
    const liveDialings = this.runtime.live.countFor(campaign.uuid);
    const { last } = at;
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
        return this.changeStatus(at, campaign, step.status, step.reason);
      case 'hangup_all':
        for (const live of this.runtime.live.ofCampaign(campaign.uuid)) {
          if (live.hangupSentAtMs === undefined || this.runtime.clock() - live.hangupSentAtMs > HANGUP_RETRY_MS) this.tracker.sendHangup(live, 'stopped_forcedly');
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
    const counts = await countDls(this.runtime.options.db, dlma.uuid, plan, this.runtime.nowTs());
    return counts.unfinished === 0;
  }

  private scheduleView(campaign: CampaignObject, last: LastChange): ScheduleView {
    const { timezone } = this.runtime.options;
    const now = this.runtime.clock();
    const zone = scheduleZone(campaign, timezone);
    const open = isInWindow(campaign, now, timezone);
    const openedAt = open ? windowOpenedAt(campaign, now, timezone) : undefined;
    const lastAt = last.at === null ? undefined : parseTimestamp(last.at);
    const lastLocal = lastAt === undefined ? undefined : localStamp(Number(lastAt / 1_000_000n), zone);
    return {
      open,
      openedSinceLastChange: openedAt !== undefined && (lastLocal === undefined || lastLocal < openedAt),
    };
  }

  /** The campaign folded from its stream, with its revision and its last status change (reason and time). */
  private async loadCampaign(uuid: string): Promise<CampaignAt> {
    const events = await this.runtime.options.store.readStream(obStreams.campaign(uuid));
    const state = events.reduce<CampaignObject | undefined>(evolveCampaign, undefined);
    const tail = events[events.length - 1];
    const lastChange = [...events].reverse().find((event) => event.type === obEventTypes.campaignStatusChanged);
    const data = lastChange?.data as { reason?: string; tm_update?: string } | undefined;
    return { state, revision: tail === undefined ? 'no_stream' : tail.revision, last: { reason: data?.reason ?? null, at: data?.tm_update ?? null } };
  }

  /** Records a status change decided from `at`; nothing when the campaign's stream moved on since (a client's request won). */
  private async changeStatus(at: CampaignAt, campaign: CampaignObject, status: number, reason: string): Promise<number[]> {
    const { options } = this.runtime;
    const positions: number[] = [];
    try {
      const done = await options.resources.changeCampaignStatus(this.runtime.context(campaign.uuid), campaign.uuid, status, reason, at);
      if (done.position !== undefined) positions.push(done.position);
      this.runtime.stats.statusChanges += 1;
    } catch (error) {
      if (error instanceof ConcurrencyError) {
        options.logger.debug({ campaign: campaign.uuid, status }, 'dialer status change superseded by a newer change');
        this.runtime.wake();
        return positions;
      }
      if (!(error instanceof CommandRefusal)) throw error;
      // A start refused (a resource went missing meanwhile): the campaign does not run. Nothing was appended: `at` still holds.
      if (status === campaignStatus.start) return this.changeStatus(at, campaign, campaignStatus.stop, stepReasons.resourcesMissing);
      options.logger.warn({ campaign: campaign.uuid, status, reason: error.message }, 'dialer status change refused');
      return positions;
    }
    // Catalog §4 step 9 (proposal): a campaign that ran to the end of its list starts its next campaign.
    if (status === campaignStatus.stop && reason === stepReasons.dlEnd && campaign.next_campaign) {
      const next = await this.loadCampaign(campaign.next_campaign);
      if (isLive(next.state) && next.state.status === campaignStatus.stop) positions.push(...(await this.changeStatus(next, next.state, campaignStatus.starting, stepReasons.nextCampaign)));
    }
    this.runtime.wake();
    return positions;
  }

  // --- dialing ---------------------------------------------------------------------------------------

  /** Catalog §3-4: as many new dialings as the formula allows, least-tried entries first. */
  private async dial(campaign: CampaignObject, plan: PlanObject, dest: DestinationObject, dlma: DlmaObject): Promise<number[]> {
    const { options, timings } = this.runtime;
    // The campaign's own box: its link down (or the node no longer configured), no new dialing.
    if (this.lagging || !this.runtime.box(campaign.node).commands.ami.state().connected) return [];
    const count = dialsAllowed({
      capacity: await this.capacity(dest),
      current: this.runtime.live.countFor(campaign.uuid),
      serviceLevel: plan.service_level,
      maxPerTick: timings.maxDialsPerTick,
    });
    if (count === 0) return [];
    const now = this.runtime.nowTs();
    const candidates = await listDialableDls(options.db, dlma.uuid, plan, now, count);
    // Concurrently: the store groups the appends of one tick into few commits.
    const taken = await Promise.all(candidates.map((dl) => this.dialEntry(campaign, plan, dest, dlma, dl, now)));
    return taken.flat();
  }

  /** Takes one entry (single winner on its stream), records its dialing, and sends the Originate; returns the positions appended. */
  private async dialEntry(campaign: CampaignObject, plan: PlanObject, dest: DestinationObject, dlma: DlmaObject, dl: DlObject, now: string): Promise<number[]> {
    const { runtime } = this;
    const number = pickDialNumber(dl, plan);
    if (!number) return [];
    const uuid = runtime.newUuid();
    const ctx = runtime.context(uuid);
    let taken;
    try {
      taken = await runtime.options.resources.startDlDialing(ctx, { uuid: dl.uuid, dialing_uuid: uuid, campaign_uuid: campaign.uuid, plan_uuid: plan.uuid, dial_index: number.dial_index, now });
    } catch (error) {
      // Taken meanwhile (another campaign on the same list) or changed: not ours to dial.
      if (error instanceof CommandRefusal) return [];
      throw error;
    }
    if (!taken.state) return [];
    const dialing = buildDialing({
      uuid,
      actionId: runtime.newUuid(),
      otherChannelId: runtime.newUuid(),
      campaign,
      plan,
      dest,
      dlma,
      dl: taken.state,
      number: { ...number, dial_trycnt: taken.state[trycntKey(number.dial_index)] },
      now,
    });
    const created = { type: obEventTypes.dialingCreated, data: { ...dialing } as Record<string, unknown>, metadata: runtime.metadata(uuid, ctx) };
    const appended = await runtime.options.store.append(obStreams.dialing(uuid), [created], 'no_stream');
    const live = runtime.live.add(dialing, appended.nextExpectedRevision, runtime.clock());
    runtime.stats.dialed += 1;
    runtime.track(this.tracker.originate(live, plan));
    return taken.position === undefined ? [appended.lastPosition] : [taken.position, appended.lastPosition];
  }

  /** The destination's max available count (catalog §2.4): a queue's idle, unpaused members; otherwise no limit. */
  private async capacity(dest: DestinationObject): Promise<Capacity> {
    const source = capacitySource(dest);
    if (source.kind === 'unlimited') return 'unlimited';
    const row = await this.runtime.options.db
      .selectFrom('queue_members')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('queue_name', '=', source.queue)
      .where('status', '=', MEMBER_NOT_IN_USE)
      .where('paused', '=', 0)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }
}
