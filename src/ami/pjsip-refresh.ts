import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../events/index.js';
import { amiEventTypes } from '../events/index.js';
import type { EventStore, Subscription } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { pjsipShowEndpoint } from './actions.js';
import type { AmiConnection } from './connection.js';
import type { AmiIngest } from './ingest.js';
import { runResync } from './resync.js';
import type { SnapshotSpec } from './snapshots.js';

/**
 * Follow-up snapshots for the PJSIP read model, recorded like resync snapshots (in socket order, as
 * `AmiSnapshot` events) so projections stay a pure function of the log:
 *
 * - after every `PJSIPShowEndpoints` snapshot, one `PJSIPShowEndpoint` per listed endpoint: the summary
 *   list has 9 fields, the manual's endpoint object 115 (catalog 70 §2.7);
 * - after `ContactStatus` events (a UA registered, re-registered, went away), `PJSIPShowContacts` and
 *   `PJSIPShowAors`: the event names the contact but not its Call-ID, user agent, via address or expiry
 *   (catalog 70 §2 proposes exactly this refresh).
 *
 * It watches the log, not the AMI link, so it also sees snapshots and events it did not cause, and only
 * from the head at start: a restart of jade does not re-fetch what is already recorded.
 */
export interface PjsipRefreshOptions {
  readonly store: Pick<EventStore, 'subscribeToAll' | 'headPosition'>;
  readonly ami: { readonly connection: AmiConnection; readonly ingest: AmiIngest; resnapshot(names: readonly string[]): Promise<unknown> };
  readonly logger: Logger;
  /** Per detail action. */
  readonly timeoutMs?: number;
  /** ContactStatus events come in bursts (a UA re-registering, a qualify round): one refresh per burst. */
  readonly debounceMs?: number;
  /** Where to start following the log (default: its head now). Read it before AMI starts so the first round is seen. */
  readonly afterPosition?: number;
  /** With several boxes, this link's node: events of another box's link are not this one's to follow up. */
  readonly node?: string;
}

export interface PjsipRefresh {
  stop(): Promise<void>;
}

/** The name a detail snapshot is recorded under; the projection reads the endpoint from its items. */
export const endpointDetailAction = 'PJSIPShowEndpoint';

const detailSpec = (endpoint: string): SnapshotSpec => ({
  kind: 'list',
  name: endpointDetailAction,
  action: pjsipShowEndpoint({ endpoint }),
});

function listedEndpoints(event: RecordedEvent): string[] {
  if (event.type !== amiEventTypes.snapshot || event.data.action !== 'PJSIPShowEndpoints' || !Array.isArray(event.data.items)) return [];
  const names: string[] = [];
  for (const item of event.data.items as unknown[]) {
    const name = typeof item === 'object' && item !== null ? (item as Record<string, unknown>).ObjectName : undefined;
    // A name that would not survive as an AMI header value is not one Asterisk gave; skip it rather than send it.
    if (typeof name === 'string' && name !== '' && !/[\r\n\0]/.test(name)) names.push(name);
  }
  return names;
}

export async function startPjsipRefresh(options: PjsipRefreshOptions): Promise<PjsipRefresh> {
  const { ami, logger } = options;
  const log = logger.child({ component: 'pjsip-refresh' });
  const timeoutMs = options.timeoutMs ?? 10_000;
  const debounceMs = options.debounceMs ?? 200;
  const pendingEndpoints = new Set<string>();
  let contactsTimer: NodeJS.Timeout | undefined;
  let stopped = false;
  // One follow-up at a time: they share the link with live traffic and the resync round.
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<unknown>): void => {
    chain = chain.then(
      () => (stopped ? undefined : work().then(() => undefined)),
      () => undefined,
    ).catch((error: unknown) => log.warn({ err: error }, 'PJSIP follow-up snapshot failed'));
  };

  const fetchDetails = (): void => {
    enqueue(async () => {
      const names = [...pendingEndpoints];
      pendingEndpoints.clear();
      if (names.length === 0 || !ami.connection.state().connected) return;
      await runResync(ami.connection, ami.ingest, names.map(detailSpec), { round: randomUUID(), timeoutMs, logger: log });
    });
  };

  const onEvents = (events: readonly RecordedEvent[]): void => {
    if (stopped) return;
    let endpoints = false;
    let contacts = false;
    for (const event of events) {
      if (options.node !== undefined && event.metadata.node !== options.node) continue;
      const names = listedEndpoints(event);
      for (const name of names) pendingEndpoints.add(name);
      if (names.length > 0) endpoints = true;
      if (event.type === 'ContactStatus') contacts = true;
    }
    if (endpoints) fetchDetails();
    if (contacts) {
      clearTimeout(contactsTimer);
      contactsTimer = setTimeout(() => enqueue(() => ami.resnapshot(['PJSIPShowContacts', 'PJSIPShowAors'])), debounceMs);
    }
  };

  const subscription: Subscription = options.store.subscribeToAll({
    afterPosition: options.afterPosition ?? (await options.store.headPosition()),
    onEvents,
    onError: (error) => log.error({ err: error }, 'PJSIP refresh stopped following the log'),
  });

  return {
    async stop() {
      stopped = true;
      clearTimeout(contactsTimer);
      await subscription.close();
      await chain;
    },
  };
}
