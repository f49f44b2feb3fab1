import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RecordedEvent } from '../events/index.js';
import { logFact } from './log-facts.js';

/** What the metrics read when scraped: each part of jade through a small port, wired in main.ts. */
export interface MetricsSources {
  /** Each Asterisk box's name (`ami.nodes[].node`) and whether its AMI link is up. */
  ami(): readonly { readonly node: string; readonly connected: boolean }[];
  /** The log's head position. */
  headPosition(): Promise<number>;
  readonly projections: {
    projectionPositions(): readonly { readonly name: string; readonly position: number }[];
    /** Events projections skipped (ProjectionFault), in total. */
    faultCount(): number;
  };
  /** This node's role among the jade nodes sharing a store (one always leads alone on SQLite). */
  cluster?(): { readonly node: string; readonly role: 'leader' | 'follower'; readonly epoch: number };
  /** The realtime fan-out's counts since start; absent until it is attached. */
  realtime?(): {
    readonly clients: { readonly socketIo: number; readonly ws: number };
    readonly delivered: { readonly events: number };
    readonly dropped: number;
  };
}

/** Seconds: HTTP handlers answer in milliseconds; point-in-time reads and rebuilds may take seconds. */
const httpBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: an SQLite group commit is sub-millisecond to a few ms; a remote store is slower. */
const appendBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * jade's Prometheus metrics (`/metrics`). Counters of what happened are fed through the ports below
 * (`observeLog` from a log subscription, `observeHttp` from the HTTP app, `observeAppend` from the store
 * decorator); gauges of the current state are read from `sources` at scrape time. No domain code imports this.
 */
export class JadeMetrics {
  readonly registry = new Registry();
  private sources: MetricsSources | undefined;
  private readonly eventsIngested: Counter<'type'>;
  private readonly dialingsStarted: Counter;
  private readonly dialingsEnded: Counter<'reason'>;
  private readonly commands: Counter<'type' | 'outcome'>;
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly appendDuration: Histogram;

  constructor() {
    const registers = [this.registry];
    const metrics = this;
    this.eventsIngested = new Counter({ name: 'jade_events_ingested_total', help: 'Events appended to the log since start, by type (AMI events as ingested, and jade\'s own facts)', labelNames: ['type'], registers });
    this.dialingsStarted = new Counter({ name: 'jade_dialer_dialings_started_total', help: 'Dialings the dialer started (DialingCreated) since start', registers });
    this.dialingsEnded = new Counter({ name: 'jade_dialer_dialings_ended_total', help: 'Dialings that ended (DialingEnded) since start, by reason', labelNames: ['reason'], registers });
    this.commands = new Counter({ name: 'jade_commands_total', help: 'Audited commands since start, by type and outcome (requested, succeeded, failed, rejected, unknown)', labelNames: ['type', 'outcome'], registers });
    this.httpDuration = new Histogram({ name: 'jade_http_request_duration_seconds', help: 'HTTP requests by method, route pattern (unversioned) and status', labelNames: ['method', 'route', 'status'], buckets: httpBuckets, registers });
    this.appendDuration = new Histogram({ name: 'jade_eventstore_append_duration_seconds', help: 'Event-store appends, until the store confirmed them', buckets: appendBuckets, registers });

    new Gauge({
      name: 'jade_ami_connected', help: '1 while the AMI link to the node is up', labelNames: ['node'], registers,
      collect() {
        for (const link of metrics.sources?.ami() ?? []) this.set({ node: link.node }, link.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'jade_log_position', help: 'Position of the last event in the log', registers,
      async collect() {
        if (metrics.sources) this.set(await metrics.sources.headPosition());
      },
    });
    new Gauge({
      name: 'jade_projection_position', help: 'The log position each projection has applied', labelNames: ['projection'], registers,
      collect() {
        for (const { name, position } of metrics.sources?.projections.projectionPositions() ?? []) this.set({ projection: name }, position);
      },
    });
    new Gauge({
      name: 'jade_projection_lag_events', help: 'Events in the log a projection has not applied yet', labelNames: ['projection'], registers,
      async collect() {
        if (!metrics.sources) return;
        const head = await metrics.sources.headPosition();
        for (const { name, position } of metrics.sources.projections.projectionPositions()) this.set({ projection: name }, Math.max(0, head - position));
      },
    });
    new Gauge({
      name: 'jade_projection_faults', help: 'Events projections skipped because they threw on them (ProjectionFault)', registers,
      collect() {
        if (metrics.sources) this.set(metrics.sources.projections.faultCount());
      },
    });
    new Gauge({
      name: 'jade_cluster_leader', help: '1 while this node leads (runs the AMI links, the dialer, the read-model writes), 0 while it follows', labelNames: ['node'], registers,
      collect() {
        const cluster = metrics.sources?.cluster?.();
        if (cluster) this.set({ node: cluster.node }, cluster.role === 'leader' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'jade_cluster_epoch', help: 'The leadership epoch: the one this node leads under, or the last one it saw', registers,
      collect() {
        const cluster = metrics.sources?.cluster?.();
        if (cluster) this.set(cluster.epoch);
      },
    });
    new Gauge({
      name: 'jade_realtime_clients', help: 'Connected realtime clients, by transport', labelNames: ['transport'], registers,
      collect() {
        const stats = metrics.sources?.realtime?.();
        if (!stats) return;
        this.set({ transport: 'socket.io' }, stats.clients.socketIo);
        this.set({ transport: 'ws' }, stats.clients.ws);
      },
    });
    // The fan-out keeps these totals itself; the scrape copies them (a counter's value is what it says since start).
    new Counter({
      name: 'jade_realtime_events_delivered_total', help: 'Events handed to realtime clients since start, summed over clients', registers,
      collect() {
        const stats = metrics.sources?.realtime?.();
        if (!stats) return;
        this.reset();
        this.inc(stats.delivered.events);
      },
    });
    new Counter({
      name: 'jade_realtime_clients_dropped_total', help: 'Realtime clients disconnected for falling behind (buffer exceeded) since start', registers,
      collect() {
        const stats = metrics.sources?.realtime?.();
        if (!stats) return;
        this.reset();
        this.inc(stats.dropped);
      },
    });
  }

  /** The parts read at scrape time; set once they exist (main.ts). */
  attach(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Every event appended to the log, in order (a log subscription in main.ts). */
  observeLog(events: readonly RecordedEvent[]): void {
    for (const event of events) {
      this.eventsIngested.inc({ type: event.type });
      const fact = logFact(event);
      if (fact?.kind === 'dialing_started') this.dialingsStarted.inc();
      else if (fact?.kind === 'dialing_ended') this.dialingsEnded.inc({ reason: fact.reason });
      else if (fact?.kind === 'command') this.commands.inc({ type: fact.type, outcome: fact.outcome });
    }
  }

  /** One answered HTTP request; `route` is the router's pattern (bounded), never the raw URL. */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }

  observeAppend(seconds: number): void {
    this.appendDuration.observe(seconds);
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  async render(): Promise<{ readonly contentType: string; readonly text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
