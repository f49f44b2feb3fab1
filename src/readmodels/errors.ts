/** The read models did not reach a log position in time (a command answers 504 or proceeds, its choice). */
export class ReadModelTimeoutError extends Error {
  override readonly name = 'ReadModelTimeoutError';
  constructor(
    readonly position: number,
    readonly reached: number,
    readonly timeoutMs: number,
  ) {
    super(`read models did not reach position ${position} within ${timeoutMs} ms (at ${reached})`);
  }
}

/** The runner is not applying events (stopped, or failed on an event: see `cause`). */
export class RunnerStoppedError extends Error {
  override readonly name = 'RunnerStoppedError';
}

export class RebuildInProgressError extends Error {
  override readonly name = 'RebuildInProgressError';
  constructor() {
    super('a rebuild is already running');
  }
}

export class UnknownProjectionError extends Error {
  override readonly name = 'UnknownProjectionError';
  constructor(readonly projection: string) {
    super(`unknown projection ${projection}`);
  }
}
