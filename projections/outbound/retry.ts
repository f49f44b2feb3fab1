import { formatTimestamp, parseTimestamp } from '../../src/events/time.js';
import type { DlIndex } from './dl.js';
import type { PlanObject } from './plan.js';

/**
 * The retry rule's inputs (catalog 50-outbound §4 steps 1 and 9), shared by the dialable query of
 * `projections/ob-dls.ts` and the pure selection in src/outbound/resources/selection.ts.
 */

/** The plan fields the rule reads. */
export type RetryPolicy = Pick<
  PlanObject,
  | 'retry_delay'
  | 'max_retry_cnt_1'
  | 'max_retry_cnt_2'
  | 'max_retry_cnt_3'
  | 'max_retry_cnt_4'
  | 'max_retry_cnt_5'
  | 'max_retry_cnt_6'
  | 'max_retry_cnt_7'
  | 'max_retry_cnt_8'
>;

export const maxRetryKey = <I extends DlIndex>(index: I): `max_retry_cnt_${I}` => `max_retry_cnt_${index}`;

/** The latest `tm_last_hangup` that lets an entry be dialed again at `now`: `now - retry_delay` seconds. */
export function retryThreshold(now: string, retryDelaySeconds: number): string {
  const ns = parseTimestamp(now);
  if (ns === undefined) throw new Error(`not an API timestamp: ${now}`);
  return formatTimestamp(ns - BigInt(Math.max(0, Math.trunc(retryDelaySeconds))) * 1_000_000_000n);
}
