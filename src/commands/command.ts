import { randomUUID } from 'node:crypto';
import type { AmiFields } from '../events/index.js';
import { streams } from '../events/index.js';
import type { EventStore } from '../eventstore/port.js';
import type { AmiAction, AmiGateway, AmiNodeGateways } from '../ami/port.js';
import { AmiActionError, AmiNoAnswerError, AmiNotConnectedError, AmiTimeoutError } from '../ami/port.js';
import type { Logger } from '../logger.js';
import { CommandRefusal } from './refusal.js';

/** Who asked: recorded with every command. */
export interface Actor {
  readonly uuid: string;
  readonly username: string;
}

/** Lets a command answer only once the read models show its effect (read-your-writes). */
export interface ReadModelSync {
  waitForPosition(position: number, timeoutMs: number): Promise<void>;
  /** Resolves once `condition()` is true after some projection batch, or rejects on timeout. */
  waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void>;
}

export interface CommandDeps {
  readonly store: EventStore;
  /** The link commands use: the first box's, or (`onNode`) the box the command targets. */
  readonly ami: AmiGateway;
  /** Every box's link by node (README "Several Asterisk boxes"); absent: `ami` is the only one. */
  readonly nodes?: AmiNodeGateways;
  readonly readModels: ReadModelSync;
  readonly logger: Logger;
  readonly settleTimeoutMs: number;
}

export interface CommandSpec<TResult> {
  /** `Originate` → events `OriginateRequested`, then `OriginateSucceeded` / `OriginateFailed` / `OriginateRejected` / `OriginateUnknown`. */
  readonly type: string;
  /** What the caller asked, as recorded in the audit log (never secrets). */
  readonly request: Readonly<Record<string, unknown>>;
  readonly actor: Actor;
  /** Ids of what the command touches (a channel's unique_id, a module name), for the audit and call history. */
  readonly targets?: Readonly<Record<string, string>>;
  readonly commandId?: string;
  /** Acts on Asterisk; `ActionID` must be the command id. Returns Asterisk's response and the API result. */
  readonly act: (commandId: string) => Promise<{ readonly response: AmiFields; readonly result: TResult }>;
  /** True once the read models show the effect; the answer waits for it (bounded). */
  readonly settled?: (result: TResult) => boolean | Promise<boolean>;
}

/**
 * The `act` of a command that is one AMI action: `action` builds it with the command id as its ActionID
 * (how Asterisk's answer and the audit log name the same command); `result` is what the API answers.
 */
export function sendAction<TResult>(
  ami: AmiGateway,
  action: (actionId: string) => AmiAction,
  result: (commandId: string) => TResult,
): CommandSpec<TResult>['act'] {
  return async (commandId) => ({ response: await ami.action(action(commandId)), result: result(commandId) });
}

export interface CommandOutcome<TResult> {
  readonly commandId: string;
  readonly result: TResult;
}

/**
 * The command reached Asterisk and no answer came (link lost after the write, or a timeout): its outcome is
 * `Unknown`, recorded as `<Type>Unknown`. Asterisk may have acted, so the caller must look before retrying.
 */
export class CommandOutcomeUnknownError extends Error {
  override readonly name = 'CommandOutcomeUnknownError';
  constructor(readonly commandId: string, readonly type: string, readonly noAnswer: AmiNoAnswerError) {
    super(`outcome Unknown: ${type} was sent to Asterisk and no answer came (${noAnswer.message}); it may have taken effect, see /v1/commands/${commandId} before retrying`);
  }
}

/** How a failed `act` ends: never sent, sent and refused/failed, or sent with no answer. */
function failureOutcome(error: unknown): 'Rejected' | 'Failed' | 'Unknown' {
  if (error instanceof AmiNoAnswerError) return 'Unknown';
  if (error instanceof AmiNotConnectedError) return 'Rejected';
  return 'Failed';
}

/**
 * The one path every command takes: record the request, act on Asterisk, record the outcome,
 * then wait for the read models. The request is in the log before Asterisk hears of it, and
 * the outcome is in the log before the caller hears of it.
 */
