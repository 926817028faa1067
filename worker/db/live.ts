// D1 reads for the live objects: consistent snapshots to (re)build a user's aggregates, the pulses a
// user object missed, and the global figures of the front page. Everything here reads rollups or
// bounded windows of recent pulses, never a whole history.
import { and, asc, eq, gt, gte, inArray, lte, sql, sum } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alias, QueryBuilder } from "drizzle-orm/sqlite-core";
import { machineXp } from "./machines";
import { languages, machineDailyXp, machineHourlyXp, machines, pulses, userLanguageAliases, users, xps } from "./schema";
import { chunk } from "./sql";
import { sqliteSequence } from "./sqlite-sequence";

type UserRow = typeof users.$inferSelect;
type MachineRow = typeof machines.$inferSelect;
type PulseRow = typeof pulses.$inferSelect;
type LanguageName = (typeof languages.$inferSelect)["name"];

export interface UserAggregates {
  identity: { userId: UserRow["id"] } & Pick<UserRow, "username" | "private" | "createdAt">;
  /** The user's pulse sequence at the moment of the snapshot. */
  pulseSeq: UserRow["pulseSeq"];
  machines: (Pick<MachineRow, "id" | "name" | "active"> & { xp: number })[];
  languages: { name: LanguageName; xp: number }[];
  dates: { date: string; xp: number }[];
  hours: { hour: number; xp: number }[];
  dayLanguages: { date: string; language: LanguageName; xp: number }[];
  recent: (Pick<PulseRow, "seq" | "codedAt" | "machineId"> & { language: LanguageName; xp: number })[];
}

/** XP summed in SQL, as a number (drizzle's `sum` gives a string, for integers beyond 2^53). */
const xpSum = (column: typeof machineDailyXp.xp | typeof machineHourlyXp.xp | typeof xps.amount) => sum(column).mapWith(Number);

/** Everything a user object holds, read in one batch (one transaction, so one consistent snapshot). */
export async function loadUserAggregates(
  d1: D1Database,
  userId: number,
  recentSince: number,
  daysSince: string,
): Promise<UserAggregates | null> {
  const db = drizzle(d1);
  const d = machineDailyXp;
  const h = machineHourlyXp;
  const [user, machineRows, languageRows, dates, hours, dayLanguages, recent] = await db.batch([
    db
      .select({ userId: users.id, username: users.username, private: users.private, createdAt: users.createdAt, pulseSeq: users.pulseSeq })
      .from(users)
      .where(eq(users.id, userId)),
    db
      .select({ id: machines.id, name: machines.name, active: machines.active, xp: machineXp })
      .from(machines)
      .where(eq(machines.userId, userId)),
    db
      .select({ name: languages.name, xp: xpSum(d.xp) })
      .from(d)
      .innerJoin(languages, eq(languages.id, d.languageId))
      .where(eq(d.userId, userId))
      .groupBy(d.languageId),
    db
      .select({ date: d.localDate, xp: xpSum(d.xp) })
      .from(d)
      .where(eq(d.userId, userId))
      .groupBy(d.localDate),
    db
      .select({ hour: h.localHour, xp: xpSum(h.xp) })
      .from(h)
      .where(eq(h.userId, userId))
      .groupBy(h.localHour),
    db
      .select({ date: d.localDate, language: languages.name, xp: xpSum(d.xp) })
      .from(d)
      .innerJoin(languages, eq(languages.id, d.languageId))
      .where(and(eq(d.userId, userId), gte(d.localDate, daysSince)))
      .groupBy(d.localDate, d.languageId),
    db
      .select({ seq: pulses.seq, codedAt: pulses.codedAt, machineId: pulses.machineId, language: languages.name, xp: xps.amount })
      .from(pulses)
      .innerJoin(xps, eq(xps.pulseId, pulses.id))
      .innerJoin(languages, eq(languages.id, xps.languageId))
      .where(and(eq(pulses.userId, userId), gte(pulses.codedAt, recentSince))),
  ]);
  const u = user[0];
  if (!u) return null;
  const { pulseSeq, ...identity } = u;
  return { identity, pulseSeq, machines: machineRows, languages: languageRows, dates, hours, dayLanguages, recent };
}

/** A stored pulse with its XP per booked (alias-resolved) language name. */
export interface LoggedPulse extends Pick<PulseRow, "seq" | "machineId" | "codedAt" | "utcOffset"> {
  pulseId: PulseRow["id"];
  xps: { language: LanguageName; amount: number }[];
}

/** A user's pulses after `afterSeq`, in order, with booked language names; at most `limit`. */
export async function loadPulsesAfter(d1: D1Database, userId: number, afterSeq: number, limit: number): Promise<LoggedPulse[]> {
  const entries = new QueryBuilder()
    // The pulse's XP rows as one JSON value per pulse; drizzle has no JSON aggregates.
    .select({ xps: sql<string>`json_group_array(json_array(${languages.name}, ${xps.amount}))` })
    .from(xps)
    .innerJoin(languages, eq(languages.id, xps.languageId))
    .where(eq(xps.pulseId, pulses.id));
  const rows = await drizzle(d1)
    .select({
      seq: pulses.seq,
      pulseId: pulses.id,
      machineId: pulses.machineId,
      codedAt: pulses.codedAt,
      utcOffset: pulses.utcOffset,
      xps: sql<string>`${entries}`,
    })
    .from(pulses)
    .where(and(eq(pulses.userId, userId), gt(pulses.seq, afterSeq)))
    .orderBy(asc(pulses.seq))
    .limit(limit);
  return rows.map((r) => ({ ...r, xps: (JSON.parse(r.xps) as [string, number][]).map(([language, amount]) => ({ language, amount })) }));
}

