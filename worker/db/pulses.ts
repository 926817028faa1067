// Writing a pulse: one D1 batch (one round trip, one transaction) of two or three statements.
//
// - Authentication is part of the write: the pulse row is selected from the active machine whose token
//   hash matches, so a token deactivated a microsecond ago writes nothing.
// - A retry (same machine, same fingerprint) is ignored by the unique index. Every write carries a fresh
//   random nonce and the XP rows attach only to "the row with this nonce", so an ignored retry adds
//   nothing. Neither case aborts the batch; the pulse insert's RETURNING tells whether a row was written.
// - Rollups and per-user counters follow from triggers (migrations/0001_rollup_triggers.sql), in the
//   same transaction.
import type { ValidPulse } from "../domain/pulse";
import { chunk } from "./sql";

export interface PulseWrite {
  tokenHash: string;
  pulse: ValidPulse;
  fingerprint: string;
  receivedAt: number;
  /** Skip the language upsert: every language of the pulse is known to exist (rows are never deleted). */
  languagesKnown: boolean;
}

export interface StoredPulseRef {
  pulseId: number;
  seq: number;
  userId: number;
  machineId: number;
}

export type RecordOutcome = { status: "stored"; ref: StoredPulseRef } | { status: "duplicate" } | { status: "unauthenticated" };

// Two parameters per row, leaving room for the statement's own (D1 binds at most 100).
const ROWS_PER_STATEMENT = 45;

const ACTIVE_MACHINE = "EXISTS (SELECT 1 FROM machines WHERE token_hash = ? AND active = 1)";

export async function recordPulse(db: D1Database, w: PulseWrite): Promise<RecordOutcome> {
  const { tokenHash, pulse, fingerprint } = w;
  const nonce = randomNonce();
  const statements: D1PreparedStatement[] = [];

  if (!w.languagesKnown) {
    const names = new Map<string, string>();
    for (const e of pulse.entries) if (!names.has(e.key)) names.set(e.key, e.language); // the first spelling wins
    for (const rows of chunk([...names], ROWS_PER_STATEMENT)) {
      statements.push(
        db
          .prepare(
            `INSERT INTO languages (name, name_key)
             SELECT v.column2, v.column1 FROM (VALUES ${rows.map(() => "(?, ?)").join(", ")}) AS v
             WHERE ${ACTIVE_MACHINE}
             ON CONFLICT (name_key) DO NOTHING`,
          )
          .bind(...rows.flat(), tokenHash),
      );
    }
  }

  const pulseIndex = statements.length;
  statements.push(
    db
      .prepare(
        `INSERT OR IGNORE INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint, nonce)
         SELECT m.user_id, m.id, u.pulse_seq + 1, ?, ?, ?, ?, ?, ?
         FROM machines m JOIN users u ON u.id = m.user_id
         WHERE m.token_hash = ? AND m.active = 1
         RETURNING id AS pulseId, seq, user_id AS userId, machine_id AS machineId`,
      )
      .bind(pulse.instantMs, pulse.utcOffset, w.receivedAt, pulse.entries.reduce((s, e) => s + e.xp, 0), fingerprint, nonce, tokenHash),
  );

  for (const rows of chunk(pulse.entries, ROWS_PER_STATEMENT)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO xps (pulse_id, language_id, original_language_id, amount)
           SELECT p.id, coalesce(l.alias_of, l.id), l.id, v.column2
           FROM (VALUES ${rows.map(() => "(?, ?)").join(", ")}) AS v
           LEFT JOIN languages l ON l.name_key = v.column1 -- a missing language aborts the batch (NOT NULL)
           JOIN pulses p ON p.machine_id = (SELECT id FROM machines WHERE token_hash = ?) AND p.fingerprint = ? AND p.nonce = ?`,
        )
        .bind(...rows.flatMap((e) => [e.key, e.xp]), tokenHash, fingerprint, nonce),
    );
  }

  const results = await db.batch(statements);
  const ref = results[pulseIndex]!.results[0] as StoredPulseRef | undefined;
  if (ref) return { status: "stored", ref };
  // Nothing written: a retry of a stored pulse, or no active machine with this token.
  const active = await db.prepare(`SELECT ${ACTIVE_MACHINE} AS active`).bind(tokenHash).first<number>("active");
  return active === 1 ? { status: "duplicate" } : { status: "unauthenticated" };
}

function randomNonce(): number {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return (high! & 0x1fffff) * 2 ** 32 + low!; // 53 random bits: a safe integer
}
