import type { RecordedEvent } from '../events/index.js';
import { eventTime } from '../../projections/lib/event-time.js';
import { parseTimestamp } from '../events/time.js';
import type { CallSummary } from '../../projections/calls/index.js';
import type { CommandObject } from '../../projections/commands.js';

/**
 * A call as text for a terminal (`jade calls show`): the summary, the legs, the commands, then every
 * event of the call (and of its commands) in log order with its offset from the call's first event.
 * Only the headers that tell the story are shown per event; `jade events export --stream call-<id>`
 * has the rest.
 */

export interface CallText {
  readonly linkedId: string;
  readonly summary?: CallSummary;
  readonly commands: readonly CommandObject[];
  /** The call's stream and its commands' streams, merged in log order. */
  readonly events: readonly RecordedEvent[];
}

type Data = Readonly<Record<string, unknown>>;
const str = (data: Data, key: string): string | undefined => (typeof data[key] === 'string' && data[key] !== '' ? (data[key] as string) : undefined);
const join = (...parts: Array<string | undefined | false>): string => parts.filter((part): part is string => typeof part === 'string' && part !== '').join('  ');

/** What each event type says, in a few words. */
const describers: Readonly<Record<string, (data: Data) => string>> = {
  Newchannel: (d) => join(str(d, 'Channel'), str(d, 'ChannelStateDesc'), `${str(d, 'Context') ?? ''},${str(d, 'Exten') ?? ''}`, str(d, 'CallerIDNum') !== '<unknown>' && str(d, 'CallerIDNum')),
  Newstate: (d) => join(str(d, 'Channel'), str(d, 'ChannelStateDesc')),
  Newexten: (d) => join(str(d, 'Channel'), `${str(d, 'Context') ?? ''},${str(d, 'Exten') ?? ''},${str(d, 'Priority') ?? ''}`, `${str(d, 'Application') ?? ''}(${str(d, 'AppData') ?? ''})`),
  VarSet: (d) => join(str(d, 'Channel'), `${str(d, 'Variable') ?? ''}=${str(d, 'Value') ?? ''}`),
  LocalBridge: (d) => join(str(d, 'LocalOneChannel'), '<->', str(d, 'LocalTwoChannel')),
  DialBegin: (d) => join(str(d, 'Channel'), '->', str(d, 'DestChannel'), str(d, 'DialString')),
  DialEnd: (d) => join(str(d, 'Channel'), '->', str(d, 'DestChannel'), str(d, 'DialStatus')),
  BridgeEnter: (d) => join(str(d, 'Channel'), 'bridge', str(d, 'BridgeUniqueid')?.slice(0, 8)),
  BridgeLeave: (d) => join(str(d, 'Channel'), 'bridge', str(d, 'BridgeUniqueid')?.slice(0, 8)),
  QueueCallerJoin: (d) => join(str(d, 'Channel'), `queue ${str(d, 'Queue') ?? ''}`, `position ${str(d, 'Position') ?? '?'}`),
  QueueCallerLeave: (d) => join(str(d, 'Channel'), `queue ${str(d, 'Queue') ?? ''}`),
  QueueCallerAbandon: (d) => join(str(d, 'Channel'), `queue ${str(d, 'Queue') ?? ''}`, `held ${str(d, 'HoldTime') ?? '?'} s`),
  AgentCalled: (d) => join(`queue ${str(d, 'Queue') ?? ''}`, 'rings', str(d, 'MemberName') ?? str(d, 'Interface')),
  AgentConnect: (d) => join(`queue ${str(d, 'Queue') ?? ''}`, 'connected to', str(d, 'MemberName') ?? str(d, 'Interface'), `held ${str(d, 'HoldTime') ?? '?'} s`),
  AgentComplete: (d) => join(`queue ${str(d, 'Queue') ?? ''}`, str(d, 'MemberName'), `talked ${str(d, 'TalkTime') ?? '?'} s`, str(d, 'Reason')),
  ParkedCall: (d) => join(str(d, 'ParkeeChannel'), `parked at ${str(d, 'ParkingSpace') ?? '?'}`, str(d, 'Parkinglot')),
  HangupRequest: (d) => join(str(d, 'Channel'), str(d, 'Cause') && `cause ${str(d, 'Cause')}`),
  SoftHangupRequest: (d) => join(str(d, 'Channel'), str(d, 'Cause') && `cause ${str(d, 'Cause')}`),
  Hangup: (d) => join(str(d, 'Channel'), `cause ${str(d, 'Cause') ?? '?'}`, str(d, 'Cause-txt')),
  OriginateResponse: (d) => join(str(d, 'Channel'), str(d, 'Response'), `reason ${str(d, 'Reason') ?? '?'}`),
};

