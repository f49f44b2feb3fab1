import type { AmiFields, AmiSnapshotData, AmiSnapshotFailedData } from '../events/index.js';
import type { Logger } from '../logger.js';
import { nowTimestamp } from '../events/time.js';
import type { InOrderOptions } from './action-dispatch.js';
import { AmiActionError, AmiLinkLostError, AmiNotConnectedError, type AmiAction, type AmiCommandResult, type AmiListResult } from './port.js';
import type { SnapshotSpec } from './snapshots.js';

/** The link operations resync needs, with the in-order hooks of `AmiConnection`. */
export interface ResyncLink {
  action(action: AmiAction, options: InOrderOptions<AmiFields>): Promise<AmiFields>;
  listAction(action: AmiAction, options: InOrderOptions<AmiListResult>): Promise<AmiListResult>;
  command(command: string, options: InOrderOptions<AmiCommandResult>): Promise<AmiCommandResult>;
}

/** Where snapshots go (the ingest). Called synchronously, in socket order. */
export interface SnapshotSink {
  snapshot(data: AmiSnapshotData, receivedAt: string): void;
  snapshotFailed(failure: AmiSnapshotFailedData, at: string): void;
}

export interface ResyncReport {
  readonly round: string;
  readonly recorded: readonly string[];
  readonly failed: readonly { readonly action: string; readonly error: string }[];
  /** The link dropped during the round; the next connect starts a new one. */
  readonly interrupted: boolean;
}

type RecordSnapshot = (data: Omit<AmiSnapshotData, 'action' | 'round'>) => void;

function send(link: ResyncLink, spec: SnapshotSpec, timeoutMs: number, record: RecordSnapshot, onError: (error: Error) => void): Promise<unknown> {
  switch (spec.kind) {
    case 'list':
      return link.listAction(spec.action, { timeoutMs, onError, onResult: (r) => record({ items: r.items, response: r.response, complete: r.complete }) });
    case 'response':
      return link.action(spec.action, { timeoutMs, onError, onResult: (r) => record({ items: [], response: r }) });
    case 'command':
      return link.command(spec.command, { timeoutMs, onError, onResult: (r) => record({ items: [], response: r.response, output: r.output }) });
  }
}

/**
 * Runs every snapshot action once, one after the other, and records each answer as it arrives. A failing action
 * (module not loaded, timeout) is recorded as `AmiSnapshotFailed` and does not stop the others; a dropped link
 * ends the round quietly (`AmiDisconnected` already says why, and the reconnect runs a new round).
 */
export async function runResync(
  link: ResyncLink,
  sink: SnapshotSink,
  specs: readonly SnapshotSpec[],
  options: { readonly round: string; readonly timeoutMs: number; readonly logger: Logger },
): Promise<ResyncReport> {
  const { round, timeoutMs } = options;
  const recorded: string[] = [];
  const failed: Array<{ action: string; error: string }> = [];
  let interrupted = false;

  for (const spec of specs) {
    const action = spec.name;
    const record: RecordSnapshot = (data) => {
      recorded.push(action);
      sink.snapshot({ action, round, ...data }, nowTimestamp());
    };
    const onError = (error: Error): void => {
      if (error instanceof AmiNotConnectedError || error instanceof AmiLinkLostError) {
        interrupted = true;
        return;
      }
      const response = error instanceof AmiActionError ? error.response : undefined;
      if (spec.kind === 'list' && response !== undefined && spec.emptyWhen?.test(response.Message ?? '')) {
        record({ items: [], response });
        return;
      }
      failed.push({ action, error: error.message });
      sink.snapshotFailed({ action, round, error: error.message, ...(response ? { response } : {}) }, nowTimestamp());
    };
    // The hooks do the recording (in socket order); the promise only paces the loop.
    await send(link, spec, timeoutMs, record, onError).catch((error: unknown) => {
      // Refused before sending (the link was already down): the hooks never ran.
      if (error instanceof AmiNotConnectedError || error instanceof AmiLinkLostError) interrupted = true;
    });
    if (interrupted) break;
  }

  const report: ResyncReport = { round, recorded, failed, interrupted };
  if (interrupted) options.logger.info({ round, recorded: recorded.length }, 'AMI resync interrupted by a disconnect');
  else if (failed.length > 0) options.logger.warn({ round, recorded: recorded.length, failed }, 'AMI resync done; some snapshots failed');
  else options.logger.info({ round, recorded: recorded.length }, 'AMI resync done');
  return report;
}