export async function executeCommand<TResult>(deps: CommandDeps, spec: CommandSpec<TResult>): Promise<CommandOutcome<TResult>> {
  const commandId = spec.commandId ?? randomUUID();
  const stream = streams.command(commandId);
  const metadata = { commandId, userId: spec.actor.uuid, correlationId: commandId };
  const record = (suffix: string, data: Record<string, unknown>, expected: 'no_stream' | number) =>
    deps.store.append(stream, [{ type: `${spec.type}${suffix}`, data: { command_id: commandId, ...data }, metadata }], expected);

  await record('Requested', {
    command_type: spec.type,
    request: spec.request,
    targets: spec.targets ?? {},
    user_uuid: spec.actor.uuid,
    username: spec.actor.username,
  }, 'no_stream');

  // Read-your-writes for a failure too: a caller told "rejected" may list its commands at once, and on a
  // networked store (PostgreSQL) the read models trail the log by a few round trips. Best effort: the answer stands.
  const recordFailure = async (outcome: Parameters<typeof record>[0], data: Parameters<typeof record>[1]): Promise<void> => {
    const appended = await record(outcome, data, 0);
    await deps.readModels.waitForPosition(appended.lastPosition, deps.settleTimeoutMs).catch(() => undefined);
  };

  if (!deps.ami.state().connected) {
    const error = new AmiNotConnectedError();
    await recordFailure('Rejected', { error: error.name, reason: error.message });
    throw error;
  }

  let acted: { readonly response: AmiFields; readonly result: TResult };
  try {
    acted = await spec.act(commandId);
  } catch (error) {
    const response = error instanceof AmiActionError ? error.response : undefined;
    const outcome = failureOutcome(error);
    await recordFailure(outcome, {
      error: error instanceof Error ? error.name : 'Error',
      reason: error instanceof Error ? error.message : String(error),
      timed_out: error instanceof AmiTimeoutError,
      ...(response ? { response } : {}),
    });
    if (error instanceof AmiNoAnswerError) throw new CommandOutcomeUnknownError(commandId, spec.type, error);
    throw error;
  }

  const appended = await record('Succeeded', { response: acted.response, result: acted.result as unknown }, 0);
  const settled = spec.settled;
  try {
    await deps.readModels.waitForPosition(appended.lastPosition, deps.settleTimeoutMs);
    if (settled) await deps.readModels.waitUntil(() => settled(acted.result), deps.settleTimeoutMs);
  } catch (error) {
    // Asterisk accepted the command and its success is in the log: slow (or stopped) read models are not the
    // caller's failure, and an error answer would invite a retry that acts twice (a second Originate). Answer, and say so in the log.
    deps.logger.warn({ commandId, err: error }, 'read models did not show the command effect in time');
  }
  return { commandId, result: acted.result };
}

/**
 * Several Asterisk boxes (README "Several Asterisk boxes"): the box a command acts on. A command that targets a
 * channel (or a queue, a lot, a module of one box) goes over the link of the node its read-model row names.
 */
export function onNode(deps: CommandDeps, node: string | null | undefined): CommandDeps {
  if (node === undefined || node === null || deps.nodes === undefined) return deps;
  const gateway = deps.nodes.gateway(node);
  // A row of a box no longer configured: jade has no link to it, as when a link is down.
  if (gateway === undefined) throw new AmiNotConnectedError(`Asterisk box ${node} is not configured (ami.nodes)`);
  return gateway === deps.ami ? deps : { ...deps, ami: gateway };
}

/**
 * The node a command that names none of its own objects (an originate, a module load) goes to: `asked` when it
 * is configured; without it the only box, and a 400 when there are several (the caller must choose).
 */
export function chooseNode(deps: Pick<CommandDeps, 'nodes'>, asked: string | undefined): string | undefined {
  return chooseNodeName(deps.nodes?.names ?? [], asked);
}

/** `chooseNode` over the configured names alone (a decider that records the box, as a campaign does, has no links). */
export function chooseNodeName(names: readonly string[], asked: string | undefined): string | undefined {
  if (asked !== undefined) {
    if (names.length > 0 && !names.includes(asked)) throw new CommandRefusal('invalid', `node: no Asterisk box ${asked} (configured: ${names.join(', ')})`, 'node');
    return asked;
  }
  if (names.length > 1) throw new CommandRefusal('invalid', `node is required: several Asterisk boxes are configured (${names.join(', ')})`, 'node');
  return names[0];
}

/** `{node}` for a command's audit targets when several boxes are configured (one box: the targets stay as they were). */
export function nodeTarget(deps: Pick<CommandDeps, 'nodes'>, node: string | undefined): { node?: string } {
  return node !== undefined && (deps.nodes?.names.length ?? 0) > 1 ? { node } : {};
}
