// Coding time the WakaTime way, and its WakaTime-shaped presentation. A gap from one heartbeat to the
// user's next counts when it is at most the keystroke timeout and both heartbeats fall on the same
// local day; it is booked on the earlier heartbeat's dimensions. (The D1 triggers of
// migrations/0005_heartbeats.sql keep the same numbers incrementally; this is the reference.)

export const DEFAULT_TIMEOUT_MINUTES = 15;
export const MIN_TIMEOUT_MINUTES = 1;
export const MAX_TIMEOUT_MINUTES = 60;

export const DIMENSIONS = ["category", "language", "project", "editor", "os", "machine"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface TimedHeartbeat {
  id: number;
  timeMs: number;
  localDate: string;
  dims: Record<Dimension, string>;
}

/** Milliseconds per dimension and name (`total` under the empty name). */
export type DayTotals = Map<string, Map<string, number>>;

/** Adds `ms` to a day's total for one dimension and name. */
export function addTime(day: DayTotals, dim: string, name: string, ms: number): void {
  const names = day.get(dim) ?? new Map<string, number>();
  names.set(name, (names.get(name) ?? 0) + ms);
  day.set(dim, names);
}

/** The totals of `date` in `days`, created empty when missing. */
export function dayOf(days: Map<string, DayTotals>, date: string): DayTotals {
  const day = days.get(date) ?? new Map<string, Map<string, number>>();
  days.set(date, day);
  return day;
}

/** Coding time per local date; heartbeats in any order (they are sorted by time, then id). */
export function codingTimeByDay(heartbeats: readonly TimedHeartbeat[], timeoutMinutes: number): Map<string, DayTotals> {
  const sorted = [...heartbeats].sort((a, b) => a.timeMs - b.timeMs || a.id - b.id);
  const timeoutMs = timeoutMinutes * 60_000;
  const days = new Map<string, DayTotals>();
  for (let i = 0; i + 1 < sorted.length; i++) {
    const a = sorted[i]!;
    const b = sorted[i + 1]!;
    const gap = b.timeMs - a.timeMs;
    if (a.localDate !== b.localDate || gap > timeoutMs) continue;
    const day = dayOf(days, a.localDate);
    addTime(day, "total", "", gap);
    for (const dim of DIMENSIONS) addTime(day, dim, a.dims[dim], gap);
  }
  return days;
}

export interface DurationFields {
  total_seconds: number;
  digital: string;
  decimal: string;
  text: string;
  hours: number;
  minutes: number;
  seconds: number;
}

/** WakaTime's human text: "2 hrs 17 mins", "1 hr 1 min", "7 secs", "0 secs". */
export function humanDuration(totalSeconds: number): string {
  const s = Math.floor(totalSeconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  if (hours === 0 && minutes === 0) return `${s} sec${s === 1 ? "" : "s"}`;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours} hr${hours === 1 ? "" : "s"}`);
  if (minutes > 0) parts.push(`${minutes} min${minutes === 1 ? "" : "s"}`);
  return parts.join(" ");
}

export function durationFields(ms: number): DurationFields {
  const totalSeconds = Math.round(ms) / 1000;
  const s = Math.floor(totalSeconds);
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  return {
    total_seconds: totalSeconds,
    digital: `${hours}:${String(minutes).padStart(2, "0")}`,
    // WakaTime's decimal ignores the seconds: 2:17:36 is "2.28".
    decimal: (Math.floor((hours + minutes / 60) * 100) / 100).toFixed(2),
    text: humanDuration(totalSeconds),
    hours,
    minutes,
    seconds: s % 60,
  };
}

export interface NamedDuration extends DurationFields {
  name: string;
  percent: number;
}

/** A dimension's entries, largest first, with percentages of `totalMs`. */
export function namedDurations(
  names: ReadonlyMap<string, number> | undefined,
  totalMs: number,
  label: (name: string) => string = (n) => n || "Unknown",
): NamedDuration[] {
  if (!names) return [];
  const merged = new Map<string, number>();
  for (const [name, ms] of names) if (ms > 0) merged.set(label(name), (merged.get(label(name)) ?? 0) + ms);
  return [...merged]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([name, ms]) => ({ name, ...durationFields(ms), percent: totalMs > 0 ? Math.round((ms / totalMs) * 10_000) / 100 : 0 }));
}

/** Sums several days' totals. */
export function mergeDays(days: Iterable<DayTotals>): DayTotals {
  const out: DayTotals = new Map();
  for (const day of days) for (const [dim, names] of day) for (const [name, ms] of names) addTime(out, dim, name, ms);
  return out;
}

export function dayTotalMs(day: DayTotals | undefined): number {
  return day?.get("total")?.get("") ?? 0;
}
