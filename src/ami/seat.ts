import type { AmiFields } from '../events/index.js';
import { nowTimestamp } from '../events/time.js';
import type { AmiIngestStats } from './ingest.js';
import type { AmiNodes, AmiNodeStatus } from './nodes.js';
import {
  AmiNotConnectedError,
  type ActionOptions,
  type AmiAction,
  type AmiCommandResult,
  type AmiConnectionState,
  type AmiGateway,
  type AmiListResult,
  type AmiNodeGateways,
} from './port.js';

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

/** One box's gateway as the seat hands it out: it finds the seated link at each call, so it outlives the links. */
class SeatedGateway implements AmiGateway {
  constructor(
    private readonly seat: AmiSeat,
    private readonly node: string | undefined,
  ) {}

  private held(): AmiGateway {
    const gateway = this.seat.heldGateway(this.node);
    if (!gateway) throw new AmiNotConnectedError(`Asterisk box ${this.node ?? ''} is not configured (ami.nodes)`);
    return gateway;
  }

  state(): AmiConnectionState {
    return this.seat.nodeState(this.node);
  }

  action(action: AmiAction, options?: ActionOptions): Promise<AmiFields> {
    try {
      return this.held().action(action, options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  listAction(action: AmiAction, options?: ActionOptions): Promise<AmiListResult> {
    try {
      return this.held().listAction(action, options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  command(command: string, options?: ActionOptions): Promise<AmiCommandResult> {
    try {
      return this.held().command(command, options);
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
}

/**
 * The AMI links as the rest of jade holds them for the process's lifetime, while the links themselves come and
 * go with the leadership: the leader seats every box's links (src/ami/nodes.ts), a node that stops leading
 * unseats them. Unseated, every action fails with AmiNotHereError (nothing is written anywhere) and every box
 * reads "not connected". The boxes' names come from the configuration, so they are known on a follower too.
 */
export class AmiSeat {
  private links: AmiNodes | undefined;
  private lastStats: AmiIngestStats = noStats;
  private idleSince = nowTimestamp();
  private readonly byNode: ReadonlyMap<string, SeatedGateway>;
  /** The first box's gateway: what command handlers use unless a command names its box. */
  readonly gateway: AmiGateway;

  constructor(readonly names: readonly string[]) {
    this.byNode = new Map(names.map((node) => [node, new SeatedGateway(this, node)]));
    this.gateway = new SeatedGateway(this, undefined);
    const byNode = this.byNode;
    this.nodes = { names, gateway: (node) => byNode.get(node) };
  }

  /** The seated links, or undefined on a node that does not lead. */
  current(): AmiNodes | undefined {
    return this.links;
  }

  seat(links: AmiNodes): void {
    this.links = links;
  }

  /** Unseats the links (at once: later actions fail) and hands them back for stopping. */
  unseat(): AmiNodes | undefined {
    const links = this.links;
    if (links) this.lastStats = links.stats();
    this.links = undefined;
    this.idleSince = nowTimestamp();
    return links;
  }

  /** Every box's gateway by node, for commands that name their box: stable across terms. */
  readonly nodes: AmiNodeGateways;

  /** The seated link of `node` (the first box when undefined); throws AmiNotHereError when nothing is seated. */
  heldGateway(node: string | undefined): AmiGateway | undefined {
    if (!this.links) throw new AmiNotHereError();
    return node === undefined ? this.links.first.gateway : this.links.gateway(node);
  }

  nodeState(node: string | undefined): AmiConnectionState {
    if (!this.links) return { connected: false, since: this.idleSince, lastEventAt: null };
    if (node === undefined) return this.links.first.gateway.state();
    return this.links.gateway(node)?.state() ?? { connected: false, since: this.idleSince, lastEventAt: null };
  }

  /** Every link in one (up when every box's is), as AmiNodes.state; "not connected" when unseated. */
  state(): AmiConnectionState {
    return this.links?.state() ?? { connected: false, since: this.idleSince, lastEventAt: null };
  }

  /** Each box's link for health and metrics; unseated, every configured box as not connected. */
  statuses(): AmiNodeStatus[] {
    if (this.links) return this.links.statuses();
    return this.names.map((node) => ({ node, connected: false, since: this.idleSince, lastEventAt: null, systemName: null, refused: null }));
  }

  resnapshot(names: readonly string[], node?: string): Promise<void> {
    if (!this.links) return Promise.reject(new AmiNotHereError());
    return this.links.resnapshot(names, node);
  }

  /** The seated links' ingest figures, or the last seated ones'. */
  stats(): AmiIngestStats {
    return this.links?.stats() ?? this.lastStats;
  }
}
