import { streams } from './streams.js';

/** Facts jade records about its own read models. */
export const projectionEventTypes = {
  /**
   * A projection threw on an event (or wrote rows it could not store): it skipped that event and went on.
   * Projections never see these events (the runner passes them to none), so recording one changes no read model.
   */
  fault: 'ProjectionFault',
} as const;

export interface ProjectionFaultData {
  readonly projection: string;
  /** The log position of the event the projection skipped. */
  readonly position: number;
  /** That event's type and stream, so the fault reads without a second lookup. */
  readonly event_type: string;
  readonly event_stream: string;
  /** The error's message, cut to a readable length. */
  readonly error: string;
  /** The projection's version when it threw (a later version may handle the event). */
  readonly version: number;
}

/** One stream per projection: `projection-<name>`; the runner reads them all back at start. */
export const projectionFaultStream = (projection: string): string => streams.object('projection', projection);
