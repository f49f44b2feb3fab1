import type { AmiNodeConfig } from '../config.js';
import type { EventStore } from '../eventstore/port.js';
import { query } from './actions.js';
import { startAmi, type AmiRuntime, type StartAmiOptions } from './index.js';
import type { AmiIngestStats } from './ingest.js';
import { startPjsipRefresh, type PjsipRefresh } from './pjsip-refresh.js';
import type { AmiConnectionState, AmiGateway, AmiNodeGateways } from './port.js';
import { SystemNames } from './system-names.js';
import { startVoicemailRefresh } from './voicemail-refresh.js';

/** One link as health and metrics report it. */
export interface AmiNodeStatus extends AmiConnectionState {
  readonly node: string;
  /** The box's `systemname` as its CoreSettings said; '' when it has none; null while unknown. */
  readonly systemName: string | null;
  /** Why this link was stopped (a systemname another box already has); null while it runs. */
  readonly refused: string | null;
}

export interface AmiNodes extends AmiNodeGateways {
  /** The first configured box: the single-link API of a one-box jade (`Jade.ami`). */
  readonly first: AmiRuntime;
  runtime(node: string): AmiRuntime | undefined;
  statuses(): AmiNodeStatus[];
  /** The links' state in one: up when every link is up (for one box, exactly its link's state). */
  state(): AmiConnectionState;
  /** Runs the named snapshot actions on one box, or on every box. */
  resnapshot(names: readonly string[], node?: string): Promise<void>;
  /**
   * With several boxes: resolves once each box told its systemname (or `waitMs` passed), and rejects, naming
   * both nodes, when two boxes have the same one. With one box: at once (nothing is asked that jade did not ask before).
   */
  ready(): Promise<void>;
  /** Every link's ingest figures, summed. */
  stats(): AmiIngestStats;
  /** `flushTimeoutMs` as AmiRuntime.stop's (0: a fenced leader drops what it has not appended). */
  stop(options?: { readonly flushTimeoutMs?: number }): Promise<void>;
}

export interface StartAmiNodesOptions extends Omit<StartAmiOptions, 'config' | 'onConnected'> {
  readonly nodes: readonly AmiNodeConfig[];
  readonly store: Pick<EventStore, 'append' | 'subscribeToAll' | 'headPosition'>;
  /** Where the per-box follow-ups (PJSIP details, voicemail list after a reload) start reading the log. */
  readonly afterPosition: number;
  /** How long `ready()` waits for every box's systemname. Default 5 s. */
  readonly systemNameWaitMs?: number;
}

/** Two configured boxes report one systemname: a configuration jade cannot start with (their unique ids would collide). */
export class SystemNameCollisionError extends Error {
  override readonly name = 'SystemNameCollisionError';
}

/** The systemname a CoreSettings response reports ('' for none). */
const systemNameOf = (response: Readonly<Record<string, string>>): string => (response.SystemName ?? '').trim();

/**
 * Several Asterisk boxes ingested by one jade: one link per box, each with its own connection, login,
 * keepalive, reconnect, resync round and `pbx-<node>` stream (startAmi), and its own PJSIP and voicemail
 * follow-ups. Asterisk prefixes its unique ids with its `systemname`, which keeps channel ids apart across
 * boxes, so with two or more boxes each link asks CoreSettings at every login: a box reusing another box's
 * systemname is refused (a failed start, or that link stopped and shown in health once jade serves).
 */
