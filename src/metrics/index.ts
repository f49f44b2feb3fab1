import type { EventStore, Subscription } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { JadeMetrics } from './registry.js';

export { JadeMetrics, type MetricsSources } from './registry.js';
export { timedAppends } from './timed-store.js';
export { listenMetrics, type MetricsServer } from './server.js';

/**
 * Counts what the log records from `afterPosition` on (events by type, dialings, commands): a subscription
 * of its own, so counting never slows the projections. A failure stops the counting, not jade.
 */
export function countLog(store: Pick<EventStore, 'subscribeToAll'>, metrics: Pick<JadeMetrics, 'observeLog'>, afterPosition: number, logger: Logger): Subscription {
  return store.subscribeToAll({
    afterPosition,
    onEvents: (events) => metrics.observeLog(events),
    onError: (error) => logger.error({ err: error }, 'metrics stopped counting the log'),
  });
}
