// Formatting a user's pulses for download: the original's CSV (semicolon-separated, `\n` line ends,
// one row per XP row, the booked language's name) and a JSON document with one object per pulse.
// The JSON export's `coded_at` is the instant as the sender wrote it, e.g. 2017-11-28T00:00:00+01:00.
import { formatLocal as formatRfc3339Local } from "./coded-at";
import type { Heartbeat } from "./heartbeat";

export interface ExportXpRow {
  /** Per-user pulse sequence number: rows of one pulse are adjacent. */
  seq: number;
  codedAt: number;
  utcOffset: number;
  machine: string;
  /** The language the XP is booked on (after alias resolution); null for a pulse without XP rows. */
  language: string | null;
  /** The language as the plugin sent it. */
  sentAs: string | null;
  amount: number | null;
}

export const CSV_HEADER = "sent_at;sent_at_local;tz_offset;language;machine;amount\n";

/** `2017-11-27 23:00:00Z`: the instant in UTC, whole seconds. */
export function formatUtc(ms: number): string {
  return `${isoSeconds(ms).replace("T", " ")}Z`;
}

/** `2017-11-28 00:00:00`: the sender's wall-clock time. */
export function formatLocal(ms: number, offsetMinutes: number): string {
  return isoSeconds(ms + offsetMinutes * 60_000).replace("T", " ");
}

/** The CSV line of one XP row; empty for a pulse without XP rows. */
export function csvRow(row: ExportXpRow): string {
  if (row.language === null || row.amount === null) return "";
  return (
    [formatUtc(row.codedAt), formatLocal(row.codedAt, row.utcOffset), String(row.utcOffset)].map(csvField).join(";") +
    `;${csvTextField(row.language)};${csvTextField(row.machine)};${row.amount}\n`
  );
}

/** Quotes a field that contains the separator, a quote or a line break (as the original's CSV encoder does). */
export function csvField(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A field of user-supplied text (language, machine name). One that a spreadsheet would read as a
 * formula (starting with = + - @, a tab or a carriage return) is prefixed with ' and quoted, as OWASP
 * advises against CSV injection; every other field is written as the original writes it.
 */
export function csvTextField(value: string): string {
  return FORMULA_START.test(value) ? `"'${value.replaceAll('"', '""')}"` : csvField(value);
}

export interface ExportPulse {
  coded_at: string;
  sent_at: string;
  tz_offset: number;
  machine: string;
  xps: { language: string; sent_as: string; amount: number }[];
}

/** Groups XP rows (ordered by `seq`) into pulses; the caller passes rows of whole pulses only. */
export function groupPulses(rows: readonly ExportXpRow[]): ExportPulse[] {
  const out: ExportPulse[] = [];
  let currentSeq = NaN;
  for (const r of rows) {
    if (r.seq !== currentSeq) {
      currentSeq = r.seq;
      out.push({
        coded_at: formatRfc3339Local(r.codedAt, r.utcOffset),
        sent_at: formatUtc(r.codedAt),
        tz_offset: r.utcOffset,
        machine: r.machine,
        xps: [],
      });
    }
    if (r.language !== null && r.amount !== null)
      out.at(-1)!.xps.push({ language: r.language, sent_as: r.sentAs ?? r.language, amount: r.amount });
  }
  return out;
}

function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
}

/**
 * XP of one local date, machine and (booked) language, from the rollups: what the export gives for
 * days whose raw pulses are past retention.
 */
export interface ExportDayRow {
  date: string;
  machine: string;
  language: string;
  amount: number;
}

/** A day's CSV line in the original's columns: local midnight, offset 0, so it lands on its local date. */
export function csvDayRow(row: ExportDayRow): string {
  const midnight = `${row.date} 00:00:00`;
  return [`${midnight}Z`, midnight, "0", row.language, row.machine, String(row.amount)].map(csvField).join(";") + "\n";
}

/**
 * A day row in the JSON export's pulse shape (so readers of the export, such as the import, take it
 * as one pulse at local midnight), marked `daily`.
 */
export function jsonDay(row: ExportDayRow): ExportPulse & { daily: true } {
  return {
    coded_at: `${row.date}T00:00:00+00:00`,
    sent_at: `${row.date} 00:00:00Z`,
    tz_offset: 0,
    machine: row.machine,
    xps: [{ language: row.language, sent_as: row.language, amount: row.amount }],
    daily: true,
  };
}

/** Drops XP rows of pulses dated before `keptFrom` (their days come from the rollups; the sweep may not have reached them yet). */
export function rowsFrom(rows: readonly ExportXpRow[], keptFrom: string | null): ExportXpRow[] {
  if (keptFrom === null) return [...rows];
  return rows.filter((r) => isoSeconds(r.codedAt + r.utcOffset * 60_000).slice(0, 10) >= keptFrom);
}

/** A stored heartbeat as the export reads it: the parsed heartbeat with its stored zone, OS column and machine name. */
export type StoredHeartbeat = Omit<Heartbeat, "os"> & {
  localDate: string;
  utcOffset: number;
  operatingSystem: string | null;
  machine: string;
};

/** A stored heartbeat in the export: WakaTime's field names, `time` in epoch seconds. */
export function exportedHeartbeat(h: StoredHeartbeat) {
  return {
    time: h.timeMs / 1000,
    local_date: h.localDate,
    utc_offset: h.utcOffset,
    entity: h.entity,
    type: h.type,
    category: h.category,
    project: h.project,
    branch: h.branch,
    language: h.language,
    editor: h.editor,
    operating_system: h.operatingSystem,
    machine: h.machine,
    machine_name: h.machineName,
    user_agent: h.userAgent,
    is_write: h.isWrite,
    lines: h.lines,
    lineno: h.lineno,
    cursorpos: h.cursorpos,
  };
}
