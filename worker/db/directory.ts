// The partition directory's queries (tables user_homes and token_homes, kept in the default database):
// username claims with their partition, and the machine tokens of users outside the default database.
import { and, count, eq, inArray, isNull, notExists, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { tokenHomes, userHomes, users } from "./schema";

/**
 * Claims a username key for an account on `partition`; false when any account has it: a claim (every
 * account made through sign-up has one) or an account of the default database without one (made
 * before the directory existed, or written straight into D1 by a seed). One statement, so atomic.
 */
export async function claimUsername(home: D1Database, key: string, partition: number): Promise<boolean> {
  const d = drizzle(home);
  const unclaimedHere = notExists(d.select({ one: sql`1` }).from(users).where(eq(users.usernameKey, key)));
  // INSERT ... SELECT of constants: drizzle's insert().select() needs a query, so the row is spelled in SQL.
  const { meta } = await d.run(
    sql`INSERT INTO ${userHomes} (${sql.identifier("username_key")}, ${sql.identifier("partition")}) SELECT ${key}, ${partition} WHERE ${unclaimedHere} ON CONFLICT DO NOTHING`,
  );
  return meta.changes > 0;
}

/** Completes a claim once the account exists. */
export async function settleClaim(home: D1Database, key: string, userId: number): Promise<void> {
  await drizzle(home).update(userHomes).set({ userId }).where(eq(userHomes.usernameKey, key));
}

/** Gives up a claim whose account was never written (no user id yet). */
export async function dropUnsettledClaim(home: D1Database, key: string): Promise<void> {
  await drizzle(home)
    .delete(userHomes)
    .where(and(eq(userHomes.usernameKey, key), isNull(userHomes.userId)));
}

/** The partition a username is claimed for; null when unclaimed (accounts older than the directory are on partition 0). */
export async function findNameHome(home: D1Database, key: string): Promise<number | null> {
  const row = await drizzle(home).select({ partition: userHomes.partition }).from(userHomes).where(eq(userHomes.usernameKey, key)).get();
  return row?.partition ?? null;
}

/** Accounts per partition (for placing new ones). */
export async function accountsPerPartition(home: D1Database): Promise<Map<number, number>> {
  const rows = await drizzle(home).select({ partition: userHomes.partition, n: count() }).from(userHomes).groupBy(userHomes.partition);
  return new Map(rows.map((r) => [r.partition, r.n]));
}

/** The owner of a token of a user outside the default database; null: the token is not one of them. */
export async function findTokenHome(home: D1Database, tokenHash: string): Promise<number | null> {
  const row = await drizzle(home).select({ userId: tokenHomes.userId }).from(tokenHomes).where(eq(tokenHomes.tokenHash, tokenHash)).get();
  return row?.userId ?? null;
}

/** Lists a token before its machine is written (so no isolate can find the token unlisted once it works). */
export async function putTokenHome(home: D1Database, tokenHash: string, userId: number): Promise<void> {
  await drizzle(home).insert(tokenHomes).values({ tokenHash, userId }).onConflictDoNothing();
}

export async function dropTokenHomes(home: D1Database, tokenHashes: readonly string[]): Promise<void> {
  if (tokenHashes.length === 0) return;
  await drizzle(home)
    .delete(tokenHomes)
    .where(inArray(tokenHomes.tokenHash, [...tokenHashes]));
}

/** Removes an account's directory rows (its name claim and its tokens): the account is gone. */
export async function dropAccountHomes(home: D1Database, userId: number, key: string): Promise<void> {
  const d = drizzle(home);
  await d.batch([
    d.delete(userHomes).where(or(eq(userHomes.userId, userId), eq(userHomes.usernameKey, key))),
    d.delete(tokenHomes).where(eq(tokenHomes.userId, userId)),
  ]);
}
