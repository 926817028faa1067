// D1 reads for streaks: the user's local dates whose XP (all machines and languages, from the daily
// rollups) reached a threshold, and the UTC offset of the user's latest pulse (their zone).
import { and, asc, eq, gte, sum } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { machineDailyXp, pulses, users } from "./schema";

export async function readStreakDays(
  d1: D1Database,
  userId: number,
  minXp: number,
): Promise<{ dates: string[]; utcOffset: number | null }> {
  const db = drizzle(d1);
  const [days, latest] = await db.batch([
    db
      .select({ date: machineDailyXp.localDate })
      .from(machineDailyXp)
      .where(eq(machineDailyXp.userId, userId))
      .groupBy(machineDailyXp.localDate)
      .having(gte(sum(machineDailyXp.xp), minXp))
      .orderBy(asc(machineDailyXp.localDate)),
    // The latest pulse by the per-user sequence (unique index), not a scan of the history.
    db
      .select({ utcOffset: pulses.utcOffset })
      .from(users)
      .innerJoin(pulses, and(eq(pulses.userId, users.id), eq(pulses.seq, users.pulseSeq)))
      .where(eq(users.id, userId)),
  ]);
  return { dates: days.map((d) => d.date), utcOffset: latest[0]?.utcOffset ?? null };
}

export async function readStreakThreshold(d1: D1Database, userId: number): Promise<number | null> {
  const rows = await drizzle(d1).select({ minXp: users.streakMinXp }).from(users).where(eq(users.id, userId));
  return rows[0]?.minXp ?? null;
}

export async function updateStreakThreshold(d1: D1Database, userId: number, minXp: number): Promise<void> {
  await drizzle(d1).update(users).set({ streakMinXp: minXp }).where(eq(users.id, userId));
}
