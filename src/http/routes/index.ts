/**
 * Every router of the API in the order the app tries them, built from the service objects
 * the composition root (src/main.ts) made: the one place that lists the URL areas.
 */
import type { Router } from '@koa/router';
import type { Kysely } from 'kysely';
import type { Logger } from '../../logger.js';
import type { EventStore, LogSource } from '../../eventstore/index.js';
import type { AmiNodes } from '../../ami/nodes.js';
import type { Database } from '../../readmodels/database.js';
import { defaultProjections } from '../../../projections/index.js';
import { routeTable, type AuthService } from '../../auth/index.js';
import type { ConfigService } from '../../configfiles/service.js';
import type { VoicemailSpool } from '../../voicemail/spool.js';
import type { CommandDeps } from '../../commands/command.js';
import { eventsRoutes } from './events.js';
import { healthRoutes, type HealthDeps } from './health.js';
import { apiDocsRoutes } from './api-docs.js';
import { registeredRoutes } from '../openapi/document.js';
import { dashboardRoutes } from './dashboard.js';
import { allLoginRoutes } from './login.js';
import { adminInfoRoutes } from './admin-info.js';
import { userRoutes } from './users.js';
import { coreRoutes } from './core.js';
import { queueRoutes } from './queue.js';
import { parkRoutes } from './park.js';
import { parkConfigRoutes } from './park-config.js';
import { pjsipConfigRoutes } from './pjsip-config.js';
import { dialplanConfigRoutes } from './dialplan-config.js';
import { managerConfigRoutes } from './manager-config.js';
import { queueConfigRoutes } from './queue-config.js';
import { voicemailRoutes } from './voicemail.js';
import { pjsipRoutes } from './pjsip.js';
import { legacyRoutes } from './legacy.js';
import { callsRoutes } from './calls.js';
import { commandsRoutes } from './commands.js';
import { projectionsRoutes, type ProjectionsRouteDeps } from './projections.js';
import { outboundRoutes, type OutboundRouteDeps } from './outbound.js';
import { dpRoutes, type DpRouteDeps } from './dp.js';
import { peopleRoutes, type PeopleRouteDeps } from './people.js';
import { chatRoutes, type ChatRouteDeps } from './chats.js';
import { metricsRoutes, type MetricsRouteDeps } from './metrics.js';

/** The service objects the routers are built from, each made once by compose() (or by a test). */
export interface RouterParts {
  readonly health: HealthDeps;
  readonly auth: AuthService;
  readonly pbx: PbxRouterParts;
  readonly outbound: OutboundRouteDeps;
  readonly history: HistoryRouterParts;
  /** Contacts, buddies, /me (issue 13 P2); optional so a test may build the routers without it. */
  readonly people?: PeopleRouteDeps;
  /** `/me/chats`; absent in tests that build routers without it. */
  readonly chats?: ChatRouteDeps;
  /** Async dialplans (issue 14): `/dp/...` and `/admin/dialplan/adp[ma]s`; optional like people. */
  readonly dp?: DpRouteDeps;
  /** `GET /metrics` (admin); absent in tests that build routers without it. */
  readonly metrics?: MetricsRouteDeps;
}

export interface PbxRouterParts {
  readonly db: Kysely<Database>;
  readonly commands: CommandDeps;
  /** Every box's link (or, on a follower, the empty seat): module operations resnapshot the box they acted on. */
  readonly ami: Pick<AmiNodes, 'resnapshot'>;
  readonly configFiles: ConfigService;
  /** `voicemail.spoolDir`; absent: the message routes answer 503. */
  readonly voicemailSpool?: VoicemailSpool;
}

export interface HistoryRouterParts {
  readonly db: Kysely<Database>;
  readonly store: Pick<EventStore, 'readStream'>;
  readonly log: LogSource;
  readonly runner: ProjectionsRouteDeps['runner'];
  readonly logger: Logger;
}

/** Every router of the API, one per URL area, in the order the app tries them; the last describes them all (`/v1/openapi.json`). */
export function buildRouters(parts: RouterParts): Router[] {
  const { db, commands } = parts.pbx;
  const routers = [
    healthRoutes(parts.health),
    ...authRouters(parts.auth),
    coreRoutes({ db, commands, ami: parts.pbx.ami }),
    queueRoutes({ db, commands }),
    queueConfigRoutes({ db, config: parts.pbx.configFiles }),
    voicemailRoutes({ db, config: parts.pbx.configFiles, commands, spool: parts.pbx.voicemailSpool }),
    outboundRoutes(parts.outbound),
    ...historyRouters(parts.history),
    parkConfigRoutes({ db, config: parts.pbx.configFiles }),
    parkRoutes({ db, commands }),
    pjsipConfigRoutes({ db, config: parts.pbx.configFiles }),
    dialplanConfigRoutes({ db, config: parts.pbx.configFiles }),
    managerConfigRoutes({ db, config: parts.pbx.configFiles }),
    pjsipRoutes({ db }),
    legacyRoutes({ db }),
    ...(parts.people ? [peopleRoutes(parts.people)] : []),
    ...(parts.chats ? [chatRoutes(parts.chats)] : []),
    ...(parts.dp ? [dpRoutes(parts.dp)] : []),
    ...(parts.metrics ? [metricsRoutes(parts.metrics)] : []),
  ];
  routers.push(apiDocsRoutes({ routes: () => registeredRoutes(routers), rules: routeTable }));
  // The dashboard is a page for people, not part of the API the document describes.
  routers.push(dashboardRoutes());
  return routers;
}

/** `/admin/login`, `/manager/login`, `/me/login`, `/admin/info`, and the users: `/admin/user/*`, `/manager/users`. */
export function authRouters(auth: AuthService): Router[] {
  return [...allLoginRoutes(auth), adminInfoRoutes(auth), userRoutes(auth)];
}

/** Log API, call history, command audit and replay: `/events`, `/calls`, `/commands`, `/admin/projections`. */
export function historyRouters(parts: HistoryRouterParts): Router[] {
  return [
    eventsRoutes({ log: parts.log }),
    callsRoutes({ db: parts.db, store: parts.store }),
    commandsRoutes({ db: parts.db }),
    projectionsRoutes({ runner: parts.runner, names: defaultProjections.map((p) => p.name), logger: parts.logger.child({ module: 'rebuild' }) }),
  ];
}
