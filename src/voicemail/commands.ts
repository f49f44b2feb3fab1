import { mailboxCount, voicemailRefresh } from '../ami/voicemail-actions.js';
import { AmiActionError } from '../ami/port.js';
import { executeCommand, type Actor, type CommandDeps, type CommandOutcome } from '../commands/command.js';
import { voicemailEventTypes, voicemailUserId, type VoicemailDeleteResult } from '../events/index.js';
import { NotFoundError } from '../events/errors.js';
import { checkSpoolName, type VoicemailSpool } from './spool.js';

/** Which message: the query of `DELETE /voicemail/vms/<msgname>?context=&mailbox=&dir=`. */
export interface MessageAddress {
  readonly context: string;
  readonly mailbox: string;
  readonly dir: string;
  readonly msgname: string;
}

/** Every name checked (400 naming the field) before anything is recorded or read. */
export function messageAddressOf(input: Readonly<Record<string, unknown>>): MessageAddress {
  return {
    context: checkSpoolName('context', input.context),
    mailbox: checkSpoolName('mailbox', input.mailbox),
    dir: checkSpoolName('dir', input.dir),
    msgname: checkSpoolName('msgname', input.msgname),
  };
}

const count = (value: string | undefined): number | undefined => {
  const n = Number.parseInt(value ?? '', 10);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};

/**
 * Deletes one message as a command in the log (who, which message, its metadata): the files go and the folder
 * is renumbered (spool.ts `remove`), then `VoicemailRefresh` makes Asterisk re-count and publish MWI, and
 * `MailboxCount` gives the counts the read model takes at once. A message that is not there is a 404 and
 * nothing is recorded. The disk change happens before Asterisk is asked, so a refused refresh (app_voicemail
 * not loaded) still leaves the message deleted: recorded as Failed with the reason (the watcher then re-reads the mailbox).
 */
export async function deleteVoicemailMessage(deps: CommandDeps & { readonly spool: VoicemailSpool }, actor: Actor, address: MessageAddress): Promise<CommandOutcome<VoicemailDeleteResult>> {
  const { context, mailbox, dir, msgname } = address;
  const message = await deps.spool.message(context, mailbox, dir, msgname);
  if (message === undefined) throw new NotFoundError({ kind: 'voicemail message', id: `${msgname} in ${dir} of ${voicemailUserId(context, mailbox)}` });
  const userId = voicemailUserId(context, mailbox);
  return executeCommand(deps, {
    type: voicemailEventTypes.deleteCommand,
    actor,
    request: { context, mailbox, dir, msgname, message },
    targets: { voicemail_user: userId, ...(message.msg_id === undefined ? {} : { msg_id: message.msg_id }) },
    act: async (commandId) => {
      const removed = await deps.spool.remove(context, mailbox, dir, msgname, message.msg_id);
      if (removed === undefined) throw new NotFoundError({ kind: 'voicemail message', id: `${msgname} in ${dir} of ${userId}` });
      const response = await deps.ami.action(voicemailRefresh({ actionId: commandId, context, mailbox }));
      const counted = await deps.ami.action(mailboxCount({ actionId: `${commandId}-count`, context, mailbox })).catch((error: unknown) => {
        if (error instanceof AmiActionError) return undefined;
        throw error;
      });
      const fresh = count(counted?.NewMessages);
      const old = count(counted?.OldMessages);
      const result: VoicemailDeleteResult = {
        user_id: userId, context, mailbox, dir, msgname, message: removed.message, removed: removed.removed, renamed: removed.renamed,
        ...(fresh === undefined || old === undefined ? {} : { counts: { new_message_count: fresh, old_message_count: old } }),
      };
      return { response, result };
    },
  });
}
