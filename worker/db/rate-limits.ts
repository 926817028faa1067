// Fixed-window counters: one upsert per counter, all in one round trip.

export interface CounterHit {
  key: string;
  windowStart: number;
  expiresAt: number;
}

/** Increments every counter and returns the new counts, in order; also drops a few expired windows. */
export async function hitCounters(db: D1Database, hits: CounterHit[], now: number): Promise<number[]> {
  const results = await db.batch([
    db.prepare("DELETE FROM rate_limits WHERE rowid IN (SELECT rowid FROM rate_limits WHERE expires_at <= ? LIMIT 50)").bind(now),
    ...hits.map((h) =>
      db
        .prepare(
          `INSERT INTO rate_limits (key, window_start, expires_at, count) VALUES (?, ?, ?, 1)
           ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1 RETURNING count`,
        )
        .bind(h.key, h.windowStart, h.expiresAt),
    ),
  ]);
  return results.slice(1).map((r) => (r.results[0] as { count: number }).count);
}
