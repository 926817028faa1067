// User search: public users whose name starts with a prefix (case-insensitively), a page at a time,
// by a range scan of the unique index on `username_key`.
import { and, asc, eq, gte, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { users } from "./schema";
import { usernameKey } from "../domain/username";

export const USER_SEARCH_PAGE_SIZE = 50;

export async function searchPublicUsers(d1: D1Database, prefix: string, page: number): Promise<{ usernames: string[]; hasNext: boolean }> {
  const key = usernameKey(prefix);
  if (key === "") return { usernames: [], hasNext: false };
  // Every key starting with `key` sorts at or after it and before `key` + the highest code point.
  const rows = await drizzle(d1)
    .select({ username: users.username })
    .from(users)
    .where(and(gte(users.usernameKey, key), lt(users.usernameKey, `${key}\u{10FFFF}`), eq(users.private, false)))
    .orderBy(asc(users.usernameKey))
    .limit(USER_SEARCH_PAGE_SIZE + 1)
    .offset((page - 1) * USER_SEARCH_PAGE_SIZE);
  return { usernames: rows.slice(0, USER_SEARCH_PAGE_SIZE).map((r) => r.username), hasNext: rows.length > USER_SEARCH_PAGE_SIZE };
}
