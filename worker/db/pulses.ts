// Writing a pulse: one statement (one round trip), preceded in the same batch by a language upsert
// only when the pulse names a language this isolate has not seen stored.
//
// - Authentication is part of the write: the pulse row is selected from the active machine whose token
//   hash matches, so a token deactivated a microsecond ago writes nothing.
// - The XP entries travel in the row's `xps_intake` column; a trigger turns them into `xps` rows inside
//   the same insert (migrations/0003_pulse_xps_intake.sql), and rollups and per-user counters follow
//   from further triggers (0001_rollup_triggers.sql). One statement is one transaction: all or nothing.
// - A retry (same machine, same fingerprint) is ignored by the unique index (`ON CONFLICT DO NOTHING`,
//   not `INSERT OR IGNORE`, whose policy would also reach into the triggers); RETURNING tells whether a
//   row was written.
import { pulseXp, type ValidPulse } from "../domain/pulse";
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

// Language upserts bind two parameters per row, leaving room for their own (D1 binds at most 100).
const ROWS_PER_STATEMENT = 45;

const ACTIVE_MACHINE = "EXISTS (SELECT 1 FROM machines WHERE token_hash = ? AND active = 1)";

export async function recordPulse(db: D1Database, w: PulseWrite): Promise<RecordOutcome> {
  const { tokenHash, pulse, fingerprint } = w;
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
        `INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint, xps_intake)
         SELECT m.user_id, m.id, u.pulse_seq + 1, ?, ?, ?, ?, ?, ?
         FROM machines m JOIN users u ON u.id = m.user_id
         WHERE m.token_hash = ? AND m.active = 1
         ON CONFLICT DO NOTHING
         RETURNING id AS pulseId, seq, user_id AS userId, machine_id AS machineId`,
      )
      .bind(
        pulse.instantMs,
        pulse.utcOffset,
        w.receivedAt,
        pulseXp(pulse.entries),
        fingerprint,
        JSON.stringify(pulse.entries.map((e) => [e.key, e.xp])),
        tokenHash,
      ),
  );

  // A lone statement needs no batch (a batch only adds the transaction it already is).
  const results = statements.length === 1 ? [await statements[0]!.all()] : await db.batch(statements);
  const ref = results[pulseIndex]!.results[0] as StoredPulseRef | undefined;
  if (ref) return { status: "stored", ref };
  // Nothing written: a retry of a stored pulse, or no active machine with this token.
  const active = await db.prepare(`SELECT ${ACTIVE_MACHINE} AS active`).bind(tokenHash).first<number>("active");
  return active === 1 ? { status: "duplicate" } : { status: "unauthenticated" };
}
