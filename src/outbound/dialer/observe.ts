import type { DialingProgress } from '../../events/outbound.js';
import { dialingStatus, type StoredEvent } from '../resources/index.js';
import { resDialDetail, resHangupText } from './codes.js';

/**
 * What Asterisk (and the Originate's audited command) said about one dialing, folded from the log:
 * the events of its call (`call-<dialing uuid>`: the originated channel starts the call, so its preset
 * Uniqueid is the Linkedid of every leg) and of its command (`command-<action id>`). Pure, so a restart
 * folds the same streams into the same observation.
 *
 * Recorded Asterisk 22 behaviour this follows (test/unit/outbound/dialer-traffic.ts):
 * - answered: `OriginateResponse` Success Reason 4 at answer; the `;1` Hangup (cause 16) at the end;
 * - busy / congestion through `Local/`: the `;1` side hangs up with cause 0, then OriginateResponse Failure
 *   (Reason 5 / 8), then the `;2` side with the real cause (17 / 34) — hence ARCHITECTURE.md's `;2` rule;
 * - no answer: `;2` Hangup 19, OriginateResponse Failure Reason 3, `;1` Hangup 19;
 * - a channel that cannot be created: only OriginateResponse Failure Reason 0 (Uniqueid = the ChannelId).
 */

export interface HangupSeen {
  readonly cause: number;
  /** Asterisk's `Cause-txt`. */
  readonly text: string | null;
}

/**
 * How far the Originate got on jade's side (its command stream). `in_doubt`: written to Asterisk and never
 * answered (`OriginateUnknown`, or an older log's timed-out `OriginateFailed`): the call may exist.
 */
export type SendState = 'none' | 'requested' | 'queued' | 'failed' | 'rejected' | 'in_doubt';

export interface Observation {
  /** The originated (`;1`) channel's name, once its Newchannel is seen. */
  readonly channel: string | null;
  /** The `;2` side of a `Local/` channel, once seen. */
  readonly otherChannel: string | null;
  /** The latest progress step (dialing status §2.9), 0 before any. */
  readonly step: number;
  readonly sent: SendState;
  readonly originate: { readonly success: boolean; readonly reason: number } | null;
  readonly mainHangup: HangupSeen | null;
  readonly otherHangup: HangupSeen | null;
  /** Log position of the Originate's `Unknown` outcome: only a channel snapshot after it can say the call never existed. */
  readonly doubtPosition: number | null;
  /** Highest log position folded in. */
  readonly position: number;
}

export interface DialingIds {
  readonly uuid: string;
  readonly actionId: string;
  /** The preset Uniqueid of a `Local/` channel's `;2` side. */
  readonly otherId?: string;
}

export const emptyObservation: Observation = {
  channel: null,
  otherChannel: null,
  step: 0,
  sent: 'none',
  originate: null,
  mainHangup: null,
  otherHangup: null,
  doubtPosition: null,
  position: 0,
};

type Fields = Readonly<Record<string, unknown>>;
const text = (data: Fields, name: string): string | undefined => (typeof data[name] === 'string' ? data[name] : undefined);
const int = (data: Fields, name: string): number => {
  const value = Number.parseInt(text(data, name) ?? '', 10);
  return Number.isFinite(value) ? value : 0;
};
const hangupOf = (data: Fields): HangupSeen => ({ cause: int(data, 'Cause'), text: text(data, 'Cause-txt') ?? null });

/** The `;2` name of a `Local/...;1` channel. */
const localTwo = (channel: string | null): string | null => (channel !== null && channel.endsWith(';1') ? `${channel.slice(0, -2)};2` : null);

/** A progress step: the dialed channel's Hangup is final for the step, whatever arrives after it. */
const stepTo = (obs: Observation, step: number): number => (obs.step === dialingStatus.hangup ? obs.step : step);

