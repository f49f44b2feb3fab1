import type { AmiFields } from '../events/index.js';
import { nowTimestamp } from '../events/time.js';
import type { AmiRuntime } from './index.js';
import type { AmiIngestStats } from './ingest.js';
import { AmiNotConnectedError, type ActionOptions, type AmiAction, type AmiCommandResult, type AmiConnectionState, type AmiGateway, type AmiListResult } from './port.js';
import type { ResyncReport } from './resync.js';

/**
 * Asked for AMI on a node that holds no AMI link because another node leads (src/cluster/): a 503 like any
 * "not connected", and the sign for the request forwarder that a read needing Asterisk belongs to the leader.
 */
export class AmiNotHereError extends AmiNotConnectedError {
  override readonly name = 'AmiNotHereError';
  constructor() {
    super('Asterisk is not connected on this node: another jade node leads and holds the AMI links');
  }
}

const noStats: AmiIngestStats = { received: 0, appended: 0, queued: 0, inFlight: 0, retries: 0, reordered: 0 };

/**
 * The AMI runtime as the rest of jade holds it for the process's lifetime, while the links themselves come and
 * go with the leadership: the leader seats a runtime, a node that stops leading unseats it. Unseated, every
 * action fails with AmiNotHereError (nothing is written anywhere) and the state is "not connected".
 */
export class AmiSeat implements AmiGateway {
  private runtime: AmiRuntime | undefined;
  private lastStats: AmiIngestStats = noStats;
  private idleSince = nowTimestamp();

  /** The gateway command handlers and health use: this seat. */
  get gateway(): AmiGateway {
    return this;
  }

  current(): AmiRuntime | undefined {
    return this.runtime;
  }

  seat(runtime: AmiRuntime): void {
    this.runtime = runtime;
  }

  /** Unseats the runtime (at once: later actions fail) and hands it back for stopping. */
  unseat(): AmiRuntime | undefined {
    const runtime = this.runtime;
    if (runtime) this.lastStats = runtime.stats();
    this.runtime = undefined;
    this.idleSince = nowTimestamp();
    return runtime;
  }

  private held(): AmiRuntime {
    if (!this.runtime) throw new AmiNotHereError();
    return this.runtime;
  }

  state(): AmiConnectionState {
    return this.runtime?.gateway.state() ?? { connected: false, since: this.idleSince, lastEventAt: null };
  }

  action(action: AmiAction, options?: ActionOptions): Promise<AmiFields> {
    try {
      return this.held().gateway.action(action, options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  listAction(action: AmiAction, options?: ActionOptions): Promise<AmiListResult> {
    try {
      return this.held().gateway.listAction(action, options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  command(command: string, options?: ActionOptions): Promise<AmiCommandResult> {
    try {
      return this.held().gateway.command(command, options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  resnapshot(names: readonly string[]): Promise<ResyncReport> {
    try {
      return this.held().resnapshot(names);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  /** The seated runtime's ingest figures, or the last seated one's. */
  stats(): AmiIngestStats {
    return this.runtime?.stats() ?? this.lastStats;
  }
}
