import { randomUUID } from 'node:crypto';
import type { AmiFields } from '../events/index.js';
import { streams } from '../events/index.js';
import type { EventStore } from '../eventstore/port.js';
import type { AmiAction, AmiGateway } from '../ami/port.js';
import { AmiActionError, AmiNoAnswerError, AmiNotConnectedError, AmiTimeoutError } from '../ami/port.js';
import type { Logger } from '../logger.js';

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
  readonly ami: AmiGateway;
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
