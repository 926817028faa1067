// Accepting WakaTime heartbeats: body reading, per-item validation, placeholders, local days, the
// atomic write (heartbeats plus the XP slots they claim) and the per-item statuses the CLI needs.
import {
  hasPlaceholders,
  heartbeatEcho,
  heartbeatIdentity,
  MAX_HEARTBEAT_BODY_BYTES,
  MAX_HEARTBEATS_PER_REQUEST,
  PLACEHOLDER,
  readHeartbeat,
  resolvePlaceholders,
  type Heartbeat,
  type RequestDefaults,
} from "../domain/heartbeat";
import { xpSlots } from "../domain/heartbeat-xp";
import { sha256Hex } from "../domain/token";
import { dateAtOffset, offsetMinutes, validZone } from "../domain/zoned-time";
import { findKeyOwner, placeholderSources, recordHeartbeats, type HeartbeatToStore } from "../db/heartbeats";
import type { PulseWrite, StoredPulseRef } from "../db/pulses";
import type { ValidPulse } from "../domain/pulse";
import { readTextBody } from "../http/body";
import { rememberLanguages, withKnownLanguages } from "./ingest";

export type HeartbeatItemResult = [Record<string, unknown>, number];

export type HeartbeatIngestResult =
  | { kind: "done"; single: boolean; items: HeartbeatItemResult[]; pulses: { ref: StoredPulseRef; pulse: ValidPulse }[] }
  | { kind: "unauthenticated" }
  | { kind: "rejected"; status: 400 | 413; message: string };

export interface HeartbeatRequest {
  tokenHash: string;
  request: Request;
  now: number;
  /** The path was a bulk path: answer `{"responses": ...}` even for one object. */
  bulkPath: boolean;
  share?: PulseWrite["share"];
}

/** The X-Machine-Name header, URL-decoded (the CLI query-escapes the host name). */
export function machineNameHeader(value: string | null): string | null {
  if (!value) return null;
  try {
    return decodeURIComponent(value.replace(/\+/g, " ")).trim() || null;
  } catch {
    return value.trim() || null;
  }
}

export async function ingestHeartbeats(db: D1Database, r: HeartbeatRequest): Promise<HeartbeatIngestResult> {
  // Any content type: browser builds and Hackatime clients send JSON as text/plain.
  const read = await readTextBody(r.request, MAX_HEARTBEAT_BODY_BYTES);
  if (!read.ok) return { kind: "rejected", status: read.status, message: read.message };
  let body: unknown;
  try {
    body = JSON.parse(read.text);
  } catch {
    return { kind: "rejected", status: 400, message: "Malformed JSON in request body." };
  }
  const single = !Array.isArray(body) && !r.bulkPath;
  const items: unknown[] = Array.isArray(body) ? body : [body];
  if (items.length > MAX_HEARTBEATS_PER_REQUEST)
    return { kind: "rejected", status: 400, message: `Too many heartbeats in one request (at most ${MAX_HEARTBEATS_PER_REQUEST}).` };

  const headers = r.request.headers;
  const defaults: RequestDefaults = { userAgent: headers.get("user-agent"), machineName: machineNameHeader(headers.get("x-machine-name")) };
  const readings = items.map((item) => readHeartbeat(item, defaults, r.now));
  let valid = readings.flatMap((x, index) => (x.ok ? [{ index, heartbeat: x.heartbeat }] : []));

  // The zone of local days: the CLI's Timezone header, else the user's preference, else UTC.
  let zone = validZone(headers.get("timezone"));
  if (zone === null) {
    const owner = await findKeyOwner(db, r.tokenHash);
    if (!owner) return { kind: "unauthenticated" };
    zone = validZone(owner.settings?.timeZone) ?? "UTC";
  }

  if (valid.some((v) => hasPlaceholders(v.heartbeat))) valid = await withPlaceholdersResolved(db, r.tokenHash, valid);

  // The hashes are computed together (one digest per heartbeat, not one await after another).
  const toStore: (HeartbeatToStore & { index: number })[] = await Promise.all(
    valid.map(async ({ index, heartbeat }) => ({ ...(await storableHeartbeat(heartbeat, zone)), index })),
  );
  const slots = xpSlots(toStore);
  const keys = slots.map((s) => s.key);
  const outcome = await withKnownLanguages(keys, (languagesKnown) =>
    recordHeartbeats(db, { tokenHash: r.tokenHash, heartbeats: toStore, slots, receivedAt: r.now, languagesKnown, share: r.share }),
  );
  if (outcome.status === "unauthenticated") return { kind: "unauthenticated" };
  rememberLanguages(keys); // the write succeeded, so its languages exist

  const results: HeartbeatItemResult[] = readings.map((x) => (x.ok ? [{}, 201] : [{ error: x.error }, 400]));
  // A stored or already-known heartbeat is a success: the CLI then drops it from its queue.
  for (const h of toStore) results[h.index] = [{ data: heartbeatEcho(h, h.hash) }, 201];
  return { kind: "done", single, items: results, pulses: outcome.pulses };
}

/** A heartbeat with its local day in `zone` and its identity hash (the dedupe key, unique per user). */
export async function storableHeartbeat(heartbeat: Heartbeat, zone: string): Promise<HeartbeatToStore> {
  const utcOffset = offsetMinutes(zone, heartbeat.timeMs);
  const hash = (await sha256Hex(heartbeatIdentity(heartbeat))).slice(0, 32);
  return { ...heartbeat, utcOffset, localDate: dateAtOffset(heartbeat.timeMs, utcOffset), hash };
}

/** Resolves `<<LAST_*>>` in time order, from D1 and from the request's own earlier heartbeats. */
async function withPlaceholdersResolved(db: D1Database, tokenHash: string, valid: { index: number; heartbeat: Heartbeat }[]) {
  const named = valid.map((v) => v.heartbeat.project).filter((p) => p !== PLACEHOLDER.project);
  const stored = await placeholderSources(db, tokenHash, named);
  let latest = stored.latest;
  const byProject = new Map(stored.byProject);
  if (latest?.project && !byProject.has(latest.project)) byProject.set(latest.project, latest);
  const ordered = [...valid].sort((a, b) => a.heartbeat.timeMs - b.heartbeat.timeMs);
  const resolved = new Map<number, Heartbeat>();
  for (const { index, heartbeat } of ordered) {
    // A project first named by a placeholder-resolved heartbeat may need its own look-up.
    const h = resolvePlaceholders(heartbeat, {
      latest: () => latest,
      latestOfProject: (project) => (project === null ? null : (byProject.get(project) ?? null)),
    });
    resolved.set(index, h);
    if (!latest || h.timeMs >= latest.timeMs) latest = { project: h.project, branch: h.branch, language: h.language, timeMs: h.timeMs };
    if (h.project !== null) {
      const known = byProject.get(h.project);
      if (!known || h.timeMs >= known.timeMs) byProject.set(h.project, { branch: h.branch, language: h.language, timeMs: h.timeMs });
    }
  }
  return valid.map((v) => ({ index: v.index, heartbeat: resolved.get(v.index)! }));
}
