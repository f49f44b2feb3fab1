import type { RecordedEvent } from '../events/index.js';
import {
  dialplanRunEventTypes as types,
  type DialplanEndReason,
  type DialplanRunEndedData,
  type DialplanRunStartedData,
  type DialplanStepCompletedData,
  type DialplanStepOutcomeUnknownData,
  type DialplanStepSentData,
  type RunStep,
} from './events.js';
import type { DpmaScript } from './script.js';

/**
 * The decisions of a dialplan run, as pure functions: the run's state is a fold of its events on the call's
 * stream (its own and Asterisk's), and `decide` says what to record next. The runner (runner.ts) records it,
 * folds it back in and asks again, so a restart that folds the same stream reaches the same decisions.
 */

/** The AGI `jade_dialplan` marker in `agi_arg_1`; `agi_arg_2` is the dpma uuid. */
export const dialplanAgiMarker = 'jade_dialplan';

export interface PendingStep {
  readonly step: number;
  readonly commandId: string;
  /** `AsyncAGIExec`'s Result (URI-decoded) once it arrived. */
  readonly result: string | null;
}

export interface RunState {
  readonly uniqueId: string;
  readonly linkedId: string;
  readonly channel: string;
  readonly dpmaUuid: string;
  readonly version: number;
  readonly onError: 'hangup' | 'continue';
  readonly steps: readonly RunStep[];
  /** Steps completed (the next to send is `steps[completed]`). */
  readonly completed: number;
  readonly pending: PendingStep | null;
  /** Steps recorded with an unknown outcome, kept so a late `AsyncAGIExec` is still recorded against its own step. */
  readonly unknown: readonly PendingStep[];
  /** The completion of a step Asterisk refused: the run ends with it. */
  readonly failed: DialplanStepCompletedData | null;
  /** Asterisk ended the AGI session or hung the channel up. */
  readonly gone: boolean;
  readonly ended: boolean;
  /** Last log position folded in. */
  readonly position: number;
}

export type Decision =
  | { readonly kind: 'none' }
  | { readonly kind: 'wait' }
  | { readonly kind: 'send'; readonly data: Omit<DialplanStepSentData, 'command_id'> }
  | { readonly kind: 'complete'; readonly data: DialplanStepCompletedData }
  | { readonly kind: 'unknown'; readonly data: DialplanStepOutcomeUnknownData }
  | { readonly kind: 'end'; readonly data: DialplanRunEndedData };

const text = (data: Readonly<Record<string, unknown>>, key: string): string | undefined => {
  const value = data[key];
  return typeof value === 'string' ? value : undefined;
};

function uriDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `AsyncAGIStart.Env` (URL-encoded `key: value` lines) -> the dpma uuid when the session is a jade dialplan. */
export function dialplanOfStart(data: Readonly<Record<string, unknown>>): string | undefined {
  const env = uriDecode(text(data, 'Env') ?? '');
  const values: Record<string, string> = {};
  for (const line of env.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) values[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  if (values.agi_arg_1 !== dialplanAgiMarker) return undefined;
  return values.agi_arg_2 ?? '';
}

/** The steps a run starts with: the script's steps with a command, in `sequence` order. */
export function scriptSteps(script: DpmaScript): RunStep[] {
  return script.steps
    .filter((step): step is RunStep => typeof step.command === 'string' && step.command.trim() !== '')
    .map((step) => ({ uuid: step.uuid, sequence: step.sequence, command: step.command }))
    .sort((a, b) => a.sequence - b.sequence || a.uuid.localeCompare(b.uuid));
}

/** What a session entering `jade_dialplan` records first: the start, or the end when there is nothing to run. */
export function decideStart(
  session: { readonly uniqueId: string; readonly linkedId: string; readonly channel: string; readonly dpmaUuid: string },
  script: DpmaScript | undefined,
): { readonly kind: 'start'; readonly data: DialplanRunStartedData } | { readonly kind: 'end'; readonly data: DialplanRunEndedData } {
  const base = { unique_id: session.uniqueId, dpma_uuid: session.dpmaUuid };
  if (!script) return { kind: 'end', data: { ...base, reason: 'unknown_dpma', hangup: true } };
  const onError = script.dpma.on_error === 'continue' ? 'continue' : 'hangup';
  const steps = scriptSteps(script);
  if (steps.length === 0) return { kind: 'end', data: { ...base, reason: 'no_steps', hangup: onError === 'hangup' } };
  return {
    kind: 'start',
    data: { ...base, linked_id: session.linkedId, channel: session.channel, version: script.version, on_error: onError, steps },
  };
}

/** AGI result text (`200 result=1 (en)\n`, `510 Invalid or unknown command\n`) -> code, result, data. */
export function parseAgiResult(raw: string): { code: number | null; result: string | null; data: string | null } {
  const trimmed = raw.replace(/\s+$/, '');
  const match = /^(\d{3})[ -]?([\s\S]*)$/.exec(trimmed);
  if (!match) return { code: null, result: null, data: trimmed === '' ? null : trimmed };
  const code = Number(match[1]);
  const rest = (match[2] ?? '').trim();
  const result = /^result=(\S*)\s*([\s\S]*)$/.exec(rest);
  if (result) return { code, result: result[1] ?? '', data: result[2] === '' || result[2] === undefined ? null : result[2] };
  return { code, result: null, data: rest === '' ? null : rest };
}

/** A result Asterisk gives for a command it did not run: 510 (unknown), 511 (dead channel), 520 (usage). */
const refused = (code: number | null): boolean => code === null || code !== 200;

/** A run from its start event. */
export function startedRun(data: DialplanRunStartedData, position: number): RunState {
  return {
    uniqueId: data.unique_id,
    linkedId: data.linked_id,
    channel: data.channel,
    dpmaUuid: data.dpma_uuid,
    version: data.version,
    onError: data.on_error === 'continue' ? 'continue' : 'hangup',
    steps: data.steps,
    completed: 0,
    pending: null,
    unknown: [],
    failed: null,
    gone: false,
    ended: false,
    position,
  };
}

/** Whether an event on the call's stream concerns this run's AGI session. */
export function concerns(run: RunState, event: RecordedEvent): boolean {
  const data = event.data;
  return text(data, 'unique_id') === run.uniqueId || text(data, 'Uniqueid') === run.uniqueId;
}

/**
 * Folds one event into a run. A new `DialplanRunStarted` for the same session starts over (the channel ran
 * the AGI again). Each event is to be folded once (the runner skips what it folded already).
 */
export function evolveRun(run: RunState | undefined, event: RecordedEvent): RunState | undefined {
  const data = event.data;
  if (event.type === types.started) return startedRun(data as unknown as DialplanRunStartedData, event.position);
  if (!run || !concerns(run, event)) return run;
  const at = { ...run, position: event.position };
  switch (event.type) {
    case types.stepSent: {
      const sent = data as unknown as DialplanStepSentData;
      return { ...at, pending: { step: sent.step, commandId: sent.command_id, result: null } };
    }
    case 'AsyncAGIExec': {
      const id = text(data, 'CommandId') ?? text(data, 'CommandID');
      const result = uriDecode(text(data, 'Result') ?? '');
      if (run.pending && id === run.pending.commandId) return { ...at, pending: { ...run.pending, result } };
      if (!run.unknown.some((step) => step.commandId === id)) return run;
      return { ...at, unknown: run.unknown.map((step) => (step.commandId === id ? { ...step, result } : step)) };
    }
    case types.stepCompleted: {
      const done = data as unknown as DialplanStepCompletedData;
      const unknown = run.unknown.filter((step) => step.commandId !== done.command_id);
      const pending = run.pending?.commandId === done.command_id ? null : run.pending;
      return { ...at, pending, unknown, completed: Math.max(run.completed, done.step + 1), failed: refused(done.result_code) ? done : run.failed };
    }
    case types.stepOutcomeUnknown: {
      const lost = data as unknown as DialplanStepOutcomeUnknownData;
      const step = run.pending?.commandId === lost.command_id ? run.pending : { step: lost.step, commandId: lost.command_id, result: null };
      const pending = run.pending?.commandId === lost.command_id ? null : run.pending;
      return { ...at, pending, unknown: [...run.unknown, step], completed: Math.max(run.completed, lost.step + 1) };
    }
    case 'AsyncAGIEnd':
    case 'Hangup':
      return { ...at, gone: true };
    case types.ended:
      return { ...at, ended: true };
    default:
      return run;
  }
}


/** What to record next for a run. */
export function decide(run: RunState): Decision {
  if (run.ended) return { kind: 'none' };
  const end = (reason: DialplanEndReason, extra: Partial<DialplanRunEndedData> = {}, hangup = false): Decision => ({
    kind: 'end',
    data: { unique_id: run.uniqueId, dpma_uuid: run.dpmaUuid, reason, hangup, ...extra },
  });
  const { pending } = run;
  const late = run.unknown.find((step) => step.result !== null);
  if (late) return completion(run, late, true);
  if (pending && pending.result !== null) return completion(run, pending, false);
  if (run.failed) return decideAfterCompletion(run, run.failed) ?? { kind: 'none' };
  // Every step answered (a last HANGUP ends the session itself): the run completed, gone or not.
  if (!pending && run.completed >= run.steps.length) {
    const unknown = run.unknown.map((step) => step.step);
    return end('completed', unknown.length > 0 ? { unknown_steps: unknown } : {});
  }
  if (run.gone) return end('channel_gone', pending ? { step: pending.step } : run.completed < run.steps.length ? { step: run.completed } : {});
  if (pending) return { kind: 'wait' };
  const step = run.steps[run.completed]!;
  return { kind: 'send', data: { unique_id: run.uniqueId, step: run.completed, step_uuid: step.uuid, command: step.command } };
}

function completion(run: RunState, step: PendingStep, late: boolean): Decision {
  const parsed = parseAgiResult(step.result ?? '');
  return {
    kind: 'complete',
    data: {
      unique_id: run.uniqueId,
      step: step.step,
      command_id: step.commandId,
      result_code: parsed.code,
      result: parsed.result,
      data: parsed.data,
      ...(late ? { late: true } : {}),
    },
  };
}

/**
 * When the AMI link is back (jade restarted, or AMI reconnected) and the channel snapshot still lists the run's
 * channel: a step sent whose result was not seen is recorded with an unknown outcome, so the run goes on with
 * the next step instead of waiting for an `AsyncAGIExec` that AMI will not replay. Otherwise as `decide`.
 */
export function decideResume(run: RunState): Decision {
  const { pending } = run;
  if (run.ended || run.gone || !pending || pending.result !== null) return decide(run);
  return {
    kind: 'unknown',
    data: {
      unique_id: run.uniqueId,
      step: pending.step,
      command_id: pending.commandId,
      reason: 'link_lost',
      detail: 'jade or its AMI link was down while the step ran; Asterisk does not replay AsyncAGIExec',
    },
  };
}

/**
 * After a step completed: a command Asterisk refused ends the run; the call is hung up when the dpma's
 * `on_error` is `hangup`, and with `continue` it leaves the AGI for the rest of its dialplan.
 */
function decideAfterCompletion(run: RunState, completed: DialplanStepCompletedData): Decision | undefined {
  if (!refused(completed.result_code)) return undefined;
  return {
    kind: 'end',
    data: {
      unique_id: run.uniqueId,
      dpma_uuid: run.dpmaUuid,
      reason: 'step_failed',
      step: completed.step,
      result_code: completed.result_code,
      ...(completed.data !== null ? { detail: completed.data } : {}),
      hangup: run.onError === 'hangup',
    },
  };
}

/** The run ends because Asterisk refused the AGI action (the channel is not in async AGI, or the link is down). */
export function decideSendFailure(run: RunState, step: number, reason: 'agi_refused' | 'ami_not_connected', detail: string): Decision {
  return { kind: 'end', data: { unique_id: run.uniqueId, dpma_uuid: run.dpmaUuid, reason, step, detail, hangup: run.onError === 'hangup' } };
}

/**
 * A run that completed with a `HANGUP` step has already ended its call: Asterisk is tearing the channel down,
 * so no `ASYNCAGI BREAK` (nor a hangup) follows it into the audit and the AGI read model.
 */
export function endedByItsOwnHangup(state: RunState, ended: DialplanRunEndedData): boolean {
  if (ended.reason !== 'completed' || state.steps.length === 0) return false;
  return /^HANGUP(\s|$)/i.test(state.steps[state.steps.length - 1]!.command.trim());
}
