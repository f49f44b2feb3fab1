import { hostname } from 'node:os';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { SoleLeadership, type Leadership } from './leadership.js';
import { PostgresLeadership } from './postgres-leadership.js';

export { SoleLeadership, type Leadership, type LeadershipView, type LeaderInfo, type Role } from './leadership.js';
export { PostgresLeadership } from './postgres-leadership.js';
export { LeaderSeat } from './seat.js';
export { startLeaderDuties, type LeaderDuties, type LeaderDutyParts } from './duties.js';

/** This node's id and advertised URL: configured, or derived from the HTTP listener (known once it listens). */
export function clusterIdentity(config: Config, port: () => number): { readonly node: () => string; readonly url: () => string } {
  const host = config.http.host === '0.0.0.0' || config.http.host === '::' || config.http.host === '' ? hostname() : config.http.host;
  return {
    node: () => (config.cluster.nodeId !== '' ? config.cluster.nodeId : `${hostname()}:${port()}`),
    url: () => (config.cluster.advertiseUrl !== '' ? config.cluster.advertiseUrl : `http://${host.includes(':') ? `[${host}]` : host}:${port()}`),
  };
}

/** On PostgreSQL the nodes sharing the database elect one (an advisory lock); on any other store this process leads alone. */
export function createLeadership(config: Config, identity: ReturnType<typeof clusterIdentity>, logger: Logger): Leadership {
  if (config.eventstore.type !== 'postgres') return new SoleLeadership(identity.node, identity.url);
  return new PostgresLeadership({
    connectionString: config.eventstore.postgresUrl,
    node: identity.node,
    advertiseUrl: identity.url,
    retryMs: config.cluster.lockRetryMs,
    sessionTimeoutMs: config.cluster.sessionTimeoutMs,
    logger,
  });
}