function describe(event: RecordedEvent): string {
  if (event.stream.startsWith('command-')) {
    const { data } = event;
    if (event.type.endsWith('Requested')) return join(`by ${str(data, 'username') ?? str(data, 'user_uuid') ?? '?'}`, JSON.stringify(data.request ?? {}));
    if (event.type.endsWith('Succeeded')) return join(typeof data.response === 'object' && data.response !== null ? str(data.response as Data, 'Message') : undefined);
    return join(str(data, 'reason'));
  }
  const describer = describers[event.type];
  if (describer) return describer(event.data);
  return join(str(event.data, 'Channel') ?? str(event.data, 'DestChannel'));
}

/** `+12.345` seconds from `start`. */
function offset(start: bigint, time: string): string {
  const ns = parseTimestamp(time);
  if (ns === undefined) return '      ?';
  const ms = Number((ns - start) / 1_000_000n);
  return `${ms < 0 ? '-' : '+'}${(Math.abs(ms) / 1000).toFixed(3)}`.padStart(9);
}

const clock = (timestamp: string | null): string => (timestamp === null ? '-' : timestamp.replace('T', ' ').slice(0, 23));

function summaryLines(summary: CallSummary): string[] {
  const ended = summary.tm_end === null ? 'in progress' : `ended ${clock(summary.tm_end)}`;
  const who = summary.hangup_by === null ? 'hung up by: unknown' : `hung up by ${summary.hangup_by}${summary.hangup_user ? ` (${summary.hangup_user})` : ''}`;
  const cause = summary.hangup_cause === null ? '' : `cause ${summary.hangup_cause}${summary.hangup_cause_desc ? ` ${summary.hangup_cause_desc}` : ''}`;
  return [
    `  ${summary.caller || '?'} -> ${summary.callee || '?'}   started ${clock(summary.tm_start)}   answered ${clock(summary.tm_answer)}   ${ended}   ${summary.duration ?? '?'} s`,
    `  ${join(summary.tm_end === null ? undefined : who, cause)}`,
    `  queues: ${summary.queues.join(', ') || '-'}   agents: ${summary.agents.join(', ') || '-'}   parked: ${summary.parked ? 'yes' : 'no'}   campaign: ${summary.campaign_uuid ?? '-'}   dialing: ${summary.dialing_uuid ?? '-'}`,
    'legs',
    ...summary.legs.map((leg) => `  ${leg.party.padEnd(6)}  ${leg.channel.padEnd(40)}  ${leg.unique_id.padEnd(38)}  ${clock(leg.tm_create)} - ${clock(leg.tm_hangup)}${leg.hangup_cause === null ? '' : `  cause ${leg.hangup_cause}`}`),
  ];
}

export function formatCall(call: CallText): string {
  const lines = [`call ${call.linkedId}`];
  if (call.summary) lines.push(...summaryLines(call.summary));
  else lines.push('  (no summary: the calls read model does not have this call; run `jade rebuild calls`)');
  if (call.commands.length > 0) {
    lines.push('commands');
    for (const command of call.commands) lines.push(`  ${command.type.padEnd(14)} ${command.outcome.padEnd(9)} by ${command.username || command.user_uuid}  ${command.uuid}  ${clock(command.tm_create)}`);
  }
  lines.push('timeline');
  const start = call.events.length === 0 ? 0n : (parseTimestamp(eventTime(call.events[0]!)) ?? 0n);
  const width = Math.max(8, ...call.events.map((event) => event.type.length));
  for (const event of call.events) {
    lines.push(`${offset(start, eventTime(event))}  #${String(event.position).padEnd(8)} ${event.type.padEnd(width)}  ${describe(event)}`);
  }
  return `${lines.join('\n')}\n`;
}
