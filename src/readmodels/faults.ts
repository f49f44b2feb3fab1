import { projectionEventTypes, projectionFaultStream, type JadeEvent, type ProjectionFaultData, type RecordedEvent } from '../events/index.js';
import type { EventStore } from '../eventstore/port.js';

/** A fault as the API shows it. */
export interface ProjectionFault extends ProjectionFaultData {
  /** Where the `ProjectionFault` event itself is in the log (undefined until read back). */
  readonly fault_position?: number;
}

export interface ProjectionFaultSummary {
  readonly count: number;
  /** The most recent faults, oldest first. */
  readonly last: readonly ProjectionFault[];
}

export interface FaultReport {
  /** Faults over every projection. */
  readonly count: number;
  readonly last_fault?: ProjectionFault;
  /** Only projections that have faults. */
  readonly projections: Readonly<Record<string, ProjectionFaultSummary>>;
}

/** How many faults per projection the report keeps in memory (the log has them all). */
const keptPerProjection = 10;
/** An error message of a poison event may quote the event: keep the fault readable. */
const maxErrorChars = 1000;

export function faultMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > maxErrorChars ? `${text.slice(0, maxErrorChars)}…` : text;
}

export function faultEvent(fault: ProjectionFaultData): JadeEvent {
  return { type: projectionEventTypes.fault, data: { ...fault }, metadata: {} };
}

/** The fault an event records, or undefined when it is not a well-formed `ProjectionFault`. */
export function readFault(event: RecordedEvent): ProjectionFault | undefined {
  if (event.type !== projectionEventTypes.fault) return undefined;
  const { projection, position, event_type, event_stream, error, version } = event.data;
  if (typeof projection !== 'string' || typeof position !== 'number') return undefined;
  return {
    projection,
    position,
    event_type: typeof event_type === 'string' ? event_type : '',
    event_stream: typeof event_stream === 'string' ? event_stream : '',
    error: typeof error === 'string' ? error : '',
    version: typeof version === 'number' ? version : 0,
    fault_position: event.position,
  };
}

/**
 * The faults recorded in the log: which (projection, position) pairs already have their `ProjectionFault`,
 * so a replay that skips the same event again (a rebuild, a restart after a crash) records no duplicate.
 */
export class FaultBook {
  private readonly recorded = new Set<string>();
  private readonly summaries = new Map<string, { count: number; last: ProjectionFault[] }>();
  private latest: ProjectionFault | undefined;

  has(projection: string, position: number): boolean {
    return this.recorded.has(`${position}:${projection}`);
  }

  add(fault: ProjectionFault): void {
    const key = `${fault.position}:${fault.projection}`;
    if (this.recorded.has(key)) return;
    this.recorded.add(key);
    let summary = this.summaries.get(fault.projection);
    if (!summary) this.summaries.set(fault.projection, (summary = { count: 0, last: [] }));
    summary.count += 1;
    summary.last.push(fault);
    if (summary.last.length > keptPerProjection) summary.last.shift();
    this.latest = fault;
  }

  /** Reads every projection's fault stream. */
  async load(store: Pick<EventStore, 'readStream'>, projections: readonly string[]): Promise<void> {
    for (const name of projections) {
      for (const event of await store.readStream(projectionFaultStream(name))) {
        const fault = readFault(event);
        if (fault) this.add(fault);
      }
    }
  }

  report(): FaultReport {
    let count = 0;
    const projections: Record<string, ProjectionFaultSummary> = {};
    for (const [name, summary] of this.summaries) {
      count += summary.count;
      projections[name] = { count: summary.count, last: [...summary.last] };
    }
    return { count, ...(this.latest ? { last_fault: this.latest } : {}), projections };
  }
}
