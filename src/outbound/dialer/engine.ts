import { amiEventTypes, obEventTypes, type RecordedEvent } from '../../events/index.js';
import type { Subscription } from '../../eventstore/port.js';
import { Mutex } from '../../mutex.js';
import type { LiveDialing } from './live.js';
import { observe } from './observe.js';
import { recoverDialings } from './recovery.js';
import { DialerRuntime, type DialerOptions } from './runtime.js';
import { CampaignTicker } from './ticker.js';
import { DialingTracker } from './tracking.js';

export { dialerActor, type DialerOptions, type DialerReadModels } from './runtime.js';

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
 * Everything it holds in memory is rebuilt on start from the read models and the streams (`recovery.ts`), so a
 * crash loses nothing: dialings in flight are followed again, those whose channel vanished are finalised,
 * a half-done finalisation is completed, and no entry is taken twice (the entry's stream refuses).
 *
 * This file wires the parts: the log subscription (`absorb`) feeds the live dialings (`tracking.ts`); the
 * timer runs the campaign ticker (`ticker.ts`); everything runs under one lock, one batch or tick at a time.
 */


export class Dialer {
  private readonly runtime: DialerRuntime;
  private readonly tracker: DialingTracker;
  private readonly ticker: CampaignTicker;
  private readonly lock = new Mutex();
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private wakeScheduled = false;
  private stopped = false;
  /** Highest log position the subscription has handled. */
  private handled = 0;
  private readonly handledWaiters = new Set<{ position: number; resolve: () => void }>();
  /** Counters for benchmarks and health. */
  readonly stats: DialerRuntime['stats'];

  constructor(private readonly options: DialerOptions) {
    this.runtime = new DialerRuntime(options, () => this.wake());
    this.tracker = new DialingTracker(this.runtime);
    this.ticker = new CampaignTicker(this.runtime, this.tracker);
    this.stats = this.runtime.stats;
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
    await this.lock.run(() => recoverDialings(this.runtime, this.tracker));
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
    await this.runtime.settleInFlight();
  }

  /** Live dialings the dialer follows (tests, health). */
  liveCount(campaignUuid?: string): number {
    const { live } = this.runtime;
    return campaignUuid === undefined ? live.size : live.countFor(campaignUuid);
  }

  /** Resolves once the subscription has handled the log up to `position` (tests, benchmarks). */
  async waitHandled(position: number): Promise<void> {
    if (this.handled >= position) return;
    await new Promise<void>((resolve) => this.handledWaiters.add({ position, resolve }));
  }

  /** Everything appended so far is handled and every send in flight has settled (tests, benchmarks). */
  async settle(): Promise<void> {
    for (let round = 0; round < 100; round += 1) {
      await this.runtime.settleInFlight();
      await this.waitHandled(await this.options.store.headPosition());
      await this.lock.run(() => undefined);
      if (!this.runtime.sending && this.handled >= (await this.options.store.headPosition())) return;
    }
  }

  /** Runs one tick now (under the lock, after anything in progress). */
  tick(): Promise<void> {
    return this.lock.run(async () => {
      if (!this.stopped) await this.ticker.tick(this.handled);
    });
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
      const live = this.tracker.dialingOf(event);
      if (live && !live.ending && event.position > live.obs.position) {
        live.obs = observe(live.obs, event, live.ids);
        touched.add(live);
      }
      switch (event.type) {
        case obEventTypes.campaignStatusChanged:
          this.wake();
          break;
        case obEventTypes.dlDeleted: {
          // Catalog §7.8: an entry deleted with force has its dialing hung up.
          const dialing = (event.data as { dialing_uuid?: unknown }).dialing_uuid;
          const held = typeof dialing === 'string' ? this.runtime.live.get(dialing) : undefined;
          if (held) this.tracker.sendHangup(held, 'dl_deleted');
          break;
        }
        case amiEventTypes.snapshot:
          if ((event.data as { action?: unknown }).action === 'CoreShowChannels') snapshot = event;
          break;
        default:
          break;
      }
    }
    await Promise.all([...touched].map((live) => this.tracker.advance(live)));
    if (snapshot) await this.tracker.reconcileChannels(snapshot);
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
}
