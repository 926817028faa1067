// A user's machines. Every statement is scoped by user id: a machine id from another account matches nothing.
import { and, desc, eq, sql, sum } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { QueryBuilder } from "drizzle-orm/sqlite-core";
import { deletePulsesInChunks } from "./accounts";
import { deleteHeartbeatsInChunks } from "./heartbeats";
import { machineHourlyXp, machines, users } from "./schema";
import { isConstraintError } from "./sql";

type Machine = typeof machines.$inferSelect;

/** A machine on its owner's list; `lastPulseAt` is when its latest pulse arrived (epoch ms), null before the first. */
export type MachineRow = Pick<Machine, "id" | "name" | "active" | "createdAt" | "lastPulseAt"> & { xp: number };

export type MachineWrite = "ok" | "missing" | "name-taken";

const NAME_TAKEN = "UNIQUE constraint failed: machines.user_id, machines.name";

/** A machine's total XP from its hourly rollups (a scalar subquery on the machine's row; 0 without XP: drizzle has no coalesce()). */
export const machineXp = sql<number>`coalesce(${new QueryBuilder()
  .select({ xp: sum(machineHourlyXp.xp) })
  .from(machineHourlyXp)
  .where(eq(machineHourlyXp.machineId, machines.id))}, 0)`;

/** One of the user's machines by id (no other user's). */
const owned = (userId: number, machineId: number) => and(eq(machines.id, machineId), eq(machines.userId, userId));

export async function listMachines(db: D1Database, userId: number): Promise<MachineRow[]> {
  return drizzle(db)
    .select({
      id: machines.id,
      name: machines.name,
      active: machines.active,
      createdAt: machines.createdAt,
      lastPulseAt: machines.lastPulseAt,
      xp: machineXp,
    })
    .from(machines)
    .where(eq(machines.userId, userId))
    .orderBy(desc(machines.createdAt), desc(machines.id));
}

export async function findMachine(
  db: D1Database,
  userId: number,
  machineId: number,
): Promise<Pick<Machine, "id" | "name" | "active"> | null> {
  const row = await drizzle(db)
    .select({ id: machines.id, name: machines.name, active: machines.active })
    .from(machines)
    .where(owned(userId, machineId))
    .get();
  return row ?? null;
}

export async function insertMachine(
  db: D1Database,
  userId: number,
  name: string,
  tokenHash: string,
  now: number,
): Promise<{ ok: true; machineId: number } | { ok: false; reason: "name-taken" }> {
  try {
    const row = await drizzle(db).insert(machines).values({ userId, name, tokenHash, createdAt: now }).returning({ id: machines.id }).get();
    return { ok: true, machineId: row!.id };
  } catch (error) {
    if (isConstraintError(error, NAME_TAKEN)) return { ok: false, reason: "name-taken" };
    throw error;
  }
}

/** Sets columns of one of the user's machines; "missing" when it is not theirs or gone. */
async function updateMachine(db: D1Database, userId: number, machineId: number, set: Partial<Machine>): Promise<MachineWrite> {
  const rows = await drizzle(db).update(machines).set(set).where(owned(userId, machineId)).returning({ id: machines.id });
  return rows.length > 0 ? "ok" : "missing";
}

export async function renameMachine(db: D1Database, userId: number, machineId: number, name: string): Promise<MachineWrite> {
  try {
    return await updateMachine(db, userId, machineId, { name });
  } catch (error) {
    if (isConstraintError(error, NAME_TAKEN)) return "name-taken";
    throw error;
  }
}

export async function setMachineActive(db: D1Database, userId: number, machineId: number, active: boolean): Promise<MachineWrite> {
  return updateMachine(db, userId, machineId, { active });
}

/** Swaps the token hash: the old token stops working with this statement's commit. */
export async function replaceMachineToken(db: D1Database, userId: number, machineId: number, tokenHash: string): Promise<MachineWrite> {
  return updateMachine(db, userId, machineId, { tokenHash });
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
  const orm = drizzle(db);
  const remaining = orm
    .select({ xp: sum(machineHourlyXp.xp) })
    .from(machineHourlyXp)
    .where(eq(machineHourlyXp.userId, userId));
  await orm.batch([
    orm.delete(machines).where(owned(userId, machineId)),
    orm
      .update(users)
      // The remaining rollups' sum, 0 when none are left (drizzle has no coalesce()).
      .set({ totalXp: sql`coalesce(${remaining}, 0)` })
      .where(eq(users.id, userId)),
  ]);
  return "ok";
}
