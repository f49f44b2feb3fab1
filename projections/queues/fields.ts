import { readFields, type FieldTable } from '../lib/field-table.js';
import type { Data, Mutable, QueueEntryRow, QueueMemberRow, QueueRow } from './rows.js';

/** Field tables: the catalog's names <- app_queue's headers. A header that is absent or garbled leaves its column as it was. */

/** `QueueParams` (a QueueStatus item, or the event of another refresh). */
const queueParamFields: FieldTable<QueueRow> = [
  ['strategy', 'Strategy', 'string'],
  ['max', 'Max', 'int'],
  ['weight', 'Weight', 'int'],
  ['calls', 'Calls', 'int'],
  ['completed', 'Completed', 'int'],
  ['abandoned', 'Abandoned', 'int'],
  ['hold_time', 'Holdtime', 'int'],
  ['talk_time', 'TalkTime', 'int'],
  ['service_level', 'ServiceLevel', 'int'],
  ['service_level_perf', 'ServicelevelPerf', 'float'],
  ['service_level_perf2', 'ServicelevelPerf2', 'float'],
];

/** `QueueSummary`: callers and averages only. */
const queueSummaryFields: FieldTable<QueueRow> = [
  ['calls', 'Callers', 'int'],
  ['hold_time', 'HoldTime', 'int'],
  ['talk_time', 'TalkTime', 'int'],
];

/** Every QueueMember* event carries all of them; flags as Asterisk prints them (`0`/`1`; older builds and realtime print words). */
const memberFieldsBesidesLocation: FieldTable<QueueMemberRow> = [
  ['state_interface', 'StateInterface', 'string'],
  ['membership', 'Membership', 'string'],
  ['paused_reason', 'PausedReason', 'string'],
  ['status', 'Status', 'int'],
  ['penalty', 'Penalty', 'int'],
  ['calls_taken', 'CallsTaken', 'int'],
  ['last_call', 'LastCall', 'int'],
  ['last_pause', 'LastPause', 'int'],
  ['login_time', 'LoginTime', 'int'],
  ['wrapup_time', 'Wrapuptime', 'int'],
  ['paused', 'Paused', 'bool'],
  ['in_call', 'InCall', 'bool'],
  ['ring_inuse', 'Ringinuse', 'bool'],
];
/** Where the member's name and interface are: `MemberName`/`Interface` in events, `Name`/`Location` in QueueStatus. */
export interface MemberHeaders {
  readonly name: string;
  readonly location: string;
  readonly fields: FieldTable<QueueMemberRow>;
}
const memberHeaders = (name: string, location: string): MemberHeaders => ({ name, location, fields: [['location', location, 'string'], ...memberFieldsBesidesLocation] });
export const eventNames = memberHeaders('MemberName', 'Interface');
export const statusNames = memberHeaders('Name', 'Location');

/** The waiting caller's fields an event or QueueEntry item carries. */
const entryFieldTable: FieldTable<QueueEntryRow> = [
  ['channel', 'Channel', 'string'],
  ['caller_id_name', 'CallerIDName', 'string'],
  ['caller_id_num', 'CallerIDNum', 'string'],
  ['connected_line_name', 'ConnectedLineName', 'string'],
  ['connected_line_num', 'ConnectedLineNum', 'string'],
  ['position', 'Position', 'int'],
];

export const queueParams = (data: Data): Partial<Mutable<QueueRow>> => readFields(data, queueParamFields);
export const queueSummary = (data: Data): Partial<Mutable<QueueRow>> => readFields(data, queueSummaryFields);
export const memberFields = (data: Data, names: MemberHeaders): Partial<Mutable<QueueMemberRow>> => readFields(data, names.fields);
export const entryFields = (data: Data): Partial<Mutable<QueueEntryRow>> => readFields(data, entryFieldTable);

/**
 * QueueStatus prints an absent caller id as `unknown` where every channel event (QueueCallerJoin included) prints
 * `<unknown>`: read it as the events do, so a caller looks the same whether first seen in an event or a snapshot.
 */
export function statusEntryFields(data: Data): Partial<Mutable<QueueEntryRow>> {
  const fields = entryFields(data);
  for (const name of ['caller_id_name', 'caller_id_num', 'connected_line_name', 'connected_line_num'] as const) {
    if (fields[name] === 'unknown') fields[name] = '<unknown>';
  }
  return fields;
}
