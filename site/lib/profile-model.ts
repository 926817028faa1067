// The profile page's data: how live pulses change a ProfileView, and what each chart and table shows.
// Shared by the server render (site/pages/users/[username].astro) and the browser
// (site/scripts/profile-page.ts), so both draw the same numbers. Pure: no DOM, no platform APIs.
import type { LanguageTotal, MachineTotal, ProfileView, PulseEvent } from "#worker/protocol";
import { RECENT_WINDOW_MS } from "#worker/domain/profile";
import { totalXp } from "#worker/domain/feed";
import { addDays, formatInt, MONTH_NAMES, shortDay } from "./format";

/** Languages with a progress bar each; the rest are a list. */
export const TOP_LANGUAGES = 10;
/** Items of the rest list shown before "Show more". */
export const OTHER_LANGUAGES_SHOWN = 10;
/** Days in the stacked chart (today included) and languages of their own in it. */
const CHART_DAYS = 14;
const CHART_LANGUAGES = 8;
export const OTHERS = "Others";

/** Result of offering a `profile.pulses` message to the state. */
export type DeltaResult = "applied" | "duplicate" | "gap";

/**
 * Applies pulses `fromSeq`..`toSeq` when they follow `view.seq` directly (mutating `view`).
 * "duplicate": everything in it is already applied; "gap": the caller must ask for a snapshot.
 * `serverNow` decides which pulses count as recent (the last 12 hours).
 */
export function applyPulses(
  view: ProfileView,
  message: { fromSeq: number; toSeq: number; pulses: PulseEvent[] },
  serverNow: number,
): DeltaResult {
  if (message.toSeq <= view.seq) return "duplicate";
  if (message.fromSeq !== view.seq + 1) return "gap";
  for (const p of message.pulses) applyPulse(view, p, serverNow);
  view.seq = message.toSeq;
  return "applied";
}

function applyPulse(view: ProfileView, p: PulseEvent, serverNow: number): void {
  const total = totalXp(p.xps);
  const recent = Date.parse(p.sentAt) >= serverNow - RECENT_WINDOW_MS;
  const date = p.sentAtLocal.slice(0, 10);
  const hour = Number(p.sentAtLocal.slice(11, 13));

  view.totalXp += total;
  if (recent) view.recentXp += total;
  for (const x of p.xps) {
    const language = findOrAdd(view.languages, x.language);
    language.xp += x.amount;
    if (recent) language.recentXp += x.amount;
    const day = view.recentDays.find((d) => d.date === date && d.language === x.language);
    if (day) day.xp += x.amount;
    else view.recentDays.push({ date, language: x.language, xp: x.amount });
  }
  sortByXp(view.languages);
  // Only active machines can send, so a machine not listed yet is a new active one.
  const machine = findOrAdd(view.machines, p.machine);
  machine.xp += total;
  if (recent) machine.recentXp += total;
  sortByXp(view.machines);
  if (p.xps.length > 0) {
    view.yearDays[date.slice(5)] = (view.yearDays[date.slice(5)] ?? 0) + total;
    view.calendarDays[date] = (view.calendarDays[date] ?? 0) + total;
    if (hour >= 0 && hour < 24) view.hours[hour] = (view.hours[hour] ?? 0) + total;
    if (view.lastCodedDate === null || date > view.lastCodedDate) view.lastCodedDate = date;
  }
}

function findOrAdd<T extends LanguageTotal | MachineTotal>(list: T[], name: string): T {
  let item = list.find((l) => l.name === name);
  if (!item) {
    item = { name, xp: 0, recentXp: 0 } as T;
    list.push(item);
  }
  return item;
}

