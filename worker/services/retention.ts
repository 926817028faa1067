// The retention sweep run by the Cron Trigger: advance the kept-from date to the configured age
// (bounded by the last final day) and delete what is older, a bounded number of batches per run.
import type { Env } from "../env";
import { dateStartMs, keptFromDate, parseRetentionMonths } from "../domain/retention";
import { advanceKeptFrom, deleteExpiredBatch, readRetention, RETAINED_TABLES } from "../db/retention";
import { allDatabases } from "../db/partitions";

export interface RetentionLimits {
  /** Rows of a retained table per delete statement (each also takes its child rows by cascade). */
  rowsPerBatch: number;
  /** Delete statements per run, over all tables: one run stays far inside a Worker's limits. */
  batchesPerRun: number;
}

/** About 2,000 rows with the XP rows per statement, 50 statements: 50,000 pulses per hourly run. */
const RETENTION_LIMITS: RetentionLimits = { rowsPerBatch: 1_000, batchesPerRun: 50 };

export interface RetentionReport {
  /** The local date from which raw rows are kept (null: nothing is ever deleted). */
  keptFrom: string | null;
  deleted: Record<string, number>;
  /** False when the batch budget ran out before every expired row was gone (the next run goes on). */
  complete: boolean;
}

export async function runRetention(env: Env, now: number, limits: RetentionLimits = RETENTION_LIMITS): Promise<RetentionReport> {
  const months = parseRetentionMonths(env.RAW_RETENTION_MONTHS);
  if (months === null)
    throw new Error(`RAW_RETENTION_MONTHS must be a whole number of months, not ${JSON.stringify(env.RAW_RETENTION_MONTHS)}`);
  const target = keptFromDate(now, months);
  // Each database keeps its own kept-from date and gets its own batch budget; the report sums them.
  const reports: RetentionReport[] = [];
  for (const db of allDatabases(env)) reports.push(await sweep(db, target, limits));
  const deleted: Record<string, number> = {};
  for (const r of reports) for (const [table, n] of Object.entries(r.deleted)) deleted[table] = (deleted[table] ?? 0) + n;
  return { keptFrom: reports[0]!.keptFrom, deleted, complete: reports.every((r) => r.complete) };
}

async function sweep(db: D1Database, target: string | null, limits: RetentionLimits): Promise<RetentionReport> {
  if (target === null) return { keptFrom: (await readRetention(db)).rawKeptFrom, deleted: {}, complete: true };
  const keptFrom = await advanceKeptFrom(db, target);
  const keptFromMs = dateStartMs(keptFrom);
  const deleted: Record<string, number> = {};
  let budget = limits.batchesPerRun;
  for (const t of RETAINED_TABLES) {
    let count = 0;
    for (;;) {
      if (budget === 0) return { keptFrom, deleted: { ...deleted, [t.name]: count }, complete: false };
      budget--;
      const n = await deleteExpiredBatch(db, t, keptFromMs, limits.rowsPerBatch);
      count += n;
      if (n < limits.rowsPerBatch) break;
    }
    deleted[t.name] = count;
  }
  return { keptFrom, deleted, complete: true };
}
