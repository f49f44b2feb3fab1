import { Router } from '@koa/router';
import type { AmiGateway } from '../../ami/port.js';
import type { EventStore } from '../../eventstore/port.js';
import { reply } from '../envelope.js';

export interface HealthDeps {
  readonly ami: Pick<AmiGateway, 'state'>;
  readonly store: Pick<EventStore, 'headPosition'>;
  readonly projectionsPosition: () => number;
}

/** `/ping` and `/health`: public, and always 200 so a load balancer can read the body. */
export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/ping', (ctx) => reply(ctx, { message: 'pong' }));
  router.get('/health', async (ctx) => {
    const ami = deps.ami.state();
    let eventstore: { ok: boolean; position: number | null; error?: string };
    try {
      eventstore = { ok: true, position: await deps.store.headPosition() };
    } catch (error) {
      eventstore = { ok: false, position: null, error: error instanceof Error ? error.message : String(error) };
    }
    reply(ctx, {
      ami: { connected: ami.connected, since: ami.since, last_event_at: ami.lastEventAt },
      eventstore,
      projections: { position: deps.projectionsPosition() },
    });
  });
  return router;
}

/** Routes any caller may use without a token. */
export const publicRoutes: ReadonlyArray<{ readonly method: string; readonly path: string }> = [
  { method: 'GET', path: '/ping' },
  { method: 'GET', path: '/health' },
  { method: 'POST', path: '/admin/login' },
];
