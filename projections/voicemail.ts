import type { Kysely } from 'kysely';
import { voicemailEventTypes, voicemailUserId, type AmiFields, type RecordedEvent, type VoicemailDeleteResult, type VoicemailMessageData } from '../src/events/index.js';
import { field, floatField, intField, overlay, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { atEventTime, bySnapshotAction } from './lib/handlers.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { reconcileList, upsertStamped } from './lib/row-changes.js';
import { nodeScoped, oneOfNodes, publicRow } from './lib/node-scope.js';

/**
 * `/voicemail/users` and `/voicemail/vms` (catalog 70 §4.4-4.7). Mailboxes come from the `VoicemailUsersList`
 * snapshot (after every connect and every app_voicemail reload: src/voicemail/watcher.ts) and their counts
 * from `MessageWaiting` and the `MailboxCount` a delete asks. Messages come from `VoicemailSpoolScanned` (what
 * jade found in the spool) and a delete's `VoicemailMessageDeleteSucceeded`, so a dashboard sees
 * `voicemail.message.create/delete` on the mailbox's topic.
 */

export interface VoicemailUserRow {
  /** `<mailbox>@<context>`. */
  readonly id: string;
  readonly context: string;
  readonly mailbox: string;
  readonly email: string;
  readonly full_name: string;
  readonly pager: string;
  readonly server_email: string;
  readonly mail_command: string;
  readonly attach_message: string;
  readonly attachment_format: string;
  readonly delete_message: string;
  readonly call_operator: string;
  readonly callback: string;
  readonly can_review: string;
  readonly dialout: string;
  readonly exit_context: string;
  readonly from_string: string;
  readonly language: string;
  readonly max_message_count: number;
  readonly max_message_length: number;
  readonly new_message_count: number;
  readonly old_message_count: number;
  readonly imap_flag: string;
  readonly imap_port: string;
  readonly imap_server: string;
  readonly imap_user: string;
  readonly say_cid: string;
  readonly say_duration_minimum: number;
  readonly say_envelope: string;
  readonly timezone: string;
  readonly unique_id: string;
  readonly volume_gain: number;
  readonly tm_update: string;
}

export interface VoicemailMessageRow {
  /** `<user id>/<msg_id>` (or `<user id>/<dir>/<msgname>` for a message without one): stable across renumbering. */
  readonly key: string;
  /** The mailbox's `<mailbox>@<context>`: the topic target. */
  readonly user_id: string;
  readonly dir: string;
  readonly msgname: string;
  /** The catalog's message object. */
  readonly message: VoicemailMessageData;
  readonly tm_update: string;
}

export type VoicemailUsersTable = VoicemailUserRow;
export type VoicemailMessagesTable = VoicemailMessageRow;

type Tables = { voicemail_users: VoicemailUserRow; voicemail_messages: VoicemailMessageRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

/** A `VoicemailUserEntry` item as the catalog's object (without the stamp). */
function userOf(item: AmiFields): Omit<VoicemailUserRow, 'tm_update'> | undefined {
  const context = field(item, 'VMContext');
  const mailbox = field(item, 'VoiceMailbox');
  if (context === undefined || mailbox === undefined || context === '' || mailbox === '') return undefined;
  const s = (name: string): string => field(item, name) ?? '';
  const n = (name: string): number => intField(item, name) ?? 0;
  return {
    id: voicemailUserId(context, mailbox), context, mailbox,
    email: s('Email'), full_name: s('Fullname'), pager: s('Pager'), server_email: s('ServerEmail'), mail_command: s('MailCommand'),
    attach_message: s('AttachMessage'), attachment_format: s('AttachmentFormat'), delete_message: s('DeleteMessage'),
    call_operator: s('CallOperator'), callback: s('Callback'), can_review: s('CanReview'), dialout: s('Dialout'),
    exit_context: s('ExitContext'), from_string: s('FromString'), language: s('Language'),
    max_message_count: n('MaxMessageCount'), max_message_length: n('MaxMessageLength'),
    new_message_count: n('NewMessageCount'), old_message_count: n('OldMessageCount'),
    imap_flag: s('IMAPFlags'), imap_port: s('IMAPPort'), imap_server: s('IMAPServer'), imap_user: s('IMAPUser'),
    say_cid: s('SayCID'), say_duration_minimum: n('SayDurationMinimum'), say_envelope: s('SayEnvelope'),
    timezone: s('TimeZone'), unique_id: s('UniqueID'), volume_gain: floatField(item, 'VolumeGain') ?? 0,
  };
}

function reconcileUsers(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const items = snapshot.items.filter((item) => field(item, 'Event') === undefined || field(item, 'Event') === 'VoicemailUserEntry');
  return reconcileList(state, 'voicemail_users', {
    items,
    itemKey: (item) => userOf(item)?.id,
    apply: (item, id) => {
      const user = userOf(item)!;
      const existing = state.get('voicemail_users', id);
      return upsertStamped(state, 'voicemail_users', id, existing ? overlay(existing, user) : user, time);
    },
    rowKey: (row) => row.id,
  });
}

function setCounts(state: State, id: string, counts: { readonly new_message_count: number; readonly old_message_count: number }, time: string): Change[] {
  const existing = state.get('voicemail_users', id);
  if (!existing) return [];
  return upsertStamped(state, 'voicemail_users', id, overlay(existing, counts), time);
}

/** MWI: `Mailbox: 6001@vm-demo`, `New`, `Old` (a mailbox without `@` is in `default`). */
function onMessageWaiting(state: State, event: RecordedEvent, time: string): Change[] {
  const mailbox = field(event.data, 'Mailbox');
  const fresh = intField(event.data, 'New');
  const old = intField(event.data, 'Old');
  if (mailbox === undefined || fresh === undefined || old === undefined) return [];
  const id = mailbox.includes('@') ? mailbox : `${mailbox}@default`;
  return setCounts(state, id, { new_message_count: fresh, old_message_count: old }, time);
}

/** A message's row key: its `msg_id` survives a renumbering and a move between folders. */
export function messageKey(userId: string, message: VoicemailMessageData): string {
  const msgId = message.msg_id;
  return msgId !== undefined && msgId !== '' ? `${userId}/${msgId}` : `${userId}/${message.dir ?? ''}/${message.msgname ?? ''}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const stringsOf = (v: unknown): VoicemailMessageData | undefined =>
  isRecord(v) ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string')) : undefined;

function messageRow(userId: string, message: VoicemailMessageData): Omit<VoicemailMessageRow, 'tm_update'> {
  return { key: messageKey(userId, message), user_id: userId, dir: message.dir ?? '', msgname: message.msgname ?? '', message };
}

/** The scan is the whole truth of that mailbox's messages. */
function onSpoolScanned(state: State, event: RecordedEvent, time: string): Change[] {
  const userId = field(event.data, 'user_id');
  if (userId === undefined || !Array.isArray(event.data.messages)) return [];
  const messages = event.data.messages.map(stringsOf).filter((m): m is VoicemailMessageData => m !== undefined);
  const changes: Change[] = [];
  const listed = new Set<string>();
  for (const message of messages) {
    const row = messageRow(userId, message);
    if (listed.has(row.key)) continue;
    listed.add(row.key);
    changes.push(...upsertStamped(state, 'voicemail_messages', row.key, row, time));
  }
  for (const row of state.all('voicemail_messages')) {
    if (row.user_id === userId && !listed.has(row.key)) changes.push({ table: 'voicemail_messages', op: 'delete', key: row.key, row: { ...row, tm_update: time } });
  }
  return changes;
}

/** jade deleted a message: its row goes at once (with its metadata), and the counts Asterisk reported after. */
function onDeleted(state: State, event: RecordedEvent, time: string): Change[] {
  const result = event.data.result as Partial<VoicemailDeleteResult> | undefined;
  if (!isRecord(result) || typeof result.user_id !== 'string') return [];
  const message = stringsOf(result.message);
  const changes: Change[] = [];
  if (message) {
    const key = messageKey(result.user_id, message);
    const existing = state.get('voicemail_messages', key);
    const row = existing ?? { ...messageRow(result.user_id, message), tm_update: time };
    changes.push({ table: 'voicemail_messages', op: 'delete', key, row: { ...row, tm_update: time } });
  }
  const counts = result.counts;
  if (isRecord(counts) && typeof counts.new_message_count === 'number' && typeof counts.old_message_count === 'number') {
    changes.push(...setCounts(state, result.user_id, { new_message_count: counts.new_message_count, old_message_count: counts.old_message_count }, time));
  }
  return changes;
}

const ownProjection = defineProjection<Tables, 'voicemail'>({
  name: 'voicemail',
  // 2: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 2,
  tables: { voicemail_users: { key: 'id' }, voicemail_messages: { key: 'key', json: ['message'] } },
  handles: {
    MessageWaiting: atEventTime(onMessageWaiting),
    [voicemailEventTypes.spoolScanned]: atEventTime(onSpoolScanned),
    [voicemailEventTypes.deleteSucceeded]: atEventTime(onDeleted),
    AmiSnapshot: bySnapshotAction<Tables>({ voicemailuserslist: reconcileUsers }),
  },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const voicemailProjection = nodeScoped(ownProjection);

// ---------------------------------------------------------------------------------------------
// Queries

/** The catalog's voicemail-user object (the row, and its box, is it). */
export const toVoicemailUserObject = <Row extends VoicemailUserRow & { readonly row_key?: string }>(row: Row): Omit<Row, 'row_key'> => publicRow(row);

/** A message as its realtime events carry it: the catalog's object and the mailbox it is in. */
export const toVoicemailMessageEvent = (row: VoicemailMessageRow): unknown => ({ ...row.message, user_id: row.user_id });

export type VoicemailUserObject = VoicemailUserRow & { readonly node: string };

export async function listVoicemailUsers(db: Kysely<Database>): Promise<VoicemailUserObject[]> {
  const rows = await db.selectFrom('voicemail_users').selectAll().orderBy('context').orderBy('mailbox').orderBy('node').execute();
  return rows.map(publicRow);
}

export async function getVoicemailUser(db: Kysely<Database>, id: string, node?: string): Promise<VoicemailUserObject | undefined> {
  const rows = await db.selectFrom('voicemail_users').selectAll().where('id', '=', id).execute();
  const row = oneOfNodes(rows, { kind: 'voicemail user', id }, node);
  return row && publicRow(row);
}
