// Lists that span every partition: each database answers its own sorted pages, and they are merged
// (k-way, reading further pages only as needed) into one sorted list paged as the single-database one.
import type { Env } from "../env";
import { allDatabases } from "../db/partitions";
import { languageKey } from "../domain/language";
import { usernameKey } from "../domain/username";
import { listPublicLanguageAliases, ALIASES_PAGE_SIZE, type LanguageAliases } from "../db/languages";
import { searchPublicUsers, USER_SEARCH_PAGE_SIZE } from "../db/user-search";

export interface Paged<T> {
  items: T[];
  hasNext: boolean;
}

/**
 * Page `page` of the merge of sorted, paged sources (same page size): items with equal keys are
 * combined with `combine`. One source is passed through as it is.
 */
export async function mergedPage<T>(
  sources: readonly ((page: number) => Promise<Paged<T>>)[],
  key: (item: T) => string,
  combine: (a: T, b: T) => T,
  page: number,
  pageSize: number,
): Promise<Paged<T>> {
  if (sources.length === 1) return sources[0]!(page);
  const cursors = sources.map((read) => ({ read, items: [] as T[], at: 0, next: 1, more: true }));
  const head = async (c: (typeof cursors)[number]): Promise<T | undefined> => {
    while (c.at >= c.items.length && c.more) {
      const got = await c.read(c.next++);
      c.items = got.items;
      c.at = 0;
      c.more = got.hasNext && got.items.length > 0;
    }
    return c.items[c.at];
  };
  const wanted = page * pageSize + 1;
  const out: T[] = [];
  while (out.length < wanted) {
    const heads = await Promise.all(cursors.map(head));
    let least: string | null = null;
    for (const h of heads) if (h !== undefined && (least === null || key(h) < least)) least = key(h);
    if (least === null) break;
    let merged: T | undefined;
    for (const [i, h] of heads.entries()) {
      if (h === undefined || key(h) !== least) continue;
      merged = merged === undefined ? h : combine(merged, h);
      cursors[i]!.at++;
    }
    out.push(merged!);
  }
  const from = (page - 1) * pageSize;
  return { items: out.slice(from, from + pageSize), hasNext: out.length > from + pageSize };
}

/** Public users whose name starts with `prefix`, across every database. */
export async function searchUsers(env: Env, prefix: string, page: number): Promise<{ usernames: string[]; hasNext: boolean }> {
  const sources = allDatabases(env).map((db) => async (p: number) => {
    const r = await searchPublicUsers(db, prefix, p);
    return { items: r.usernames, hasNext: r.hasNext };
  });
  const merged = await mergedPage(sources, usernameKey, (a) => a, page, USER_SEARCH_PAGE_SIZE);
  return { usernames: merged.items, hasNext: merged.hasNext };
}

/** The aliases page across every database: a language's aliases are the union of each database's. */
export async function languageAliases(env: Env, page: number): Promise<{ languages: LanguageAliases[]; hasNext: boolean }> {
  const sources = allDatabases(env).map((db) => async (p: number) => {
    const r = await listPublicLanguageAliases(db, p);
    return { items: r.languages, hasNext: r.hasNext };
  });
  const union = (a: LanguageAliases, b: LanguageAliases): LanguageAliases => {
    const names = new Map([...a.aliases, ...b.aliases].map((n) => [languageKey(n), n]));
    return { name: a.name, aliases: [...names.values()].sort((x, y) => (languageKey(x) < languageKey(y) ? -1 : 1)) };
  };
  const merged = await mergedPage(sources, (l) => languageKey(l.name), union, page, ALIASES_PAGE_SIZE);
  return { languages: merged.items, hasNext: merged.hasNext };
}
