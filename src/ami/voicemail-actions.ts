import { actionOf, type ActionIdentity } from './action-fields.js';
import type { AmiAction } from './port.js';

/** app_voicemail's AMI actions (catalog 70 §4): the mailbox of each is named by its context and mailbox. */
export interface MailboxInput extends ActionIdentity {
  readonly context: string;
  readonly mailbox: string;
}

/** Re-counts the mailbox's messages on disk and publishes MWI (a `MessageWaiting` event) when the counts moved. */
export function voicemailRefresh(input: MailboxInput): AmiAction {
  return actionOf('VoicemailRefresh', input.actionId, { Context: input.context, Mailbox: input.mailbox });
}

/** The mailbox's counts as Asterisk has them now: `NewMessages`, `OldMessages`, `UrgMessages`. */
export function mailboxCount(input: MailboxInput): AmiAction {
  return actionOf('MailboxCount', input.actionId, { Mailbox: `${input.mailbox}@${input.context}` });
}
