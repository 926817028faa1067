// Parsing of a pulse's `coded_at`, replicating the original service step by step:
// 1. a lenient, unanchored RFC 3339 match gives the instant,
// 2. the instant must be at most 7 days old (a future instant becomes "now"),
// 3. the UTC offset is read again from the very end of the string (two-digit hours only).
// Each step has its own error message, and they are checked in this order.

export const MAX_AGE_MS = 604_800_000; // 7 days
// Real offsets lie within ±14:00; ±18:00 is the widest any standard allows (ISO 8601, java.time).
export const MAX_OFFSET_MINUTES = 18 * 60;

export type CodedAtError = "Invalid coded_at format." | "Invalid date." | "Invalid TZ offset!";

export interface CodedAt {
  /** The instant of coding, UTC epoch milliseconds (clamped to "now" when sent from the future). */
  instantMs: number;
  /** Minutes east of UTC, as sent. */
  utcOffset: number;
  /** The instant as sent, in microseconds: what identifies a retried pulse. */
  sentMicros: number;
}

const INSTANT = /(\d{4})[^\d]?(\d{2})[^\d]?(\d{2})[^\d](\d{2})[^\d]?(\d{2})[^\d]?(\d{2})([.,]\d+)?(?:([zZ])|([+-])(\d{1,2}):?(\d{2}))/;
const TRAILING_OFFSET = /([+-])(\d{2}):?(\d{2})$/;

export function parseCodedAt(value: unknown, nowMs: number): CodedAt | { error: CodedAtError } {
  if (typeof value !== "string") return { error: "Invalid coded_at format." };
  const sentMicros = parseInstantMicros(value);
  if (sentMicros === null) return { error: "Invalid coded_at format." };

  const sentMs = Math.floor(sentMicros / 1000);
  if (nowMs - sentMs > MAX_AGE_MS) return { error: "Invalid date." };

  const utcOffset = parseTrailingOffset(value);
  if (utcOffset === null) return { error: "Invalid TZ offset!" };

  return { instantMs: Math.min(sentMs, nowMs), utcOffset, sentMicros };
}

function parseInstantMicros(value: string): number | null {
  const m = INSTANT.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const micros = m[7] ? Number(m[7].slice(1, 7).padEnd(6, "0")) : 0;
  let offsetMinutes = 0;
  if (!m[8]) {
    const hours = Number(m[10]);
    const minutes = Number(m[11]);
    if (minutes > 59) return null;
    offsetMinutes = (m[9] === "-" ? -1 : 1) * (hours * 60 + minutes);
  }
  const localMs = Date.UTC(year, month - 1, day, hour, minute, second);
  return (localMs - offsetMinutes * 60_000) * 1000 + micros;
}

function parseTrailingOffset(value: string): number | null {
  const text = value.trim().toLowerCase();
  if (text.endsWith("z")) return 0;
  const m = TRAILING_OFFSET.exec(text);
  if (!m) return null;
  const minutes = Number(m[3]);
  const total = Number(m[2]) * 60 + minutes;
  if (minutes > 59 || total > MAX_OFFSET_MINUTES) return null;
  return (m[1] === "-" ? -1 : 1) * total;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The coder's local wall-clock date (YYYY-MM-DD) and hour (0-23) at `instantMs`. */
export function localDateAndHour(instantMs: number, utcOffset: number): { date: string; hour: number } {
  const local = new Date(instantMs + utcOffset * 60_000);
  return { date: utcDate(local.getTime()), hour: local.getUTCHours() };
}

/** RFC 3339 text of the local wall time with its offset, e.g. 2020-09-10T11:00:00+03:00. */
export function formatLocal(instantMs: number, utcOffset: number): string {
  const local = new Date(instantMs + utcOffset * 60_000).toISOString().slice(0, 19);
  const sign = utcOffset < 0 ? "-" : "+";
  const abs = Math.abs(utcOffset);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${sign}${hh}:${mm}`;
}

/** RFC 3339 UTC text without fractions, e.g. 2020-09-10T08:00:00Z. */
export function formatUtc(instantMs: number): string {
  return new Date(instantMs).toISOString().slice(0, 19) + "Z";
}

/** An instant's UTC calendar date, YYYY-MM-DD. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
