// Reading a user's aggregates from the D1 rollups. The cost grows with the number of distinct days,
// languages and machines, never with the number of pulses; the 12-hour window reads only recent pulses.
import type { ProfileTotals } from "../domain/profile";

export async function loadProfileTotals(db: D1Database, userId: number, recentSince: number): Promise<ProfileTotals> {
  const [languages, machines, dates, recent] = await db.batch([
    db
      .prepare(
        `SELECT l.name AS name, SUM(d.xp) AS xp FROM machine_daily_xp d JOIN languages l ON l.id = d.language_id
         WHERE d.user_id = ? GROUP BY d.language_id`,
      )
      .bind(userId),
    db
      .prepare(
        `SELECT m.name AS name, m.active AS active, coalesce((SELECT SUM(h.xp) FROM machine_hourly_xp h WHERE h.machine_id = m.id), 0) AS xp
         FROM machines m WHERE m.user_id = ?`,
      )
      .bind(userId),
    db.prepare("SELECT local_date AS date, SUM(xp) AS xp FROM machine_daily_xp WHERE user_id = ? GROUP BY local_date").bind(userId),
    db
      .prepare(
        `SELECT l.name AS language, m.name AS machine, SUM(x.amount) AS xp
         FROM pulses p JOIN xps x ON x.pulse_id = p.id JOIN languages l ON l.id = x.language_id JOIN machines m ON m.id = p.machine_id
         WHERE p.user_id = ? AND p.coded_at >= ? GROUP BY x.language_id, p.machine_id`,
      )
      .bind(userId, recentSince),
  ]);
  return {
    languages: rows<{ name: string; xp: number }>(languages),
    machines: rows<{ name: string; active: number; xp: number }>(machines).map((m) => ({ ...m, active: m.active === 1 })),
    dates: rows<{ date: string; xp: number }>(dates),
    recent: rows<{ language: string; machine: string; xp: number }>(recent),
  };
}

function rows<T>(result: D1Result | undefined): T[] {
  return (result?.results ?? []) as T[];
}
