// A user's machines. Every statement is scoped by user id: a machine id from another account matches nothing.
import { deletePulsesInChunks } from "./accounts";
import { deleteHeartbeatsInChunks } from "./heartbeats";
import { isConstraintError } from "./sql";

export interface MachineRow {
  id: number;
  name: string;
  active: boolean;
  createdAt: number;
  xp: number;
  /** When the machine's latest pulse arrived (epoch ms), null before the first. */
  lastPulseAt: number | null;
}

export type MachineWrite = "ok" | "missing" | "name-taken";

const NAME_TAKEN = "UNIQUE constraint failed: machines.user_id, machines.name";

export async function listMachines(db: D1Database, userId: number): Promise<MachineRow[]> {
  const { results } = await db
    .prepare(
      `SELECT m.id, m.name, m.active, m.created_at AS createdAt, m.last_pulse_at AS lastPulseAt,
              coalesce((SELECT SUM(h.xp) FROM machine_hourly_xp h WHERE h.machine_id = m.id), 0) AS xp
       FROM machines m WHERE m.user_id = ? ORDER BY m.created_at DESC, m.id DESC`,
    )
    .bind(userId)
    .all<Omit<MachineRow, "active"> & { active: number }>();
  return results.map((r) => ({ ...r, active: r.active === 1 }));
}

export async function findMachine(
  db: D1Database,
  userId: number,
  machineId: number,
): Promise<{ id: number; name: string; active: boolean } | null> {
  const row = await db
    .prepare("SELECT id, name, active FROM machines WHERE id = ? AND user_id = ?")
    .bind(machineId, userId)
    .first<{ id: number; name: string; active: number }>();
  return row ? { ...row, active: row.active === 1 } : null;
}

export async function insertMachine(
  db: D1Database,
  userId: number,
  name: string,
  tokenHash: string,
  now: number,
): Promise<{ ok: true; machineId: number } | { ok: false; reason: "name-taken" }> {
  try {
    const id = await db
      .prepare("INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id")
      .bind(userId, name, tokenHash, now)
      .first<number>("id");
    return { ok: true, machineId: id! };
  } catch (error) {
    if (isConstraintError(error, NAME_TAKEN)) return { ok: false, reason: "name-taken" };
    throw error;
  }
}

export async function renameMachine(db: D1Database, userId: number, machineId: number, name: string): Promise<MachineWrite> {
  try {
    const row = await db
      .prepare("UPDATE machines SET name = ? WHERE id = ? AND user_id = ? RETURNING id")
      .bind(name, machineId, userId)
      .first();
    return row ? "ok" : "missing";
  } catch (error) {
    if (isConstraintError(error, NAME_TAKEN)) return "name-taken";
    throw error;
  }
}

export async function setMachineActive(db: D1Database, userId: number, machineId: number, active: boolean): Promise<MachineWrite> {
  const row = await db
    .prepare("UPDATE machines SET active = ? WHERE id = ? AND user_id = ? RETURNING id")
    .bind(active ? 1 : 0, machineId, userId)
    .first();
  return row ? "ok" : "missing";
}

/** Swaps the token hash: the old token stops working with this statement's commit. */
export async function replaceMachineToken(db: D1Database, userId: number, machineId: number, tokenHash: string): Promise<MachineWrite> {
  const row = await db
    .prepare("UPDATE machines SET token_hash = ? WHERE id = ? AND user_id = ? RETURNING id")
    .bind(tokenHash, machineId, userId)
    .first();
  return row ? "ok" : "missing";
}

/**
 * Deletes a machine with its pulses, XP rows and rollups, then recomputes the user's total from the
 * remaining rollups. The machine is deactivated first (no new pulse can arrive), its pulses are deleted
 * in chunks, and one transaction deletes the machine (cascading to the rest) and fixes `users.total_xp`.
 * `users.pulse_seq` is left alone: sequence numbers are never reused.
 */
export async function deleteMachine(db: D1Database, userId: number, machineId: number): Promise<MachineWrite> {
  if ((await setMachineActive(db, userId, machineId, false)) === "missing") return "missing";
  await deletePulsesInChunks(db, "machine_id", machineId);
  await deleteHeartbeatsInChunks(db, "machine_id", machineId);
  await db.batch([
    db.prepare("DELETE FROM machines WHERE id = ? AND user_id = ?").bind(machineId, userId),
    db
      .prepare("UPDATE users SET total_xp = (SELECT coalesce(SUM(xp), 0) FROM machine_hourly_xp WHERE user_id = ?1) WHERE id = ?1")
      .bind(userId),
  ]);
  return "ok";
}