function sortByXp(list: { name: string; xp: number }[]): void {
  list.sort((a, b) => b.xp - a.xp || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ---- the year table: XP per calendar day, all years summed ----

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function dayExists(month: number, day: number): boolean {
  return day >= 1 && day <= (DAYS_IN_MONTH[month - 1] ?? 0);
}

export interface YearTable {
  /** [month 0-11][day 0-30] → XP summed over every year. */
  cells: number[][];
  max: number;
}

/** `yearDays`: XP per calendar day ("MM-DD"), all years summed. */
export function yearTable(yearDays: Record<string, number>): YearTable {
  const cells = Array.from({ length: 12 }, () => Array.from({ length: 31 }, () => 0));
  for (const [monthDay, xp] of Object.entries(yearDays)) {
    const month = Number(monthDay.slice(0, 2));
    const day = Number(monthDay.slice(3, 5));
    if (dayExists(month, day)) cells[month - 1]![day - 1]! += xp;
  }
  let max = 0;
  for (const row of cells) for (const v of row) if (v > max) max = v;
  return { cells, max };
}

/**
 * Cells hotter than this (share of the largest cell) get the "hot" class. The heat scale's strongest
 * colour (--heat-1) keeps at least 4.5:1 with the theme's text colour, so no cell needs to switch its
 * text colour (a switch always leaves a band of backgrounds below 4.5:1 for both): nothing is hotter than 1.
 */
export const HOT_HEAT = 1;

/** A cell's share of the largest cell, 0-1 (background strength). */
export function heat(value: number, max: number): number {
  return max > 0 ? Math.round((value / max) * 1000) / 1000 : 0;
}

// ---- the rolling calendar: the last 365 days, one column per week (the code hosts' grid) ----

export const CALENDAR_DAYS = 365;

export interface CalendarCell {
  date: string;
  xp: number;
  /** 0 (nothing) to 4 (the busiest days), by quartiles of the largest day in the window. */
  level: number;
}

export interface Calendar {
  /** Columns of 7 days, Monday first; cells outside the 365 days are null. */
  weeks: (CalendarCell | null)[][];
  /** A month's name above the first column that starts in it. */
  months: { week: number; label: string }[];
  total: number;
  activeDays: number;
}

/** Monday = 0 … Sunday = 6 of a YYYY-MM-DD date. */
function weekday(isoDate: string): number {
  return (new Date(`${isoDate}T00:00:00Z`).getUTCDay() + 6) % 7;
}

/** The 365 days ending `today` (the viewer's date), laid out in week columns. */
export function calendar(calendarDays: Record<string, number>, today: string): Calendar {
  const first = addDays(today, -(CALENDAR_DAYS - 1));
  const start = addDays(first, -weekday(first));
  let max = 0;
  let total = 0;
  let activeDays = 0;
  for (let i = 0; i < CALENDAR_DAYS; i++) {
    const xp = calendarDays[addDays(first, i)] ?? 0;
    if (xp > max) max = xp;
    total += xp;
    if (xp > 0) activeDays++;
  }
  const weeks: (CalendarCell | null)[][] = [];
  const months: { week: number; label: string }[] = [];
  for (let date = start, w = 0; date <= today; w++) {
    const week: (CalendarCell | null)[] = [];
    for (let d = 0; d < 7; d++, date = addDays(date, 1)) {
      if (date < first || date > today) {
        week.push(null);
        continue;
      }
      const xp = calendarDays[date] ?? 0;
      week.push({ date, xp, level: xp <= 0 || max === 0 ? 0 : Math.min(4, Math.ceil((xp / max) * 4)) });
      if (date.slice(8) === "01" || (w === 0 && date === first)) {
        const label = MONTH_NAMES[Number(date.slice(5, 7)) - 1]!;
        // The first column's label only when its month has room before the next one starts.
        if (!(w === 0 && Number(first.slice(8)) > 21)) months.push({ week: w, label });
      }
    }
    weeks.push(week);
  }
  return { weeks, months, total, activeDays };
}

/** "12,345 XP on 42 days" (the calendar's heading line and accessible summary). */
export function calendarSummary(c: Calendar): string {
  return `${formatInt(c.total)} XP on ${formatInt(c.activeDays)} ${c.activeDays === 1 ? "day" : "days"}`;
}

// ---- the stacked chart: the last 14 days by language ----

export interface DaysChart {
  dates: string[];
  labels: string[];
  /** The top languages of the period, then "Others" when there are more. */
  series: { label: string; data: number[] }[];
}

/** The 14 days ending `today` (the viewer's date), or the newest coded day if that is later. */
export function daysChart(recentDays: ProfileView["recentDays"], today: string): DaysChart {
  const newest = recentDays.reduce((max, d) => (d.date > max ? d.date : max), today);
  const end = newest > today ? newest : today;
  const dates = Array.from({ length: CHART_DAYS }, (_, i) => addDays(end, i - CHART_DAYS + 1));
  const index = new Map(dates.map((d, i) => [d, i]));
  const totals = new Map<string, number>();
  for (const d of recentDays) if (index.has(d.date)) totals.set(d.language, (totals.get(d.language) ?? 0) + d.xp);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([name]) => name);
  const own = ranked.slice(0, CHART_LANGUAGES);
  const hasOthers = ranked.length > CHART_LANGUAGES;
  const series = own.map((label) => ({ label, data: dates.map(() => 0) }));
  const others = { label: OTHERS, data: dates.map(() => 0) };
  const byName = new Map(series.map((s) => [s.label, s]));
  for (const d of recentDays) {
    const i = index.get(d.date);
    if (i === undefined) continue;
    (byName.get(d.language) ?? others).data[i]! += d.xp;
  }
  return { dates, labels: dates.map(shortDay), series: hasOthers ? [...series, others] : series };
}

/** The first paint's chart data, embedded in the page (the socket's snapshot then takes over). */
export interface ProfileChartData {
  hours: number[];
  days: DaysChart;
}

export function chartData(view: ProfileView, today: string): ProfileChartData {
  return { hours: view.hours, days: daysChart(view.recentDays, today) };
}

/** Splits languages into the ones with their own bar and the rest. */
export function splitLanguages(languages: LanguageTotal[]): { top: LanguageTotal[]; rest: LanguageTotal[] } {
  return { top: languages.slice(0, TOP_LANGUAGES), rest: languages.slice(TOP_LANGUAGES) };
}
