import { amiEventTypes, voicemailEventTypes, voicemailStream, voicemailUserId, type RecordedEvent, type VoicemailSpoolScannedData } from '../events/index.js';
import { nowTimestamp } from '../events/time.js';
import type { EventStore, Subscription } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { VoicemailSpool } from './spool.js';

/**
 * Keeps the voicemail read model current with what Asterisk does on its own (ARCHITECTURE.md: the log is the
 * truth, so what jade learns from the disk is recorded first). It follows the log, like the PJSIP refresh:
 *
 * `MessageWaiting` (a message left, heard, moved or deleted: the counts moved), a delete by jade (its outcome,
 * whichever), and every mailbox of a `VoicemailUsersList` snapshot: the mailbox's folders are read and recorded
 * as `VoicemailSpoolScanned` when they differ from the last scan recorded. (The list itself is asked again after
 * an app_voicemail reload by src/ami/voicemail-refresh.ts.) Without a spool directory it does nothing.
 */
export interface VoicemailWatcherOptions {
  readonly store: Pick<EventStore, 'subscribeToAll' | 'headPosition' | 'append'>;
  readonly spool: VoicemailSpool | undefined;
  readonly logger: Logger;
  readonly afterPosition?: number;
}

export interface VoicemailWatcher {
  /** Reads one mailbox now and records it when it changed (what the events above trigger). */
  scan(context: string, mailbox: string): Promise<void>;
  stop(): Promise<void>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** `6001@vm-demo` → its parts (a mailbox without a context is in `default`). */
export function splitMailboxId(id: string): { readonly context: string; readonly mailbox: string } {
  const at = id.lastIndexOf('@');
  return at < 0 ? { context: 'default', mailbox: id } : { context: id.slice(at + 1), mailbox: id.slice(0, at) };
}

/** The mailboxes an event asks to read again. */
export function mailboxesToScan(event: Pick<RecordedEvent, 'type' | 'data'>): Array<{ readonly context: string; readonly mailbox: string }> {
  const { data } = event;
  if (event.type === 'MessageWaiting') {
    const id = str(data.Mailbox);
    return id === undefined ? [] : [splitMailboxId(id)];
  }
  if (event.type === voicemailEventTypes.deleteSucceeded && isRecord(data.result)) {
    const context = str(data.result.context);
    const mailbox = str(data.result.mailbox);
    return context === undefined || mailbox === undefined ? [] : [{ context, mailbox }];
  }
  if (event.type === amiEventTypes.snapshot && data.action === 'VoicemailUsersList' && Array.isArray(data.items)) {
    return data.items.flatMap((item: unknown) => {
      if (!isRecord(item)) return [];
      const context = str(item.VMContext);
      const mailbox = str(item.VoiceMailbox);
      return context === undefined || mailbox === undefined ? [] : [{ context, mailbox }];
    });
  }
  return [];
}

export async function startVoicemailWatcher(options: VoicemailWatcherOptions): Promise<VoicemailWatcher> {
  const { store, spool } = options;
  const log = options.logger.child({ component: 'voicemail-watcher' });
  const lastRecorded = new Map<string, string>();
  let stopped = false;
  // One read at a time, in the order the log asked for them.
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<unknown>): Promise<void> => {
    chain = chain.then(() => (stopped ? undefined : work().then(() => undefined))).catch((error: unknown) => log.warn({ err: error }, 'voicemail follow-up failed'));
    return chain;
  };

  const scanNow = async (context: string, mailbox: string): Promise<void> => {
    if (spool === undefined) return;
    const userId = voicemailUserId(context, mailbox);
    let messages;
    try {
      messages = await spool.list(context, mailbox);
    } catch (error) {
      // A name the spool refuses (`..`) is not a mailbox jade reads.
      log.warn({ err: error, userId }, 'mailbox not read from the spool');
      return;
    }
    const text = JSON.stringify(messages);
    if (lastRecorded.get(userId) === text) return;
    const data: VoicemailSpoolScannedData = { user_id: userId, context, mailbox, time: nowTimestamp(), messages };
    await store.append(voicemailStream(context, mailbox), [{ type: voicemailEventTypes.spoolScanned, data: data as unknown as Record<string, unknown>, metadata: {} }], 'any');
    lastRecorded.set(userId, text);
  };

  // A delete that failed after its files went (VoicemailRefresh refused) changed the disk too: its mailbox, by command id.
  const deleting = new Map<string, { readonly context: string; readonly mailbox: string }>();
  const afterFailedDelete = (event: RecordedEvent): Array<{ readonly context: string; readonly mailbox: string }> => {
    const commandId = str(event.data.command_id);
    if (commandId === undefined) return [];
    if (event.type === `${voicemailEventTypes.deleteCommand}Requested` && isRecord(event.data.request)) {
      const context = str(event.data.request.context);
      const mailbox = str(event.data.request.mailbox);
      if (context !== undefined && mailbox !== undefined) deleting.set(commandId, { context, mailbox });
      return [];
    }
    if (!event.type.startsWith(voicemailEventTypes.deleteCommand)) return [];
    const target = deleting.get(commandId);
    deleting.delete(commandId);
    return target === undefined || event.type === voicemailEventTypes.deleteSucceeded ? [] : [target];
  };

  const onEvents = (events: readonly RecordedEvent[]): void => {
    if (stopped) return;
    for (const event of events) {
      for (const { context, mailbox } of [...mailboxesToScan(event), ...afterFailedDelete(event)]) void enqueue(() => scanNow(context, mailbox));
    }
  };

  const subscription: Subscription = store.subscribeToAll({
    afterPosition: options.afterPosition ?? (await store.headPosition()),
    onEvents,
    onError: (error) => log.error({ err: error }, 'voicemail watcher stopped following the log'),
  });

  return {
    scan: (context, mailbox) => enqueue(() => scanNow(context, mailbox)),
    async stop() {
      stopped = true;
      await subscription.close();
      await chain;
    },
  };
}
