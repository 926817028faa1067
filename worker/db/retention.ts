// Deleting expired raw rows: the list of retained tables, the retention state row, and one bounded
// delete per call inside the `sweeping` flag that rollup-keeping delete triggers respect.
import { and, eq, inArray, lt, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { SQLiteColumn, SQLiteTable } from "drizzle-orm/sqlite-core";
import { MAX_OFFSET_MS } from "../domain/retention";
import { heartbeats, pulses, retention } from "./schema";

/** A table of raw rows: its id, its instant (UTC ms) and the sender's offset (minutes), which give the local date. */
export interface RetainedTable {
  name: string;
  table: SQLiteTable;
  id: SQLiteColumn;
  time: SQLiteColumn;
  offset: SQLiteColumn;
}

/**
 * Raw rows deleted once their local date is before `retention.raw_kept_from`; one line per table. A
 * table whose delete triggers keep rollups must have them skip their work while `retention.sweeping`
 * is set (migrations/0010_retention.sql; heartbeats' coding time: 0012_heartbeat_retention.sql).
 */
export const RETAINED_TABLES: readonly RetainedTable[] = [
  { name: "pulses", table: pulses, id: pulses.id, time: pulses.codedAt, offset: pulses.utcOffset },
  { name: "heartbeats", table: heartbeats, id: heartbeats.id, time: heartbeats.timeMs, offset: heartbeats.utcOffset },
];

export type RetentionState = typeof retention.$inferSelect;

export async function readRetention(db: D1Database): Promise<RetentionState> {
  const row = await drizzle(db).select().from(retention).where(eq(retention.id, 1)).get();
  return row ?? { id: 1, rawKeptFrom: null, sweeping: false };
}

/** Moves `raw_kept_from` forward to `date` (never back: rows deleted are gone); returns the date in force. */
export async function advanceKeptFrom(db: D1Database, date: string): Promise<string> {
  const row = await drizzle(db)
    .update(retention)
    // A conditional maximum of the stored and the new date in the one statement; drizzle has no max() for UPDATE.
    .set({
      rawKeptFrom: sql`CASE WHEN ${retention.rawKeptFrom} IS NULL OR ${retention.rawKeptFrom} < ${date} THEN ${date} ELSE ${retention.rawKeptFrom} END`,
    })
    .where(eq(retention.id, 1))
    .returning({ rawKeptFrom: retention.rawKeptFrom })
    .get();
  return row!.rawKeptFrom!;
}

/** The rows of `t` whose local date is before the local date starting at `keptFromMs` (the instant index narrows them first). */
function expired(t: RetainedTable, keptFromMs: number): SQL {
  // time + offset is an expression over two columns; drizzle has no arithmetic operators.
  return and(lt(t.time, keptFromMs + MAX_OFFSET_MS), sql`${t.time} + ${t.offset} * 60000 < ${keptFromMs}`)!;
}

/**
 * Deletes at most `limit` expired rows of `t` in one transaction with the sweeping flag set (cascades
 * take their child rows, e.g. a pulse's XP rows). Returns how many rows of `t` went.
 */
export async function deleteExpiredBatch(db: D1Database, t: RetainedTable, keptFromMs: number, limit: number): Promise<number> {
  const d = drizzle(db);
  const [, gone] = await d.batch([
    d.update(retention).set({ sweeping: true }).where(eq(retention.id, 1)),
    // RETURNING counts the table's own rows (D1's `changes` also counts the cascaded ones).
    d
      .delete(t.table)
      .where(inArray(t.id, d.select({ id: t.id }).from(t.table).where(expired(t, keptFromMs)).limit(limit)))
      .returning({ id: t.id }),
    d.update(retention).set({ sweeping: false }).where(eq(retention.id, 1)),
  ]);
  return gone.length;
}

/** Expired rows of `t` still stored (for reports and tests). */
export async function countExpired(db: D1Database, t: RetainedTable, keptFromMs: number): Promise<number> {
  const row = await drizzle(db).select({ n: sql<number>`count(*)` }).from(t.table).where(expired(t, keptFromMs)).get();
  return row?.n ?? 0;
}