export async function startAmiNodes(options: StartAmiNodesOptions): Promise<AmiNodes> {
  const { nodes, store, logger } = options;
  if (nodes.length === 0) throw new Error('no Asterisk box configured (ami.nodes)');
  const several = nodes.length > 1;
  const names = new SystemNames();
  const refused = new Map<string, string>();
  const runtimes = new Map<string, AmiRuntime>();
  const followers: Array<() => Promise<void>> = [];
  let started = false;
  let settle: { resolve(): void; reject(error: Error): void } | undefined;
  const readyPromise = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // Not every caller awaits ready() at once: an early rejection is handled here, and again by whoever awaits.
  readyPromise.catch(() => undefined);

  const checkReady = (): void => {
    if (!started && nodes.every((n) => names.of(n.node) !== undefined)) settle?.resolve();
  };

  /** Resolves false when the box is refused (its resync round is then skipped). */
  const learn = (node: string, runtime: AmiRuntime): Promise<boolean> =>
    runtime.connection.action(query('CoreSettings')).then(
      (response) => {
        const systemName = systemNameOf(response);
        const verdict = names.learn(node, systemName);
        const log = logger.child({ node });
        if (verdict.kind === 'none') log.warn({ node }, `Asterisk box ${node} has no systemname: its unique ids may collide with another box's; set systemname in its asterisk.conf [options]`);
        if (verdict.kind === 'collision') {
          const reason = `Asterisk boxes ${verdict.other} and ${node} both report systemname ${JSON.stringify(systemName)}; each box needs a distinct systemname (asterisk.conf [options])`;
          if (!started) {
            settle?.reject(new SystemNameCollisionError(reason));
            return false;
          }
          // jade already serves: stop only this link, and say so in health, rather than stop serving the other boxes.
          log.error({ node, other: verdict.other, systemName }, reason);
          refused.set(node, reason);
          void runtime.stop();
          return false;
        }
        checkReady();
        return true;
      },
      (error: unknown) => {
        logger.child({ node }).warn({ err: error, node }, 'CoreSettings after login failed: systemname unknown until the next login');
        return true;
      },
    );

  for (const config of nodes) {
    const runtime = startAmi({ ...options, config, logger, onConnected: several ? () => learn(config.node, runtime) : undefined });
    runtimes.set(config.node, runtime);
    const nodeLogger = logger.child({ node: config.node });
    const pjsip: PjsipRefresh = await startPjsipRefresh({ store, ami: runtime, logger: nodeLogger, afterPosition: options.afterPosition, node: several ? config.node : undefined });
    const voicemail = await startVoicemailRefresh({
      store,
      resnapshot: (list) => runtime.resnapshot(list),
      logger: nodeLogger,
      afterPosition: options.afterPosition,
      node: several ? config.node : undefined,
    });
    followers.push(() => voicemail.stop(), () => pjsip.stop());
  }

  const first = runtimes.get(nodes[0]!.node)!;
  const statuses = (): AmiNodeStatus[] =>
    nodes.map(({ node }) => ({ node, ...runtimes.get(node)!.gateway.state(), systemName: names.of(node) ?? null, refused: refused.get(node) ?? null }));

  return {
    first,
    names: nodes.map((n) => n.node),
    gateway: (node: string): AmiGateway | undefined => runtimes.get(node)?.gateway,
    runtime: (node) => runtimes.get(node),
    statuses,
    state() {
      if (!several) return first.gateway.state();
      const all = statuses();
      const lastEvents = all.map((s) => s.lastEventAt).filter((at): at is string => at !== null).sort();
      return { connected: all.every((s) => s.connected), since: all[0]!.since, lastEventAt: lastEvents[lastEvents.length - 1] ?? null };
    },
    async resnapshot(list, node) {
      const chosen = node === undefined ? [...runtimes.values()] : [runtimes.get(node)].filter((r): r is AmiRuntime => r !== undefined);
      await Promise.all(chosen.map((runtime) => runtime.resnapshot(list)));
    },
    async ready() {
      if (!several) return;
      const timer = setTimeout(() => settle?.resolve(), options.systemNameWaitMs ?? 5000);
      try {
        await readyPromise;
      } finally {
        clearTimeout(timer);
        started = true;
      }
    },
    stats() {
      const total = { received: 0, appended: 0, queued: 0, inFlight: 0, retries: 0, reordered: 0 };
      for (const runtime of runtimes.values()) {
        const one = runtime.stats();
        for (const key of Object.keys(total) as Array<keyof AmiIngestStats>) total[key] += one[key];
      }
      return total;
    },
    async stop(stopOptions = {}) {
      // The followers of the log first (they act on the links), then the links (their last events reach the store).
      for (const stop of followers) await stop();
      for (const runtime of runtimes.values()) await runtime.stop(stopOptions);
    },
  };
}
