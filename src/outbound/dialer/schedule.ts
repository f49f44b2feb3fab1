import type { CampaignFields } from '../../events/outbound.js';

/**
 * Campaign scheduling (catalog 50-outbound §2.6), evaluated on the wall clock of the campaign's IANA zone
 * (`sc_timezone`, else `outbound.timezone`: ARCHITECTURE.md "Outbound"). Pure; the zone arithmetic is
 * `Intl.DateTimeFormat`'s, so daylight-saving changes are the platform's tz database's.
 *
 * The catalog's steps, for the local date and time now (a null or empty field means no constraint):
 * 1. today in `sc_date_list_except` → closed;  2. today in `sc_date_list` → date allowed;
 * 3. before `sc_date_start` or after `sc_date_end` → closed;  4. `sc_day_list` set and today's weekday not in it → closed;
 * 5. outside `sc_time_start`..`sc_time_end` (inclusive, to the second) → closed.
 * jade's addition: a window whose start is later than its end runs overnight (from start to midnight, and from
 * midnight to end, on each allowed date), where the reference implementation would never open it.
 */

export type ScheduleFields = Pick<
  CampaignFields,
  'sc_mode' | 'sc_time_start' | 'sc_time_end' | 'sc_date_start' | 'sc_date_end' | 'sc_date_list' | 'sc_date_list_except' | 'sc_day_list' | 'sc_timezone'
>;

/** A moment on a zone's wall clock. */
export interface LocalTime {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  /** `hh:mm:ss`, 24 h. */
  readonly time: string;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(zone, format);
  }
  return format;
}

/** True for a zone `Intl` knows. */
export function isValidTimeZone(zone: string): boolean {
  try {
    formatFor(zone);
    return true;
  } catch {
    return false;
  }
}

const weekdayOf = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

/** The wall-clock date, time and weekday at `epochMs` in `zone`. */
export function localTime(epochMs: number, zone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatFor(zone).formatToParts(new Date(epochMs))) parts[part.type] = part.value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return { date, time: `${parts.hour}:${parts.minute}:${parts.second}`, weekday: weekdayOf(date) };
}

/** The zone a campaign's schedule runs in. */
export function scheduleZone(campaign: Pick<ScheduleFields, 'sc_timezone'>, defaultZone: string): string {
  const zone = campaign.sc_timezone;
  return zone !== null && zone !== '' && isValidTimeZone(zone) ? zone : isValidTimeZone(defaultZone) ? defaultZone : 'UTC';
}

const given = (value: string | null): string | null => (value === null || value.trim() === '' ? null : value.trim());
const listOf = (value: string | null): string[] =>
  (given(value) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** Steps 1-4: may the campaign run at all on this local date? */
export function isDateAllowed(campaign: ScheduleFields, date: string): boolean {
  if (listOf(campaign.sc_date_list_except).includes(date)) return false;
  if (listOf(campaign.sc_date_list).includes(date)) return true;
  const start = given(campaign.sc_date_start);
  const end = given(campaign.sc_date_end);
  if (start !== null && date < start) return false;
  if (end !== null && date > end) return false;
  const days = listOf(campaign.sc_day_list);
  return days.length === 0 || days.map(Number).includes(weekdayOf(date));
}

/** Step 5: is this local time inside the daily window? */
export function isTimeAllowed(campaign: ScheduleFields, time: string): boolean {
  const start = given(campaign.sc_time_start);
  const end = given(campaign.sc_time_end);
  if (start !== null && end !== null && start > end) return time >= start || time <= end;
  return (start === null || time >= start) && (end === null || time <= end);
}

/** Is the campaign's schedule open at `epochMs`? Only meaningful with `sc_mode` 1 (0 = no schedule). */
export function isInWindow(campaign: ScheduleFields, epochMs: number, defaultZone: string): boolean {
  const now = localTime(epochMs, scheduleZone(campaign, defaultZone));
  return isDateAllowed(campaign, now.date) && isTimeAllowed(campaign, now.time);
}

/** `date` + `days`, as `YYYY-MM-DD` (calendar arithmetic, no zone involved). */
export function addDays(date: string, days: number): string {
  const ms = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** How far ahead `hasFutureWindow` looks for the next allowed date (a date list may name one further away). */
const LOOKAHEAD_DAYS = 400;

/**
 * Will the schedule open again after `epochMs` (tomorrow's hours, next Monday, a listed date)? Not a
 * dialer decision: a campaign is stopped at every window's end and started again when the next one opens.
 */
export function hasFutureWindow(campaign: ScheduleFields, epochMs: number, defaultZone: string): boolean {
  const now = localTime(epochMs, scheduleZone(campaign, defaultZone));
  const start = given(campaign.sc_time_start);
  const end = given(campaign.sc_time_end);
  // Later today: the window opens (or, overnight, reopens) after now.
  const laterToday = (start !== null && start > now.time) || (start !== null && end !== null && start > end);
  if (laterToday && isDateAllowed(campaign, now.date)) return true;
  for (let day = 1; day <= LOOKAHEAD_DAYS; day += 1) if (isDateAllowed(campaign, addDays(now.date, day))) return true;
  const excepted = listOf(campaign.sc_date_list_except);
  return listOf(campaign.sc_date_list).some((date) => date > now.date && !excepted.includes(date));
}

/** `YYYY-MM-DD hh:mm:ss` on the zone's wall clock: local moments compare as text. */
export function localStamp(epochMs: number, zone: string): string {
  const local = localTime(epochMs, zone);
  return `${local.date} ${local.time}`;
}

/**
 * When the window that is open at `epochMs` opened, as a local stamp: today's `sc_time_start` (yesterday's
 * for the after-midnight part of an overnight window), or midnight when the window has no start time. Each
 * allowed day is one opening. Undefined when the window is closed.
 */
export function windowOpenedAt(campaign: ScheduleFields, epochMs: number, defaultZone: string): string | undefined {
  if (!isInWindow(campaign, epochMs, defaultZone)) return undefined;
  const now = localTime(epochMs, scheduleZone(campaign, defaultZone));
  const start = given(campaign.sc_time_start);
  const end = given(campaign.sc_time_end);
  if (start === null) return `${now.date} 00:00:00`;
  if (end !== null && start > end && now.time <= end) {
    const yesterday = addDays(now.date, -1);
    return isDateAllowed(campaign, yesterday) ? `${yesterday} ${start}` : `${now.date} 00:00:00`;
  }
  return `${now.date} ${start}`;
}
