// Machine management for the signed-in user: every change is scoped to the user's own machines and
// announced through publishAccountEvent after it committed. New tokens are returned once, to be shown once.
import type { Env } from "../env";
import { machineNameProblem, normalizeMachineName } from "../domain/account-fields";
import { hashToken, newToken } from "../domain/token";
import {
  deleteMachine as deleteMachineRows,
  findMachine,
  insertMachine,
  listMachines,
  renameMachine as renameMachineRow,
  replaceMachineToken,
  setMachineActive,
  type MachineRow,
} from "../db/machines";
import { publishAccountEvent } from "./account-events";
import { databaseOf } from "../db/partitions";
import { listToken } from "./partitions";

export type { MachineRow };

export type MachineResult =
  | { kind: "ok"; name: string }
  | { kind: "token"; machineId: number; name: string; token: string }
  | { kind: "invalid"; message: string }
  | { kind: "missing" };

const NAME_TAKEN = "You already have a machine with that name.";

export function machinesOf(env: Env, userId: number): Promise<MachineRow[]> {
  return listMachines(databaseOf(env, userId), userId);
}

export async function addMachine(env: Env, userId: number, rawName: string, now: number): Promise<MachineResult> {
  const name = normalizeMachineName(rawName);
  const problem = machineNameProblem(name);
  if (problem) return { kind: "invalid", message: problem };
  const token = newToken();
  const tokenHash = await hashToken(token);
  await listToken(env, tokenHash, userId);
  const created = await insertMachine(databaseOf(env, userId), userId, name, tokenHash, now);
  if (!created.ok) return { kind: "invalid", message: NAME_TAKEN };
  await publishAccountEvent(env, { type: "machines-changed", userId });
  return { kind: "token", machineId: created.machineId, name, token };
}

export async function renameMachine(env: Env, userId: number, machineId: number, rawName: string): Promise<MachineResult> {
  const name = normalizeMachineName(rawName);
  const problem = machineNameProblem(name);
  if (problem) {
    // An invalid name for somebody else's machine must still look like "no such machine".
    return (await findMachine(databaseOf(env, userId), userId, machineId)) ? { kind: "invalid", message: problem } : { kind: "missing" };
  }
  const outcome = await renameMachineRow(databaseOf(env, userId), userId, machineId, name);
  if (outcome === "missing") return { kind: "missing" };
  if (outcome === "name-taken") return { kind: "invalid", message: NAME_TAKEN };
  await publishAccountEvent(env, { type: "machines-changed", userId });
  return { kind: "ok", name };
}

export async function setActive(env: Env, userId: number, machineId: number, active: boolean): Promise<MachineResult> {
  const machine = await findMachine(databaseOf(env, userId), userId, machineId);
  if (!machine || (await setMachineActive(databaseOf(env, userId), userId, machineId, active)) === "missing") return { kind: "missing" };
  await publishAccountEvent(env, { type: "machines-changed", userId });
  return { kind: "ok", name: machine.name };
}

export async function regenerateToken(env: Env, userId: number, machineId: number): Promise<MachineResult> {
  const machine = await findMachine(databaseOf(env, userId), userId, machineId);
  if (!machine) return { kind: "missing" };
  const token = newToken();
  const tokenHash = await hashToken(token);
  await listToken(env, tokenHash, userId);
  if ((await replaceMachineToken(databaseOf(env, userId), userId, machineId, tokenHash)) === "missing") return { kind: "missing" };
  await publishAccountEvent(env, { type: "machines-changed", userId });
  return { kind: "token", machineId, name: machine.name, token };
}

export async function deleteMachine(env: Env, userId: number, machineId: number): Promise<MachineResult> {
  const machine = await findMachine(databaseOf(env, userId), userId, machineId);
  if (!machine || (await deleteMachineRows(databaseOf(env, userId), userId, machineId)) === "missing") return { kind: "missing" };
  await publishAccountEvent(env, { type: "machines-changed", userId });
  return { kind: "ok", name: machine.name };
}
