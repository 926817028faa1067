// Fixed-window counters: one upsert per counter, all in one round trip.
import { inArray, lte, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { rateLimits } from "./schema";

export type CounterHit = Pick<typeof rateLimits.$inferSelect, "key" | "windowStart" | "expiresAt">;

/** Increments every counter and returns the new counts, in order; also drops a few expired windows. */
export async function hitCounters(db: D1Database, hits: CounterHit[], now: number): Promise<number[]> {
  const d = drizzle(db);
  // SQLite's implicit rowid, which the schema does not declare, picks rows of a table keyed by two columns.
  const rowid = sql<number>`rowid`;
  const [, ...counts] = await d.batch([
    d.delete(rateLimits).where(inArray(rowid, d.select({ rowid }).from(rateLimits).where(lte(rateLimits.expiresAt, now)).limit(50))),
    ...hits.map((h) =>
      d
        .insert(rateLimits)
        .values({ ...h, count: 1 })
        // count + 1 is arithmetic on the stored column, which drizzle has no operator for.
        .onConflictDoUpdate({ target: [rateLimits.key, rateLimits.windowStart], set: { count: sql`${rateLimits.count} + 1` } })
        .returning({ count: rateLimits.count }),
    ),
  ]);
  return counts.map((rows) => rows[0]!.count);
}
