// What every import format turns a file into: XP rows (machine, instant, offset, language, amount),
// problems with their place in the file, and the checks all formats share. A heartbeats format (the
// WakaTime dump) produces heartbeats instead, which are stored as live ones are.
import { machineNameProblem, normalizeMachineName } from "../account-fields";
import type { Heartbeat } from "../heartbeat";
import { MAX_OFFSET_MINUTES } from "../coded-at";
import { normalizeLanguageName } from "../language";
import { MAX_LANGUAGE_LENGTH, MAX_XP } from "../pulse";

/** One XP row. Rows with the same machine and second form one pulse. */
export interface ImportRow {
  /** Where in the file it came from (a line or a pulse number, see `ImportFormat.unit`). */
  at: number;
  machine: string;
  /** The instant, UTC epoch milliseconds, whole seconds. */
  sentAtMs: number;
  /** Minutes east of UTC: the local date and hour come from it. */
  utcOffset: number;
  /** The language as sent (its booked name follows from aliases when stored). */
  language: string;
  amount: number;
}

export interface ImportProblem {
  at: number;
  message: string;
  /** The pulse the bad row belongs to, when it can be told: that pulse is skipped whole. */
  pulse?: { machine: string; sentAtMs: number };
}

/** One heartbeat of a WakaTime dump, with the machine it is booked on and its number in the file. */
export interface ImportHeartbeat {
  at: number;
  machine: string;
  heartbeat: Heartbeat;
}

export interface ImportSink {
  row(row: ImportRow): void;
  heartbeat(heartbeat: ImportHeartbeat): void;
  problem(problem: ImportProblem): void;
}

/** A parser reads a file chunk by chunk (bytes, any split) and keeps at most a record's worth between chunks. */
export interface ImportParser {
  feed(bytes: Uint8Array, sink: ImportSink): void;
  finish(sink: ImportSink): void;
  /** Bytes or characters held between chunks (the streaming bound the tests check). */
  buffered(): number;
}

/** A file that cannot be read at all (wrong header, not UTF-8, broken JSON): nothing of it is imported. */
export class ImportFileError extends Error {}

/** Latest instant an import accepts: a little ahead of the clock (clock skew), never the future beyond. */
const FUTURE_SLACK_MS = 86_400_000;

/** A group of rows larger than this is not one pulse of any real editor (the pulse API allows 100 entries). */
export const MAX_ROWS_PER_PULSE = 1_000;

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

export function checkMachine(raw: unknown): Checked<string> {
  if (typeof raw !== "string") return { ok: false, message: "machine is missing" };
  const name = normalizeMachineName(raw);
  const problem = machineNameProblem(name);
  return problem ? { ok: false, message: problem.replace(/\.$/, "").replace(/^Machine name/, "machine name") } : { ok: true, value: name };
}

function checkLanguage(raw: unknown): Checked<string> {
  if (typeof raw !== "string") return { ok: false, message: "language is missing" };
  const name = normalizeLanguageName(raw);
  if (name === null) return { ok: false, message: "language must be plain text" };
  if (name.length > MAX_LANGUAGE_LENGTH) return { ok: false, message: `language is longer than ${MAX_LANGUAGE_LENGTH} characters` };
  return { ok: true, value: name };
}

function checkAmount(raw: unknown): Checked<number> {
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d{1,10}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n) || n < 0) return { ok: false, message: `amount ${JSON.stringify(raw)} is not a whole number of XP` };
  if (n > MAX_XP) return { ok: false, message: `amount is larger than ${MAX_XP}` };
  return { ok: true, value: n };
}

export function checkOffset(raw: unknown): Checked<number> {
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^[+-]?\d{1,4}$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isInteger(n)) return { ok: false, message: `tz_offset ${JSON.stringify(raw)} is not a whole number of minutes` };
  if (Math.abs(n) > MAX_OFFSET_MINUTES) return { ok: false, message: "tz_offset is beyond ±18:00" };
  return { ok: true, value: n };
}

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?$/;

/** `2017-11-27 23:00:00` (optionally `T`, fractions): whole-second epoch ms of that wall time read as UTC, or null. */
export function parseWallTime(text: string): number | null {
  const m = TIMESTAMP.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return ms;
}

/** The pulse an XP row belongs to (its machine and second), or the first reason it has none. */
export function checkPulseKey(machineRaw: unknown, sentAtRaw: unknown, nowMs: number): Checked<{ machine: string; sentAtMs: number }> {
  const machine = checkMachine(machineRaw);
  if (!machine.ok) return machine;
  const sentAt = checkUtcInstant(sentAtRaw, nowMs);
  if (!sentAt.ok) return sentAt;
  return { ok: true, value: { machine: machine.value, sentAtMs: sentAt.value } };
}

/** One XP entry: the language as sent and its whole, bounded amount. */
export function checkEntry(languageRaw: unknown, amountRaw: unknown): Checked<{ language: string; amount: number }> {
  const language = checkLanguage(languageRaw);
  if (!language.ok) return language;
  const amount = checkAmount(amountRaw);
  if (!amount.ok) return amount;
  return { ok: true, value: { language: language.value, amount: amount.value } };
}

/** The instant of a UTC timestamp as the original exports it (`2017-11-27 23:00:00Z`; the `Z` may be missing). */
function checkUtcInstant(raw: unknown, nowMs: number): Checked<number> {
  if (typeof raw !== "string") return { ok: false, message: "sent_at is missing" };
  const text = raw.trim().replace(/[zZ]$/, "");
  const ms = parseWallTime(text);
  if (ms === null) return { ok: false, message: `sent_at ${JSON.stringify(raw)} is not a timestamp like 2017-11-27 23:00:00Z` };
  if (ms > nowMs + FUTURE_SLACK_MS) return { ok: false, message: "sent_at is in the future" };
  if (ms < 0) return { ok: false, message: "sent_at is before 1970" };
  return { ok: true, value: ms };
}
