import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { getChannel } from '../../projections/channels.js';
import { getAgi } from '../../projections/agis.js';
import { getModule } from '../../projections/modules.js';
import * as amiActions from '../ami/actions.js';
import { AmiActionError, AmiUnsafeValueError, isAmiSafe } from '../ami/port.js';
import { snapshotActions } from '../ami/snapshots.js';
import { nowTimestamp } from '../events/time.js';
import { chooseNode, executeCommand, nodeTarget, onNode, sendAction, type Actor, type CommandDeps, type CommandOutcome } from './command.js';
import { hangupAndConfirm } from './hangup.js';

/** What the modules commands need beyond the gateway: a fresh module list, since Asterisk announces no unload of a list row. */
export interface ModuleSnapshots {
  /** On the box `node` (every box when absent). */
  resnapshot(names: readonly string[], node?: string): Promise<unknown>;
}

export interface CoreCommandDeps extends CommandDeps {
  readonly db: Kysely<Database>;
  readonly snapshots: ModuleSnapshots;
}

/** The API's body (ARCHITECTURE.md "Originate"): where it names the call as Asterisk does, the builder's fields. */
export interface OriginateRequest extends Pick<amiActions.OriginateInput, 'channel' | 'context' | 'exten' | 'priority' | 'application' | 'data' | 'variables'> {
  readonly caller_id?: string;
  /** Milliseconds Asterisk waits for the channel to answer. */
  readonly timeout?: number;
  readonly account_code?: string;
  /** The Asterisk box to call from (README "Several Asterisk boxes"); optional with one box. */
  readonly node?: string;
}

export async function originate(
  deps: CoreCommandDeps,
  actor: Actor,
  request: OriginateRequest,
): Promise<CommandOutcome<{ unique_id: string; command_id: string }>> {
  const uniqueId = randomUUID();
  const node = chooseNode(deps, request.node);
  const box = onNode(deps, node);
  return executeCommand(box, {
    type: 'Originate',
    actor,
    request: { ...request },
    targets: { unique_id: uniqueId, ...nodeTarget(deps, node) },
    act: sendAction(
      box.ami,
      (actionId) =>
        amiActions.originate({
          actionId,
          channel: request.channel,
          context: request.context,
          exten: request.exten,
          // A priority means nothing without an extension (the API takes exten or application).
          priority: request.exten === undefined ? undefined : request.priority,
          application: request.application,
          data: request.data,
          callerId: request.caller_id,
          timeoutMs: request.timeout ?? 30_000,
          variables: request.variables,
          account: request.account_code,
          // Presetting the Uniqueid lets the answer name the channel before Asterisk creates it.
          channelId: uniqueId,
        }),
      (commandId) => ({ unique_id: uniqueId, command_id: commandId }),
    ),
    settled: async () => originateShown(await getChannel(deps.db, uniqueId, nowTimestamp(), node), request),
  });
}

/**
 * The originated channel as a caller reading it at once expects it: there, and with the caller id asked for.
 * Asterisk announces the channel (Newchannel, caller id `<unknown>`) and then sets the caller id (NewCallerid),
 * so "the channel exists" alone would answer between the two.
 */
function originateShown(channel: { readonly caller_id_num: string | null; readonly caller_id_name: string | null } | undefined, request: OriginateRequest): boolean {
  if (!channel) return false;
  if (request.caller_id === undefined || request.caller_id.trim() === '') return true;
  const unset = (value: string | null): boolean => value === null || value === '' || value === '<unknown>';
  return !unset(channel.caller_id_num) || !unset(channel.caller_id_name);
}

/** Hangs up a channel by unique id, answering once Asterisk's Hangup event confirms it; undefined when jade knows no such channel. */
export async function hangupChannel(deps: CoreCommandDeps, actor: Actor, uniqueId: string, type = 'Hangup', node?: string): Promise<CommandOutcome<{ unique_id: string }> | undefined> {
  const channel = await getChannel(deps.db, uniqueId, nowTimestamp(), node);
  if (!channel) return undefined;
  // Over the link of the box the channel is on.
  return hangupAndConfirm(onNode(deps, channel.node), {
    type,
    actor,
    request: { unique_id: uniqueId, channel: channel.channel },
    targets: { unique_id: uniqueId, linked_id: channel.linked_id, ...nodeTarget(deps, channel.node) },
    uniqueId,
    channel: channel.channel,
  });
}

