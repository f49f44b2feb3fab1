import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../readmodels/database.js';
import { getChannel } from '../../projections/channels.js';
import { getAgi } from '../../projections/agis.js';
import { getModule } from '../../projections/modules.js';
import { AmiActionError, AmiUnsafeValueError, isAmiSafe } from '../ami/port.js';
import { snapshotActions } from '../ami/snapshots.js';
import { nowTimestamp } from '../time.js';
import { executeCommand, type Actor, type CommandDeps, type CommandOutcome } from './command.js';

/** What the modules commands need beyond the gateway: a fresh module list, since Asterisk announces no unload of a list row. */
export interface ModuleSnapshots {
  resnapshot(names: readonly string[]): Promise<unknown>;
}

export interface CoreCommandDeps extends CommandDeps {
  readonly db: Kysely<Database>;
  readonly snapshots: ModuleSnapshots;
}

export interface OriginateRequest {
  readonly channel: string;
  readonly context?: string;
  readonly exten?: string;
  readonly priority?: string;
  readonly application?: string;
  readonly data?: string;
  readonly caller_id?: string;
  /** Milliseconds Asterisk waits for the channel to answer. */
  readonly timeout?: number;
  readonly variables?: Readonly<Record<string, string>>;
  readonly account_code?: string;
}

/** Asterisk splits a `Variable` header on commas, honouring backslash escapes (ast_app_separate_args). */
function encodeVariables(variables: Readonly<Record<string, string>> | undefined): string | undefined {
  if (!variables) return undefined;
  const pairs = Object.entries(variables).map(([name, value]) => `${name}=${value.replace(/[\\,"]/g, (c) => `\\${c}`)}`);
  return pairs.length === 0 ? undefined : pairs.join(',');
}

export async function originate(
  deps: CoreCommandDeps,
  actor: Actor,
  request: OriginateRequest,
): Promise<CommandOutcome<{ unique_id: string; command_id: string }>> {
  const uniqueId = randomUUID();
  return executeCommand(deps, {
    type: 'Originate',
    actor,
    request: { ...request },
    targets: { unique_id: uniqueId },
    act: async (commandId) => {
      const response = await deps.ami.action({
        Action: 'Originate',
        ActionID: commandId,
        Channel: request.channel,
        Context: request.context,
        Exten: request.exten,
        Priority: request.exten === undefined ? undefined : (request.priority ?? '1'),
        Application: request.application,
        Data: request.data,
        CallerID: request.caller_id,
        Timeout: request.timeout ?? 30_000,
        Variable: encodeVariables(request.variables),
        Account: request.account_code,
        // Presetting the Uniqueid lets the answer name the channel before Asterisk creates it.
        ChannelId: uniqueId,
        Async: 'true',
      });
      return { response, result: { unique_id: uniqueId, command_id: commandId } };
    },
    settled: async () => (await getChannel(deps.db, uniqueId, nowTimestamp())) !== undefined,
  });
}

/** Hangs up a channel by unique id; undefined when jade knows no such channel. */
export async function hangupChannel(deps: CoreCommandDeps, actor: Actor, uniqueId: string, type = 'Hangup'): Promise<CommandOutcome<{ unique_id: string }> | undefined> {
  const channel = await getChannel(deps.db, uniqueId, nowTimestamp());
  if (!channel) return undefined;
  return executeCommand(deps, {
    type,
    actor,
    request: { unique_id: uniqueId, channel: channel.channel },
    targets: { unique_id: uniqueId, linked_id: channel.linked_id },
    act: async (commandId) => {
      const response = await deps.ami.action({ Action: 'Hangup', ActionID: commandId, Channel: channel.channel, Cause: 16 });
      return { response, result: { unique_id: uniqueId } };
    },
    settled: async () => (await getChannel(deps.db, uniqueId, nowTimestamp())) === undefined,
  });
}

/** Sends a command to an async-AGI session; the result fills the session's `cmd` when `AsyncAGIExec` arrives. */
export async function sendAgiCommand(
  deps: CoreCommandDeps,
  actor: Actor,
  uniqueId: string,
  command: string,
): Promise<CommandOutcome<{ command_id: string }> | undefined> {
  const agi = await getAgi(deps.db, uniqueId);
  if (!agi) return undefined;
  return executeCommand(deps, {
    type: 'AgiCommand',
    actor,
    request: { unique_id: uniqueId, command },
    targets: { unique_id: uniqueId, linked_id: agi.linked_id },
    act: async (commandId) => {
      const response = await deps.ami.action({ Action: 'AGI', ActionID: commandId, Channel: agi.channel, Command: command, CommandID: commandId });
      return { response, result: { command_id: commandId } };
    },
  });
}

export type ModuleOperation = 'load' | 'reload' | 'unload';

const moduleCommandType: Readonly<Record<ModuleOperation, string>> = { load: 'ModuleLoad', reload: 'ModuleReload', unload: 'ModuleUnload' };

/** A module's refusal to load means "no such module" to an API client; Asterisk's own words go in the message. */
export class ModuleNotFoundError extends Error {
  override readonly name = 'ModuleNotFoundError';
}

export async function changeModule(deps: CoreCommandDeps, actor: Actor, name: string, operation: ModuleOperation): Promise<CommandOutcome<{ name: string }>> {
  const bare = name.replace(/\.so$/, '');
  // The name comes from the URL and is sent to Asterisk: refuse it (400) before it is recorded as a command.
  if (!isAmiSafe(bare)) throw new AmiUnsafeValueError('name');
  if (operation !== 'load' && !(await getModule(deps.db, bare))) throw new ModuleNotFoundError(`module ${bare} is not loaded`);
  const expectLoaded = operation !== 'unload';
  try {
    return await executeCommand(deps, {
      type: moduleCommandType[operation],
      actor,
      request: { name: bare },
      targets: { module: bare },
      act: async (commandId) => {
        const response = await deps.ami.action({ Action: 'ModuleLoad', ActionID: commandId, Module: `${bare}.so`, LoadType: operation });
        // Asterisk announces no list change for most of what a module owns (a reloaded app_queue's queues,
        // a loaded res_parking's lots, CoreStatus's reload time): take every snapshot again.
        await deps.snapshots.resnapshot(snapshotActions.map((spec) => spec.name));
        return { response, result: { name: bare } };
      },
      settled: async () => ((await getModule(deps.db, bare)) !== undefined) === expectLoaded,
    });
  } catch (error) {
    if (operation === 'load' && error instanceof AmiActionError) throw new ModuleNotFoundError(`module ${bare}: ${error.message}`);
    throw error;
  }
}
