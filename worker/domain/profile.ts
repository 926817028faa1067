// The public profile API document (`GET /api/users/:username`), built from aggregates.

export const RECENT_WINDOW_MS = 12 * 3_600_000;

export interface ProfileTotals {
  languages: { name: string; xp: number }[];
  /** Every machine, active or not: only active ones are shown. */
  machines: { name: string; active: boolean; xp: number }[];
  dates: { date: string; xp: number }[];
  /** XP of the last 12 hours per booked language and machine. */
  recent: { language: string; machine: string; xp: number }[];
}

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

export function buildProfileDocument(username: string, totals: ProfileTotals): ProfileDocument {
  const activeMachines = new Set(totals.machines.filter((m) => m.active).map((m) => m.name));
  const languages: Record<string, XpPair> = {};
  const machines: Record<string, XpPair> = {};
  let total = 0;
  let recentTotal = 0;

  for (const l of totals.languages) {
    languages[l.name] = { xps: l.xp, new_xps: 0 };
    total += l.xp;
  }
  for (const m of totals.machines) if (m.active) machines[m.name] = { xps: m.xp, new_xps: 0 };
  for (const r of totals.recent) {
    (languages[r.language] ??= { xps: 0, new_xps: 0 }).new_xps += r.xp;
    recentTotal += r.xp;
    if (activeMachines.has(r.machine)) machines[r.machine]!.new_xps += r.xp;
  }
  const dates: Record<string, number> = {};
  for (const d of totals.dates) dates[d.date] = d.xp;

  return { user: username, total_xp: total, new_xp: recentTotal, machines, languages, dates };
}
