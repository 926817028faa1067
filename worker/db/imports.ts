// D1 writes of an import: the languages and machines it names, then its pulses in multi-row
// statements. Every statement is idempotent, so a step that is run again (an alarm retried after a
// failure, an object restarted mid-step) adds nothing twice: a pulse is skipped when the machine
// already has one in the same second (the resolution of both export formats), live or imported.
import { and, eq, inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alias } from "drizzle-orm/sqlite-core";
import { languageKey } from "../domain/language";
import { PULSE_COLUMNS } from "./pulses";
import { columnNames, prepare } from "./raw-sql";
import { heartbeats, languages, machines, pulses, users } from "./schema";

/** One pulse to write: its XP entries as `[language key, amount]`. */
export interface ImportedPulse {
  machineId: number;
  sentAtMs: number;
  utcOffset: number;
  entries: [string, number][];
}

/** JSON parameters keep each statement at one bound value; this keeps each under D1's 2 MB value limit with room. */
const MAX_PARAM_CHARS = 512 * 1024;

/** Creates the languages that do not exist yet (the first spelling seen wins, as for live pulses). */
export async function ensureLanguages(db: D1Database, names: readonly string[]): Promise<void> {
  const statements = packJson(names.map((n) => [n, languageKey(n)])).map((json) =>
    // Raw SQL: drizzle has no insert-from-json_each; one JSON parameter carries any number of names.
    prepare(
      db,
      sql`INSERT INTO ${languages} (${columnNames(languages.name, languages.nameKey)}) SELECT j.value ->> 0, j.value ->> 1 FROM json_each(${json}) j
        WHERE true ON CONFLICT (${columnNames(languages.nameKey)}) DO NOTHING`,
    ),
  );
  if (statements.length > 0) await db.batch(statements);
}

/**
 * The user's machines of these names, created without a token (active, so their XP shows) where the
 * user has none of that name. Returns name → id and how many were created.
 */
export async function ensureImportMachines(
  db: D1Database,
  userId: number,
  names: readonly string[],
  now: number,
): Promise<{ ids: Map<string, number>; created: number }> {
  const orm = drizzle(db);
  const out = new Map<string, number>();
  let created = 0;
  // Four bound values per inserted machine: 20 a statement stays under D1's 100 parameters.
  for (let i = 0; i < names.length; i += 20) {
    const part = names.slice(i, i + 20);
    const existing = await orm
      .select({ id: machines.id })
      .from(machines)
      .where(and(eq(machines.userId, userId), inArray(machines.name, part)));
    await orm
      .insert(machines)
      .values(part.map((name) => ({ userId, name, tokenHash: `untokened:${crypto.randomUUID()}`, createdAt: now })))
      .onConflictDoNothing({ target: [machines.userId, machines.name] });
    const rows = await orm
      .select({ id: machines.id, name: machines.name })
      .from(machines)
      .where(and(eq(machines.userId, userId), inArray(machines.name, part)));
    for (const r of rows) out.set(r.name, r.id);
    created += rows.length - existing.length;
  }
  return { ids: out, created };
}

/**
 * Writes pulses in one D1 batch (one transaction). Sequence numbers continue the user's (the SELECT
 * reads `pulses`, so SQLite evaluates it whole before inserting: every row sees the same starting
 * `pulse_seq`), the intake and rollup triggers do the rest, exactly as for a live pulse. Returns how
 * many were new.
 */
export async function insertImportedPulses(db: D1Database, userId: number, batch: readonly ImportedPulse[], now: number): Promise<number> {
  const rows = batch.map((p) => [
    p.machineId,
    p.sentAtMs,
    p.utcOffset,
    p.entries.reduce((s, e) => s + e[1], 0),
    `import:${p.sentAtMs / 1000}`,
    p.entries,
  ]);
  const known = alias(pulses, "p");
  const statements = packJson(rows).map((json) =>
    // Raw SQL: a multi-row insert from one JSON parameter, with window numbering and a correlated de-duplication.
    prepare(
      db,
      sql`INSERT INTO ${pulses} (${PULSE_COLUMNS})
        SELECT ${userId}, c.machine_id, (SELECT ${users.pulseSeq} FROM ${users} WHERE ${users.id} = ${userId}) + row_number() OVER (ORDER BY c.k),
               c.coded_at, c.utc_offset, ${now}, c.xp, c.fingerprint, c.intake
        FROM (SELECT j.key AS k, j.value ->> 0 AS machine_id, j.value ->> 1 AS coded_at, j.value ->> 2 AS utc_offset,
                     j.value ->> 3 AS xp, j.value ->> 4 AS fingerprint, j.value -> 5 AS intake
              FROM json_each(${json}) j) c
        WHERE EXISTS (SELECT 1 FROM ${machines} WHERE ${machines.id} = c.machine_id AND ${machines.userId} = ${userId})
          AND NOT EXISTS (SELECT 1 FROM ${pulses} AS ${known} WHERE ${known.userId} = ${userId} AND ${known.machineId} = c.machine_id
                          AND ${known.codedAt} >= c.coded_at AND ${known.codedAt} < c.coded_at + 1000)
        ORDER BY c.k
        ON CONFLICT DO NOTHING
        RETURNING ${pulses.seq}`,
    ),
  );
  if (statements.length === 0) return 0;
  const results = await db.batch(statements);
  return results.reduce((sum, r) => sum + r.results.length, 0);
}

/** The token hash and state of the user's machines of these ids: a heartbeat write authenticates by it, as a live one does. */
export async function importMachineKeys(
  db: D1Database,
  userId: number,
  ids: readonly number[],
): Promise<Map<number, Pick<typeof machines.$inferSelect, "tokenHash" | "active">>> {
  const out = new Map<number, Pick<typeof machines.$inferSelect, "tokenHash" | "active">>();
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await drizzle(db)
      .select({ id: machines.id, tokenHash: machines.tokenHash, active: machines.active })
      .from(machines)
      .where(and(eq(machines.userId, userId), inArray(machines.id, ids.slice(i, i + 90))));
    for (const r of rows) out.set(r.id, { tokenHash: r.tokenHash, active: r.active });
  }
  return out;
}

/** Which of these heartbeat hashes the user already has (imported before, or received live). */
export async function knownHeartbeatHashes(db: D1Database, userId: number, hashes: readonly string[]): Promise<Set<string>> {
  if (hashes.length === 0) return new Set();
  const rows = await drizzle(db)
    .select({ hash: heartbeats.hash })
    .from(heartbeats)
    // Raw SQL for the list: one JSON parameter instead of a bound value per hash (D1 allows 100).
    .where(and(eq(heartbeats.userId, userId), inArray(heartbeats.hash, sql`(SELECT value FROM json_each(${JSON.stringify(hashes)}))`)));
  return new Set(rows.map((r) => r.hash));
}

/** JSON arrays of the items, each at most MAX_PARAM_CHARS long. */
function packJson(items: readonly unknown[]): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let length = 2;
  for (const item of items) {
    const text = JSON.stringify(item);
    if (parts.length > 0 && length + text.length + 1 > MAX_PARAM_CHARS) {
      out.push(`[${parts.join(",")}]`);
      parts = [];
      length = 2;
    }
    parts.push(text);
    length += text.length + 1;
  }
  if (parts.length > 0) out.push(`[${parts.join(",")}]`);
  return out;
}
