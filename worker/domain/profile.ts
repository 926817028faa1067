// The public profile API document (`GET /api/users/:username`), built from a profile view.
import type { ProfileView } from "../protocol";

export const RECENT_WINDOW_MS = 12 * 3_600_000;

export interface XpPair {
  xps: number;
  new_xps: number;
}

export interface ProfileDocument {
  user: string;
  total_xp: number;
  new_xp: number;
  machines: Record<string, XpPair>;
  languages: Record<string, XpPair>;
  dates: Record<string, number>;
}

/** `dates` is XP per local date over all history (the document's `dates` map). */
export function buildProfileDocument(view: ProfileView, dates: Record<string, number>): ProfileDocument {
  // Keys are names users chose: a null prototype keeps "__proto__" or "constructor" ordinary keys.
  const languages: Record<string, XpPair> = Object.create(null);
  const machines: Record<string, XpPair> = Object.create(null);
  for (const l of view.languages) languages[l.name] = { xps: l.xp, new_xps: l.recentXp };
  for (const m of view.machines) machines[m.name] = { xps: m.xp, new_xps: m.recentXp };
  return { user: view.username, total_xp: view.totalXp, new_xp: view.recentXp, machines, languages, dates };
}
