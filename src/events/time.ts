/**
 * The API's timestamp format: UTC, always 9 fraction digits (`2017-12-22T12:48:26.824442473Z`).
 * Nanoseconds are carried as bigint because a Number cannot hold epoch nanoseconds exactly.
 */

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/**
 * The instants the API format can write and `parseTimestamp` reads back: years 0000 to 9999.
 * Outside them `Date` either cannot represent the instant or prints `+275760-...`, which is no API timestamp.
 */
export const minTimestampNs = BigInt(Date.parse('0000-01-01T00:00:00.000Z')) * NS_PER_MS;
export const maxTimestampNs = BigInt(Date.parse('9999-12-31T23:59:59.999Z')) * NS_PER_MS + (NS_PER_MS - 1n);

/** Whether `ns` is an instant the API format can express (see `minTimestampNs`). */
export function isTimestampInRange(ns: bigint): boolean {
  return ns >= minTimestampNs && ns <= maxTimestampNs;
}

/** `formatTimestamp` that never throws: undefined for an invalid Date or an instant outside years 0000-9999. */
export function tryFormatTimestamp(time: Date | bigint): string | undefined {
  if (typeof time !== 'bigint' && Number.isNaN(time.getTime())) return undefined;
  const ns = typeof time === 'bigint' ? time : BigInt(time.getTime()) * NS_PER_MS;
  return isTimestampInRange(ns) ? formatTimestamp(ns) : undefined;
}

/** Formats a Date (millisecond precision, padded) or epoch nanoseconds; throws RangeError outside years 0000-9999 (see `tryFormatTimestamp`). */
export function formatTimestamp(time: Date | bigint): string {
  const ns = typeof time === 'bigint' ? time : BigInt(time.getTime()) * NS_PER_MS;
  // Floor division, so instants before 1970 still get a positive fraction.
  let seconds = ns / NS_PER_S;
  let fraction = ns % NS_PER_S;
  if (fraction < 0n) {
    fraction += NS_PER_S;
    seconds -= 1n;
  }
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(9, '0')}Z`;
}

// Date.now() alone has millisecond resolution; hrtime gives nanosecond steps but no epoch.
// Anchoring hrtime to the wall clock once gives both: monotonic within the process, close to UTC.
const anchorEpochNs = BigInt(Date.now()) * NS_PER_MS;
const anchorHr = process.hrtime.bigint();

/** Current time as epoch nanoseconds (monotonic within this process). */
export function nowNanoseconds(): bigint {
  return anchorEpochNs + (process.hrtime.bigint() - anchorHr);
}

/** Current time in the API format. */
export function nowTimestamp(): string {
  return formatTimestamp(nowNanoseconds());
}

const timestampPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * Recently parsed timestamps. The same few are parsed again and again: a live channel's `tm_create` each time its
 * row is rendered (duration), a call's start on each of its events. A parse (regex, Date round trip, BigInt) was
 * ~3% of the whole server's CPU at full ingest; a lookup is a fraction of that. Cleared when full, so it stays small.
 */
const parsed = new Map<string, bigint | undefined>();
const maxParsed = 4096;

/** Parses the API format (1 to 9 fraction digits, or none) into epoch nanoseconds; undefined if it is not one. */
export function parseTimestamp(text: string): bigint | undefined {
  // Longer text is never a timestamp (at most 30 characters); it is parsed (and refused) without being kept.
  if (typeof text !== 'string' || text.length > 32) return parseTimestampText(text);
  const known = parsed.get(text);
  if (known !== undefined || parsed.has(text)) return known;
  const ns = parseTimestampText(text);
  if (parsed.size >= maxParsed) parsed.clear();
  parsed.set(text, ns);
  return ns;
}

function parseTimestampText(text: string): bigint | undefined {
  const match = timestampPattern.exec(text);
  if (!match) return undefined;
  const [, whole, fraction = ''] = match;
  const ms = Date.parse(`${whole!}Z`);
  // Date.parse accepts 2021-02-30 by rolling over; a round trip rejects it.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== whole) return undefined;
  return BigInt(ms) * NS_PER_MS + BigInt(fraction.padEnd(9, '0'));
}
