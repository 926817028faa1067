// Number and date formatting shared by the server-rendered pages and the browser scripts, so a
// live update writes exactly what the server would have written. Pure: no DOM, no platform APIs.
import { utcDate } from "#worker/domain/coded-at";
import { level, progressSplit } from "#worker/domain/levels";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 1234567 → "1,234,567" (the original's thousands separators). */
export function formatInt(n: number): string {
  return integer.format(n);
}

/** The year table's cell text: n, n.nk or n.nM. */
export function compactXp(n: number): string {
  if (n < 1_000) return String(n);
  if (n < 999_950) return `${(n / 1_000).toFixed(1)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** "Level N (X XP) (+new)"; the last part only when there is new XP. */
export function levelText(xp: number, recentXp: number): string {
  return `Level ${level(xp)} (${formatInt(xp)} XP)${recentXp > 0 ? ` (+${formatInt(recentXp)})` : ""}`;
}

export interface LevelBar {
  level: number;
  /** Percent of the bar earned before the recent window. */
  old: number;
  /** Percent earned within it (highlighted). */
  recent: number;
  /** Accessible description of the bar. */
  label: string;
}

export function levelBar(xp: number, recentXp: number): LevelBar {
  const split = progressSplit(xp, recentXp);
  const total = split.old + split.recent;
  const label = `${total} % of the way to level ${split.level + 1}${split.recent > 0 ? `, ${split.recent} % of it in the last 12 hours` : ""}`;
  return { ...split, label };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;
export const MONTH_NAMES = MONTHS;

/** "2026-11-05" → "Nov 5, 2026" (a calendar date, no time zone involved). */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.split("-").map(Number);
  return `${MONTHS[(m ?? 1) - 1]} ${d}, ${y}`;
}

export { utcDate };

/** A Date's calendar date in the time zone it is read in (the browser's), YYYY-MM-DD. */
export function localDate(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}`;
}

/** YYYY-MM-DD plus `days` (negative: minus). */
export function addDays(isoDate: string, days: number): string {
  return utcDate(Date.parse(`${isoDate}T00:00:00Z`) + days * 86_400_000);
}

/** "2026-11-05" → "Thu 5" for the 14-day chart's axis. */
export function shortDay(isoDate: string): string {
  const day = new Date(`${isoDate}T00:00:00Z`);
  return `${["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][day.getUTCDay()]} ${day.getUTCDate()}`;
}

/** Hour of day label: 0 → "00:00". */
export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, "0")}:00`;
}

/** A language's or machine's line: "level N (X XP) (+new)". */
export function skillText(xp: number, recentXp: number): string {
  const parts = skillParts(xp, recentXp);
  return parts.level + parts.rest;
}

/** skillText in two parts, so the level can be shown prominently: "level N" and " (X XP) (+new)". */
export function skillParts(xp: number, recentXp: number): { level: string; rest: string } {
  return { level: `level ${level(xp)}`, rest: ` (${formatInt(xp)} XP)${recentXp > 0 ? ` (+${formatInt(recentXp)})` : ""}` };
}

/** The caption under a level bar: what the bar measures (progress within the current level). */
export function progressCaption(xp: number, recentXp: number): string {
  const bar = levelBar(xp, recentXp);
  return `${bar.old + bar.recent} % to level ${bar.level + 1}`;
}
