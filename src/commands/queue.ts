import type { Kysely } from 'kysely';
import * as amiActions from '../ami/actions.js';
import type { Database } from '../../projections/database.js';
import { getMember, getQueue, memberId, type QueueMemberObject } from '../../projections/queues/index.js';
import type { AmiAction } from '../ami/port.js';
import { chooseNode, executeCommand, nodeTarget, onNode, sendAction, type Actor, type CommandDeps, type CommandOutcome } from './command.js';

/**
 * Runtime queue membership (ARCHITECTURE.md "Queue members"): AMI QueueAdd / QueueRemove / QueuePause /
 * QueuePenalty, each audited through `executeCommand` (events `QueueAddRequested`, `QueueAddSucceeded`, ...).
 * Asterisk addresses a member by queue and interface; the API by queue and member name, so the interface of an
 * existing member comes from the read model. Each answers once the read model shows the change.
 */

export interface QueueCommandDeps extends CommandDeps {
  readonly db: Kysely<Database>;
  /** The box the request named (`?node=`), for a queue name several boxes share. */
  readonly node?: string;
}

export interface AddMemberRequest {
  /** The Asterisk box of the queue (README "Several Asterisk boxes"); optional with one box. */
  readonly node?: string;
  readonly queue_name: string;
  /** The interface Asterisk dials, e.g. `Local/agent-03@agents`. */
  readonly location: string;
  /** Asterisk's MemberName; Asterisk uses the interface when none is given. */
  readonly name?: string;
  readonly penalty?: number;
  readonly paused?: boolean;
  readonly paused_reason?: string;
  readonly state_interface?: string;
}

/** Why a member command was not sent: jade knows no such queue or member (404 for the API). */
export type MemberLookupFailure = { readonly missing: 'queue' | 'member'; readonly message: string };

async function findMember(db: Kysely<Database>, queueName: string, name: string, node: string | undefined): Promise<QueueMemberObject | MemberLookupFailure> {
  const member = await getMember(db, queueName, name, node);
  if (member) return member;
  if (!(await getQueue(db, queueName, node))) return { missing: 'queue', message: `no queue ${queueName}` };
  return { missing: 'member', message: `no member ${name} in queue ${queueName}` };
}

export const isLookupFailure = (value: object): value is MemberLookupFailure => 'missing' in value;

export async function addMember(deps: QueueCommandDeps, actor: Actor, request: AddMemberRequest): Promise<CommandOutcome<{ id: string; command_id: string }>> {
  const name = request.name ?? request.location;
  const id = memberId(name, request.queue_name);
  const node = chooseNode(deps, request.node);
  const box = onNode(deps, node);
  return executeCommand(box, {
    type: 'QueueAdd',
    actor,
    request: { ...request },
    targets: { queue: request.queue_name, member: id, ...nodeTarget(deps, node) },
    act: sendAction(
      box.ami,
      (actionId) =>
        amiActions.queueAdd({
          actionId,
          queue: request.queue_name,
          interface: request.location,
          memberName: request.name,
          penalty: request.penalty,
          paused: request.paused,
          reason: request.paused_reason,
          stateInterface: request.state_interface,
        }),
      (commandId) => ({ id, command_id: commandId }),
    ),
    settled: async () => (await getMember(deps.db, request.queue_name, name, node)) !== undefined,
  });
}

/** What differs between the commands on an existing member: the rest (lookup, audit targets, answer) is `memberCommand`'s. */
interface MemberCommandSpec {
  readonly type: string;
  /** Recorded after the member's queue, name and location. */
  readonly request?: Readonly<Record<string, unknown>>;
  readonly action: (actionId: string, member: QueueMemberObject) => AmiAction;
  /** True once the member's row (undefined: gone) shows the change. */
  readonly settled: (row: QueueMemberObject | undefined) => boolean;
}

/** A command on a member jade knows, addressed by queue and member name; a lookup failure when it knows no such member. */
async function memberCommand(
  deps: QueueCommandDeps,
  actor: Actor,
  queueName: string,
  name: string,
  spec: MemberCommandSpec,
): Promise<CommandOutcome<{ id: string }> | MemberLookupFailure> {
  const member = await findMember(deps.db, queueName, name, deps.node);
  if (isLookupFailure(member)) return member;
  // Over the link of the box the member's queue is on.
  const box = onNode(deps, member.node);
  return executeCommand(box, {
    type: spec.type,
    actor,
    request: { queue_name: queueName, name, location: member.location, ...spec.request },
    targets: { queue: queueName, member: member.id, ...nodeTarget(deps, member.node) },
    act: sendAction(box.ami, (actionId) => spec.action(actionId, member), () => ({ id: member.id })),
    settled: async () => spec.settled(await getMember(deps.db, queueName, name, member.node)),
  });
}

/** Removes a dynamic member; a lookup failure when jade knows no such member. */
export function removeMember(deps: QueueCommandDeps, actor: Actor, queueName: string, name: string): Promise<CommandOutcome<{ id: string }> | MemberLookupFailure> {
  return memberCommand(deps, actor, queueName, name, {
    type: 'QueueRemove',
    action: (actionId, member) => amiActions.queueRemove({ actionId, queue: queueName, interface: member.location }),
    settled: (row) => row === undefined,
  });
}

export interface PauseRequest {
  readonly paused: boolean;
  readonly paused_reason?: string;
}

/** Pauses (with an optional reason) or unpauses a member in one queue. */
export function pauseMember(
  deps: QueueCommandDeps,
  actor: Actor,
  queueName: string,
  name: string,
  request: PauseRequest,
): Promise<CommandOutcome<{ id: string }> | MemberLookupFailure> {
  // Asterisk clears the reason on unpause; on pause it stores what was given (nothing = empty).
  const expectedReason = request.paused ? (request.paused_reason ?? '') : undefined;
  return memberCommand(deps, actor, queueName, name, {
    type: 'QueuePause',
    request: { ...request },
    action: (actionId, member) =>
      amiActions.queuePause({ actionId, queue: queueName, interface: member.location, paused: request.paused, reason: request.paused_reason }),
    settled: (row) => row !== undefined && row.paused === (request.paused ? 1 : 0) && (expectedReason === undefined || row.paused_reason === expectedReason),
  });
}

export function setMemberPenalty(
  deps: QueueCommandDeps,
  actor: Actor,
  queueName: string,
  name: string,
  penalty: number,
): Promise<CommandOutcome<{ id: string }> | MemberLookupFailure> {
  return memberCommand(deps, actor, queueName, name, {
    type: 'QueuePenalty',
    request: { penalty },
    action: (actionId, member) => amiActions.queuePenalty({ actionId, queue: queueName, interface: member.location, penalty }),
    settled: (row) => row?.penalty === penalty,
  });
}
