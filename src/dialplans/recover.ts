import { listAgis } from '../../projections/agis.js';
import { streams, type RecordedEvent } from '../events/index.js';
import { dialplanAgiMarker, evolveRun, type RunState } from './decide.js';
import { dialplanRunEventTypes as types } from './events.js';
import type { DialplanRunnerOptions } from './runner.js';

/** What a previous process left unfinished (see `recoverDialplanRuns`). */
export interface RecoveredRuns {
  /** Runs started and not ended, folded from their call streams. */
  readonly runs: ReadonlyArray<{ readonly state: RunState; readonly foldedTo: number }>;
  /** Sessions whose `AsyncAGIStart` was handled: unique id -> its position. */
  readonly starts: ReadonlyMap<string, number>;
  /** Sessions that entered `jade_dialplan` with no run recorded yet (the crash fell right after their start). */
  readonly unstarted: readonly RecordedEvent[];
}

/**
 * Finds the runs a previous process left unfinished: the `jade_dialplan` async-AGI sessions the read model
 * holds (live, or ended within its retention: a crash between `AsyncAGIEnd` and the run's end), each folded
 * from its call's stream. main.ts calls it before AMI starts; the runs wait for the first channel snapshot.
 */
export async function recoverDialplanRuns(options: Pick<DialplanRunnerOptions, 'store' | 'db' | 'readModels'>): Promise<RecoveredRuns> {
  const head = await options.store.headPosition();
  await options.readModels.waitForPosition(head, 60_000).catch(() => undefined);
  const runs: Array<{ state: RunState; foldedTo: number }> = [];
  const starts = new Map<string, number>();
  const unstarted: RecordedEvent[] = [];
  for (const agi of await listAgis(options.db)) {
    if (agi.env.agi_arg_1 !== dialplanAgiMarker) continue;
    const events = await options.store.readStream(streams.call(agi.linked_id));
    let state: RunState | undefined;
    let lastStart: RecordedEvent | undefined;
    let decidedAfterStart = false;
    let foldedTo = 0;
    for (const event of events) {
      foldedTo = Math.max(foldedTo, event.position);
      const uniqueId = event.data.unique_id ?? event.data.Uniqueid;
      if (uniqueId !== agi.unique_id) continue;
      if (event.type === 'AsyncAGIStart') {
        lastStart = event;
        decidedAfterStart = false;
      } else if (event.type === types.started || event.type === types.ended) {
        decidedAfterStart = true;
      }
      state = evolveRun(state, event);
    }
    if (lastStart) starts.set(agi.unique_id, lastStart.position);
    if (lastStart && !decidedAfterStart) unstarted.push(lastStart);
    else if (state && !state.ended) runs.push({ state, foldedTo });
  }
  return { runs, starts, unstarted };
}

