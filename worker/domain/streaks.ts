// Streaks: runs of consecutive local days whose XP reached the user's threshold.
import { addDays } from "./leaderboard";

export interface StreakRuns {
  /** Longest run of qualifying days ever. */
  longest: number;
  /** The latest run: its last day and length (null without qualifying days). */
  last: { end: string; length: number } | null;
}

export interface Streaks {
  /** Days in the run that includes today, or yesterday while today has not qualified yet. */
  current: number;
  longest: number;
}

/** Runs of qualifying local dates (YYYY-MM-DD), sorted ascending and distinct. */
export function streakRuns(dates: readonly string[]): StreakRuns {
  let longest = 0;
  let run = 0;
  let previous: string | null = null;
  for (const date of dates) {
    run = previous !== null && addDays(previous, 1) === date ? run + 1 : 1;
    longest = Math.max(longest, run);
    previous = date;
  }
  return { longest, last: previous === null ? null : { end: previous, length: run } };
}

/** The streaks on the coder's local `today`. */
export function streaksOn(runs: StreakRuns, today: string): Streaks {
  const alive = runs.last !== null && (runs.last.end === today || runs.last.end === addDays(today, -1));
  return { current: alive ? runs.last!.length : 0, longest: runs.longest };
}

export const MAX_STREAK_MIN_XP = 1_000_000;

/** The threshold from a form field: a whole number of XP from 1 to MAX_STREAK_MIN_XP. */
export function parseStreakThreshold(raw: string): number | { error: string } {
  const text = raw.trim();
  if (!/^[0-9]{1,7}$/.test(text) || Number(text) < 1 || Number(text) > MAX_STREAK_MIN_XP) {
    return { error: `The streak threshold must be a whole number of XP from 1 to ${MAX_STREAK_MIN_XP.toLocaleString("en-US")}.` };
  }
  return Number(text);
}
