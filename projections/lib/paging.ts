/** A page of a list read model: `next_from` is the cursor of the next page, null at the end. */
export interface Page<T> {
  readonly list: T[];
  readonly next_from: string | null;
}

/**
 * Queries fetch `limit + 1` rows: the extra row, if any, only tells that there is more and names
 * where the next page starts, so `next_from` is null exactly when nothing follows.
 */
export function pageAfter<T>(rows: readonly T[], limit: number, cursorOf: (item: T) => string): Page<T> {
  if (rows.length <= limit) return { list: [...rows], next_from: null };
  return { list: rows.slice(0, limit), next_from: cursorOf(rows[limit]!) };
}

/** The order of a history list (`order=`): newest first unless asked otherwise (ARCHITECTURE.md "Lists of history"). */
export const sortOrders = ['desc', 'asc'] as const;
export type SortOrder = (typeof sortOrders)[number];

/**
 * Keyset paging over `(time, id)`: a page starts at its cursor row and goes on in the list's order, so rows
 * appended while a client pages (newer times) neither shift nor repeat the rows of the pages still to come,
 * in either order. An offset would: each insert moves every later row down by one.
 * `>=`/`<=` because the cursor is the first row of the next page (`next_from`), not the last one seen.
 */
export const keysetFrom = (order: SortOrder): '>=' | '<=' => (order === 'asc' ? '>=' : '<=');
