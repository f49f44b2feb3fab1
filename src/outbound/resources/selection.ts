import { maxRetryKey, retryThreshold, type RetryPolicy } from '../../../projections/outbound/retry.js';
import { dlIndexes, dlStatus, numberKey, RES_DIAL_ANSWERED, trycntKey, type DlIndex, type DlObject } from './dl.js';

export { maxRetryKey, retryThreshold, type RetryPolicy } from '../../../projections/outbound/retry.js';

/**
 * The catalog's number selection and "dialable" rule (50-outbound §4, steps 1-2 and 9), as pure functions
 * over one entry and its plan. `projections/ob-dls.ts` asks the same question in SQL
 * (`listDialableDls`); the unit tests hold both to the same cases.
 */

/** The number the next try dials: the lowest index with a number and tries left (catalog §4 step 2). */
export interface DialNumber {
  readonly dial_index: DlIndex;
  readonly dial_addr: string;
  /** The try this will be: `trycnt_<dial_index>` + 1. */
  readonly dial_trycnt: number;
}

export function pickDialNumber(dl: DlObject, plan: RetryPolicy): DialNumber | undefined {
  for (const index of dlIndexes) {
    const number = dl[numberKey(index)];
    const tries = dl[trycntKey(index)];
    if (number !== null && tries < plan[maxRetryKey(index)]) return { dial_index: index, dial_addr: number, dial_trycnt: tries + 1 };
  }
  return undefined;
}

/** Catalog §4 step 9: answered once, or every number's tries used up (an entry without numbers is finished too). */
export function isDlFinished(dl: DlObject, plan: RetryPolicy): boolean {
  return dl.res_dial === RES_DIAL_ANSWERED || pickDialNumber(dl, plan) === undefined;
}

/**
 * Catalog §4 step 1: in use, idle and not held by a dialing, never answered, a number with tries left,
 * and the retry delay passed since the last hangup (strictly: `now - tm_last_hangup > retry_delay`).
 * Timestamps are compared as text: jade stores them all in one fixed-width UTC format.
 */
export function isDlDialable(dl: DlObject, plan: RetryPolicy, now: string): boolean {
  if (dl.in_use !== 1 || dl.status !== dlStatus.idle || dl.dialing_uuid !== null) return false;
  if (isDlFinished(dl, plan)) return false;
  return dl.tm_last_hangup === null || dl.tm_last_hangup < retryThreshold(now, plan.retry_delay);
}

/** Candidates in the catalog's order: least-tried first (sum of `trycnt_1..8`); then oldest, then by uuid, so the order is total. */
export function compareDialOrder(a: DlObject, b: DlObject): number {
  const tries = (dl: DlObject): number => dlIndexes.reduce((sum, index) => sum + dl[trycntKey(index)], 0);
  return tries(a) - tries(b) || (a.tm_create < b.tm_create ? -1 : a.tm_create > b.tm_create ? 1 : 0) || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);
}
