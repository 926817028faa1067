// The front page's XP chart: the last 4 hours in 5-minute bars (the feed keeps XP per minute), live.
// Shared by the server render and the browser. Pure: no DOM, no platform APIs.
import { MINUTES_WINDOW_MS, minuteOf } from "#worker/domain/feed";

export const MINUTE_BARS = MINUTES_WINDOW_MS / 60_000;
/** Bars are drawn at most this high, as in the original (the value itself is kept for the tooltip). */
export const BAR_CAP = 20_000;

/** The minute starts (epoch ms) of the window ending with the minute of `now`. */
export function minuteWindow(now: number): number[] {
  const last = minuteOf(now);
  return Array.from({ length: MINUTE_BARS }, (_, i) => last - (MINUTE_BARS - 1 - i) * 60_000);
}

/** Minutes per bar: 48 readable bars for the 4 hours instead of 240 one-pixel ones. */
export const BIN_MINUTES = 5;
export const BINS = MINUTE_BARS / BIN_MINUTES;
const BIN_MS = BIN_MINUTES * 60_000;

/** The bar starts (epoch ms, multiples of 5 minutes) of the window ending with the bar holding `now`. */
export function binWindow(now: number): number[] {
  const last = Math.floor(minuteOf(now) / BIN_MS) * BIN_MS;
  return Array.from({ length: BINS }, (_, i) => last - (BINS - 1 - i) * BIN_MS);
}

/** XP per bar: the minutes of `minutes` summed into the bars starting at `starts`. */
export function binTotals(minutes: ReadonlyMap<number, number>, starts: readonly number[]): number[] {
  const totals = starts.map(() => 0);
  const first = starts[0] ?? 0;
  for (const [minute, xp] of minutes) {
    const i = Math.floor((minute - first) / BIN_MS);
    if (i >= 0 && i < totals.length) totals[i]! += xp;
  }
  return totals;
}

/** "HH:MM" in UTC, the time convention of the chart's axis and of its table. */
export function utcClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

export function barHeight(xp: number): number {
  return Math.min(xp, BAR_CAP);
}

/** XP per clock hour of the window, for the table that stands in for the chart without JavaScript. */
export function hourlyTotals(minutes: readonly (readonly [number, number])[], now: number): { hour: number; xp: number }[] {
  const first = minuteOf(now) - (MINUTE_BARS - 1) * 60_000;
  const hours = new Map<number, number>();
  for (const [minute, xp] of minutes) {
    if (minute < first) continue;
    const hour = Math.floor(minute / 3_600_000) * 3_600_000;
    hours.set(hour, (hours.get(hour) ?? 0) + xp);
  }
  return [...hours.entries()].sort((a, b) => a[0] - b[0]).map(([hour, xp]) => ({ hour, xp }));
}

/** A dot's diameter in CSS pixels: 10 to 20 by XP (capped at 100), as in the original. */
export function dotSize(xp: number): number {
  return 10 + Math.round((Math.min(Math.max(xp, 0), 100) / 100) * 10);
}
