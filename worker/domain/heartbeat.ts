// A WakaTime heartbeat from the wild, read liberally (spec §1.4, §1.9 item 4) into one strict shape,
// or a per-item error the CLI drops; placeholders and the identity hash of a stored heartbeat.
import { parseUserAgent } from "./user-agent";

/** Heartbeats per request: the CLI sends 10 (25 before v2.13.2); offline re-syncs stay far below this. */
export const MAX_HEARTBEATS_PER_REQUEST = 100;
export const MAX_HEARTBEAT_BODY_BYTES = 512 * 1024;
/** Oldest accepted heartbeat: a year, so an offline queue or a year's import is never stuck. */
const MAX_HEARTBEAT_AGE_MS = 366 * 86_400_000;
/** Newest accepted heartbeat: clocks drift, editors do not code in the future. */
export const MAX_FUTURE_SKEW_MS = 3_600_000;
const MAX_TEXT = 255;
const MAX_ENTITY = 2_048;

const ENTITY_TYPES = ["file", "domain", "app", "url"] as const;
export const PLACEHOLDER = { project: "<<LAST_PROJECT>>", branch: "<<LAST_BRANCH>>", language: "<<LAST_LANGUAGE>>" } as const;

export interface Heartbeat {
  timeMs: number;
  entity: string;
  type: string;
  category: string;
  project: string | null;
  branch: string | null;
  language: string | null;
  editor: string | null;
  os: string | null;
  machineName: string | null;
  userAgent: string | null;
  isWrite: boolean;
  lines: number | null;
  lineno: number | null;
  cursorpos: number | null;
}

export type HeartbeatReading = { ok: true; heartbeat: Heartbeat } | { ok: false; error: string };

/** What the request itself says, used where a heartbeat says nothing. */
export interface RequestDefaults {
  userAgent: string | null;
  machineName: string | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A heartbeat's instant in ms: seconds (float), numeric strings, ISO strings; ms/µs/ns epochs scaled back. */
function heartbeatTimeMs(value: unknown): number | null {
  let n: number;
  if (typeof value === "number") n = value;
  else if (typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value)) n = Number(value);
  else if (typeof value === "string") {
    const parsed = Date.parse(value);
    return Number.isNaN(parsed) ? null : parsed;
  } else return null;
  if (!Number.isFinite(n) || n <= 0) return null;
  // Seconds until the year 5138 are below 1e11; larger values are ms, µs or ns.
  while (n >= 1e11) n /= 1000;
  return Math.round(n * 1000);
}

/** Text without NUL and control characters, trimmed, at most `max` characters; empty is null. */
function cleanText(value: unknown, max = MAX_TEXT): string | null {
  if (typeof value !== "string") return null;
  const cleaned = value.replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim();
  if (cleaned === "") return null;
  const chars = [...cleaned];
  return chars.length > max ? chars.slice(0, max).join("") : cleaned;
}

function cleanInt(value: unknown): number | null {
  const n = typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 2_147_483_647 ? n : null;
}

function cleanBool(value: unknown): boolean {
  return value === true || value === 1 || value === "true" || value === "1";
}

