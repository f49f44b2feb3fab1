import type { Kysely } from 'kysely';
import * as amiActions from '../ami/actions.js';
import type { Database } from '../../projections/database.js';
import { getChannel } from '../../projections/channels.js';
import { findParkedCallByChannel, getParkedCall, type ParkedCallObject } from '../../projections/parking.js';
import { nowTimestamp } from '../events/time.js';
import { executeCommand, onNode, sendAction, type Actor, type CommandDeps, type CommandOutcome } from './command.js';
import { hangupAndConfirm } from './hangup.js';

export interface ParkCommandDeps extends CommandDeps {
  readonly db: Kysely<Database>;
}

/** The channel to park: by jade's unique id, or by Asterisk's channel name. */
export type ParkTarget = { readonly unique_id: string } | { readonly channel: string };

export interface ParkRequest {
  readonly target: ParkTarget;
  /** Lot name; Asterisk's default lot when absent. */
  readonly parkinglot?: string;
  /** Seconds the call may stay parked, overriding the lot's `parkingtime`. */
  readonly timeout?: number;
}

export interface ParkResult {
  readonly command_id: string;
  readonly parkee_unique_id: string;
  readonly parkee_channel: string;
}

async function findChannel(db: Kysely<Database>, target: ParkTarget): Promise<{ unique_id: string; channel: string; linked_id: string; node: string } | undefined> {
  if ('unique_id' in target) return getChannel(db, target.unique_id, nowTimestamp());
  return db.selectFrom('channels').select(['unique_id', 'channel', 'linked_id', 'node']).where('channel', '=', target.channel).executeTakeFirst();
}

/**
 * Parks a live channel (AMI `Park`, beyond the manual). Answers once the read model shows the call parked,
 * so the caller can read its space right away. A channel in a two-party bridge is parked like the
 * park-call DTMF feature; a channel in no bridge is parked directly. Undefined when jade knows no such
 * channel (it holds every live one).
 */
export async function parkChannel(deps: ParkCommandDeps, actor: Actor, request: ParkRequest): Promise<CommandOutcome<ParkResult> | undefined> {
  const channel = await findChannel(deps.db, request.target);
  if (!channel) return undefined;
  // Parked on the box the channel is on.
  const box = onNode(deps, channel.node);
  return executeCommand(box, {
    type: 'Park',
    actor,
    request: { unique_id: channel.unique_id, channel: channel.channel, parkinglot: request.parkinglot, timeout: request.timeout },
    targets: { unique_id: channel.unique_id, linked_id: channel.linked_id, ...(request.parkinglot === undefined ? {} : { parking_lot: request.parkinglot }) },
    act: sendAction(
      box.ami,
      (actionId) =>
        amiActions.park({
          actionId,
          channel: channel.channel,
          parkinglot: request.parkinglot,
          // The API speaks seconds like the read model; AMI takes milliseconds.
          timeoutMs: request.timeout === undefined ? undefined : request.timeout * 1000,
        }),
      (commandId) => ({ command_id: commandId, parkee_unique_id: channel.unique_id, parkee_channel: channel.channel }),
    ),
    settled: async (result) => (await getParkedCall(deps.db, result.parkee_unique_id, nowTimestamp())) !== undefined,
  });
}

/** Reads the parked call a park command made, by unique id or (if the channel was renamed meanwhile) by name. */
export async function parkedCallOf(deps: ParkCommandDeps, result: ParkResult): Promise<ParkedCallObject | undefined> {
  const now = nowTimestamp();
  return (await getParkedCall(deps.db, result.parkee_unique_id, now)) ?? (await findParkedCallByChannel(deps.db, result.parkee_channel, now));
}

/**
 * `DELETE /park/parkedcalls/<unique_id>`: hangs up the parked channel (AMI `Hangup`, catalog 70 §1.2), answering
 * once Asterisk's Hangup event of that channel is in the log and the read models show it (hangup.ts). The parked
 * call's row goes earlier (res_parking's `ParkedCallGiveUp` precedes the Hangup), so it cannot be the sign.
 * Undefined when jade knows no such parked call.
 */
export async function hangupParkedCall(deps: ParkCommandDeps, actor: Actor, uniqueId: string, node?: string): Promise<CommandOutcome<{ parkee_unique_id: string }> | undefined> {
  const parked = await getParkedCall(deps.db, uniqueId, nowTimestamp(), node);
  if (!parked) return undefined;
  const outcome = await hangupAndConfirm(onNode(deps, parked.node), {
    type: 'ParkedCallHangup',
    actor,
    request: { parkee_unique_id: uniqueId, parkee_channel: parked.parkee_channel, parking_lot: parked.parking_lot, parking_space: parked.parking_space },
    targets: { unique_id: uniqueId, linked_id: parked.parkee_linked_id, parking_lot: parked.parking_lot },
    uniqueId,
    channel: parked.parkee_channel,
  });
  return { commandId: outcome.commandId, result: { parkee_unique_id: uniqueId } };
}
