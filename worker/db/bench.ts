// The benchmark's yardstick table (`bench_reference`, created by the benchmark in its own local
// database, not part of the schema): one single-row insert.
import { drizzle } from "drizzle-orm/d1";
import { integer, sqliteTable } from "drizzle-orm/sqlite-core";

/**
 * Declared here, not in schema.ts, so that no migration creates it; bench/suites/ingest.mjs creates it
 * as `(id INTEGER PRIMARY KEY, at INTEGER NOT NULL)`.
 */
const benchReference = sqliteTable("bench_reference", {
  id: integer("id").primaryKey(),
  at: integer("at").notNull(),
});

export async function insertBenchReference(db: D1Database, at: number): Promise<void> {
  await drizzle(db).insert(benchReference).values({ at });
}
