import { obEventTypes, streamPrefixes, type RecordedEvent } from '../events/index.js';

/** What the metrics count of one logged event, besides its type. */
export type LogFact =
  | { readonly kind: 'dialing_started' }
  | { readonly kind: 'dialing_ended'; readonly reason: string }
  | { readonly kind: 'command'; readonly type: string; readonly outcome: CommandOutcome };

export type CommandOutcome = 'requested' | 'succeeded' | 'failed' | 'rejected' | 'unknown';

/** src/commands/command.ts records `<Type>Requested`, then one of these, on the command's own stream. */
const commandSuffixes: ReadonlyArray<readonly [string, CommandOutcome]> = [
  ['Requested', 'requested'],
  ['Succeeded', 'succeeded'],
  ['Failed', 'failed'],
  ['Rejected', 'rejected'],
  ['Unknown', 'unknown'],
];

/**
 * Reads the facts the dashboards count off the log itself (the dialer's dialings, the audited commands),
 * so no domain code has to know about metrics: what the log says happened is what is counted.
 */
export function logFact(event: RecordedEvent): LogFact | undefined {
  if (event.type === obEventTypes.dialingCreated) return { kind: 'dialing_started' };
  if (event.type === obEventTypes.dialingEnded) {
    const reason = event.data.reason;
    return { kind: 'dialing_ended', reason: typeof reason === 'string' && reason !== '' ? reason : 'unknown' };
  }
  if (!event.stream.startsWith(streamPrefixes.command)) return undefined;
  for (const [suffix, outcome] of commandSuffixes) {
    if (event.type.length > suffix.length && event.type.endsWith(suffix)) return { kind: 'command', type: event.type.slice(0, -suffix.length), outcome };
  }
  return undefined;
}
