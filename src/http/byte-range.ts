/**
 * HTTP `Range: bytes=...` for a file download (RFC 9110 §14), so a browser's audio element can seek: one range
 * (`a-b`, `a-`, `-n`). Several ranges are answered with the whole file (allowed: a server may ignore Range).
 */
export type RangeAnswer =
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

export function byteRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined || header.trim() === '') return { kind: 'whole' };
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  // Not a single bytes range (another unit, a list, garbage): ignored, the whole file.
  if (!m) return { kind: 'whole' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'whole' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (!Number.isSafeInteger(end) || end < start) return last !== '' && Number(last) < start ? { kind: 'whole' } : { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end };
}
