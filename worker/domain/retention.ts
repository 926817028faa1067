// When raw rows may go: the configured age, and the first local date whose raw rows are kept, which is
// never later than the last day whose rollups are final (no pulse can still be written to it).
import { MAX_AGE_MS, MAX_OFFSET_MINUTES } from "./coded-at";

/** Raw pulses are kept this many months unless `RAW_RETENTION_MONTHS` says otherwise. */
const DEFAULT_RETENTION_MONTHS = 13;
export const MAX_OFFSET_MS = MAX_OFFSET_MINUTES * 60_000;
const DAY_MS = 86_400_000;

/** Months to keep raw rows (0: keep everything); null when the setting is not a whole number of months. */
export function parseRetentionMonths(value: string | undefined): number | null {
  if (value === undefined || value.trim() === "") return DEFAULT_RETENTION_MONTHS;
  if (!/^\d{1,4}$/.test(value.trim())) return null;
  return Number(value.trim());
}

/**
 * The local date (YYYY-MM-DD) from which raw rows are kept for an age of `months` at `now`: the UTC
 * date `months` calendar months back, but no later than the first day that can still receive XP. A
 * pulse may be coded up to 7 days back (MAX_AGE_MS) at an offset of up to -18:00, so every local date
 * before `now - 7 days - 18 h` is final. Null for `months` 0 (keep everything).
 */
export function keptFromDate(now: number, months: number): string | null {
  if (months <= 0) return null;
  const back = new Date(now);
  const day = back.getUTCDate();
  back.setUTCDate(1);
  back.setUTCMonth(back.getUTCMonth() - months);
  // The same day of the month, or the month's last day (13 months before 31 March is 28/29 February).
  const lastDay = new Date(Date.UTC(back.getUTCFullYear(), back.getUTCMonth() + 1, 0)).getUTCDate();
  back.setUTCDate(Math.min(day, lastDay));
  const byAge = isoDate(back.getTime());
  const firstOpen = isoDate(now - MAX_AGE_MS - MAX_OFFSET_MS);
  return byAge < firstOpen ? byAge : firstOpen;
}

/** UTC midnight at the start of a local date: a row is before it when `time + offset < this`. */
export function dateStartMs(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/** The local date of an instant written at an offset (minutes east of UTC). */
export function localDateOf(instantMs: number, offsetMinutes: number): string {
  return isoDate(instantMs + offsetMinutes * 60_000);
}

export function isoDate(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}
