// Streak use case: runs are computed from D1's daily rollups once per (user, pulse sequence, total, threshold)
// and kept in the isolate, so repeated profile reads cost nothing; "current" is then evaluated for the
// user's local today (the zone of their latest pulse) at each read.
import type { UserRow } from "../db/users";
import { readStreakDays, readStreakThreshold, updateStreakThreshold } from "../db/streaks";
import { localDate } from "../domain/leaderboard";
import { parseStreakThreshold, streakRuns, streaksOn, type StreakRuns, type Streaks } from "../domain/streaks";

const MAX_CACHED = 2_000;
const cache = new Map<string, { runs: StreakRuns; utcOffset: number }>();

export async function loadStreaks(db: D1Database, user: UserRow, now = Date.now()): Promise<Streaks> {
  // Every pulse moves the sequence; a deleted machine moves the total.
  const key = `${user.id}:${user.pulseSeq}:${user.totalXp}:${user.streakMinXp}`;
  let entry = cache.get(key);
  if (!entry) {
    const { dates, utcOffset } = await readStreakDays(db, user.id, user.streakMinXp);
    entry = { runs: streakRuns(dates), utcOffset: utcOffset ?? 0 };
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(key, entry);
  }
  return streaksOn(entry.runs, localDate(now, entry.utcOffset));
}

/** The profile API document with this service's streak fields after the original's. */
export { readStreakThreshold };

/** Preferences: XP a local day needs to count towards the streak. */
export async function changeStreakThreshold(
  db: D1Database,
  userId: number,
  raw: string,
): Promise<{ kind: "ok"; minXp: number } | { kind: "invalid"; message: string }> {
  const parsed = parseStreakThreshold(raw);
  if (typeof parsed !== "number") return { kind: "invalid", message: parsed.error };
  await updateStreakThreshold(db, userId, parsed);
  return { kind: "ok", minXp: parsed };
}
