// The Worker's side of the leaderboard object: boards, one user's score, and account changes.
import type { Env } from "../env";
import type { LeaderboardQuery, LeaderboardRange } from "../domain/leaderboard";
import type { LeaderboardShape } from "../objects/leaderboards";
import { leaderboardObject } from "../objects/stubs";

export function loadBoard(env: Env, query: LeaderboardQuery, shape: LeaderboardShape = "pulse-edge"): Promise<string> {
  return leaderboardObject(env).board(query, shape);
}

/** A public user's XP in a range (and language); null for unknown or private users. */
export function loadScore(env: Env, userId: number, range: LeaderboardRange, language: string | null): Promise<number | null> {
  return leaderboardObject(env).score(userId, range, language);
}
