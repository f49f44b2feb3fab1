import type { ObEvent, StoredEvent } from '../../../src/outbound/resources/index.js';

/** Fixed uuids and times, so expectations can be stated literally. */
export const T0 = '2026-01-01T00:00:00.000000000Z';
export const T1 = '2026-01-01T00:01:00.000000000Z';
export const T2 = '2026-01-01T00:02:00.000000000Z';

export const PLAN = '11111111-1111-4111-8111-111111111111';
export const DEST = '22222222-2222-4222-8222-222222222222';
export const DLMA = '33333333-3333-4333-8333-333333333333';
export const DL = '44444444-4444-4444-8444-444444444444';
export const CAMP = '55555555-5555-4555-8555-555555555555';
export const CAMP2 = '66666666-6666-4666-8666-666666666666';
export const DIALING = '77777777-7777-4777-8777-777777777777';

/** Folds decided events with the resource's evolver: the state the next command is decided against. */
export function given<S>(evolve: (state: S | undefined, event: StoredEvent) => S | undefined, ...batches: readonly (readonly ObEvent[])[]): S | undefined {
  return batches.flat().reduce<S | undefined>(evolve, undefined);
}

export const types = (events: readonly ObEvent[]): string[] => events.map((event) => event.type);