/** Folds one event into the observation; events about other channels of the call (agents, ...) leave it alone. */
export function observe(obs: Observation, event: StoredEvent & { readonly position?: number }, ids: DialingIds): Observation {
  const next = observeEvent(obs, event, ids);
  const position = event.position ?? 0;
  const doubted = next.sent === 'in_doubt' && obs.sent !== 'in_doubt' ? { ...next, doubtPosition: position } : next;
  return position > doubted.position ? { ...doubted, position } : doubted;
}

function observeEvent(obs: Observation, event: StoredEvent, ids: DialingIds): Observation {
  const data = (event.data ?? {}) as Fields;
  switch (event.type) {
    // The audited Originate command (src/commands/command.ts), whose command id is the dialing's action id.
    case 'OriginateRequested':
      return data.command_id === ids.actionId && obs.sent === 'none' ? { ...obs, sent: 'requested' } : obs;
    case 'OriginateSucceeded':
      if (data.command_id !== ids.actionId) return obs;
      return { ...obs, sent: 'queued', step: obs.step < dialingStatus.originateQueued ? dialingStatus.originateQueued : obs.step };
    case 'OriginateFailed':
      // A timeout (as logs before the `Unknown` outcome recorded it) says nothing: Asterisk may still have queued it.
      if (data.command_id !== ids.actionId) return obs;
      return { ...obs, sent: data.timed_out === true ? 'in_doubt' : 'failed' };
    case 'OriginateUnknown':
      // Sent, no answer (link lost or timeout): the call may exist. Its events, or a later channel snapshot, tell.
      return data.command_id === ids.actionId ? { ...obs, sent: 'in_doubt' } : obs;
    case 'OriginateRejected':
      return data.command_id === ids.actionId ? { ...obs, sent: 'rejected' } : obs;
    // Asterisk's events.
    case 'OriginateResponse': {
      if (text(data, 'ActionID') !== ids.actionId && text(data, 'Uniqueid') !== ids.uuid) return obs;
      const success = text(data, 'Response') === 'Success';
      return {
        ...obs,
        originate: { success, reason: int(data, 'Reason') },
        step: stepTo(obs, success ? dialingStatus.originateResponded : dialingStatus.originateResponseFailed),
      };
    }
    case 'Newchannel': {
      const uniqueId = text(data, 'Uniqueid');
      const channel = text(data, 'Channel') ?? null;
      if (uniqueId === ids.uuid) return { ...obs, channel, step: stepTo(obs, dialingStatus.channelCreated) };
      if (isOther(obs, ids, uniqueId, channel)) return { ...obs, otherChannel: channel };
      return obs;
    }
    case 'DialBegin':
      return text(data, 'DestUniqueid') === ids.uuid ? { ...obs, step: stepTo(obs, dialingStatus.dialBegin) } : obs;
    case 'DialEnd':
      return text(data, 'DestUniqueid') === ids.uuid ? { ...obs, step: stepTo(obs, dialingStatus.dialEnd) } : obs;
    case 'Hangup': {
      const uniqueId = text(data, 'Uniqueid');
      if (uniqueId === ids.uuid) return { ...obs, channel: obs.channel ?? text(data, 'Channel') ?? null, mainHangup: hangupOf(data), step: dialingStatus.hangup };
      if (isOther(obs, ids, uniqueId, text(data, 'Channel') ?? null)) return { ...obs, otherHangup: hangupOf(data) };
      return obs;
    }
    default:
      return obs;
  }
}

function isOther(obs: Observation, ids: DialingIds, uniqueId: string | undefined, channel: string | null): boolean {
  if (ids.otherId !== undefined && uniqueId === ids.otherId) return true;
  const two = localTwo(obs.channel);
  return two !== null && channel === two;
}

export const isLocalChannel = (dialChannel: string): boolean => /^local\//i.test(dialChannel);

