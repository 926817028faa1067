// Writing a pulse: one statement, preceded in the same transaction by a language upsert only when the
// pulse names a language this isolate has not seen stored. Pulses arriving together share a round trip.
//
// - Authentication is part of the write: the pulse row is selected from the active machine whose token
//   hash matches, so a token deactivated a microsecond ago writes nothing.
// - The XP entries travel in the row's `xps_intake` column; a trigger turns them into `xps` rows inside
//   the same insert (migrations/0003_pulse_xps_intake.sql), and rollups and per-user counters follow
//   from further triggers (0001_rollup_triggers.sql). A statement is atomic: all or nothing.
// - A retry (same machine, same fingerprint) is ignored by the unique index (`ON CONFLICT DO NOTHING`,
//   not `INSERT OR IGNORE`, whose policy would also reach into the triggers); RETURNING tells whether a
//   row was written.
// - RETURNING also reports the user's watch lease and privacy (scalar subqueries on the user's row),
//   so the Worker knows whom to tell about the pulse without another query.
//
// The statements are raw SQL through drizzle's `sql` over the schema's tables: drizzle's INSERT ... SELECT
// builder fills every column of the table (the id too) and its statements cannot join group commit's
// shared batch (see group-commit.ts). The fixed ones are rendered once, at load; a pulse only fills in
// its parameters.
import { and, eq, exists, fillPlaceholders, sql, type Placeholder } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { alias, QueryBuilder } from "drizzle-orm/sqlite-core";
import { pulseXp, type ValidPulse } from "../domain/pulse";
import { GroupCommit, runInOneTransaction, type KeepAlive, type Statement } from "./group-commit";
import { columnNames, render } from "./raw-sql";
import { languages, machines, pulses, users } from "./schema";
import { chunk } from "./sql";

type PulseRow = typeof pulses.$inferSelect;
type UserRow = typeof users.$inferSelect;

export interface PulseWrite {
  tokenHash: string;
  pulse: ValidPulse;
  fingerprint: string;
  receivedAt: number;
  /** Skip the language upsert: every language of the pulse is known to exist (rows are never deleted). */
  languagesKnown: boolean;
  /** Share the round trip with concurrent pulses of this isolate (see group-commit.ts); absent: send alone. */
  share?: { keepAlive: KeepAlive };
}

export interface StoredPulseRef extends Pick<PulseRow, "seq" | "userId" | "machineId"> {
  pulseId: PulseRow["id"];
  /** The user's watch lease as of the insert (epoch ms; see `users.watched_until`). */
  watchedUntil: UserRow["watchedUntil"];
  /** Whether the profile was private as of the insert (its pulses stay off the front page). */
  private: UserRow["private"];
}

export type RecordOutcome = { status: "stored"; ref: StoredPulseRef } | { status: "duplicate" } | { status: "unauthenticated" };

// Language upserts bind two parameters per row, leaving room for their own (D1 binds at most 100).
const ROWS_PER_STATEMENT = 45;

/** The machine a token authenticates: active, with this token's hash. */
const activeMachine = (tokenHash: string | Placeholder) => and(eq(machines.tokenHash, tokenHash), eq(machines.active, true))!;

/** The columns a pulse insert writes (every path that stores pulses: live, heartbeats, imports). */
export const PULSE_COLUMNS = columnNames(
  pulses.userId,
  pulses.machineId,
  pulses.seq,
  pulses.codedAt,
  pulses.utcOffset,
  pulses.receivedAt,
  pulses.xp,
  pulses.fingerprint,
  pulses.xpsIntake,
);

// The stored row's ref, and the user's watch lease and privacy as of the insert (scalar subqueries:
// RETURNING sees only the inserted row).
const RETURNED_REF = sql`${pulses.id} AS "pulseId", ${pulses.seq} AS "seq", ${pulses.userId} AS "userId", ${pulses.machineId} AS "machineId",
  (SELECT ${users.watchedUntil} FROM ${users} WHERE ${users.id} = ${pulses.userId}) AS "watchedUntil",
  (SELECT ${users.private} FROM ${users} WHERE ${users.id} = ${pulses.userId}) AS "private"`;

/** The pulse row selected from the authenticating machine and its user (`seq` continues the user's). */
const PULSE_INSERT = render(sql`INSERT INTO ${pulses} (${PULSE_COLUMNS})
  SELECT ${machines.userId}, ${machines.id}, ${users.pulseSeq} + 1, ${sql.placeholder("codedAt")}, ${sql.placeholder("utcOffset")},
    ${sql.placeholder("receivedAt")}, ${sql.placeholder("xp")}, ${sql.placeholder("fingerprint")}, ${sql.placeholder("intake")}
  FROM ${machines} JOIN ${users} ON ${users.id} = ${machines.userId}
  WHERE ${activeMachine(sql.placeholder("tokenHash"))}
  ON CONFLICT DO NOTHING
  RETURNING ${RETURNED_REF}`);

// Several pulses of one machine from one JSON parameter: `[coded_at, utc_offset, xp, fingerprint, intake]` each.
const stored = alias(pulses, "p");
const PULSES_INSERT = render(sql`INSERT INTO ${pulses} (${PULSE_COLUMNS})
  SELECT ${machines.userId}, ${machines.id}, ${users.pulseSeq} + row_number() OVER (ORDER BY s.key), s.value ->> 0, s.value ->> 1,
    ${sql.placeholder("receivedAt")}, s.value ->> 2, s.value ->> 3, s.value ->> 4
  FROM ${machines} JOIN ${users} ON ${users.id} = ${machines.userId} JOIN json_each(${sql.placeholder("rows")}) s
  WHERE ${activeMachine(sql.placeholder("tokenHash"))}
    AND NOT EXISTS (SELECT 1 FROM ${pulses} AS ${stored} WHERE ${stored.machineId} = ${machines.id} AND ${stored.fingerprint} = s.value ->> 3)
  ON CONFLICT DO NOTHING
  RETURNING ${RETURNED_REF}, ${pulses.fingerprint} AS "fingerprint"`);

