import { actionOf, trueFalse, type ActionIdentity } from './action-fields.js';
import type { AmiAction } from './port.js';

/**
 * Every AMI action jade sends, built from named fields in jade's terms: the only place outside the link that
 * knows Asterisk's header names (ARCHITECTURE.md "AMI spoken only in src/ami/"). Each returns the `AmiAction`
 * the gateway sends; absent optional fields are left out. Values are checked for CR/LF/NUL when encoded
 * (action-encoder.ts), not here. The configuration actions are in config-actions.ts.
 */

export type { ActionIdentity } from './action-fields.js';

export type ChannelVariables = Readonly<Record<string, string>>;

/**
 * The `Variable` header of an Originate: `name=value` pairs joined by commas, undefined when there are none.
 * Asterisk splits the header on commas honouring backslash escapes (ast_app_separate_args), so a value's
 * backslashes, commas and double quotes are escaped; the first `=` ends the name, so one in a value needs none.
 */
export function encodeVariables(variables: ChannelVariables | undefined): string | undefined {
  if (!variables) return undefined;
  const pairs = Object.entries(variables).map(([name, value]) => `${name}=${value.replace(/[\\,"]/g, (c) => `\\${c}`)}`);
  return pairs.length === 0 ? undefined : pairs.join(',');
}

export interface OriginateInput extends ActionIdentity {
  /** What Asterisk dials, e.g. `PJSIP/300` or `Local/300@customers`. */
  readonly channel: string;
  /** Where the answered channel goes: a dialplan location ... */
  readonly context?: string;
  readonly exten?: string;
  /** `1` when absent and `exten` is given. */
  readonly priority?: string;
  /** ... or an application with its data. */
  readonly application?: string;
  readonly data?: string;
  /** Milliseconds Asterisk waits for the channel to answer. */
  readonly timeoutMs?: number;
  /** `"Name" <number>`. */
  readonly callerId?: string;
  readonly codecs?: string;
  readonly earlyMedia?: string;
  readonly variables?: ChannelVariables;
  readonly account?: string;
  /** The new channel's Uniqueid, preset so jade names the call before Asterisk creates it. */
  readonly channelId?: string;
  /** The Uniqueid of a `Local/` channel's `;2` side. */
  readonly otherChannelId?: string;
}

/** Always asynchronous: the outcome comes as an `OriginateResponse` event carrying the ActionID, not as the response. */
export function originate(input: OriginateInput): AmiAction {
  return actionOf('Originate', input.actionId, {
    Channel: input.channel,
    Context: input.context,
    Exten: input.exten,
    Priority: input.priority ?? (input.exten === undefined ? undefined : '1'),
    Application: input.application,
    Data: input.data,
    Timeout: input.timeoutMs,
    CallerID: input.callerId,
    Codecs: input.codecs,
    EarlyMedia: input.earlyMedia,
    Variable: encodeVariables(input.variables),
    Account: input.account,
    ChannelId: input.channelId,
    OtherChannelId: input.otherChannelId,
    Async: 'true',
  });
}

/** AST_CAUSE_NORMAL_CLEARING: a hangup jade asks for is an ordinary end of call, not a failure. */
export const normalClearing = 16;

export interface HangupInput extends ActionIdentity {
  /** The channel's name, or its Uniqueid (Asterisk looks channels up by either). */
  readonly channel: string;
  /** Q.850 cause; normal clearing when absent. */
  readonly cause?: number;
}

export function hangup(input: HangupInput): AmiAction {
  return actionOf('Hangup', input.actionId, { Channel: input.channel, Cause: input.cause ?? normalClearing });
}

export interface ParkInput extends ActionIdentity {
  readonly channel: string;
  /** Asterisk's default lot when absent. */
  readonly parkinglot?: string;
  /** Milliseconds the call may stay parked (res_parking converts to seconds), overriding the lot's `parkingtime`. */
  readonly timeoutMs?: number;
}

export function park(input: ParkInput): AmiAction {
  return actionOf('Park', input.actionId, { Channel: input.channel, Parkinglot: input.parkinglot, Timeout: input.timeoutMs });
}

