// Badge use case: privacy first (from D1, on every request), then the badge's figures from the user's
// live object or the leaderboard, cached in the Cache API under a key that changes with every pulse.
import type { Env } from "../env";
import { badgeContent, NOT_FOUND_BADGE, type BadgeContent, type BadgeQuery } from "../domain/badge";
import { languageKey } from "../domain/language";
import { lookupProfileUser } from "./profiles";
import { loadProfileView } from "./live";
import { loadScore } from "./leaderboards";

/** How long the edge and clients may keep a badge (the cache key already changes with every pulse). */
export const BADGE_MAX_AGE_SECONDS = 300;

export type BadgeLookup = { found: true; cacheKey: string; content: () => Promise<BadgeContent> } | { found: false; content: BadgeContent };

/**
 * Resolves the user (private and unknown alike are not found). The figures are computed only when
 * called, so a cached badge costs one D1 lookup; `format` separates the SVG's and the JSON's entries.
 */
export async function lookupBadge(env: Env, segment: string, query: BadgeQuery, format: "svg" | "json"): Promise<BadgeLookup> {
  const found = await lookupProfileUser(env, segment);
  if (found.kind === "missing") return { found: false, content: NOT_FOUND_BADGE };
  const user = found.user;
  const language = encodeURIComponent(query.language === null ? "" : languageKey(query.language));
  const cacheKey = `https://badge-cache.invalid/${format}/${user.id}/${user.pulseSeq}/${query.range ?? "all"}/${language}`;
  return { found: true, cacheKey, content: () => figures(env, user, query) };
}

async function figures(env: Env, user: Parameters<typeof loadProfileView>[1], query: BadgeQuery): Promise<BadgeContent> {
  if (query.range === null) {
    const view = await loadProfileView(env, user);
    if (query.language === null) return badgeContent(view.username, query, view.totalXp, null);
    const lang = view.languages.find((l) => languageKey(l.name) === languageKey(query.language!));
    return badgeContent(view.username, query, lang?.xp ?? 0, lang?.name ?? query.language);
  }
  // Ranges come from the leaderboard, in the user's zone (a user without pulses is not on it: 0 XP).
  const xp = (await loadScore(env, user.id, query.range, query.language)) ?? 0;
  return badgeContent(user.username, query, xp, query.language);
}
