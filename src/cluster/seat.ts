import type { Logger } from '../logger.js';
import type { LeaderDuties } from './duties.js';
import type { Leadership, LeadershipView } from './leadership.js';

export interface LeaderSeatOptions {
  readonly leadership: Leadership;
  /** Makes the shared read models this node's to write (PostgreSQL), before any duty reads them. */
  readonly takeReadModels: (epoch: number) => Promise<void>;
  /** At the moment the lease is lost, synchronously: the read-model writes given up, the AMI links unseated. */
  readonly demoted: () => void;
  readonly startDuties: () => Promise<LeaderDuties>;
  /** A failure no retry can mend (a configuration error): when the first start fails with one, start() rejects. */
  readonly isFatal?: (error: unknown) => boolean;
  readonly logger: Logger;
}

/**
 * Runs the leader's duties while this node leads, and only then. Transitions run one at a time, in order:
 * a promotion takes the read models and starts the duties; a demotion (a lost lock) stops them with the
 * fenced flag, while the lease is already gone (every append of theirs is refused from that moment).
 */
export class LeaderSeat {
  private duties: LeaderDuties | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly off: () => void;
  private closed = false;
  private fatal: unknown;
  private starting = true;

  constructor(private readonly options: LeaderSeatOptions) {
    this.off = options.leadership.onChange((view) => this.changed(view));
  }

  /** Starts the leadership and, when this node leads at once, its duties, before resolving. */
  async start(): Promise<void> {
    await this.options.leadership.start();
    const view = this.options.leadership.view();
    if (view.role === 'leader' && !this.duties) this.changed(view);
    await this.settled();
    this.starting = false;
    if (this.fatal !== undefined) throw this.fatal;
  }

  /** Resolves when every transition asked so far has run. */
  settled(): Promise<void> {
    return this.chain;
  }

  private changed(view: LeadershipView): void {
    if (view.role === 'follower') this.options.demoted();
    this.chain = this.chain.then(() => this.transition()).catch((error: unknown) => this.failed(error));
  }

  /** Brings the duties in line with the role held now (a role may have changed twice meanwhile). */
  private async transition(): Promise<void> {
    const epoch = this.options.leadership.lease();
    if (epoch === undefined || this.closed) {
      const duties = this.duties;
      this.duties = undefined;
      if (duties) {
        this.options.logger.warn('not the leader: leader duties stopped');
        await duties.stop({ fenced: !this.closed });
      }
      return;
    }
    if (this.duties) return;
    await this.options.takeReadModels(epoch);
    // Demoted while taking them: the next transition (queued by that change) finds nothing to stop.
    if (this.options.leadership.lease() !== epoch) return;
    this.duties = await this.options.startDuties();
    this.options.logger.info({ epoch }, 'leading: AMI links, dialer and dialplans started');
    if (this.options.leadership.lease() !== epoch) this.changed(this.options.leadership.view());
  }

  /**
   * A promotion that could not take the read models or start the duties: a leader that does not lead would
   * keep every other node from it, so it resigns (another node may take over) and tries again later.
   */
  private failed(error: unknown): void {
    if (this.starting && this.options.isFatal?.(error)) {
      // At start, the caller's failure to handle; later (a takeover), logged and retried like any other.
      this.fatal ??= error;
      this.options.leadership.resign();
      return;
    }
    this.options.logger.error({ err: error }, 'leadership transition failed; resigning');
    if (this.closed || this.options.leadership.lease() === undefined) return;
    this.options.leadership.resign();
    // Alone on its store the lease stays: try again in a second.
    if (this.options.leadership.lease() !== undefined) {
      setTimeout(() => {
        if (!this.closed) this.changed(this.options.leadership.view());
      }, 1000).unref();
    }
  }

  /** Stops the duties (gracefully: the lease still holds) and gives the leadership up. */
  async stop(): Promise<void> {
    this.closed = true;
    this.off();
    this.chain = this.chain.then(() => this.transition());
    await this.chain;
    await this.options.leadership.stop();
  }
}
