import { projectionFaultStream, type ProjectionFaultData, type RecordedEvent } from '../events/index.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { Applied, Applier } from './applier.js';
import { FaultBook, faultEvent, type FaultReport } from './faults.js';

/**
 * Keeps the log the record of every skipped (projection, event): a batch holding a fault not yet in the
 * log is rolled back, the fault appended as `ProjectionFault` on `projection-<name>`, and the batch applied
 * again. So a checkpoint never moves past an unrecorded skip; a crash in between only replays the batch,
 * which throws again at the same place and finds its fault already recorded (read back at start), so
 * nothing is lost or recorded twice. Shared by the live run, catch-up and rebuilds.
 */
export class FaultRecorder {
  private readonly book = new FaultBook();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
    /** Off for throwaway runners (point-in-time scratch builds): they skip the same events but write nothing. */
    private readonly enabled: boolean,
    private readonly projections: readonly string[],
  ) {}

  /** For the Applier: whether this skip needs no record (already in the log, or recording is off). */
  readonly isRecorded = (projection: string, position: number): boolean => !this.enabled || this.book.has(projection, position);

  report(): FaultReport {
    return this.book.report();
  }

  /** Reads the recorded faults once, before the first batch (so a replay recognises the ones it meets again). */
  load(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.loaded ??= this.book.load(this.store, this.projections).catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  /**
   * Applies a batch. When it holds faults not yet in the log, records them first and then applies it again
   * (the pairs that threw are skipped, now with their record): async only then. Resolves undefined when
   * `stillWanted` turned false while recording (the runner was stopped): the batch stays for the next start.
   */
  apply(applier: Applier, events: readonly RecordedEvent[], stillWanted: () => boolean = () => true): Applied[] | Promise<Applied[] | undefined> {
    const outcome = applier.apply(events);
    if (outcome.committed) return outcome.changes;
    return (async () => {
      let unrecorded = outcome.unrecorded;
      for (;;) {
        await this.append(unrecorded);
        if (!stillWanted()) return undefined;
        const again = applier.apply(events);
        if (again.committed) return again.changes;
        unrecorded = again.unrecorded;
      }
    })();
  }

  private async append(faults: readonly ProjectionFaultData[]): Promise<void> {
    const byProjection = new Map<string, ProjectionFaultData[]>();
    for (const fault of faults) {
      // A concurrent replay (a rebuild beside the live run) may have recorded it meanwhile.
      if (this.book.has(fault.projection, fault.position)) continue;
      const list = byProjection.get(fault.projection) ?? [];
      list.push(fault);
      byProjection.set(fault.projection, list);
    }
    for (const [projection, list] of byProjection) {
      const appended = await this.store.append(projectionFaultStream(projection), list.map(faultEvent));
      list.forEach((fault, index) => {
        this.book.add({ ...fault, fault_position: appended.firstPosition + index });
        this.logger.error({ ...fault }, 'projection failed on an event; skipped it and recorded a ProjectionFault');
      });
    }
  }
}
