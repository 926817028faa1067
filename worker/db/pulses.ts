// Writing pulses: one D1 batch (one round trip, one transaction) per pulse.
//
// The batch authenticates by itself: the pulse row takes its user and machine from the active machine
// whose token hash matches, and a NOT NULL violation aborts the whole batch when there is none. So a
// token deactivated a microsecond ago can never write, and no request needs a separate auth query.
// A retried pulse hits the (machine, fingerprint) unique index and aborts the batch the same way.
import type { ValidPulse } from "../domain/pulse";
import { localDateAndHour } from "../domain/coded-at";
import { chunk, isConstraintError } from "./sql";

export interface StoredPulse {
  pulseId: number;
  seq: number;
  userId: number;
  username: string;
  private: boolean;
  machineId: number;
  machineName: string;
  codedAt: number;
  utcOffset: number;
  /** XP per booked (alias-resolved) language name, in the order sent. */
  xps: { language: string; amount: number }[];
}

export type RecordOutcome =
  | { status: "stored"; pulse: StoredPulse }
  | { status: "duplicate" }
  | { status: "unauthenticated" };

// 2 parameters per row, leaving room for the statement's own parameters (D1 binds at most 100).
const ROWS_PER_STATEMENT = 45;

const MACHINE_OF_TOKEN = "(SELECT id FROM machines WHERE token_hash = ?)";

export async function recordPulse(
  db: D1Database,
  tokenHash: string,
  pulse: ValidPulse,
  fingerprint: string,
  receivedAt: number,
): Promise<RecordOutcome> {
  const { date, hour } = localDateAndHour(pulse.instantMs, pulse.utcOffset);
  const totalXp = pulse.entries.reduce((sum, e) => sum + e.xp, 0);
  const statements: D1PreparedStatement[] = [];

  const languages = new Map<string, string>();
  for (const e of pulse.entries) if (!languages.has(e.key)) languages.set(e.key, e.language);
  for (const rows of chunk([...languages], ROWS_PER_STATEMENT)) {
    statements.push(
      db
        .prepare(`INSERT INTO languages (name, name_key) VALUES ${rows.map(() => "(?, ?)").join(", ")} ON CONFLICT (name_key) DO NOTHING`)
        .bind(...rows.flatMap(([key, name]) => [name, key])),
    );
  }

  statements.push(
    db
      .prepare(
        `INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, fingerprint)
         SELECT m.user_id, m.id, u.pulse_seq + 1, ?, ?, ?, ?
         FROM (SELECT 1) AS one
         LEFT JOIN machines m ON m.token_hash = ? AND m.active = 1
         LEFT JOIN users u ON u.id = m.user_id`,
      )
      .bind(pulse.instantMs, pulse.utcOffset, receivedAt, fingerprint, tokenHash),
    db
      .prepare(`UPDATE users SET pulse_seq = pulse_seq + 1, total_xp = total_xp + ? WHERE id = (SELECT user_id FROM machines WHERE token_hash = ?)`)
      .bind(totalXp, tokenHash),
  );

  for (const rows of chunk(pulse.entries, ROWS_PER_STATEMENT)) {
    statements.push(
      db
        .prepare(
          `INSERT INTO xps (pulse_id, language_id, original_language_id, amount)
           SELECT p.id, coalesce(l.alias_of, l.id), l.id, v.column2
           FROM (VALUES ${rows.map(() => "(?, ?)").join(", ")}) AS v
           JOIN languages l ON l.name_key = v.column1
           JOIN pulses p ON p.machine_id = ${MACHINE_OF_TOKEN} AND p.fingerprint = ?`,
        )
        .bind(...rows.flatMap((e) => [e.key, e.xp]), tokenHash, fingerprint),
    );
  }

  if (pulse.entries.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT INTO machine_daily_xp (machine_id, user_id, local_date, language_id, xp)
           SELECT p.machine_id, p.user_id, ?, x.language_id, SUM(x.amount)
           FROM pulses p JOIN xps x ON x.pulse_id = p.id
           WHERE p.machine_id = ${MACHINE_OF_TOKEN} AND p.fingerprint = ?
           GROUP BY x.language_id
           ON CONFLICT (machine_id, local_date, language_id) DO UPDATE SET xp = xp + excluded.xp`,
        )
        .bind(date, tokenHash, fingerprint),
      db
        .prepare(
          `INSERT INTO machine_hourly_xp (machine_id, user_id, local_hour, xp)
           SELECT id, user_id, ?, ? FROM machines WHERE token_hash = ?
           ON CONFLICT (machine_id, local_hour) DO UPDATE SET xp = xp + excluded.xp`,
        )
        .bind(hour, totalXp, tokenHash),
    );
  }

  statements.push(
    db
      .prepare(
        `SELECT p.id AS pulseId, p.seq, p.user_id AS userId, u.username, u.private, m.id AS machineId, m.name AS machineName,
           (SELECT json_group_array(json_array(l.name, x.amount)) FROM xps x JOIN languages l ON l.id = x.language_id
            WHERE x.pulse_id = p.id) AS xps
         FROM pulses p JOIN machines m ON m.id = p.machine_id JOIN users u ON u.id = p.user_id
         WHERE p.machine_id = ${MACHINE_OF_TOKEN} AND p.fingerprint = ?`,
      )
      .bind(tokenHash, fingerprint),
  );

  let results: D1Result[];
  try {
    results = await db.batch(statements);
  } catch (error) {
    if (isConstraintError(error, "NOT NULL constraint failed: pulses.user_id")) return { status: "unauthenticated" };
    if (isConstraintError(error, "UNIQUE constraint failed: pulses.machine_id, pulses.fingerprint")) return { status: "duplicate" };
    throw error;
  }

  const row = results.at(-1)!.results[0] as
    | { pulseId: number; seq: number; userId: number; username: string; private: number; machineId: number; machineName: string; xps: string }
    | undefined;
  if (!row) throw new Error("pulse batch committed but its row was not read back");
  const xps = (JSON.parse(row.xps) as [string, number][]).map(([language, amount]) => ({ language, amount }));
  return {
    status: "stored",
    pulse: {
      pulseId: row.pulseId,
      seq: row.seq,
      userId: row.userId,
      username: row.username,
      private: row.private === 1,
      machineId: row.machineId,
      machineName: row.machineName,
      codedAt: pulse.instantMs,
      utcOffset: pulse.utcOffset,
      xps,
    },
  };
}
