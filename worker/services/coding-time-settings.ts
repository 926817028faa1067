// Changing a user's coding-time settings (keystroke timeout, zone, project visibility); a new
// timeout recomputes the stored coding time from the raw heartbeats.
import { DEFAULT_TIMEOUT_MINUTES, MAX_TIMEOUT_MINUTES, MIN_TIMEOUT_MINUTES } from "../domain/coding-time";
import { validZone } from "../domain/zoned-time";
import { findSettings, rebuildCodingTime, saveSettings } from "../db/heartbeats";
import type { CodingTimeSettingsRow } from "../db/schema";

export type SettingsChange = { kind: "ok" } | { kind: "invalid"; message: string };

export function currentSettings(db: D1Database, userId: number): Promise<CodingTimeSettingsRow | null> {
  return findSettings(db, userId);
}

export async function changeCodingTimeSettings(
  db: D1Database,
  userId: number,
  input: { timeout: string; timeZone: string; showProjects: boolean },
): Promise<SettingsChange> {
  const timeout = Number(input.timeout);
  if (!/^\d+$/.test(input.timeout.trim()) || timeout < MIN_TIMEOUT_MINUTES || timeout > MAX_TIMEOUT_MINUTES) {
    return {
      kind: "invalid",
      message: `The keystroke timeout must be a whole number of minutes from ${MIN_TIMEOUT_MINUTES} to ${MAX_TIMEOUT_MINUTES}.`,
    };
  }
  const zoneText = input.timeZone.trim();
  const timeZone = zoneText === "" ? null : validZone(zoneText);
  if (zoneText !== "" && timeZone === null)
    return { kind: "invalid", message: "Unknown time zone; use an IANA name such as Europe/Helsinki." };
  const before = await findSettings(db, userId);
  await saveSettings(db, { userId, timeoutMinutes: timeout, timeZone, showProjects: input.showProjects });
  if ((before?.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) !== timeout) await rebuildCodingTime(db, userId, timeout);
  return { kind: "ok" };
}
