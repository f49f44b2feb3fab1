import { overlay } from '../lib/ami-fields.js';
import { epochSeconds } from '../lib/event-time.js';
import type { QueueRow } from './rows.js';

/**
 * app_queue's arithmetic, reproduced: the statistics Asterisk only reports on request move with every call
 * (update_queue, recalc_holdtime, record_abandoned), so jade computes them as app_queue does.
 */


/**
 * app_queue's percentages: `100 * ((float) part / (float) whole)` in single precision, printed with `%2.1f`
 * (round half to even on the exact binary value, as glibc does). Computed the same way so that jade's figure
 * equals the one Asterisk prints, digit for digit.
 */
export function servicePercent(part: number, whole: number): number {
  if (whole <= 0) return 0;
  const value = Math.fround(100 * Math.fround(Math.fround(part) / Math.fround(whole)));
  // A float times 10 is exact in a double (24 + 4 bits), so the tie test below is exact.
  const scaled = value * 10;
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return rounded / 10;
}

/** app_queue's running average: `((old << 2) - old + new) >> 2`. */
export const average = (old: number, sample: number): number => (old * 3 + sample) >> 2;

export function withServiceLevels(queue: QueueRow): QueueRow {
  return overlay(queue, {
    service_level_perf: servicePercent(queue.completed_in_sl, queue.completed),
    service_level_perf2: servicePercent(queue.completed_in_sl + queue.abandoned_in_sl, queue.completed + queue.abandoned),
  });
}

/** Epoch seconds of an API timestamp, 0 when it is not one (app_queue prints 0 for never). */
export const epochSecondsOrZero = (timestamp: string): number => epochSeconds(timestamp) ?? 0;

/**
 * The in-service-level counters behind a reported pair of percentages: ours when they reproduce Asterisk's figures
 * (exact, counted from events), otherwise the nearest counts that do (exact while fewer than ~1000 calls).
 */
export function inServiceLevel(queue: QueueRow): Pick<QueueRow, 'completed_in_sl' | 'abandoned_in_sl'> {
  const consistent =
    queue.completed_in_sl <= queue.completed &&
    queue.abandoned_in_sl <= queue.abandoned &&
    servicePercent(queue.completed_in_sl, queue.completed) === queue.service_level_perf &&
    servicePercent(queue.completed_in_sl + queue.abandoned_in_sl, queue.completed + queue.abandoned) === queue.service_level_perf2;
  if (consistent) return { completed_in_sl: queue.completed_in_sl, abandoned_in_sl: queue.abandoned_in_sl };
  const clamp = (value: number, max: number) => Math.min(max, Math.max(0, value));
  const completedInSl = clamp(Math.round((queue.service_level_perf * queue.completed) / 100), queue.completed);
  const bothInSl = Math.round((queue.service_level_perf2 * (queue.completed + queue.abandoned)) / 100);
  return { completed_in_sl: completedInSl, abandoned_in_sl: clamp(bothInSl - completedInSl, queue.abandoned) };
}
