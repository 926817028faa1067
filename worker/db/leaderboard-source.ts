// D1 reads for the leaderboard object: XP rows of pulses after a watermark (the pulse id), user and
// language names, and consistent snapshots from the daily rollups to build or re-read users.
import { and, asc, eq, gt, gte, inArray, lte, max, sum } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { languages, machineDailyXp, pulses, users, xps } from "./schema";
import { chunk } from "./sql";

export interface XpRow {
  pulseId: number;
  userId: number;
  codedAt: number;
  utcOffset: number;
  languageId: number;
  amount: number;
}

export interface BoardUser {
  userId: number;
  username: string;
  private: boolean;
  /** Offset and instant of the user's latest pulse (their zone), null without pulses. */
  utcOffset: number | null;
  codedAt: number | null;
}

export interface DailyRow {
  userId: number;
  date: string;
  languageId: number;
  xp: number;
}

export interface TotalRow {
  userId: number;
  languageId: number;
  xp: number;
}

export interface BoardSnapshot {
  /** Highest pulse id covered by the snapshot: later pulses are read as XP rows. */
  watermark: number;
  users: BoardUser[];
  /** XP per user, local date (on or after the snapshot's `since`) and booked language. */
  daily: DailyRow[];
  /** All-time XP per user and booked language. */
  totals: TotalRow[];
}

const PULSES_PER_READ = 500;

/** XP rows of the next pulses after `afterPulseId` (whole pulses, at most 500 of them). */
export async function readXpAfter(d1: D1Database, afterPulseId: number): Promise<XpRow[]> {
  const db = drizzle(d1);
  const next = db.select({ id: pulses.id }).from(pulses).where(gt(pulses.id, afterPulseId)).orderBy(asc(pulses.id)).limit(PULSES_PER_READ);
  return db
    .select({
      pulseId: pulses.id,
      userId: pulses.userId,
      codedAt: pulses.codedAt,
      utcOffset: pulses.utcOffset,
      languageId: xps.languageId,
      amount: xps.amount,
    })
    .from(pulses)
    .innerJoin(xps, eq(xps.pulseId, pulses.id))
    .where(inArray(pulses.id, next))
    .orderBy(asc(pulses.id));
}

/** Name and privacy of users (missing ids are deleted users). */
export async function readBoardUsers(
  d1: D1Database,
  ids: readonly number[],
): Promise<{ userId: number; username: string; private: boolean }[]> {
  const db = drizzle(d1);
  const out: { userId: number; username: string; private: boolean }[] = [];
  for (const part of chunk([...new Set(ids)], 90)) {
    out.push(
      ...(await db
        .select({ userId: users.id, username: users.username, private: users.private })
        .from(users)
        .where(inArray(users.id, part))),
    );
  }
  return out;
}

export async function readLanguageNames(d1: D1Database, ids: readonly number[]): Promise<{ id: number; name: string }[]> {
  const db = drizzle(d1);
  const out: { id: number; name: string }[] = [];
  for (const part of chunk([...new Set(ids)], 90))
    out.push(...(await db.select({ id: languages.id, name: languages.name }).from(languages).where(inArray(languages.id, part))));
  return out;
}

/** Ids of private users (the object re-checks its privacy flags against them now and then). */
export async function readPrivateUserIds(d1: D1Database): Promise<number[]> {
  const rows = await drizzle(d1).select({ id: users.id }).from(users).where(eq(users.private, true));
  return rows.map((r) => r.id);
}

/** Which users a snapshot covers: one user, or the ids in (after, after + span]. */
export type SnapshotScope = { userId: number } | { afterUserId: number; span: number };

/**
 * One consistent snapshot (one batch, one transaction) from the rollups for some users: daily XP from
 * `since` on, all-time XP per language over the whole history, and the highest user id (to page on).
 */
export async function readBoardSnapshot(
  d1: D1Database,
  since: string,
  scope: SnapshotScope,
): Promise<BoardSnapshot & { maxUserId: number }> {
  const db = drizzle(d1);
  const within = (column: typeof users.id | typeof machineDailyXp.userId) =>
    "userId" in scope ? eq(column, scope.userId) : and(gt(column, scope.afterUserId), lte(column, scope.afterUserId + scope.span));
  const [mark, maxUser, userRows, daily, totals] = await db.batch([
    db.select({ watermark: max(pulses.id) }).from(pulses),
    db.select({ id: max(users.id) }).from(users),
    db
      .select({ userId: users.id, username: users.username, private: users.private, utcOffset: pulses.utcOffset, codedAt: pulses.codedAt })
      .from(users)
      // The latest pulse by the per-user sequence (unique index): one row per user, whatever the history.
      .leftJoin(pulses, and(eq(pulses.userId, users.id), eq(pulses.seq, users.pulseSeq)))
      .where(within(users.id)),
    db
      .select({
        userId: machineDailyXp.userId,
        date: machineDailyXp.localDate,
        languageId: machineDailyXp.languageId,
        xp: sum(machineDailyXp.xp).mapWith(Number),
      })
      .from(machineDailyXp)
      .where(and(gte(machineDailyXp.localDate, since), within(machineDailyXp.userId)))
      .groupBy(machineDailyXp.userId, machineDailyXp.localDate, machineDailyXp.languageId),
    db
      .select({ userId: machineDailyXp.userId, languageId: machineDailyXp.languageId, xp: sum(machineDailyXp.xp).mapWith(Number) })
      .from(machineDailyXp)
      .where(within(machineDailyXp.userId))
      .groupBy(machineDailyXp.userId, machineDailyXp.languageId),
  ]);
  return { watermark: mark[0]?.watermark ?? 0, maxUserId: maxUser[0]?.id ?? 0, users: userRows, daily, totals };
}
