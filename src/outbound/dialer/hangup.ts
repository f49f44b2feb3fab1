import type { Kysely } from 'kysely';
import { getDialing } from '../../../projections/ob-dialings.js';
import * as amiActions from '../../ami/actions.js';
import { executeCommand, sendAction, type Actor, type CommandDeps, type CommandOutcome } from '../../commands/command.js';
import type { Database } from '../../readmodels/database.js';
import type { DialingObject } from '../resources/index.js';
import { dialerBox } from './box.js';

/**
 * Hangs up a dialing's channel (catalog 50-outbound §7.10; the dialer's forced stop and deleted entries):
 * AMI `Hangup` with the channel's name, or before it is known the dialing uuid, which is the channel's
 * Uniqueid (Asterisk looks channels up by either), over the dialing's box. An audited command like every Asterisk command. The
 * dialing itself is finalised by the dialer when the Hangup event arrives, through the normal path.
 */
export async function hangupDialingChannel(
  commands: CommandDeps,
  actor: Actor,
  dialing: DialingObject,
  channel: string | null,
  why: string,
  settled?: () => Promise<boolean>,
): Promise<CommandOutcome<{ dialing_uuid: string }>> {
  const target = channel ?? dialing.channel ?? dialing.uuid;
  // Over the box the dialing's Originate went to (its campaign's).
  const box = dialerBox(commands, dialing.node);
  return executeCommand(box.commands, {
    type: 'Hangup',
    actor,
    request: { dialing_uuid: dialing.uuid, channel: target, why },
    targets: { unique_id: dialing.uuid, linked_id: dialing.uuid, dialing_uuid: dialing.uuid, campaign_uuid: dialing.uuid_camp, ...box.target },
    act: sendAction(box.commands.ami, (actionId) => amiActions.hangup({ actionId, channel: target }), () => ({ dialing_uuid: dialing.uuid })),
    ...(settled ? { settled } : {}),
  });
}

/**
 * `DELETE /ob/dialings/<uuid>`: false when there is no such live dialing. Answers once the dialing has left
 * the live dialings (bounded by the commands' read-your-writes timeout), as the catalog describes.
 */
export async function hangupDialing(deps: { readonly db: Kysely<Database>; readonly commands: CommandDeps }, actor: Actor, uuid: string): Promise<boolean> {
  const dialing = await getDialing(deps.db, uuid);
  if (!dialing) return false;
  await hangupDialingChannel(deps.commands, actor, dialing, dialing.channel, 'request', async () => (await getDialing(deps.db, uuid)) === undefined);
  return true;
}