/**
 * Everything that decides the outcome has arrived: the Originate failed on jade's side; or Asterisk answered
 * the Originate and the dialed channel hung up, and for a `Local/` channel whose `;1` side hung up with
 * cause 0, its `;2` side's Hangup (the real cause) is in too.
 *
 * An OriginateResponse without any channel event is not complete: Asterisk sends OriginateResponse from the
 * originating thread but channel events through stasis, so under load a failed Originate's response is
 * logged before its channel's Newchannel and Hangup (seen on the sandbox with 20 calls at once). The engine
 * waits a grace period for them (`isSettling`) and finalises with what it has.
 */
export function isComplete(obs: Observation, local: boolean): boolean {
  if (obs.sent === 'failed' || obs.sent === 'rejected') return true;
  if (obs.originate === null || obs.mainHangup === null) return false;
  return !local || obs.mainHangup.cause !== 0 || obs.otherHangup !== null || obs.otherChannel === null;
}

/**
 * The Originate may or may not have made a call and nothing Asterisk said since decides it: no answer, no
 * channel, no hangup. Such a dialing holds its entry (no second call) until its events or a channel snapshot
 * taken after the doubt arose settle it; the dialing's timeout does not end it.
 */
export function isInDoubt(obs: Observation): boolean {
  return obs.sent === 'in_doubt' && obs.originate === null && obs.channel === null && obs.mainHangup === null;
}

/** The end has begun (the dialed channel hung up, or the Originate failed) but is not complete: the rest gets a grace period. */
export function isSettling(obs: Observation): boolean {
  return obs.mainHangup !== null || (obs.originate !== null && !obs.originate.success);
}

/** The hangup that is `res_hangup`: the dialed channel's, or for `Local/` with cause 0, its `;2` side's (ARCHITECTURE.md "Outbound"). */
function decisiveHangup(obs: Observation): HangupSeen | null {
  if (obs.mainHangup !== null && obs.mainHangup.cause !== 0) return obs.mainHangup;
  return obs.otherHangup ?? obs.mainHangup;
}

/** The dialing's fields as the observation has them now (while it runs). `current` fills what nothing has reported yet. */
export function progress(obs: Observation, current: DialingProgress): DialingProgress {
  const hangup = decisiveHangup(obs);
  return {
    status: obs.step === 0 ? current.status : obs.step,
    channel: obs.channel ?? current.channel,
    res_dial: obs.originate?.reason ?? current.res_dial,
    res_dial_detail: obs.originate ? resDialDetail(obs.originate.reason) : current.res_dial_detail,
    res_hangup: hangup?.cause ?? current.res_hangup,
    res_hangup_detail: hangup ? hangup.text : current.res_hangup_detail,
  };
}

/**
 * The final fields (catalog §4 step 8). Status: 11 / 12 when the Originate never reached Asterisk or was
 * refused; 7 when the dialed channel's Hangup was seen; 13 when Asterisk failed the Originate without a
 * channel to hang up; else `otherwise` (10, error: a timeout or a channel that vanished unseen).
 * Codes nothing reported read as 0 with the catalog's "not received yet" texts.
 */
export function outcome(obs: Observation, otherwise: number = dialingStatus.error): DialingProgress {
  const hangup = decisiveHangup(obs);
  const resDial = obs.originate?.reason ?? 0;
  const resHangup = hangup?.cause ?? 0;
  let status = otherwise;
  if (obs.sent === 'rejected') status = dialingStatus.originateRequestFailed;
  else if (obs.sent === 'failed') status = dialingStatus.originateQueueFailed;
  else if (obs.mainHangup !== null) status = dialingStatus.hangup;
  else if (obs.originate !== null && !obs.originate.success) status = dialingStatus.originateResponseFailed;
  return {
    status,
    channel: obs.channel,
    res_dial: resDial,
    res_dial_detail: resDialDetail(resDial),
    res_hangup: resHangup,
    res_hangup_detail: hangup?.text ?? resHangupText(resHangup),
  };
}
