import { sql, type RawBuilder } from 'kysely';
import type { RecordedEvent } from '../../src/events/index.js';
import { formatTimestamp, isTimestampInRange, parseTimestamp, tryFormatTimestamp } from '../../src/events/time.js';

/**
 * The time of an event, as projections must see it: from the event itself, never from the clock,
 * so a rebuild writes the same `tm_*` values as the live run did.
 * Preference: Asterisk's own `Timestamp` (when it happened), then when jade received it, then when it was stored.
 * Total: any header value (absurd, negative, binary, huge) falls through to the next source, never throws,
 * because one event that throws here would stop every projection.
 */
export function eventTime(event: RecordedEvent): string {
  const { timestamp, receivedAt } = event.metadata;
  if (typeof timestamp === 'string') {
    const ns = epochSecondsToNs(timestamp);
    if (ns !== undefined) return formatTimestamp(ns);
  }
  // The stored fallbacks are jade's own (always in range when written by jade); still only formatted when valid.
  if (typeof receivedAt === 'string') {
    // Already canonical (jade writes receivedAt this way): skip the parse/format round trip, ~10% of replay time.
    if (canonical.test(receivedAt)) return receivedAt;
    const ns = parseTimestamp(receivedAt);
    if (ns !== undefined) return formatTimestamp(ns);
  }
  const ns = parseTimestamp(event.recordedAt);
  return ns === undefined ? event.recordedAt : formatTimestamp(ns);
}

const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

const epochPattern = /^(\d+)(?:\.(\d{1,9})\d*)?$/;

/** More digits than any epoch second of years up to 9999 has: longer text is rejected before BigInt sees it. */
const maxEpochSecondDigits = 12;

/**
 * Asterisk's `Timestamp: 1513946896.123456` to epoch nanoseconds, exactly (no float rounding);
 * undefined when it is not that, or names an instant the API format cannot write (after year 9999).
 */
export function epochSecondsToNs(text: string): bigint | undefined {
  const match = epochPattern.exec(text.trim());
  if (!match) return undefined;
  const [, seconds, fraction = ''] = match;
  if (seconds!.replace(/^0+/, '').length > maxEpochSecondDigits) return undefined;
  const ns = BigInt(seconds!) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
  return isTimestampInRange(ns) ? ns : undefined;
}

/**
 * Moves an API timestamp by whole seconds (negative = earlier); undefined if it does not parse, `seconds`
 * is not a finite number, or the result leaves the range the API format can write.
 */
export function shiftTimestamp(timestamp: string, seconds: number): string | undefined {
  if (!Number.isFinite(seconds)) return undefined;
  const ns = parseTimestamp(timestamp);
  if (ns === undefined) return undefined;
  return tryFormatTimestamp(ns + BigInt(Math.trunc(seconds)) * 1_000_000_000n);
}

/** Whole seconds from `from` to `to` (API timestamps), floored at 0; null if either does not parse. */
export function secondsBetween(from: string, to: string): number | null {
  const a = parseTimestamp(from);
  const b = parseTimestamp(to);
  if (a === undefined || b === undefined) return null;
  const diff = (b - a) / 1_000_000_000n;
  return diff < 0n ? 0 : Number(diff);
}

/** Epoch milliseconds, truncated: the precision SQLite's date functions use (they read 3 fraction digits). */
function truncatedMs(timestamp: string): bigint | undefined {
  const ns = parseTimestamp(timestamp);
  return ns === undefined ? undefined : ns / 1_000_000n;
}

/**
 * A channel's `duration`: whole seconds from `tmCreate` to `now`, never negative; null if either is not a timestamp.
 * Millisecond arithmetic, exactly like `durationSql`, so the JS and SQLite paths never differ by a second.
 */
export function durationSeconds(tmCreate: string | null, now: string): number | null {
  if (tmCreate === null) return null;
  const from = truncatedMs(tmCreate);
  const to = truncatedMs(now);
  if (from === undefined || to === undefined) return null;
  const seconds = (to - from) / 1000n;
  return seconds < 0n ? 0 : Number(seconds);
}

/** SQL twin of `durationSeconds` over a timestamp column (`column` is a trusted identifier, `now` is bound). */
export function durationSql(column: string, now: string): RawBuilder<number | null> {
  const ms = (value: RawBuilder<unknown>) => sql`CAST(round(unixepoch(${value}, 'subsec') * 1000) AS INTEGER)`;
  const col = sql.ref(column);
  return sql<number | null>`(CASE WHEN ${col} IS NULL OR unixepoch(${now}) IS NULL THEN NULL ELSE max(0, (${ms(sql`${now}`)} - ${ms(sql`${col}`)}) / 1000) END)`;
}

/** Epoch seconds of an API timestamp (what Asterisk's `time(NULL)` would have said then); null when it is not one. */
export function epochSeconds(timestamp: string): number | null {
  const ns = parseTimestamp(timestamp);
  return ns === undefined ? null : Number(ns / 1_000_000_000n);
}

/** `HH:MM:SS` (CoreShowChannel's Duration) in seconds; 0 when it is not that (or is beyond a safe integer). */
export function parseDuration(text: string | undefined): number {
  const parts = (text ?? '').split(':').map((part) => Number.parseInt(part, 10));
  if (parts.length !== 3 || parts.some(Number.isNaN)) return 0;
  const seconds = parts[0]! * 3600 + parts[1]! * 60 + parts[2]!;
  return Number.isSafeInteger(seconds) ? seconds : 0;
}
