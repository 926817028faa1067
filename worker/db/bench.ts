// The benchmark's yardstick table (`bench_reference`, created by the benchmark in its own local
// database, not part of the schema): one single-row insert.

export async function insertBenchReference(db: D1Database, at: number): Promise<void> {
  // Raw SQL: the table is not in the drizzle schema (it exists only in benchmark databases).
  await db.prepare("INSERT INTO bench_reference (at) VALUES (?)").bind(at).run();
}
