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