/** Sends a command to an async-AGI session; the result fills the session's `cmd` when `AsyncAGIExec` arrives. */
export async function sendAgiCommand(
  deps: CoreCommandDeps,
  actor: Actor,
  uniqueId: string,
  command: string,
  node?: string,
): Promise<CommandOutcome<{ command_id: string }> | undefined> {
  const agi = await getAgi(deps.db, uniqueId, node);
  // An ended session is kept for reading only (projections/agis.ts): there is nothing to send a command to.
  if (!agi || agi.status === 'ended') return undefined;
  const box = onNode(deps, agi.node);
  return executeCommand(box, {
    type: 'AgiCommand',
    actor,
    request: { unique_id: uniqueId, command },
    targets: { unique_id: uniqueId, linked_id: agi.linked_id, ...nodeTarget(deps, agi.node) },
    act: sendAction(
      box.ami,
      (commandId) => amiActions.agi({ actionId: commandId, channel: agi.channel, command, commandId }),
      (commandId) => ({ command_id: commandId }),
    ),
  });
}

export type ModuleOperation = amiActions.ModuleOperation;

const moduleCommandType: Readonly<Record<ModuleOperation, string>> = { load: 'ModuleLoad', reload: 'ModuleReload', unload: 'ModuleUnload' };

/** A module's refusal to load means "no such module" to an API client; Asterisk's own words go in the message. */
export class ModuleNotFoundError extends Error {
  override readonly name = 'ModuleNotFoundError';
}

const MODULE_NAME_MAX = 80;
const moduleNamePattern = new RegExp(`^[A-Za-z0-9_-]{1,${MODULE_NAME_MAX}}(?:\\.so)?$`);

/** A module name that is not one: 400, before anything is recorded or sent. */
export class InvalidModuleNameError extends Error {
  override readonly name = 'InvalidModuleNameError';
  constructor() {
    super(`name must be 1-${MODULE_NAME_MAX} letters, digits, _ or -, optionally ending in .so`);
  }
}

/**
 * The bare module name (without `.so`), or InvalidModuleNameError. Asterisk `dlopen()`s `<modules dir>/<name>.so`:
 * a slash, a dot or anything beyond these letters could load a file from elsewhere (`../../tmp/evil`).
 */
export function moduleNameOf(name: string): string {
  // CR/LF/NUL keep their own error, as for every value bound for AMI; both are 400 naming the field.
  if (!isAmiSafe(name)) throw new AmiUnsafeValueError('name');
  if (!moduleNamePattern.test(name)) throw new InvalidModuleNameError();
  return name.replace(/\.so$/, '');
}

const isRunning = (row: { readonly load: string } | undefined): boolean => row?.load === 'Running';

/** `node`: the box (`?node=`), required when several are configured. */
export async function changeModule(deps: CoreCommandDeps, actor: Actor, name: string, operation: ModuleOperation, asked?: string): Promise<CommandOutcome<{ name: string }>> {
  // The name comes from the URL and is sent to Asterisk: refuse it (400) before it is recorded as a command.
  const bare = moduleNameOf(name);
  const node = chooseNode(deps, asked);
  // A module jade saw and that was unloaded stays listed as Not Running: there is nothing to reload or unload.
  if (operation !== 'load' && !isRunning(await getModule(deps.db, bare, node))) throw new ModuleNotFoundError(`module ${bare} is not loaded`);
  const expectLoaded = operation !== 'unload';
  const box = onNode(deps, node);
  try {
    return await executeCommand(box, {
      type: moduleCommandType[operation],
      actor,
      request: { name: bare, ...nodeTarget(deps, node) },
      targets: { module: bare, ...nodeTarget(deps, node) },
      act: async (commandId) => {
        const response = await box.ami.action(amiActions.moduleLoad({ actionId: commandId, module: bare, operation }));
        // Asterisk announces no list change for most of what a module owns (a reloaded app_queue's queues,
        // a loaded res_parking's lots, CoreStatus's reload time): take every snapshot of that box again.
        await deps.snapshots.resnapshot(snapshotActions.map((spec) => spec.name), node);
        return { response, result: { name: bare } };
      },
      // Unloaded: the row says Not Running (it stays, so a client can load it again); loaded: Running.
      settled: async () => isRunning(await getModule(deps.db, bare, node)) === expectLoaded,
    });
  } catch (error) {
    if (operation === 'load' && error instanceof AmiActionError) throw new ModuleNotFoundError(`module ${bare}: ${error.message}`);
    throw error;
  }
}