export interface AgiInput extends ActionIdentity {
  /** The channel of the async-AGI session. */
  readonly channel: string;
  /** The AGI command line, e.g. `EXEC Playback demo-congrats`. */
  readonly command: string;
  /** Echoed in the `AsyncAGIExec` event that carries the result. */
  readonly commandId?: string;
}

export function agi(input: AgiInput): AmiAction {
  return actionOf('AGI', input.actionId, { Channel: input.channel, Command: input.command, CommandID: input.commandId });
}

/** A queue member as Asterisk addresses it: by queue and interface. */
export interface QueueMemberTarget extends ActionIdentity {
  readonly queue: string;
  /** The interface Asterisk dials, e.g. `Local/agent-03@agents`. */
  readonly interface: string;
}

export interface QueueAddInput extends QueueMemberTarget {
  /** Asterisk uses the interface when absent. */
  readonly memberName?: string;
  readonly penalty?: number;
  readonly paused?: boolean;
  readonly reason?: string;
  readonly stateInterface?: string;
}

export function queueAdd(input: QueueAddInput): AmiAction {
  return actionOf('QueueAdd', input.actionId, {
    Queue: input.queue,
    Interface: input.interface,
    MemberName: input.memberName,
    Penalty: input.penalty,
    Paused: trueFalse(input.paused),
    Reason: input.reason,
    StateInterface: input.stateInterface,
  });
}

export function queueRemove(input: QueueMemberTarget): AmiAction {
  return actionOf('QueueRemove', input.actionId, { Queue: input.queue, Interface: input.interface });
}

export interface QueuePauseInput extends QueueMemberTarget {
  readonly paused: boolean;
  /** Stored on pause; Asterisk clears it on unpause. */
  readonly reason?: string;
}

export function queuePause(input: QueuePauseInput): AmiAction {
  return actionOf('QueuePause', input.actionId, { Queue: input.queue, Interface: input.interface, Paused: trueFalse(input.paused), Reason: input.reason });
}

export interface QueuePenaltyInput extends QueueMemberTarget {
  readonly penalty: number;
}

export function queuePenalty(input: QueuePenaltyInput): AmiAction {
  return actionOf('QueuePenalty', input.actionId, { Queue: input.queue, Interface: input.interface, Penalty: input.penalty });
}

export type ModuleOperation = 'load' | 'reload' | 'unload';

export interface ModuleLoadInput extends ActionIdentity {
  /** The module's name, with or without `.so` (`app_queue`, `app_queue.so`). */
  readonly module: string;
  readonly operation: ModuleOperation;
}

/** One action for all three: Asterisk's `ModuleLoad` takes the operation as `LoadType`. */
export function moduleLoad(input: ModuleLoadInput): AmiAction {
  const file = input.module.endsWith('.so') ? input.module : `${input.module}.so`;
  return actionOf('ModuleLoad', input.actionId, { Module: file, LoadType: input.operation });
}

export interface CommandInput extends ActionIdentity {
  /** A CLI command line, e.g. `module show`. */
  readonly command: string;
}

export function command(input: CommandInput): AmiAction {
  return actionOf('Command', input.actionId, { Command: input.command });
}

export function pjsipShowEndpoint(input: ActionIdentity & { readonly endpoint: string }): AmiAction {
  return actionOf('PJSIPShowEndpoint', input.actionId, { Endpoint: input.endpoint });
}

/** An action that takes nothing but its name: the state queries of a resync (`CoreShowChannels`, `CoreStatus`, ...). */
export function query(name: string, input: ActionIdentity = {}): AmiAction {
  return actionOf(name, input.actionId);
}

/** The session's own actions (connection.ts). */
export const login = (input: { readonly username: string; readonly secret: string }): AmiAction =>
  actionOf('Login', undefined, { Username: input.username, Secret: input.secret });
export const logoff = (): AmiAction => actionOf('Logoff', undefined);
export const ping = (): AmiAction => actionOf('Ping', undefined);
