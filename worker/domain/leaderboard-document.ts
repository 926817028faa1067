// The leaderboard API documents: this service's own (`/api/leaderboards`) and the WakaTime-compatible
// one in the shape Wakapi serves (`/api/v1/leaders`), built from one ranked page.
import { level } from "./levels";
import { LEADERBOARD_PAGE_SIZE, RANGE_DAYS, type LeaderboardRange } from "./leaderboard";

export interface RankedEntry {
  rank: number;
  username: string;
  xp: number;
  /** Top languages of the user in the range, by XP. */
  languages: { name: string; xp: number }[];
}

export interface RankedPage {
  range: LeaderboardRange;
  /** The booked language's name, or null for all languages. */
  language: string | null;
  page: number;
  /** Public users with XP on this board. */
  total: number;
  entries: RankedEntry[];
  /** When the board last took in D1's pulses (epoch ms). */
  updatedAt: number;
}

const totalPages = (total: number) => Math.max(1, Math.ceil(total / LEADERBOARD_PAGE_SIZE));

export function leaderboardDocument(p: RankedPage) {
  return {
    range: p.range,
    language: p.language,
    page: p.page,
    total_pages: totalPages(p.total),
    total_users: p.total,
    updated_at: new Date(p.updatedAt).toISOString(),
    users: p.entries.map((e) => ({ rank: e.rank, username: e.username, xp: e.xp, level: level(e.xp), languages: e.languages })),
  };
}

const RANGE_TEXT: Record<LeaderboardRange, string> = { week: "last 7 days", month: "last 30 days", year: "last 365 days", all: "all time" };
const RANGE_NAME: Record<LeaderboardRange, string> = { week: "last_7_days", month: "last_30_days", year: "last_year", all: "all_time" };

/**
 * Wakapi's `LeadersViewModel`. This service measures XP, not time: `total_seconds` carries XP and the
 * human-readable texts say so; the daily average divides by the range's days (all time: by 365).
 */
export function wakapiLeadersDocument(p: RankedPage) {
  const days = RANGE_DAYS[p.range] ?? 365;
  return {
    current_user: null,
    data: p.entries.map((e) => ({
      rank: e.rank,
      running_total: {
        total_seconds: e.xp,
        human_readable_total: `${e.xp} XP`,
        daily_average: Math.round(e.xp / days),
        human_readable_daily_average: `${Math.round(e.xp / days)} XP`,
        languages: e.languages.map((l) => ({ name: l.name, total_seconds: l.xp })),
      },
      user: {
        id: e.username,
        username: e.username,
        display_name: e.username,
        full_name: e.username,
        is_email_public: false,
        email: null,
        photo_public: false,
      },
    })),
    language: p.language ?? "",
    page: p.page,
    total_pages: totalPages(p.total),
    range: { name: RANGE_NAME[p.range], text: RANGE_TEXT[p.range] },
    modified_at: new Date(p.updatedAt).toISOString(),
  };
}
