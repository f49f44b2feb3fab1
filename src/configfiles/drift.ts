import { amiEventTypes, type RecordedEvent } from '../events/index.js';
import type { EventStore, Subscription } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { ConfigService } from './service.js';

/**
 * Drift: changes made to a managed file outside jade (another AMI client's UpdateConfig, an edit on the box)
 * are found by reading the file back (GetConfig) on every AMI connect and every `config.driftCheckSeconds`,
 * and recorded by the service as `ConfigChangedOutsideJade` (a new version, in the log and in history).
 * The first look at a file jade knew nothing of records `ConfigObserved`, the version later writes are based on.
 */
export interface ConfigDriftOptions {
  readonly service: Pick<ConfigService, 'checkDrift'>;
  readonly files: readonly string[];
  readonly intervalMs: number;
  readonly store: Pick<EventStore, 'subscribeToAll' | 'headPosition'>;
  readonly logger: Logger;
  /** Where to start following the log for `AmiConnected` (default: its head now). */
  readonly afterPosition?: number;
}

export interface ConfigDrift {
  /** Checks every file now (tests, the connect hook). */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

export async function startConfigDrift(options: ConfigDriftOptions): Promise<ConfigDrift> {
  const log = options.logger.child({ component: 'config-drift' });
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const checkNow = (): Promise<void> => {
    chain = chain.then(async () => {
      for (const file of options.files) {
        if (stopped) return;
        try {
          const outcome = await options.service.checkDrift(file);
          if (outcome === 'changed') log.warn({ file }, 'config file changed outside jade');
        } catch (error) {
          log.warn({ err: error, file }, 'config drift check failed');
        }
      }
    });
    return chain;
  };
  const timer = setInterval(() => void checkNow(), options.intervalMs);
  timer.unref();
  const subscription: Subscription = options.store.subscribeToAll({
    afterPosition: options.afterPosition ?? (await options.store.headPosition()),
    onEvents: (events: readonly RecordedEvent[]) => {
      if (!stopped && events.some((event) => event.type === amiEventTypes.connected)) void checkNow();
    },
    onError: (error) => log.error({ err: error }, 'config drift stopped following the log'),
  });
  return {
    checkNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await subscription.close();
      await chain;
    },
  };
}
