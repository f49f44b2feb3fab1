import type { RecordedEvent } from '../events/index.js';
import { reactsTo } from '../../projections/lib/projection.js';
import type { ProjectionRuntime } from './applier.js';

interface ForType {
  /** Runtimes that may react to this type, in projection order. */
  readonly candidates: readonly ProjectionRuntime[];
  /** Those among them that name the type itself (the rest react by stream prefix, checked per event). */
  readonly typed: ReadonlySet<ProjectionRuntime>;
  readonly allTyped: boolean;
}

/** Distinct event types remembered; AMI names are a few hundred, so this only bounds a hostile peer. */
const maxTypes = 4096;

/**
 * Which projections react to an event, in projection order, found by one lookup per event type instead of
 * asking every projection about every event (most events concern two or three of them).
 */
export class ReactingRuntimes {
  private readonly byType = new Map<string, ForType>();

  constructor(private readonly runtimes: readonly ProjectionRuntime[]) {}

  of(event: Pick<RecordedEvent, 'type' | 'stream'>): readonly ProjectionRuntime[] {
    let entry = this.byType.get(event.type);
    if (entry === undefined) {
      const typed = this.runtimes.filter((runtime) => Object.prototype.hasOwnProperty.call(runtime.def.handles, event.type));
      const candidates = this.runtimes.filter((runtime) => typed.includes(runtime) || runtime.def.handlesStreams !== undefined);
      entry = { candidates, typed: new Set(typed), allTyped: candidates.length === typed.length };
      if (this.byType.size >= maxTypes) this.byType.clear();
      this.byType.set(event.type, entry);
    }
    if (entry.allTyped) return entry.candidates;
    const typed = entry.typed;
    return entry.candidates.filter((runtime) => typed.has(runtime) || reactsTo(runtime.def, event));
  }
}
