import type { LeaseEpoch } from '../eventstore/port.js';
import { nowTimestamp } from '../events/time.js';

/**
 * Which jade node leads: the one that runs the leader's duties (AMI links, the read-model writes, the dialer,
 * the dialplans, the refreshers). Every other node follows the log and serves reads and realtime.
 */

export type Role = 'leader' | 'follower';

export interface LeaderInfo {
  /** The leader's node id (`cluster.nodeId`). */
  readonly node: string;
  /** Where it answers HTTP (`cluster.advertiseUrl`): followers forward commands there. */
  readonly url: string;
  /** When it took the leadership (API timestamp). */
  readonly since: string;
}

export interface LeadershipView {
  readonly role: Role;
  /** This node's id. */
  readonly node: string;
  /** The fencing epoch: the one this node leads under, or the last one it saw the leader hold. */
  readonly epoch: number;
  /** The current leader as last seen, null while none is known. */
  readonly leader: LeaderInfo | null;
}

export interface Leadership {
  view(): LeadershipView;
  /** The epoch this node leads under now, undefined when it does not: what its appends and mirror writes are fenced by. */
  readonly lease: LeaseEpoch;
  /** Hears every change of role, synchronously at the moment it happens (a lost lock demotes before any await). */
  onChange(listener: (view: LeadershipView) => void): () => void;
  /** Tries once (so a node alone on its store leads when start resolves), then keeps trying in the background. */
  start(): Promise<void>;
  /**
   * Gives the leadership up for a while (a leader that could not start its duties): another node may take
   * it; this one tries again later. Alone on its store, nothing to give up: the caller retries.
   */
  resign(): void;
  /** Gives the leadership up (if held) and stops trying. */
  stop(): Promise<void>;
}

/** SQLite and memory: one process owns the store, so it always leads (no lock, epoch 0, nothing to fence). */
export class SoleLeadership implements Leadership {
  private readonly since = nowTimestamp();
  private running = false;
  readonly lease: LeaseEpoch = () => (this.running ? 0 : undefined);

  constructor(
    private readonly node: () => string,
    private readonly url: () => string,
  ) {}

  view(): LeadershipView {
    const node = this.node();
    return { role: 'leader', node, epoch: 0, leader: { node, url: this.url(), since: this.since } };
  }

  onChange(): () => void {
    return () => {};
  }

  resign(): void {}

  start(): Promise<void> {
    this.running = true;
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.running = false;
    return Promise.resolve();
  }
}

/** Calls each listener, one throwing never stopping the others. */
export class RoleListeners {
  private readonly listeners = new Set<(view: LeadershipView) => void>();

  add(listener: (view: LeadershipView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  tell(view: LeadershipView, onError: (error: unknown) => void): void {
    for (const listener of this.listeners) {
      try {
        listener(view);
      } catch (error) {
        onError(error);
      }
    }
  }
}
