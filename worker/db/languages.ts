// Languages: the alias list for the aliases page.
export interface LanguageAliases {
  /** The language XP is booked on. */
  name: string;
  /** Names whose XP is booked on it, sorted case-insensitively. */
  aliases: string[];
}

/** Every language that is not itself an alias, with its aliases; sorted case-insensitively. */
export async function listLanguageAliases(db: D1Database): Promise<LanguageAliases[]> {
  const { results } = await db
    .prepare(
      `SELECT l.id, l.name, a.name AS alias
       FROM languages l LEFT JOIN languages a ON a.alias_of = l.id
       WHERE l.alias_of IS NULL
       ORDER BY l.name_key, l.id, a.name_key`,
    )
    .all<{ id: number; name: string; alias: string | null }>();
  const out: LanguageAliases[] = [];
  let lastId: number | null = null;
  for (const row of results) {
    if (row.id !== lastId) {
      out.push({ name: row.name, aliases: [] });
      lastId = row.id;
    }
    if (row.alias !== null) out.at(-1)!.aliases.push(row.alias);
  }
  return out;
}
