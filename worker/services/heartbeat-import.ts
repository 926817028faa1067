// Writing a WakaTime dump's heartbeats as live ones are written: the same stored form (local day in
// the user's zone, identity hash), the same XP slots and the same authenticated transaction, one per
// machine. Heartbeats the account already has (imported before, or received live) are left out
// first, so they neither count twice nor claim their XP slots again on another machine.
import type { Heartbeat } from "../domain/heartbeat";
import { xpSlots } from "../domain/heartbeat-xp";
import { recordHeartbeats, type HeartbeatToStore } from "../db/heartbeats";
import { importMachineKeys, knownHeartbeatHashes } from "../db/imports";
import { storableHeartbeat } from "./heartbeats";

export interface ImportedHeartbeat {
  /** Its number in the file. */
  at: number;
  machineId: number;
  heartbeat: Heartbeat;
}

export interface HeartbeatImportOutcome {
  added: number;
  /** Already in the account, or repeated in the file. */
  present: number;
  /** XP slots (pulses of 60 XP) the new heartbeats claimed. */
  slotsAdded: number;
  /** Heartbeats whose machine is being deleted (no longer active): not written. */
  refused: { at: number; machineId: number }[];
}

export async function importHeartbeats(
  db: D1Database,
  userId: number,
  zone: string,
  items: readonly ImportedHeartbeat[],
  now: number,
): Promise<HeartbeatImportOutcome> {
  const stored = await Promise.all(items.map(async (i) => ({ ...i, row: await storableHeartbeat(i.heartbeat, zone) })));
  const known = await knownHeartbeatHashes(db, userId, [...new Set(stored.map((s) => s.row.hash))]);
  const byMachine = new Map<number, { at: number; row: HeartbeatToStore }[]>();
  for (const s of stored) {
    if (known.has(s.row.hash)) continue;
    known.add(s.row.hash); // the file's own repeats (on any machine) are written once
    const list = byMachine.get(s.machineId);
    if (list) list.push(s);
    else byMachine.set(s.machineId, [s]);
  }
  const keys = await importMachineKeys(db, userId, [...byMachine.keys()]);
  const outcome: HeartbeatImportOutcome = { added: 0, present: 0, slotsAdded: 0, refused: [] };
  for (const [machineId, list] of byMachine) {
    const key = keys.get(machineId);
    const rows = list.map((l) => l.row);
    const written = key?.active
      ? await recordHeartbeats(db, {
          tokenHash: key.tokenHash,
          heartbeats: rows,
          slots: xpSlots(rows),
          receivedAt: now,
          languagesKnown: false,
        })
      : ({ status: "unauthenticated" } as const);
    if (written.status === "unauthenticated") {
      for (const l of list) outcome.refused.push({ at: l.at, machineId });
      continue;
    }
    // Known hashes were filtered out above, so every row is new (a live copy that raced in between is
    // still stored once, by the unique hash; only this summary would count it).
    outcome.added += rows.length;
    outcome.slotsAdded += written.pulses.length;
  }
  outcome.present = items.length - outcome.added - outcome.refused.length;
  return outcome;
}
