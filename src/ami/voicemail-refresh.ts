import type { RecordedEvent } from '../events/index.js';
import type { EventStore, Subscription } from '../eventstore/port.js';
import type { Logger } from '../logger.js';

/**
 * app_voicemail announces no mailbox change: a mailbox added to or removed from voicemail.conf shows only in the
 * next `VoicemailUsersList`. After every `Reload` of app_voicemail (or of everything) jade sees in the log, from
 * wherever it came (`PUT /v1/core/modules/app_voicemail`, the CLI, `core reload`), the list is asked again and
 * recorded like a resync snapshot, so the voicemail read model follows. It watches the log, like pjsip-refresh.ts.
 */
export interface VoicemailRefreshOptions {
  readonly store: Pick<EventStore, 'subscribeToAll' | 'headPosition'>;
  readonly resnapshot: (names: readonly string[]) => Promise<unknown>;
  readonly logger: Logger;
  readonly afterPosition?: number;
  /** With several boxes, the node whose `Reload`s this follows (its own link asks again). */
  readonly node?: string;
}

export const voicemailListAction = 'VoicemailUsersList';

/** Is this `Reload` event about app_voicemail (`Module: app_voicemail[.so]`, or `All`)? */
export const reloadsVoicemail = (event: Pick<RecordedEvent, 'type' | 'data'>): boolean =>
  event.type === 'Reload' && /^(app_voicemail(\.so)?|all)$/i.test(String(event.data.Module ?? '').trim());

export async function startVoicemailRefresh(options: VoicemailRefreshOptions): Promise<{ stop(): Promise<void> }> {
  const log = options.logger.child({ component: 'voicemail-refresh' });
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const subscription: Subscription = options.store.subscribeToAll({
    afterPosition: options.afterPosition ?? (await options.store.headPosition()),
    onEvents: (events) => {
      const own = (event: RecordedEvent): boolean => options.node === undefined || event.metadata.node === options.node;
      if (stopped || !events.some((event) => own(event) && reloadsVoicemail(event))) return;
      chain = chain
        .then(() => (stopped ? undefined : options.resnapshot([voicemailListAction]).then(() => undefined)))
        .catch((error: unknown) => log.warn({ err: error }, 'VoicemailUsersList after a reload failed'));
    },
    onError: (error) => log.error({ err: error }, 'voicemail refresh stopped following the log'),
  });
  return {
    async stop() {
      stopped = true;
      await subscription.close();
      await chain;
    },
  };
}
