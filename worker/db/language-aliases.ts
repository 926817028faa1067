// A user's own language aliases, and re-pointing that user's past XP when one changes: the XP rows
// sent under the language get the new booked language, and the per-day rollups of every language
// involved are summed again from those rows, in one transaction. (Hourly rollups have no language.)
// Any further rollup keyed by booked language must be re-pointed here too.
import { and, eq, gte, inArray, ne, sql, sum } from "drizzle-orm";
import { alias, QueryBuilder } from "drizzle-orm/sqlite-core";
import { drizzle } from "drizzle-orm/d1";
import { languageKey } from "../domain/language";
import { languages, machineDailyXp, pulses, retention, userLanguageAliases, xps } from "./schema";

export type LanguageRow = typeof languages.$inferSelect;
export type UserAliasRow = typeof userLanguageAliases.$inferSelect;

export interface UserAlias {
  source: string;
  target: string;
}

export async function listUserAliases(db: D1Database, userId: number): Promise<UserAlias[]> {
  const source = alias(languages, "source");
  const target = alias(languages, "target");
  return drizzle(db)
    .select({ source: source.name, target: target.name })
    .from(userLanguageAliases)
    .innerJoin(source, eq(source.id, userLanguageAliases.languageId))
    .innerJoin(target, eq(target.id, userLanguageAliases.targetId))
    .where(eq(userLanguageAliases.userId, userId))
    .orderBy(source.nameKey);
}

/** The language row of a name, created when missing (the first spelling seen wins). */
export async function ensureLanguage(db: D1Database, name: string): Promise<LanguageRow> {
  const orm = drizzle(db);
  const key = languageKey(name);
  await orm.insert(languages).values({ name, nameKey: key }).onConflictDoNothing({ target: languages.nameKey });
  return (await orm.select().from(languages).where(eq(languages.nameKey, key)))[0]!;
}

export async function findUserAliasesOf(db: D1Database, userId: number): Promise<UserAliasRow[]> {
  return drizzle(db).select().from(userLanguageAliases).where(eq(userLanguageAliases.userId, userId));
}

/**
 * The first local date whose raw pulses are still kept (retention, worker/db/retention.ts). Rollups of
 * earlier days are all that is left of them: they are summed by booked language only, so they cannot be
 * split by the name the XP was sent as, and keep the booking they had when their pulses were deleted.
 * '' (before every date) when none is set: a coalesce(), which drizzle has no function for.
 */
const KEPT_FROM = sql<string>`coalesce(${new QueryBuilder().select({ date: retention.rawKeptFrom }).from(retention)}, '')`;

/** The local date of a pulse, computed by SQLite exactly as the rollup triggers do (drizzle has no date functions). */
const LOCAL_DATE = sql<string>`date((${pulses.codedAt} + ${pulses.utcOffset} * 60000) / 1000, 'unixepoch')`;

/**
 * Sets (target) or removes (null) the user's alias of `source` and re-points the user's XP sent under
 * it: to the target's booked language, or back to the global booking.
 */
export async function repointUserAlias(
  db: D1Database,
  userId: number,
  source: LanguageRow,
  target: LanguageRow | null,
  now: number,
): Promise<void> {
  const orm = drizzle(db);
  const globalBooked = source.aliasOf ?? source.id;
  const booked = target ? (target.aliasOf ?? target.id) : globalBooked;
  const usersPulses = orm.select({ id: pulses.id }).from(pulses).where(eq(pulses.userId, userId));
  const previous = await orm
    .select({ targetId: userLanguageAliases.targetId })
    .from(userLanguageAliases)
    .where(and(eq(userLanguageAliases.userId, userId), eq(userLanguageAliases.languageId, source.id)));
  // Every language the XP sent under `source` is or could be booked on: their rollups are summed again.
  const current = await orm
    .selectDistinct({ id: xps.languageId })
    .from(xps)
    .where(and(eq(xps.originalLanguageId, source.id), inArray(xps.pulseId, usersPulses)));
  const affected = [...new Set([booked, globalBooked, ...previous.map((p) => p.targetId), ...current.map((r) => r.id)])];
  // Integers read from D1 above, inlined: the list has no bound, D1 binds at most 100 parameters.
  const affectedIds = sql.raw(affected.join(", "));

  const setAlias = target
    ? orm
        .insert(userLanguageAliases)
        .values({ userId, languageId: source.id, targetId: booked, createdAt: now })
        .onConflictDoUpdate({
          target: [userLanguageAliases.userId, userLanguageAliases.languageId],
          set: { targetId: booked, createdAt: now },
        })
    : orm.delete(userLanguageAliases).where(and(eq(userLanguageAliases.userId, userId), eq(userLanguageAliases.languageId, source.id)));
  const d = machineDailyXp;
  // One transaction: the alias, the rollups of the kept days taken out, the XP rows re-pointed, the rollups summed again from them.
  await orm.batch([
    setAlias,
    orm.delete(d).where(and(eq(d.userId, userId), sql`${d.languageId} IN (${affectedIds})`, gte(d.localDate, KEPT_FROM))),
    orm
      .update(xps)
      .set({ languageId: booked })
      .where(and(eq(xps.originalLanguageId, source.id), ne(xps.languageId, booked), inArray(xps.pulseId, usersPulses))),
    orm.insert(d).select(
      orm
        // In the rollup's column order: an INSERT ... SELECT fills every column of the table in order.
        .select({
          machineId: pulses.machineId,
          userId: pulses.userId,
          localDate: LOCAL_DATE.as("local_date"),
          languageId: xps.languageId,
          xp: sum(xps.amount).as("xp"),
        })
        .from(pulses)
        .innerJoin(xps, eq(xps.pulseId, pulses.id))
        .where(and(eq(pulses.userId, userId), sql`${xps.languageId} IN (${affectedIds})`, gte(LOCAL_DATE, KEPT_FROM)))
        .groupBy(pulses.machineId, LOCAL_DATE, xps.languageId),
    ),
  ]);
}
