import type { RecordedEvent } from '../../src/events/index.js';
import { readSnapshot, snapshotAction, type Snapshot } from './ami-fields.js';
import { eventTime } from './event-time.js';
import type { EventHandler, ProjectionState, RowChange, TableRows } from './projection.js';

/**
 * Building blocks for a projection's `handles` table. Handlers get `(state, event)`; most of them also
 * want the event's time (never the clock: a rebuild must derive the same rows), so `atEventTime` hands it over.
 */

export type TimedHandler<TRows extends TableRows> = (state: ProjectionState<TRows>, event: RecordedEvent, time: string) => readonly RowChange<TRows>[];

/** A handler that also receives the event's time (event-time.ts). */
export function atEventTime<TRows extends TableRows>(handler: TimedHandler<TRows>): EventHandler<TRows> {
  return (state, event) => handler(state, event, eventTime(event));
}

/** What one resync action's answer does to a projection's rows. */
export type SnapshotReconciler<TRows extends TableRows> = (state: ProjectionState<TRows>, snapshot: Snapshot, time: string) => readonly RowChange<TRows>[];

/** An `AmiSnapshot` handler that names the resync actions it reconciles (read by the README's event table). */
export type SnapshotHandler<TRows extends TableRows> = EventHandler<TRows> & { readonly snapshotActions: readonly string[] };

/**
 * `AmiSnapshot` is one event type for every resync action (src/ami/snapshots.ts); this picks the reconciler by
 * the snapshot's normalised action (`coreshowchannels`, `module show`). A key also takes the action with
 * arguments (`module show` takes `module show like res_pjsip`; the reconciler reads them from the snapshot).
 * Any other action changes nothing.
 */
export function bySnapshotAction<TRows extends TableRows>(reconcilers: { readonly [action: string]: SnapshotReconciler<TRows> }): SnapshotHandler<TRows> {
  const actions = Object.keys(reconcilers);
  const handler: EventHandler<TRows> = (state, event) => {
    const snapshot = readSnapshot(event);
    if (!snapshot) return [];
    const action = snapshotAction(snapshot);
    const key = actions.find((name) => action === name || action.startsWith(`${name} `));
    return key === undefined ? [] : reconcilers[key]!(state, snapshot, eventTime(event));
  };
  return Object.assign(handler, { snapshotActions: actions });
}

/** The resync actions a declared handler reconciles; undefined when it does not say (it may react to any). */
export function snapshotActionsOf(handler: unknown): readonly string[] | undefined {
  if (typeof handler !== 'function') return undefined;
  const actions: unknown = (handler as { snapshotActions?: unknown }).snapshotActions;
  return Array.isArray(actions) && actions.every((name) => typeof name === 'string') ? actions : undefined;
}