/** Reads one item of a request body; `now` bounds its age (`maxAgeMs`: an import takes any age). */
export function readHeartbeat(item: unknown, defaults: RequestDefaults, now: number, maxAgeMs = MAX_HEARTBEAT_AGE_MS): HeartbeatReading {
  if (isRecord(item) && isRecord(item.hackatime)) item = item.hackatime;
  if (!isRecord(item)) return { ok: false, error: "invalid heartbeat object" };
  const entity = cleanText(item.entity, MAX_ENTITY);
  if (entity === null) return { ok: false, error: "entity is required" };
  const timeMs = heartbeatTimeMs(item.time);
  if (timeMs === null) return { ok: false, error: "time must be a Unix epoch in seconds" };
  if (timeMs < now - maxAgeMs) return { ok: false, error: "heartbeat is too old (more than 366 days)" };
  if (timeMs > now + MAX_FUTURE_SKEW_MS) return { ok: false, error: "heartbeat is in the future" };
  const type = (cleanText(item.type) ?? "file").toLowerCase();
  if (!(ENTITY_TYPES as readonly string[]).includes(type)) return { ok: false, error: `type must be one of ${ENTITY_TYPES.join(", ")}` };
  const language = cleanText(item.language);
  const category = (cleanText(item.category, 64) ?? (type === "domain" || type === "url" ? "browsing" : "coding")).toLowerCase();
  const userAgent = cleanText(item.user_agent, 512) ?? cleanText(item.plugin, 512) ?? defaults.userAgent;
  const parsed = parseUserAgent(userAgent);
  return {
    ok: true,
    heartbeat: {
      timeMs,
      entity,
      type,
      category,
      project: cleanText(item.project),
      branch: cleanText(item.branch),
      language,
      editor: cleanText(item.editor, 64) ?? parsed.editor,
      os: cleanText(item.operating_system, 64) ?? parsed.os,
      machineName: cleanText(item.machine, 255) ?? defaults.machineName,
      userAgent,
      isWrite: cleanBool(item.is_write),
      lines: cleanInt(item.lines),
      lineno: cleanInt(item.lineno),
      cursorpos: cleanInt(item.cursorpos),
    },
  };
}

export function hasPlaceholders(h: Heartbeat): boolean {
  return h.project === PLACEHOLDER.project || h.branch === PLACEHOLDER.branch || h.language === PLACEHOLDER.language;
}

/** The user's latest heartbeat, and the latest of a project: where placeholders are resolved from. */
export interface PlaceholderContext {
  latest(): Pick<Heartbeat, "project"> | null;
  latestOfProject(project: string | null): Pick<Heartbeat, "branch" | "language"> | null;
}

/**
 * Resolves `<<LAST_PROJECT>>` from the user's latest heartbeat, `<<LAST_BRANCH>>` and
 * `<<LAST_LANGUAGE>>` from the latest heartbeat of the (resolved) project, as Wakapi does; a
 * placeholder with nothing to resolve it becomes null. Domains and URLs keep no placeholders.
 */
export function resolvePlaceholders(h: Heartbeat, context: PlaceholderContext): Heartbeat {
  if (!hasPlaceholders(h)) return h;
  const web = h.type === "domain" || h.type === "url";
  const project = h.project === PLACEHOLDER.project ? (web ? null : (context.latest()?.project ?? null)) : h.project;
  const fromProject =
    h.branch === PLACEHOLDER.branch || h.language === PLACEHOLDER.language ? (web ? null : context.latestOfProject(project)) : null;
  return {
    ...h,
    project,
    branch: h.branch === PLACEHOLDER.branch ? (fromProject?.branch ?? null) : h.branch,
    language: h.language === PLACEHOLDER.language ? (fromProject?.language ?? null) : h.language,
  };
}

/** What identifies a heartbeat for deduplication (Wakapi's hash fields, with the time in ms). */
export function heartbeatIdentity(h: Heartbeat): string {
  return JSON.stringify([h.entity, h.type, h.category, h.project, h.branch, h.language, h.isWrite, h.timeMs]);
}

/** The WT-shaped echo of a stored heartbeat in a response item. */
export function heartbeatEcho(h: Heartbeat, id: string): Record<string, unknown> {
  return {
    id,
    entity: h.entity,
    type: h.type,
    category: h.category,
    time: h.timeMs / 1000,
    project: h.project,
    branch: h.branch,
    language: h.language,
    is_write: h.isWrite,
    lines: h.lines,
    lineno: h.lineno,
    cursorpos: h.cursorpos,
    editor: h.editor,
    operating_system: h.os,
    machine_name: h.machineName,
    user_agent: h.userAgent,
  };
}
