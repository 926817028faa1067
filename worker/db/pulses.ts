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
import { pulseXp, type ValidPulse } from "../domain/pulse";
import { GroupCommit, runInOneTransaction, type KeepAlive, type Statement } from "./group-commit";
import { chunk } from "./sql";

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

export interface StoredPulseRef {
  pulseId: number;
  seq: number;
  userId: number;
  machineId: number;
  /** The user's watch lease as of the insert (epoch ms; see `users.watched_until`). */
  watchedUntil: number;
  /** Whether the profile was private as of the insert (its pulses stay off the front page). */
  private: boolean;
}

export type RecordOutcome = { status: "stored"; ref: StoredPulseRef } | { status: "duplicate" } | { status: "unauthenticated" };

// Language upserts bind two parameters per row, leaving room for their own (D1 binds at most 100).
const ROWS_PER_STATEMENT = 45;

const ACTIVE_MACHINE = "EXISTS (SELECT 1 FROM machines WHERE token_hash = ? AND active = 1)";

// The user's watch lease and privacy as of the insert, in RETURNING (which sees only the inserted row).
const RETURNED_USER_STATE = `(SELECT u.watched_until FROM users u WHERE u.id = pulses.user_id) AS watchedUntil,
           (SELECT u.private FROM users u WHERE u.id = pulses.user_id) AS private`;

/** A RETURNING row as D1 gives it (SQLite has no booleans) turned into a StoredPulseRef. */
export function storedPulseRef<T extends object>(row: T & { private: number }): Omit<T, "private"> & { private: boolean } {
  return { ...row, private: row.private === 1 };
}

// Concurrent pulses of this isolate share D1 round trips (see group-commit.ts). 40 statements stay
// under D1's 50 queries per invocation on the free plan, with room for the sender's own follow-up.
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
  for (const rows of chunk([...names], ROWS_PER_STATEMENT)) {
    statements.push({
      sql: `INSERT INTO languages (name, name_key)
           SELECT v.column2, v.column1 FROM (VALUES ${rows.map(() => "(?, ?)").join(", ")}) AS v
           WHERE ${ACTIVE_MACHINE}
           ON CONFLICT (name_key) DO NOTHING`,
      params: [...rows.flat(), tokenHash],
    });
  }
  return statements;
}

/**
 * The pulse row, selected from the active machine whose token hash matches; RETURNING gives its
 * StoredPulseRef, or nothing for a retry (same machine and fingerprint) or an unknown token.
 */
export function pulseInsert(tokenHash: string, pulse: ValidPulse, fingerprint: string, receivedAt: number): Statement {
  return {
    sql: `INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint, xps_intake)
         SELECT m.user_id, m.id, u.pulse_seq + 1, ?, ?, ?, ?, ?, ?
         FROM machines m JOIN users u ON u.id = m.user_id
         WHERE m.token_hash = ? AND m.active = 1
         ON CONFLICT DO NOTHING
         RETURNING id AS pulseId, seq, user_id AS userId, machine_id AS machineId, ${RETURNED_USER_STATE}`,
    params: [
      pulse.instantMs,
      pulse.utcOffset,
      receivedAt,
      pulseXp(pulse.entries),
      fingerprint,
      JSON.stringify(pulse.entries.map((e) => [e.key, e.xp])),
      tokenHash,
    ],
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
  return {
    sql: `INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint, xps_intake)
         SELECT m.user_id, m.id, u.pulse_seq + row_number() OVER (ORDER BY s.key), s.value ->> 0, s.value ->> 1, ?, s.value ->> 2, s.value ->> 3, s.value ->> 4
         FROM machines m JOIN users u ON u.id = m.user_id JOIN json_each(?) s
         WHERE m.token_hash = ? AND m.active = 1
           AND NOT EXISTS (SELECT 1 FROM pulses p WHERE p.machine_id = m.id AND p.fingerprint = s.value ->> 3)
         ON CONFLICT DO NOTHING
         RETURNING id AS pulseId, seq, user_id AS userId, machine_id AS machineId, fingerprint, ${RETURNED_USER_STATE}`,
    params: [receivedAt, JSON.stringify(rows), tokenHash],
  };
}

/** Whether a token belongs to an active machine (to tell a write that changed nothing from a refused one). */
export async function isActiveToken(db: D1Database, tokenHash: string): Promise<boolean> {
  return (await db.prepare(`SELECT ${ACTIVE_MACHINE} AS active`).bind(tokenHash).first<number>("active")) === 1;
}

/** Runs idempotent statements as one transaction, sharing the round trip with concurrent pulses when `share` is given. */
export function runPulseWrite(db: D1Database, statements: readonly Statement[], share?: PulseWrite["share"]): Promise<D1Result[]> {
  return share ? pulseWrites.run(db, statements, share.keepAlive) : runInOneTransaction(db, statements);
}
