// Leaderboard arithmetic: ranges in the coder's local days, query parsing and competition ranks.

export const LEADERBOARD_RANGES = ["week", "month", "year", "all"] as const;
export type LeaderboardRange = (typeof LEADERBOARD_RANGES)[number];

/** Local days a range covers, today included; null: all time. */
export const RANGE_DAYS: Record<LeaderboardRange, number | null> = { week: 7, month: 30, year: 365, all: null };
/** Longest windowed range: daily XP older than this is not needed for ranking. */
export const LONGEST_WINDOW_DAYS = 365;
export const LEADERBOARD_PAGE_SIZE = 50;
const MAX_LEADERBOARD_PAGE = 10_000;

const DAY_MS = 86_400_000;

/** The local date (YYYY-MM-DD) of an instant at a UTC offset in minutes. */
export function localDate(instantMs: number, utcOffset: number): string {
  return new Date(instantMs + utcOffset * 60_000).toISOString().slice(0, 10);
}

/** `date` moved by `days` (negative: back). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The first local date a range covers for a coder whose today is `today`; null for all time. */
export function rangeStart(range: LeaderboardRange, today: string): string | null {
  const days = RANGE_DAYS[range];
  return days === null ? null : addDays(today, -(days - 1));
}

/** The instant the coder's local date after `today` begins (their next local midnight). */
export function nextLocalMidnight(today: string, utcOffset: number): number {
  return Date.parse(`${addDays(today, 1)}T00:00:00Z`) - utcOffset * 60_000;
}

export interface LeaderboardQuery {
  range: LeaderboardRange;
  /** Language name as asked for (matched case-insensitively), or null for all languages. */
  language: string | null;
  page: number;
}

/** Parses `range`, `language` and `page`; an error names the parameter. */
export function parseLeaderboardQuery(params: {
  range?: string | null;
  language?: string | null;
  page?: string | null;
}): LeaderboardQuery | { error: string } {
  const range = params.range ?? "week";
  if (!(LEADERBOARD_RANGES as readonly string[]).includes(range)) return { error: "range must be one of week, month, year, all." };
  const language = params.language?.trim() || null;
  if (language !== null && language.length > 255) return { error: "language is too long (at most 255 characters)." };
  const pageText = params.page ?? "1";
  if (!/^[0-9]{1,5}$/.test(pageText) || Number(pageText) < 1 || Number(pageText) > MAX_LEADERBOARD_PAGE) {
    return { error: `page must be a whole number from 1 to ${MAX_LEADERBOARD_PAGE}.` };
  }
  return { range: range as LeaderboardRange, language, page: Number(pageText) };
}

export interface RankedRow {
  username: string;
  xp: number;
}

/**
 * Standard competition ranks ("1, 2, 2, 4") for a page of rows sorted by XP descending, given how many
 * ranked users have more XP than the page's first row.
 */
export function competitionRanks<T extends RankedRow>(rows: readonly T[], aboveFirst: number, offset: number): (T & { rank: number })[] {
  let rank = aboveFirst + 1;
  return rows.map((row, i) => {
    if (i > 0 && row.xp !== rows[i - 1]!.xp) rank = offset + i + 1;
    return { ...row, rank };
  });
}
