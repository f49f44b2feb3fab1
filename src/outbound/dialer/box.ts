import type { AmiGateway } from '../../ami/port.js';
import { AmiNotConnectedError } from '../../ami/port.js';
import { nodeTarget, onNode, type CommandDeps } from '../../commands/command.js';

/**
 * The Asterisk box a campaign dials on and its dialings are hung up on (README "Several Asterisk boxes"):
 * the campaign's `node`, copied onto each dialing; null is the first configured box, as before campaigns had one.
 */

/** A box the configuration no longer names: jade has no link to it, so it reads as one that is down. */
class UnconfiguredBox implements AmiGateway {
  constructor(private readonly node: string) {}

  private refuse(): Promise<never> {
    return Promise.reject(new AmiNotConnectedError(`Asterisk box ${this.node} is not configured (ami.nodes)`));
  }

  state() {
    return { connected: false, since: null, lastEventAt: null };
  }

  action(): Promise<never> {
    return this.refuse();
  }

  listAction(): Promise<never> {
    return this.refuse();
  }

  command(): Promise<never> {
    return this.refuse();
  }
}

export interface DialerBox {
  /** The commands with this box's link: an Originate or Hangup over them is audited like any command. */
  readonly commands: CommandDeps;
  /** `{node}` for the audit targets when several boxes are configured. */
  readonly target: { node?: string };
  /** False when the node is not configured (any more). */
  readonly configured: boolean;
}

/** The commands over `node`'s link; a node not configured gives a link that is never connected (its commands are `Rejected`). */
export function dialerBox(commands: CommandDeps, node: string | null): DialerBox {
  const named = node ?? commands.nodes?.names[0];
  try {
    return { commands: onNode(commands, named), target: nodeTarget(commands, named), configured: true };
  } catch (error) {
    if (!(error instanceof AmiNotConnectedError) || named === undefined) throw error;
    return { commands: { ...commands, ami: new UnconfiguredBox(named) }, target: { node: named }, configured: false };
  }
}
