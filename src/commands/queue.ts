import type { Kysely } from 'kysely';
import * as amiActions from '../ami/actions.js';
import type { Database } from '../../projections/database.js';
import { getMember, getQueue, memberId, type QueueMemberObject } from '../../projections/queues/index.js';
import { executeCommand, type Actor, type CommandDeps, type CommandOutcome } from './command.js';

/**
 * Runtime queue membership (ARCHITECTURE.md "Queue members"): AMI QueueAdd / QueueRemove / QueuePause /
 * QueuePenalty, each audited through `executeCommand` (events `QueueAddRequested`, `QueueAddSucceeded`, ...).
 * Asterisk addresses a member by queue and interface; the API by queue and member name, so the interface of an
 * existing member comes from the read model. Each answers once the read model shows the change.
 */

export interface QueueCommandDeps extends CommandDeps {
  readonly db: Kysely<Database>;
}

export interface AddMemberRequest {
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

async function findMember(db: Kysely<Database>, queueName: string, name: string): Promise<QueueMemberObject | MemberLookupFailure> {
  const member = await getMember(db, queueName, name);
  if (member) return member;
  if (!(await getQueue(db, queueName))) return { missing: 'queue', message: `no queue ${queueName}` };
  return { missing: 'member', message: `no member ${name} in queue ${queueName}` };
}

export const isLookupFailure = (value: object): value is MemberLookupFailure => 'missing' in value;

export async function addMember(deps: QueueCommandDeps, actor: Actor, request: AddMemberRequest): Promise<CommandOutcome<{ id: string; command_id: string }>> {
  const name = request.name ?? request.location;
  const id = memberId(name, request.queue_name);
  return executeCommand(deps, {
    type: 'QueueAdd',
    actor,
    request: { ...request },
    targets: { queue: request.queue_name, member: id },
    act: async (commandId) => {
      const response = await deps.ami.action(
        amiActions.queueAdd({
          actionId: commandId,
          queue: request.queue_name,
          interface: request.location,
          memberName: request.name,
          penalty: request.penalty,
          paused: request.paused,
          reason: request.paused_reason,
          stateInterface: request.state_interface,
        }),
      );
      return { response, result: { id, command_id: commandId } };
    },
    settled: async () => (await getMember(deps.db, request.queue_name, name)) !== undefined,
  });
}

/** Removes a dynamic member; a lookup failure when jade knows no such member. */
export async function removeMember(
  deps: QueueCommandDeps,
  actor: Actor,
  queueName: string,
  name: string,
): Promise<CommandOutcome<{ id: string }> | MemberLookupFailure> {
  const member = await findMember(deps.db, queueName, name);
  if (isLookupFailure(member)) return member;
  return executeCommand(deps, {
    type: 'QueueRemove',
    actor,
    request: { queue_name: queueName, name, location: member.location },
    targets: { queue: queueName, member: member.id },
    act: async (commandId) => {
      const response = await deps.ami.action(amiActions.queueRemove({ actionId: commandId, queue: queueName, interface: member.location }));
      return { response, result: { id: member.id } };
    },
    settled: async () => (await getMember(deps.db, queueName, name)) === undefined,
  });
}

export interface PauseRequest {
  readonly paused: boolean;
  readonly paused_reason?: string;
}

/** Pauses (with an optional reason) or unpauses a member in one queue. */
export async function pauseMember(
  deps: QueueCommandDeps,
  actor: Actor,
  queueName: string,
  name: string,
  request: PauseRequest,
): Promise<CommandOutcome<{ id: string }> | MemberLookupFailure> {
  const member = await findMember(deps.db, queueName, name);
  if (isLookupFailure(member)) return member;
  // Asterisk clears the reason on unpause; on pause it stores what was given (nothing = empty).
  const expectedReason = request.paused ? (request.paused_reason ?? '') : undefined;
  return executeCommand(deps, {
    type: 'QueuePause',
    actor,
    request: { queue_name: queueName, name, location: member.location, ...request },
    targets: { queue: queueName, member: member.id },
    act: async (commandId) => {
      const response = await deps.ami.action(
        amiActions.queuePause({ actionId: commandId, queue: queueName, interface: member.location, paused: request.paused, reason: request.paused_reason }),
      );
      return { response, result: { id: member.id } };
    },
    settled: async () => {
      const now = await getMember(deps.db, queueName, name);
      return now !== undefined && now.paused === (request.paused ? 1 : 0) && (expectedReason === undefined || now.paused_reason === expectedReason);
    },
  });
}

export async function setMemberPenalty(
  deps: QueueCommandDeps,
  actor: Actor,
  queueName: string,
  name: string,
  penalty: number,
): Promise<CommandOutcome<{ id: string }> | MemberLookupFailure> {
  const member = await findMember(deps.db, queueName, name);
  if (isLookupFailure(member)) return member;
  return executeCommand(deps, {
    type: 'QueuePenalty',
    actor,
    request: { queue_name: queueName, name, location: member.location, penalty },
    targets: { queue: queueName, member: member.id },
    act: async (commandId) => {
      const response = await deps.ami.action(amiActions.queuePenalty({ actionId: commandId, queue: queueName, interface: member.location, penalty }));
      return { response, result: { id: member.id } };
    },
    settled: async () => (await getMember(deps.db, queueName, name))?.penalty === penalty,
  });
}
