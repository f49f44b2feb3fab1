import { amiEventTypes, type AmiFields, type RecordedEvent } from '../../src/events/index.js';

/**
 * Reading AMI events as stored (`data` = Asterisk's headers, Asterisk's spelling).
 * Stored data is `unknown` at runtime: every accessor checks the type instead of trusting a cast,
 * so a malformed event degrades to "field absent" rather than a crash that stops every projection.
 */

type Data = Readonly<Record<string, unknown>>;

export function field(data: Data, name: string): string | undefined {
  const value = data[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * An integer header; undefined when absent, not a number, or beyond a safe integer (a 40-digit `Wait` is
 * no count of seconds, and a number past 2^53 would not even round-trip through SQLite and JSON).
 */
export function intField(data: Data, name: string): number | undefined {
  const value = field(data, name);
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number.parseInt(value, 10);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

/** A decimal header; undefined when absent, not a number, or not finite (`1e999`). */
export function floatField(data: Data, name: string): number | undefined {
  const value = field(data, name);
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number.parseFloat(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** The channel fields Asterisk puts in every channel event (its channel snapshot), in the catalog's names. */
export interface ChannelSnapshot {
  readonly unique_id: string;
  readonly linked_id: string;
  readonly channel: string;
  readonly channel_state: number;
  readonly channel_state_desc: string;
  readonly context: string;
  readonly exten: string;
  readonly priority: string;
  readonly caller_id_name: string;
  readonly caller_id_num: string;
  readonly connected_line_name: string;
  readonly connected_line_num: string;
  readonly account_code: string;
  readonly language: string;
}

const stringHeaders: ReadonlyArray<readonly [Exclude<keyof ChannelSnapshot, 'channel_state'>, string]> = [
  ['unique_id', 'Uniqueid'],
  ['linked_id', 'Linkedid'],
  ['channel', 'Channel'],
  ['channel_state_desc', 'ChannelStateDesc'],
  ['context', 'Context'],
  ['exten', 'Exten'],
  ['priority', 'Priority'],
  ['caller_id_name', 'CallerIDName'],
  ['caller_id_num', 'CallerIDNum'],
  ['connected_line_name', 'ConnectedLineName'],
  ['connected_line_num', 'ConnectedLineNum'],
  ['account_code', 'AccountCode'],
  ['language', 'Language'],
];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The channel block of an event, with only the headers it carries. `prefix` selects a second block
 * (`Dest` in DialBegin/DialEnd/AgentCalled: the callee's channel).
 */
export function channelBlock(data: Data, prefix = ''): Partial<ChannelSnapshot> {
  const out: Partial<Mutable<ChannelSnapshot>> = {};
  for (const [name, header] of stringHeaders) {
    const value = field(data, prefix + header);
    if (value !== undefined) out[name] = value;
  }
  const state = intField(data, `${prefix}ChannelState`);
  if (state !== undefined) out.channel_state = state;
  return out;
}

/** A full snapshot, or undefined when the block lacks the identity fields a new row needs. */
export function fullChannelBlock(data: Data, prefix = ''): ChannelSnapshot | undefined {
  const block = channelBlock(data, prefix);
  if (block.unique_id === undefined || block.channel === undefined) return undefined;
  return {
    unique_id: block.unique_id,
    linked_id: block.linked_id ?? block.unique_id,
    channel: block.channel,
    channel_state: block.channel_state ?? 0,
    channel_state_desc: block.channel_state_desc ?? '',
    context: block.context ?? '',
    exten: block.exten ?? '',
    priority: block.priority ?? '',
    caller_id_name: block.caller_id_name ?? '',
    caller_id_num: block.caller_id_num ?? '',
    connected_line_name: block.connected_line_name ?? '',
    connected_line_num: block.connected_line_num ?? '',
    account_code: block.account_code ?? '',
    language: block.language ?? '',
  };
}

/**
 * `row` with `fields` laid over it; the same object when nothing differs, so callers can tell
 * "no change" by identity and emit no update.
 */
export function overlay<Row extends object>(row: Row, fields: Partial<NoInfer<Row>>): Row {
  let next: Row | undefined;
  for (const key of Object.keys(fields) as (keyof Row)[]) {
    const value = fields[key];
    if (value === undefined || row[key] === value) continue;
    next ??= { ...row };
    next[key] = value as Row[keyof Row];
  }
  return next ?? row;
}

/**
 * The result of one resync action after a (re)connect (see `AmiSnapshotData`), validated.
 * An `AmiSnapshot` is always a usable answer: the ingest records a failed action as `AmiSnapshotFailed`
 * instead (which projections ignore: the state of that kind stays as it was until the next round), and an
 * "empty list as an error" answer (res_pjsip's `No endpoints found`) as a snapshot with no items.
 */
export interface Snapshot {
  readonly action: string;
  /** Undefined when the event carries no list: a list reconcile must then not delete anything. */
  readonly items: readonly AmiFields[] | undefined;
  readonly response: AmiFields;
  readonly output: readonly string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toFields(value: unknown): AmiFields {
  if (!isRecord(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') out[key] = v;
  return out;
}

export function readSnapshot(event: RecordedEvent): Snapshot | undefined {
  if (event.type !== amiEventTypes.snapshot) return undefined;
  const { data } = event;
  const action = field(data, 'action');
  if (action === undefined) return undefined;
  const items = Array.isArray(data.items) ? data.items.map(toFields) : undefined;
  const response = toFields(data.response);
  const output = Array.isArray(data.output) ? data.output.filter((line): line is string => typeof line === 'string') : [];
  return { action, items, response, output };
}

/** Normalised action name: `CoreShowChannels`, `Command: module show like x` -> `coreshowchannels`, `module show like x`. */
export function snapshotAction(snapshot: Snapshot): string {
  return snapshot.action
    .trim()
    .replace(/^command:\s*/i, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/**
 * Every channel block in an event: the unprefixed one and prefixed ones (`Dest...`, `LocalOne...`,
 * `Parkee...`), each recognised by `<prefix>Uniqueid` next to `<prefix>ChannelState` (which tells a
 * channel snapshot from, say, `BridgeUniqueid`). Each reflects that channel as of this event.
 */
export function channelBlocks(data: Data): Partial<ChannelSnapshot>[] {
  const blocks: Partial<ChannelSnapshot>[] = [];
  for (const key in data) {
    if (!key.endsWith('Uniqueid')) continue;
    const prefix = key.slice(0, -'Uniqueid'.length);
    if (typeof data[`${prefix}ChannelState`] !== 'string') continue;
    blocks.push(channelBlock(data, prefix));
  }
  return blocks;
}

/** Whether an event names a channel at all (its own or a callee's): the cheap filter before looking for channel blocks. */
export function namesAChannel(event: Pick<RecordedEvent, 'data'>): boolean {
  return typeof event.data.Uniqueid === 'string' || typeof event.data.DestUniqueid === 'string';
}
