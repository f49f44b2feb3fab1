/**
 * The events of an async-AGI dialplan run, on the call's stream (`call-<Linkedid>`, beside Asterisk's own
 * events). Every one names the AGI channel's `unique_id`.
 */
export const dialplanRunEventTypes = {
  started: 'DialplanRunStarted',
  stepSent: 'DialplanStepSent',
  stepCompleted: 'DialplanStepCompleted',
  stepOutcomeUnknown: 'DialplanStepOutcomeUnknown',
  ended: 'DialplanRunEnded',
} as const;

export interface RunStep {
  readonly uuid: string;
  readonly sequence: number;
  readonly command: string;
}

export interface DialplanRunStartedData {
  readonly unique_id: string;
  readonly linked_id: string;
  readonly channel: string;
  readonly dpma_uuid: string;
  readonly version: number;
  readonly on_error: 'hangup' | 'continue';
  readonly steps: readonly RunStep[];
}

export interface DialplanStepSentData {
  readonly unique_id: string;
  /** Index into the start event's `steps` (0-based). */
  readonly step: number;
  readonly step_uuid: string;
  readonly command: string;
  readonly command_id: string;
}

export interface DialplanStepCompletedData {
  readonly unique_id: string;
  readonly step: number;
  readonly command_id: string;
  /** AGI result code: 200 on success, 510/520/511 when Asterisk refused the command. */
  readonly result_code: number | null;
  /** The `result=` value, null when there is none. */
  readonly result: string | null;
  /** What follows the result (`(en)`, `endpos=...`) or Asterisk's message. */
  readonly data: string | null;
  /** True when the result came after the step was recorded `DialplanStepOutcomeUnknown` (matched by command id). */
  readonly late?: boolean;
}

/**
 * A step sent whose result jade did not see: jade (or its AMI link) was down while it ran, and AMI does not
 * replay events. Recorded when the link is back and the channel is still there; the run goes on with the next
 * step (Asterisk queues a channel's async AGI commands, so the order holds), and a result that still comes is
 * recorded against this step by its command id (`DialplanStepCompleted` with `late`).
 */
export interface DialplanStepOutcomeUnknownData {
  readonly unique_id: string;
  readonly step: number;
  readonly command_id: string;
  readonly reason: 'link_lost';
  readonly detail: string;
}

export type DialplanEndReason =
  | 'completed'
  | 'unknown_dpma'
  | 'no_steps'
  | 'step_failed'
  | 'agi_refused'
  | 'ami_not_connected'
  | 'channel_gone';

export interface DialplanRunEndedData {
  readonly unique_id: string;
  readonly dpma_uuid: string;
  readonly reason: DialplanEndReason;
  /** The step the run ended at, when one was involved. */
  readonly step?: number;
  readonly result_code?: number | null;
  readonly detail?: string;
  /** Steps whose outcome stayed unknown (see `DialplanStepOutcomeUnknownData`), when there are any. */
  readonly unknown_steps?: readonly number[];
  /** True when the run hangs the call up (on_error `hangup`). */
  readonly hangup: boolean;
}
