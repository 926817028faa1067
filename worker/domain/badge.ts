// Profile badges: what a badge says (level and XP, in a language or a range) and its two renderings,
// an SVG drawn by shields.io's own badge library (its Verdana 11px width table) and shields' endpoint JSON.
import { makeBadge } from "badge-maker";
import { normalizeLanguageName } from "./language";
import { level } from "./levels";
import { parseLeaderboardQuery, type LeaderboardRange } from "./leaderboard";

export interface BadgeContent {
  label: string;
  message: string;
  color: string;
}

export interface BadgeQuery {
  /** null: all time, from the profile itself. */
  range: Exclude<LeaderboardRange, "all"> | null;
  language: string | null;
}

/** Private and unknown users alike: the same neutral badge. */
export const NOT_FOUND_BADGE: BadgeContent = { label: "Pulse Edge", message: "user not found", color: "#9f9f9f" };
const COLOR = "#2f6fd6";
const MAX_LANGUAGE_LENGTH = 100;

export function parseBadgeQuery(params: { range?: string | null; language?: string | null }): BadgeQuery | { error: string } {
  const language = params.language?.trim() || null;
  // Control characters would make the SVG ill-formed XML.
  if (language !== null && normalizeLanguageName(language) === null) return { error: "language must be text without control characters." };
  if (language !== null && language.length > MAX_LANGUAGE_LENGTH)
    return { error: `language is too long (at most ${MAX_LANGUAGE_LENGTH} characters).` };
  const parsed = parseLeaderboardQuery({ range: params.range ?? "all", language });
  if ("error" in parsed) return { error: parsed.error };
  return { range: parsed.range === "all" ? null : parsed.range, language };
}

const RANGE_TEXT: Record<Exclude<LeaderboardRange, "all">, string> = { week: "7 days", month: "30 days", year: "365 days" };

/** 1234567 → "1,234,567" (no locale data needed). */
function groupThousands(n: number): string {
  return String(Math.trunc(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** `language` is the booked spelling when the user has XP in it, else the name as asked for. */
export function badgeContent(username: string, query: BadgeQuery, xp: number, language: string | null): BadgeContent {
  const label = language === null ? username : `${username} · ${language}`;
  const message =
    query.range === null ? `level ${level(xp)} · ${groupThousands(xp)} XP` : `${groupThousands(xp)} XP in ${RANGE_TEXT[query.range]}`;
  return { label, message, color: COLOR };
}

/** Flat-square style: a few hundred bytes, text widths from the Verdana 11px table, a <title>; text escaped. */
export function badgeSvg(content: BadgeContent): string {
  return makeBadge({ label: content.label, message: content.message, color: content.color, style: "flat-square" });
}

/** shields.io's endpoint schema (https://shields.io/badges/endpoint-badge). */
export function shieldsEndpoint(content: BadgeContent, cacheSeconds: number) {
  return { schemaVersion: 1, label: content.label, message: content.message, color: content.color, cacheSeconds };
}
