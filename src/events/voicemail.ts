/**
 * Voicemail (catalog 70 §4, issue 15). Messages live in Asterisk's spool, not in AMI: jade reads a mailbox's
 * folders whenever Asterisk says its counts moved (`MessageWaiting`) or jade deleted one, and records what it
 * found as `VoicemailSpoolScanned` on the mailbox's stream `voicemail-<mailbox>@<context>`, so the message read
 * model (and its realtime events) stays a function of the log. A delete is a command
 * (`VoicemailMessageDelete{Requested,Succeeded,Failed,...}` on `command-<uuid>`, src/commands/command.ts).
 */
export const voicemailEventTypes = {
  spoolScanned: 'VoicemailSpoolScanned',
  /** The command type of `DELETE /voicemail/vms/<msgname>`. */
  deleteCommand: 'VoicemailMessageDelete',
  deleteSucceeded: 'VoicemailMessageDeleteSucceeded',
} as const;

export const voicemailStreamPrefix = 'voicemail-';
/** `<mailbox>@<context>`: the catalog's voicemail-user id. */
export const voicemailUserId = (context: string, mailbox: string): string => `${mailbox}@${context}`;
export const voicemailStream = (context: string, mailbox: string): string => `${voicemailStreamPrefix}${voicemailUserId(context, mailbox)}`;

/** One message as the API shows it: every `[message]` key of `msgNNNN.txt`, plus `msgname`, `dir`, `status`; all strings. */
export type VoicemailMessageData = Readonly<Record<string, string>>;

export interface VoicemailSpoolScannedData {
  /** `<mailbox>@<context>`. */
  readonly user_id: string;
  readonly context: string;
  readonly mailbox: string;
  readonly time: string;
  /** Every message of every folder, as found. */
  readonly messages: readonly VoicemailMessageData[];
}

/** What `VoicemailMessageDeleteSucceeded`'s `result` holds (the command's answer). */
export interface VoicemailDeleteResult {
  readonly user_id: string;
  readonly context: string;
  readonly mailbox: string;
  readonly dir: string;
  readonly msgname: string;
  /** The deleted message's metadata. */
  readonly message: VoicemailMessageData;
  readonly removed: readonly string[];
  readonly renamed: readonly { readonly from: string; readonly to: string }[];
  /** `MailboxCount` after `VoicemailRefresh`; absent when Asterisk did not answer it. */
  readonly counts?: { readonly new_message_count: number; readonly old_message_count: number };
}
