// Reading a user's rollups for the export of days whose raw pulses are past retention: one row per
// local date, machine and booked language, keyset-paginated in that order.
import { and, asc, eq, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { ExportDayRow } from "../domain/export";
import { languages, machineDailyXp, machines } from "./schema";

const EXPORT_DAYS_PER_PAGE = 1_000;

/** The position after the last row of a page. */
export interface DayCursor {
  date: string;
  machineId: number;
  languageId: number;
}

/** The keyset: a page ends at a (date, machine, language) position and the next starts after it. */
const KEY = { date: machineDailyXp.localDate, machineId: machineDailyXp.machineId, languageId: machineDailyXp.languageId };

/** Rows dated before `before` after `cursor` (null: from the start); empty at the end. */
export async function exportDaysPage(
  db: D1Database,
  userId: number,
  before: string,
  cursor: DayCursor | null,
  limit = EXPORT_DAYS_PER_PAGE,
): Promise<(ExportDayRow & { cursor: DayCursor })[]> {
  const d = machineDailyXp;
  const rows = await drizzle(db)
    .select({ ...KEY, machine: machines.name, language: languages.name, amount: d.xp })
    .from(d)
    .innerJoin(machines, eq(machines.id, d.machineId))
    .innerJoin(languages, eq(languages.id, d.languageId))
    .where(
      and(
        eq(d.userId, userId),
        lt(d.localDate, before),
        // A row-value comparison is the keyset condition; drizzle has no operator for tuples.
        cursor
          ? sql`(${KEY.date}, ${KEY.machineId}, ${KEY.languageId}) > (${cursor.date}, ${cursor.machineId}, ${cursor.languageId})`
          : undefined,
      ),
    )
    .orderBy(asc(KEY.date), asc(KEY.machineId), asc(KEY.languageId))
    .limit(limit)
    .all();
  return rows.map((r) => ({
    date: r.date,
    machine: r.machine,
    language: r.language,
    amount: r.amount,
    cursor: { date: r.date, machineId: r.machineId, languageId: r.languageId },
  }));
}
