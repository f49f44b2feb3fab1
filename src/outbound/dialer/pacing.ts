import type { DestinationObject } from '../resources/index.js';

/**
 * Catalog 50-outbound §3, the manual's formula:
 *   (max available outbound call count) - (current outbound call count) + (service level) = (available call count);
 *   dial while it is > 0.
 * Pure; the engine supplies the counts from the read models and its own live dialings.
 */

/** A destination's "max available outbound call count" (§2.4): a number, or no limit. */
export type Capacity = number | 'unlimited';

/** How the engine must measure a destination: a queue's available members, or nothing (unlimited). */
export type CapacitySource = { readonly kind: 'unlimited' } | { readonly kind: 'queue'; readonly queue: string };

/**
 * §2.4: an application destination `queue` is limited by the queue named in `data` (its available members);
 * `park`, any other application and every extension destination (type 0, *(ref impl)*) are unlimited.
 */
export function capacitySource(dest: Pick<DestinationObject, 'type' | 'application' | 'data'>): CapacitySource {
  if (dest.type === 1 && (dest.application ?? '').trim().toLowerCase() === 'queue') {
    // Queue()'s data is `queuename[,options...]`: the queue is the first argument.
    const queue = (dest.data ?? '').split(',')[0]!.trim();
    return { kind: 'queue', queue };
  }
  return { kind: 'unlimited' };
}

/** Queue member device state "not in use" (AST_DEVICE_NOT_INUSE): the catalog's available member (§3, *(ref impl)*). */
export const MEMBER_NOT_IN_USE = 1;

/** A queue member as pacing reads it (the queue read model's row). */
export interface MemberAvailability {
  readonly status: number;
  readonly paused: number;
}

/** QueueSummary's `Available` (§2.4): members that are not in use and not paused. */
export function availableMembers(members: readonly MemberAvailability[]): number {
  return members.filter((member) => member.status === MEMBER_NOT_IN_USE && member.paused === 0).length;
}

export interface PacingInput {
  readonly capacity: Capacity;
  /** The campaign's dialings not yet finalised. */
  readonly current: number;
  /** `plan.service_level`; negative counts as 0 (§3). */
  readonly serviceLevel: number;
  /** The engine's own bound per campaign and tick, so an unlimited destination does not flood Asterisk at once. */
  readonly maxPerTick: number;
}

/** How many new dialings the campaign may start now: the formula, bounded by `maxPerTick`; never negative. */
export function dialsAllowed(input: PacingInput): number {
  const limit = Math.max(0, Math.trunc(input.maxPerTick));
  if (input.capacity === 'unlimited') return limit;
  const available = input.capacity - input.current + Math.max(0, Math.trunc(input.serviceLevel));
  return Math.max(0, Math.min(limit, available));
}
