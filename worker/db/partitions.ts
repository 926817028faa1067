// The D1 databases of a deployment: binding DB is partition 0 (the only one of a small deployment, and
// the home of the directory, rate limits and the outbox); DB_1, DB_2, ... are the others, bound without
// gaps. Also the one-time preparation of a partition's id counters.
import type { Env } from "../env";
import { idFloorOf, MAX_PARTITIONS, partitionOfId } from "../domain/partition";

/** Tables with AUTOINCREMENT ids: each partition's ids start at its own floor. */
const COUNTED_TABLES = ["users", "machines", "languages", "pulses", "sessions", "password_resets", "outbox", "heartbeats"] as const;

/** A user id whose partition this deployment has no binding for (a configuration error). */
export class PartitionUnavailable extends Error {
  constructor(readonly partition: number) {
    super(`no D1 binding for partition ${partition} (binding DB_${partition})`);
  }
}

export function bindingName(partition: number): string {
  return partition === 0 ? "DB" : `DB_${partition}`;
}

/** The database of partition k, or null when it is not bound. */
export function databaseAt(env: Env, partition: number): D1Database | null {
  if (partition === 0) return env.DB;
  if (!Number.isInteger(partition) || partition < 0 || partition >= MAX_PARTITIONS) return null;
  return (env[`DB_${partition}`] as D1Database | undefined) ?? null;
}

/** Every partition's database, in partition order (DB, DB_1, ... up to the first missing binding). */
export function allDatabases(env: Env): D1Database[] {
  const out: D1Database[] = [];
  for (let k = 0; k < MAX_PARTITIONS; k++) {
    const db = databaseAt(env, k);
    if (!db) break;
    out.push(db);
  }
  return out;
}

export function partitionCount(env: Env): number {
  return allDatabases(env).length;
}

/** The database of partition k; throws when it is not bound. */
export function databaseOfPartition(env: Env, partition: number): D1Database {
  const db = databaseAt(env, partition);
  if (!db) throw new PartitionUnavailable(partition);
  return db;
}

/** The database holding a user (and everything the user owns). */
export function databaseOf(env: Env, userId: number): D1Database {
  return databaseOfPartition(env, partitionOfId(userId));
}

/**
 * Raises partition k's AUTOINCREMENT counters to its floor, once (idempotent; the default database
 * keeps SQLite's own start). Runs before the partition's first account is written.
 */
export async function preparePartition(db: D1Database, partition: number): Promise<void> {
  if (partition === 0) return;
  const floor = idFloorOf(partition);
  await db.batch(
    COUNTED_TABLES.flatMap((name) => [
      db
        .prepare("INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)")
        .bind(name, floor),
      db.prepare("UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1 AND seq < ?2").bind(name, floor),
    ]),
  );
}
