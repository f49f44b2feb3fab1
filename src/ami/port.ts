import type { AmiFields } from '../events/index.js';

/** What the rest of jade knows about the AMI link (health, commands). */
export interface AmiConnectionState {
  readonly connected: boolean;
  /** When the current state began (API timestamp format), null before the first attempt ends. */
  readonly since: string | null;
  /** When the last AMI event arrived, null if none yet. */
  readonly lastEventAt: string | null;
}

/** An AMI action's fields; `ActionID` is added when absent. Values must not contain CR, LF or NUL. */
export type AmiAction = Readonly<Record<string, string | number | undefined>>;

export interface AmiListResult {
  readonly response: AmiFields;
  /** Events between `EventList: start` and the `...Complete` event. */
  readonly items: readonly AmiFields[];
  /** The `...Complete` event. */
  readonly complete: AmiFields;
}

export interface AmiCommandResult {
  readonly response: AmiFields;
  /** Output lines of a `Command` action. */
  readonly output: readonly string[];
}

export interface ActionOptions {
  readonly timeoutMs?: number;
}

/** The port command handlers and health use; `src/ami/` implements it. */
export interface AmiGateway {
  state(): AmiConnectionState;
  /** Sends one action; resolves with its response (`Response: Success`/`Goodbye`/...). Rejects with AmiNotConnectedError, AmiTimeoutError or AmiActionError (`Response: Error`). */
  action(action: AmiAction, options?: ActionOptions): Promise<AmiFields>;
  /** A list action (`EventList: start` ... `*Complete`) collected into one result. */
  listAction(action: AmiAction, options?: ActionOptions): Promise<AmiListResult>;
  /** `Action: Command` with its output lines. */
  command(command: string, options?: ActionOptions): Promise<AmiCommandResult>;
}

/** The links of several Asterisk boxes, by node name (src/ami/nodes.ts); one entry for a one-box jade. */
export interface AmiNodeGateways {
  /** Configured order: the first is the default box. */
  readonly names: readonly string[];
  gateway(node: string): AmiGateway | undefined;
}

export class AmiNotConnectedError extends Error {
  override readonly name: string = 'AmiNotConnectedError';
  constructor(message = 'Asterisk is not connected') {
    super(message);
  }
}

/**
 * The action was written to Asterisk and no answer came: Asterisk may or may not have acted on it. A command
 * ending so has the outcome `Unknown` (never `Rejected`: a retry could act twice, e.g. a second Originate).
 */
export class AmiNoAnswerError extends Error {
  override readonly name: string = 'AmiNoAnswerError';
  constructor(readonly action: string, message: string) {
    super(message);
  }
}

export class AmiTimeoutError extends AmiNoAnswerError {
  override readonly name = 'AmiTimeoutError';
  constructor(action: string, readonly timeoutMs: number) {
    super(action, `Asterisk did not answer ${action} within ${timeoutMs} ms`);
  }
}

/** The link dropped after the action was written and before its answer (AmiNotConnectedError is "never written"). */
export class AmiLinkLostError extends AmiNoAnswerError {
  override readonly name = 'AmiLinkLostError';
  constructor(action: string, readonly reason: string) {
    super(action, `AMI link lost after ${action} was sent and before Asterisk answered (${reason})`);
  }
}

/** Asterisk answered `Response: Error`; `message` is Asterisk's `Message`. */
export class AmiActionError extends Error {
  override readonly name = 'AmiActionError';
  constructor(readonly action: string, readonly response: AmiFields) {
    super(response.Message ?? `${action} failed`);
  }
}

/** A value bound for AMI contained CR, LF or NUL (would inject actions or be truncated). */
export class AmiUnsafeValueError extends Error {
  override readonly name = 'AmiUnsafeValueError';
  constructor(readonly field: string) {
    super(`${field} must not contain CR, LF or NUL`);
  }
}

const unsafe = /[\r\n\0]/;

export function isAmiSafe(value: string): boolean {
  return !unsafe.test(value);
}