export async function loadMachines(d1: D1Database, userId: number): Promise<Pick<MachineRow, "id" | "name" | "active">[]> {
  return drizzle(d1)
    .select({ id: machines.id, name: machines.name, active: machines.active })
    .from(machines)
    .where(eq(machines.userId, userId));
}

/** The booked display name of each language key for this user (the user's own alias first, then the global one). */
export async function loadBookedNames(d1: D1Database, userId: number, keys: readonly string[]): Promise<Map<string, string>> {
  const db = drizzle(d1);
  const globalTarget = alias(languages, "t");
  const userTarget = alias(languages, "ut");
  const a = userLanguageAliases;
  const names = new Map<string, string>();
  for (const part of chunk(keys, 90)) {
    const rows = await db
      // The first name that is set; drizzle has no coalesce().
      .select({ key: languages.nameKey, booked: sql<string>`coalesce(${userTarget.name}, ${globalTarget.name}, ${languages.name})` })
      .from(languages)
      .leftJoin(globalTarget, eq(globalTarget.id, languages.aliasOf))
      .leftJoin(a, and(eq(a.userId, userId), eq(a.languageId, languages.id)))
      .leftJoin(userTarget, eq(userTarget.id, a.targetId))
      .where(inArray(languages.nameKey, part));
    for (const r of rows) names.set(r.key, r.booked);
  }
  return names;
}

export async function loadPulseSeq(d1: D1Database, userId: number): Promise<number | null> {
  const row = await drizzle(d1).select({ seq: users.pulseSeq }).from(users).where(eq(users.id, userId)).get();
  return row?.seq ?? null;
}

// ---- the front page ----

export interface FeedBaseline {
  /** Total XP of public users. */
  totalXp: number;
  /** Highest pulse id at the moment of the snapshot: pulses above it are not in `totalXp`. */
  watermark: number;
}

export async function loadFeedBaseline(d1: D1Database): Promise<FeedBaseline> {
  const db = drizzle(d1);
  const [total, max] = await db.batch([
    db
      .select({ xp: sum(users.totalXp).mapWith(Number) })
      .from(users)
      .where(eq(users.private, false)),
    // The highest pulse id ever given (AUTOINCREMENT's counter): MAX(id) falls back when the newest rows are deleted (a deleted machine, retention of a quiet database).
    db.select({ id: sqliteSequence.seq }).from(sqliteSequence).where(eq(sqliteSequence.name, "pulses")),
  ]);
  return { totalXp: total[0]?.xp ?? 0, watermark: max[0]?.id ?? 0 };
}

export interface FeedWindows {
  /** [minute start, XP with each XP row capped at `rowCap`] for pulses coded since `minutesSince`. */
  minutes: { minute: number; xp: number }[];
  /** XP per (hour start, language) for pulses coded since `languagesSince`. */
  languageHours: { hour: number; language: LanguageName; xp: number }[];
}

/** The front page's time windows, summed in D1 over public users' pulses up to `watermark`. */
export async function loadFeedWindows(
  d1: D1Database,
  opts: { minutesSince: number; languagesSince: number; watermark: number; rowCap: number },
): Promise<FeedWindows> {
  const db = drizzle(d1);
  // Integer arithmetic and SQLite's two-argument min(): drizzle has no arithmetic operators.
  const minute = sql<number>`(${pulses.codedAt} / 60000) * 60000`;
  const hour = sql<number>`(${pulses.codedAt} / 3600000) * 3600000`;
  const publicUser = and(eq(users.id, pulses.userId), eq(users.private, false));
  const [minutes, languageHours] = await db.batch([
    db
      .select({ minute, xp: sql<number>`sum(min(${xps.amount}, ${opts.rowCap}))` })
      .from(pulses)
      .innerJoin(users, publicUser)
      .innerJoin(xps, eq(xps.pulseId, pulses.id))
      .where(and(gte(pulses.codedAt, opts.minutesSince), lte(pulses.id, opts.watermark)))
      .groupBy(minute),
    db
      .select({ hour, language: languages.name, xp: xpSum(xps.amount) })
      .from(pulses)
      .innerJoin(users, publicUser)
      .innerJoin(xps, eq(xps.pulseId, pulses.id))
      .innerJoin(languages, eq(languages.id, xps.languageId))
      .where(and(gte(pulses.codedAt, opts.languagesSince), lte(pulses.id, opts.watermark)))
      .groupBy(hour, xps.languageId),
  ]);
  return { minutes, languageHours };
}

// ---- the watch lease ----

/**
 * Sets the user's watch lease to `until` and returns the user's pulse sequence as of that write (null:
 * the user is gone). Every pulse committed after it sees the lease; every one before it is within the
 * returned sequence, so a viewer's snapshot synced to it misses nothing.
 */
export async function renewWatchLease(d1: D1Database, userId: number, until: number): Promise<number | null> {
  const rows = await drizzle(d1)
    .update(users)
    .set({ watchedUntil: until })
    .where(eq(users.id, userId))
    .returning({ pulseSeq: users.pulseSeq });
  return rows[0]?.pulseSeq ?? null;
}