/** A RETURNING row as D1 gives it (SQLite has no booleans) turned into a StoredPulseRef. */
export function storedPulseRef<T extends object>(row: T & { private: number }): Omit<T, "private"> & { private: boolean } {
  return { ...row, private: row.private === 1 };
}

// Concurrent pulses of this isolate share D1 round trips (see group-commit.ts). 40 statements stay
// under D1's 50 queries per invocation on the free plan, with room for the sender's own follow-up.
// One queue for every database (partitions, db/partitions.ts): a batch carries one database's writes.
const pulseWrites = new GroupCommit(40);

/** How well writes were shared in this isolate so far (the benchmark reports it). */
export function pulseWriteCounters(): { roundTrips: number; statements: number } {
  return { roundTrips: pulseWrites.batchesSent, statements: pulseWrites.statementsSent };
}

export async function recordPulse(db: D1Database, w: PulseWrite): Promise<RecordOutcome> {
  const { tokenHash, pulse, fingerprint } = w;
  const statements: Statement[] = w.languagesKnown ? [] : languageUpserts(tokenHash, pulse.entries);
  statements.push(pulseInsert(tokenHash, pulse, fingerprint, w.receivedAt));

  // Both statements are idempotent (ON CONFLICT DO NOTHING), as a shared write requires.
  const results = await runPulseWrite(db, statements, w.share);
  const row = results[statements.length - 1]!.results[0] as (Omit<StoredPulseRef, "private"> & { private: number }) | undefined;
  if (row) return { status: "stored", ref: storedPulseRef(row) };
  // Nothing written: a retry of a stored pulse, or no active machine with this token.
  return (await isActiveToken(db, tokenHash)) ? { status: "duplicate" } : { status: "unauthenticated" };
}

/** Creates the entries' languages (the first spelling wins), only if the token is an active machine's. */
export function languageUpserts(tokenHash: string, entries: readonly { key: string; language: string }[]): Statement[] {
  const statements: Statement[] = [];
  const names = new Map<string, string>();
  for (const e of entries) if (!names.has(e.key)) names.set(e.key, e.language); // the first spelling wins
  const authenticated = exists(new QueryBuilder().select({ id: machines.id }).from(machines).where(activeMachine(tokenHash)));
  for (const rows of chunk([...names], ROWS_PER_STATEMENT)) {
    const values = sql.join(
      rows.map(([key, name]) => sql`(${key}, ${name})`),
      sql`, `,
    );
    statements.push(
      render(sql`INSERT INTO ${languages} (${columnNames(languages.name, languages.nameKey)})
        SELECT v.column2, v.column1 FROM (VALUES ${values}) AS v
        WHERE ${authenticated}
        ON CONFLICT (${columnNames(languages.nameKey)}) DO NOTHING`),
    );
  }
  return statements;
}

/**
 * The pulse row, selected from the active machine whose token hash matches; RETURNING gives its
 * StoredPulseRef, or nothing for a retry (same machine and fingerprint) or an unknown token.
 */
function pulseInsert(tokenHash: string, pulse: ValidPulse, fingerprint: string, receivedAt: number): Statement {
  return {
    sql: PULSE_INSERT.sql,
    params: fillPlaceholders(PULSE_INSERT.params, {
      codedAt: pulse.instantMs,
      utcOffset: pulse.utcOffset,
      receivedAt,
      xp: pulseXp(pulse.entries),
      fingerprint,
      intake: JSON.stringify(pulse.entries.map((e) => [e.key, e.xp])),
      tokenHash,
    }),
  };
}

/**
 * Several pulses of one machine in one statement (the XP slots of a heartbeat request), each with its
 * own fingerprint: those the machine already has are skipped before numbering, so the new ones take
 * consecutive sequence numbers (the window function numbers the whole selection before any row is
 * inserted and its trigger moves `users.pulse_seq`). RETURNING gives each stored one's ref and fingerprint.
 */
export function pulsesInsert(
  tokenHash: string,
  pulses: readonly { pulse: ValidPulse; fingerprint: string }[],
  receivedAt: number,
): Statement {
  const rows = pulses.map(({ pulse, fingerprint }) => [
    pulse.instantMs,
    pulse.utcOffset,
    pulseXp(pulse.entries),
    fingerprint,
    JSON.stringify(pulse.entries.map((e) => [e.key, e.xp])),
  ]);
  return { sql: PULSES_INSERT.sql, params: fillPlaceholders(PULSES_INSERT.params, { receivedAt, rows: JSON.stringify(rows), tokenHash }) };
}

/** Whether a token belongs to an active machine (to tell a write that changed nothing from a refused one). */
export async function isActiveToken(d1: D1Database, tokenHash: string): Promise<boolean> {
  const row = await drizzle(d1).select({ id: machines.id }).from(machines).where(activeMachine(tokenHash)).get();
  return row !== undefined;
}

/** Runs idempotent statements as one transaction, sharing the round trip with concurrent pulses when `share` is given. */
export function runPulseWrite(db: D1Database, statements: readonly Statement[], share?: PulseWrite["share"]): Promise<D1Result[]> {
  return share ? pulseWrites.run(db, statements, share.keepAlive) : runInOneTransaction(db, statements);
}
