// Coding time read from the hot per-day aggregates, shaped as WakaTime's status bar, summaries,
// stats, all-time and current-user documents, and the coding-time fields of the profile.
import {
  addTime,
  dayOf,
  dayTotalMs,
  durationFields,
  mergeDays,
  namedDurations,
  DEFAULT_TIMEOUT_MINUTES,
  type DayTotals,
} from "../domain/coding-time";
import { addDays, isIsoDate, localDate, localDateNow, startOfLocalDay, validZone } from "../domain/zoned-time";
import {
  codingTimeAllTime,
  codingTimeOfDayByToken,
  codingTimeRows,
  findKeyOwner,
  settingsAndCodingTime,
  type CodingTimeCell,
  type KeyOwner,
} from "../db/heartbeats";
import type { CodingTimeSettingsRow } from "../db/schema";

const DIM_FIELDS = [
  ["categories", "category"],
  ["languages", "language"],
  ["editors", "editor"],
  ["operating_systems", "os"],
  ["machines", "machine"],
  ["projects", "project"],
] as const;

function toDays(cells: readonly CodingTimeCell[]): Map<string, DayTotals> {
  const days = new Map<string, DayTotals>();
  for (const c of cells) {
    addTime(dayOf(days, c.localDate), c.dim, c.name, c.ms);
  }
  return days;
}

function dateText(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  const day = d.getUTCDate();
  const suffix = day % 10 === 1 && day !== 11 ? "st" : day % 10 === 2 && day !== 12 ? "nd" : day % 10 === 3 && day !== 13 ? "rd" : "th";
  const weekday = d.toLocaleDateString("en-US", { weekday: "short", timeZone: "UTC" });
  const month = d.toLocaleDateString("en-US", { month: "short", timeZone: "UTC" });
  return `${weekday} ${month} ${day}${suffix} ${d.getUTCFullYear()}`;
}

function rangeOf(from: string, to: string, zone: string) {
  return {
    start: new Date(startOfLocalDay(zone, from)).toISOString(),
    end: new Date(startOfLocalDay(zone, addDays(to, 1)) - 1000).toISOString(),
    timezone: zone,
  };
}

/** One WT SummariesData document (a day or the sum of several). */
function summaryDocument(day: DayTotals | undefined, showProjects: boolean) {
  const total = dayTotalMs(day);
  const doc: Record<string, unknown> = { grand_total: durationFields(total) };
  for (const [field, dim] of DIM_FIELDS) {
    if (dim === "project" && !showProjects) continue;
    doc[field] = namedDurations(day?.get(dim), total);
  }
  doc.dependencies = [];
  return doc;
}

/** The answer as JSON text (served from a short-lived cache, it is spliced rather than serialised again). */
export type StatusbarResult = { kind: "ok"; json: string } | { kind: "unauthenticated" };

/**
 * Status-bar answers of this isolate, for `STATUSBAR_CACHE_MS` (every open editor polls about once a
 * minute, and again after each heartbeat). A heartbeat request through this isolate drops its key's
 * entry at once; elsewhere an answer is at most that old (a key revoked a moment ago may read its own
 * status bar that long). Writes never use it.
 */
const statusbarCache = new Map<string, { zone: string; date: string; expires: number; data: string }>();
const STATUSBAR_CACHE_MS = 2_000;
const MAX_CACHED_STATUSBARS = 10_000;

export function forgetStatusbar(tokenHash: string): void {
  statusbarCache.delete(tokenHash);
}

/** `GET /users/current/statusbar/today`: one D1 read of today's aggregates (authentication included). */
export async function statusbarToday(
  db: D1Database,
  tokenHash: string,
  timezoneHeader: string | null,
  now: number,
): Promise<StatusbarResult> {
  let zone = validZone(timezoneHeader);
  let cells: CodingTimeCell[] | null;
  let date: string;
  if (zone) {
    date = localDateNow(zone, now);
    const cached = statusbarCache.get(tokenHash);
    if (cached && cached.zone === zone && cached.date === date && cached.expires > now)
      return { kind: "ok", json: statusbarJson(cached.data, now) };
    cells = await codingTimeOfDayByToken(db, tokenHash, date);
    if (cells !== null) {
      const data = JSON.stringify(statusbarData(cells, date, zone));
      if (statusbarCache.size >= MAX_CACHED_STATUSBARS) statusbarCache.clear();
      statusbarCache.set(tokenHash, { zone, date, expires: now + STATUSBAR_CACHE_MS, data });
      return { kind: "ok", json: statusbarJson(data, now) };
    }
  } else {
    const owner = await findKeyOwner(db, tokenHash);
    if (!owner) return { kind: "unauthenticated" };
    zone = validZone(owner.settings?.timeZone) ?? "UTC";
    date = localDate(zone, now);
    cells = await codingTimeRows(db, owner.userId, date, date);
  }
  if (cells === null) return { kind: "unauthenticated" };
  return { kind: "ok", json: statusbarJson(JSON.stringify(statusbarData(cells, date, zone)), now) };
}

