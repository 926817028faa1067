// A user's own language aliases, and re-pointing that user's past XP when one changes: the XP rows
// sent under the language get the new booked language, and the per-day rollups of every language
// involved are summed again from those rows, in one transaction. (Hourly rollups have no language.)
// Any further rollup keyed by booked language must be re-pointed here too.
import { and, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { drizzle } from "drizzle-orm/d1";
import { languageKey } from "../domain/language";
import { languages, userLanguageAliases } from "./schema";

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
 * Sets (target) or removes (null) the user's alias of `source` and re-points the user's XP sent under
 * it: to the target's booked language, or back to the global booking.
 */
/**
 * The first local date whose raw pulses are still kept (retention, worker/db/retention.ts). Rollups of
 * earlier days are all that is left of them: they are summed by booked language only, so they cannot be
 * split by the name the XP was sent as, and keep the booking they had when their pulses were deleted.
 */
const KEPT_FROM = "coalesce((SELECT raw_kept_from FROM retention), '')";

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
  const previous = await orm
    .select({ targetId: userLanguageAliases.targetId })
    .from(userLanguageAliases)
    .where(and(eq(userLanguageAliases.userId, userId), eq(userLanguageAliases.languageId, source.id)));
  // Every language the XP sent under `source` is or could be booked on: their rollups are summed again.
  const current = await db
    .prepare(
      // Raw SQL: a DISTINCT over a join with the user's pulses, read the same way as the statements below.
      "SELECT DISTINCT x.language_id AS id FROM xps x WHERE x.original_language_id = ? AND x.pulse_id IN (SELECT id FROM pulses WHERE user_id = ?)",
    )
    .bind(source.id, userId)
    .all<{ id: number }>();
  const affected = [...new Set([booked, globalBooked, ...previous.map((p) => p.targetId), ...current.results.map((r) => r.id)])];

  const setAlias = target
    ? orm
        .insert(userLanguageAliases)
        .values({ userId, languageId: source.id, targetId: booked, createdAt: now })
        .onConflictDoUpdate({
          target: [userLanguageAliases.userId, userLanguageAliases.languageId],
          set: { targetId: booked, createdAt: now },
        })
    : orm.delete(userLanguageAliases).where(and(eq(userLanguageAliases.userId, userId), eq(userLanguageAliases.languageId, source.id)));
  const ids = affected.join(", "); // integers read from D1 above
  const toD1 = (q: { toSQL(): { sql: string; params: unknown[] } }) => {
    const { sql: text, params } = q.toSQL();
    return db.prepare(text).bind(...params);
  };
  // One transaction. Raw SQL for the rollups: drizzle cannot express the re-summing insert, and the
  // local date must be computed by SQLite exactly as the rollup triggers do.
  await db.batch([
    toD1(setAlias),
    db.prepare(`DELETE FROM machine_daily_xp WHERE user_id = ? AND language_id IN (${ids}) AND local_date >= ${KEPT_FROM}`).bind(userId),
    db
      .prepare(
        "UPDATE xps SET language_id = ? WHERE original_language_id = ? AND language_id != ? AND pulse_id IN (SELECT id FROM pulses WHERE user_id = ?)",
      )
      .bind(booked, source.id, booked, userId),
    db
      .prepare(
        `INSERT INTO machine_daily_xp (machine_id, user_id, local_date, language_id, xp)
         SELECT p.machine_id, p.user_id, date((p.coded_at + p.utc_offset * 60000) / 1000, 'unixepoch') AS d, x.language_id, SUM(x.amount)
         FROM pulses p JOIN xps x ON x.pulse_id = p.id
         WHERE p.user_id = ? AND x.language_id IN (${ids}) AND d >= ${KEPT_FROM}
         GROUP BY p.machine_id, d, x.language_id`,
      )
      .bind(userId),
  ]);
}
