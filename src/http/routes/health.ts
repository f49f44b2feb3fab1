import { Router } from '@koa/router';
import { z } from 'zod';
import type { AmiGateway } from '../../ami/port.js';
import type { AmiNodeStatus } from '../../ami/nodes.js';
import type { LeadershipView } from '../../cluster/leadership.js';
import type { EventStore } from '../../eventstore/port.js';
import type { FaultReport } from '../../readmodels/faults.js';
import { reply } from '../envelope.js';
import { accepts } from '../route-input.js';

export interface HealthDeps {
  /** The links in one (for one box, its link): `ami.connected` etc. */
  readonly ami: Pick<AmiGateway, 'state'>;
  /** Every box's link, reported as `ami.nodes`. */
  readonly nodes?: () => readonly AmiNodeStatus[];
  readonly store: Pick<EventStore, 'headPosition'>;
  readonly projectionsPosition: () => number;
  /** Events projections skipped (ProjectionFault): the count and the latest, so a monitor sees a poison event. */
  readonly projectionFaults?: () => Pick<FaultReport, 'count' | 'last_fault'>;
  /** This node's role among the nodes sharing the store, who leads, and the fencing epoch. */
  readonly cluster?: () => LeadershipView;
}

/** What `/health` answers (described in the OpenAPI document; the handler below builds it). */
const healthResult = z.object({
  ami: z.object({
    connected: z.boolean(),
    since: z.string().nullable(),
    last_event_at: z.string().nullable(),
    nodes: z
      .array(
        z.object({
          node: z.string(),
          connected: z.boolean(),
          since: z.string().nullable(),
          last_event_at: z.string().nullable(),
          system_name: z.string().nullable().describe('the box\'s systemname (CoreSettings) when several boxes are configured; empty: none; null: not yet known'),
          refused: z.string().nullable().describe('why jade stopped this link (its systemname is another box\'s); null while it runs'),
        }),
      )
      .optional()
      .describe('every Asterisk box (ami.nodes); the fields above sum them up: connected when every link is'),
  }),
  eventstore: z.object({ ok: z.boolean(), position: z.number().int().nullable(), error: z.string().optional() }),
  projections: z.object({
    position: z.number().int(),
    faults: z.number().int().optional(),
    last_fault: z.object({ projection: z.string(), position: z.number().int(), event_type: z.string() }).optional(),
  }),
  cluster: z
    .object({
      role: z.enum(['leader', 'follower']),
      node: z.string(),
      epoch: z.number().int(),
      leader: z.object({ node: z.string(), url: z.string(), since: z.string() }).nullable(),
    })
    .optional(),
});
const pingInput = accepts({ summary: 'Liveness: always pong', result: z.object({ message: z.literal('pong') }) });
const healthInput = accepts({ summary: 'AMI link, event store, projections and this node\'s cluster role, always 200', result: healthResult });

/** `/ping` and `/health`: public, and always 200 so a load balancer can read the body. */
export function healthRoutes(deps: HealthDeps): Router {
  const router = new Router();
  router.get('/ping', pingInput, (ctx) => reply(ctx, { message: 'pong' }));
  router.get('/health', healthInput, async (ctx) => {
    const ami = deps.ami.state();
    let eventstore: { ok: boolean; position: number | null; error?: string };
    try {
      eventstore = { ok: true, position: await deps.store.headPosition() };
    } catch (error) {
      eventstore = { ok: false, position: null, error: error instanceof Error ? error.message : String(error) };
    }
    reply(ctx, {
      ami: { connected: ami.connected, since: ami.since, last_event_at: ami.lastEventAt, ...nodeStatuses(deps) },
      eventstore,
      projections: { position: deps.projectionsPosition(), ...projectionFaults(deps) },
      ...(deps.cluster ? { cluster: deps.cluster() } : {}),
    });
  });
  return router;
}

function nodeStatuses(deps: HealthDeps): { nodes: unknown[] } | undefined {
  if (!deps.nodes) return undefined;
  return {
    nodes: deps.nodes().map((s) => ({ node: s.node, connected: s.connected, since: s.since, last_event_at: s.lastEventAt, system_name: s.systemName, refused: s.refused })),
  };
}

type PublicFault = { projection: string; position: number; event_type: string };

/**
 * The public view of the faults: how many, and which projection skipped which event. The error text and the
 * event's stream (a call id) stay behind the admin route (`GET /admin/projections`).
 */
function projectionFaults(deps: HealthDeps): { faults: number; last_fault?: PublicFault } | undefined {
  if (!deps.projectionFaults) return undefined;
  const { count, last_fault: last } = deps.projectionFaults();
  if (last === undefined) return { faults: count };
  return { faults: count, last_fault: { projection: last.projection, position: last.position, event_type: last.event_type } };
}