function statusbarData(cells: readonly CodingTimeCell[], date: string, zone: string) {
  return { ...summaryDocument(toDays(cells).get(date), true), range: { date, ...rangeOf(date, date, zone), text: dateText(date) } };
}

function statusbarJson(data: string, now: number): string {
  return `{"cached_at":"${new Date(now).toISOString()}","data":${data},"has_team_features":false}`;
}

function userZone(settings: CodingTimeSettingsRow | null, requested: string | null): string {
  return validZone(requested) ?? validZone(settings?.timeZone) ?? "UTC";
}

const NAMED_RANGES = [
  "today",
  "yesterday",
  "last_7_days",
  "last_14_days",
  "last_30_days",
  "this_week",
  "this_month",
  "last_6_months",
  "last_year",
] as const;
const MAX_SUMMARY_DAYS = 366;

/** A named range's first and last local date (today included). */
function namedRange(name: string, today: string): { from: string; to: string } | null {
  switch (name) {
    case "today":
      return { from: today, to: today };
    case "yesterday":
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case "last_7_days":
      return { from: addDays(today, -6), to: today };
    case "last_14_days":
      return { from: addDays(today, -13), to: today };
    case "last_30_days":
      return { from: addDays(today, -29), to: today };
    case "last_6_months":
      return { from: addDays(today, -182), to: today };
    case "last_year":
      return { from: addDays(today, -365), to: today };
    case "this_week": {
      const weekday = (new Date(`${today}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday first
      return { from: addDays(today, -weekday), to: today };
    }
    case "this_month":
      return { from: `${today.slice(0, 8)}01`, to: today };
    default:
      return null;
  }
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

export type ReadResult =
  | { kind: "ok"; body: unknown }
  | { kind: "invalid"; message: string }
  | { kind: "unauthenticated" }
  | { kind: "missing" };

/** `GET /users/current/summaries?start&end | range [&timezone]`: one document per local day. */
export async function summaries(
  db: D1Database,
  owner: KeyOwner,
  q: { start?: string; end?: string; range?: string; timezone?: string },
  zoneHeader: string | null,
  now: number,
): Promise<ReadResult> {
  const zone = userZone(owner.settings, q.timezone ?? zoneHeader);
  const today = localDate(zone, now);
  let span: { from: string; to: string } | null;
  if (q.range) {
    span = namedRange(q.range, today);
    if (!span) return { kind: "invalid", message: `Unknown range; use one of ${NAMED_RANGES.join(", ")}.` };
  } else {
    const start = q.start?.slice(0, 10);
    const end = q.end?.slice(0, 10);
    if (!isIsoDate(start) || !isIsoDate(end))
      return { kind: "invalid", message: "start and end must be dates (YYYY-MM-DD), or give range." };
    span = { from: start, to: end };
  }
  if (span.from > span.to) return { kind: "invalid", message: "start must not be after end." };
  const count = daysBetween(span.from, span.to);
  if (count > MAX_SUMMARY_DAYS) return { kind: "invalid", message: `At most ${MAX_SUMMARY_DAYS} days per request.` };
  const days = toDays(await codingTimeRows(db, owner.userId, span.from, span.to));
  const data = [];
  let totalMs = 0;
  let active = 0;
  for (let i = 0, date = span.from; i < count; i++, date = addDays(date, 1)) {
    const day = days.get(date);
    totalMs += dayTotalMs(day);
    if (dayTotalMs(day) > 0) active++;
    data.push({ ...summaryDocument(day, true), range: { date, ...rangeOf(date, date, zone), text: dateText(date) } });
  }
  const total = durationFields(totalMs);
  const average = durationFields(active > 0 ? totalMs / active : 0);
  return {
    kind: "ok",
    body: {
      data,
      start: rangeOf(span.from, span.to, zone).start,
      end: rangeOf(span.from, span.to, zone).end,
      cumulative_total: { seconds: total.total_seconds, text: total.text, decimal: total.decimal, digital: total.digital },
      daily_average: {
        holidays: count - active,
        days_including_holidays: count,
        days_minus_holidays: active,
        seconds: average.total_seconds,
        text: average.text,
        seconds_including_other_language: average.total_seconds,
        text_including_other_language: average.text,
      },
    },
  };
}

const STATS_RANGES = ["last_7_days", "last_30_days", "last_6_months", "last_year", "all_time"] as const;

/** `GET /users/{user}/stats/{range}`; `showProjects` is the owner's view or the user's opt-in. */
export async function stats(
  db: D1Database,
  user: { id: number; username: string; createdAt: number },
  settings: CodingTimeSettingsRow | null,
  range: string,
  showProjects: boolean,
  now: number,
): Promise<ReadResult> {
  if (!(STATS_RANGES as readonly string[]).includes(range))
    return { kind: "invalid", message: `Unknown range; use one of ${STATS_RANGES.join(", ")}.` };
  const zone = userZone(settings, null);
  const today = localDate(zone, now);
  const all = range === "all_time" ? await codingTimeAllTime(db, user.id) : null;
  const span = range === "all_time" ? { from: all!.first ?? today, to: today } : namedRange(range, today)!;
  const days = toDays(await codingTimeRows(db, user.id, span.from, span.to));
  const merged = mergeDays(days.values());
  const totalMs = dayTotalMs(merged);
  const count = daysBetween(span.from, span.to);
  const activeDays = [...days.values()].filter((d) => dayTotalMs(d) > 0).length;
  const average = durationFields(activeDays > 0 ? totalMs / activeDays : 0);
  let best: { date: string; ms: number } | null = null;
  for (const [date, day] of days) if (!best || dayTotalMs(day) > best.ms) best = { date, ms: dayTotalMs(day) };
  const doc = summaryDocument(merged, showProjects);
  const total = durationFields(totalMs);
  const r = rangeOf(span.from, span.to, zone);
  return {
    kind: "ok",
    body: {
      data: {
        username: user.username,
        user_id: String(user.id),
        start: r.start,
        end: r.end,
        range,
        human_readable_range: range.replaceAll("_", " "),
        status: "ok",
        is_up_to_date: true,
        percent_calculated: 100,
        timezone: zone,
        timeout: settings?.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
        writes_only: false,
        total_seconds: total.total_seconds,
        human_readable_total: total.text,
        daily_average: average.total_seconds,
        human_readable_daily_average: average.text,
        days_including_holidays: count,
        days_minus_holidays: activeDays,
        is_coding_activity_visible: true,
        is_other_usage_visible: true,
        best_day: best && best.ms > 0 ? { date: best.date, total_seconds: best.ms / 1000, text: durationFields(best.ms).text } : null,
        ...Object.fromEntries(Object.entries(doc).filter(([k]) => k !== "grand_total")),
      },
    },
  };
}

/** `GET /users/current/all_time_since_today`. */
export async function allTimeSinceToday(db: D1Database, owner: KeyOwner, now: number) {
  const zone = userZone(owner.settings, null);
  const all = await codingTimeAllTime(db, owner.userId);
  const today = localDate(zone, now);
  const first = all.first ?? today;
  const total = durationFields(all.ms);
  const r = rangeOf(first, today, zone);
  return {
    data: {
      total_seconds: total.total_seconds,
      text: total.text,
      decimal: total.decimal,
      digital: total.digital,
      is_up_to_date: true,
      percent_calculated: 100,
      range: {
        start: r.start,
        start_date: first,
        start_text: dateText(first),
        end: r.end,
        end_date: today,
        end_text: dateText(today),
        timezone: zone,
      },
      timeout: owner.settings?.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
    },
  };
}

/** Coding time for the profile API and page: today and the last 7 days, by language and editor. */
export interface ProfileCodingTime {
  timezone: string;
  today: { total_seconds: number; text: string };
  last_7_days: {
    total_seconds: number;
    text: string;
    languages: { name: string; total_seconds: number; text: string }[];
    editors: { name: string; total_seconds: number; text: string }[];
    projects?: { name: string; total_seconds: number; text: string }[];
  };
}

/** Null for users without coding time in the last 7 days. One D1 round trip. */
export async function profileCodingTime(
  db: D1Database,
  userId: number,
  viewerIsOwner: boolean,
  now: number,
): Promise<ProfileCodingTime | null> {
  // Read a window that holds "the last 7 days" in any zone, then cut it in the user's zone.
  const utcToday = localDate("UTC", now);
  const { settings, cells } = await settingsAndCodingTime(db, userId, addDays(utcToday, -7), addDays(utcToday, 1));
  const zone = userZone(settings, null);
  const today = localDate(zone, now);
  const from = addDays(today, -6);
  const days = toDays(cells.filter((c) => c.localDate >= from && c.localDate <= today));
  if (days.size === 0) return null;
  const week = mergeDays(days.values());
  const weekMs = dayTotalMs(week);
  const brief = (names: ReadonlyMap<string, number> | undefined) =>
    namedDurations(names, weekMs).map((d) => ({ name: d.name, total_seconds: d.total_seconds, text: d.text }));
  const todayMs = dayTotalMs(days.get(today));
  const result: ProfileCodingTime = {
    timezone: zone,
    today: { total_seconds: todayMs / 1000, text: durationFields(todayMs).text },
    last_7_days: {
      total_seconds: weekMs / 1000,
      text: durationFields(weekMs).text,
      languages: brief(week.get("language")),
      editors: brief(week.get("editor")),
    },
  };
  if (viewerIsOwner || settings?.showProjects) result.last_7_days.projects = brief(week.get("project"));
  return result;
}
