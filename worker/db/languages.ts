// Languages: the alias list for the aliases page, limited to what public profiles use, a page at a time.
import { aliasedTable, and, asc, eq, exists, inArray, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { languages, machineDailyXp, pulses, users, xps } from "./schema";

export interface LanguageAliases {
  /** The language XP is booked on. */
  name: string;
  /** Names whose XP is booked on it, sorted case-insensitively. */
  aliases: string[];
}

// The alias query binds one parameter per language shown: D1 allows 100 per statement.
export const ALIASES_PAGE_SIZE = 50;

/**
 * One page of the languages public profiles have XP in (booked names), sorted case-insensitively,
 * each with the alias names that public profiles sent. Names only private or deleted users ever sent
 * are not listed.
 */
export async function listPublicLanguageAliases(d1: D1Database, page: number): Promise<{ languages: LanguageAliases[]; hasNext: boolean }> {
  const db = drizzle(d1);
  const publicXpIn = (languageId: typeof languages.id) =>
    exists(
      db
        .select({ one: machineDailyXp.userId })
        .from(machineDailyXp)
        .innerJoin(users, eq(users.id, machineDailyXp.userId))
        .where(and(eq(machineDailyXp.languageId, languageId), eq(users.private, false))),
    );
  const booked = await db
    .select({ id: languages.id, name: languages.name })
    .from(languages)
    .where(and(isNull(languages.aliasOf), publicXpIn(languages.id)))
    .orderBy(asc(languages.nameKey), asc(languages.id))
    .limit(ALIASES_PAGE_SIZE + 1)
    .offset((page - 1) * ALIASES_PAGE_SIZE);
  const shown = booked.slice(0, ALIASES_PAGE_SIZE);
  const out = new Map(shown.map((l) => [l.id, { name: l.name, aliases: [] as string[] }]));
  if (shown.length > 0) {
    const a = aliasedTable(languages, "a");
    const aliases = await db
      .select({ target: a.aliasOf, name: a.name })
      .from(a)
      .where(
        and(
          inArray(a.aliasOf, [...out.keys()]),
          exists(
            db
              .select({ one: xps.id })
              .from(xps)
              .innerJoin(pulses, eq(pulses.id, xps.pulseId))
              .innerJoin(users, eq(users.id, pulses.userId))
              .where(and(eq(xps.originalLanguageId, a.id), eq(users.private, false))),
          ),
        ),
      )
      .orderBy(asc(a.nameKey));
    for (const row of aliases) out.get(row.target!)?.aliases.push(row.name);
  }
  return { languages: [...out.values()], hasNext: booked.length > ALIASES_PAGE_SIZE };
}
