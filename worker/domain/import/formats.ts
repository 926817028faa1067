// The import formats, recognised from the start of the file. A format either turns the file into XP
// rows (`kind: "pulses"`: grouped into pulses, de-duplicated by machine and second) or into
// heartbeats (`kind: "heartbeats"`: stored as live heartbeats are, with their coding time and XP
// slots); upload, staging, progress and the page are shared.
import { CodestatsCsvParser } from "./codestats-csv";
import { PulseEdgeJsonParser } from "./pulse-edge-json";
import type { ImportParser } from "./rows";
import { WakatimeDumpParser } from "./wakatime-dump";

export interface ImportFormat {
  id: string;
  label: string;
  kind: "pulses" | "heartbeats";
  /** What `ImportRow.at` counts in this format. */
  unit: "line" | "pulse" | "heartbeat";
  /** Whether a file starting with `head` (the first bytes, decoded leniently) is in this format. */
  sniff(head: string): boolean;
  createParser(nowMs: number): ImportParser;
}

/** How much of the file the formats look at: a WakaTime dump opens with its user record (a few KB). */
const SNIFF_BYTES = 64 * 1024;

/** The key that opens the records, whichever comes first: WakaTime's `"days": [` or this service's `"pulses": [`. */
function firstListKey(head: string): string | null {
  return /"(days|pulses)"\s*:\s*\[/.exec(head)?.[1] ?? null;
}

const IMPORT_FORMATS: readonly ImportFormat[] = [
  {
    id: "wakatime-dump",
    label: "WakaTime heartbeats data dump",
    kind: "heartbeats",
    unit: "heartbeat",
    sniff: (head) => /^\uFEFF?\s*\{/.test(head) && firstListKey(head) === "days",
    createParser: (now) => new WakatimeDumpParser(now),
  },
  {
    id: "pulse-edge-json",
    label: "Pulse Edge JSON export",
    kind: "pulses",
    unit: "pulse",
    sniff: (head) => /^\uFEFF?\s*\{/.test(head),
    createParser: (now) => new PulseEdgeJsonParser(now),
  },
  {
    id: "codestats-csv",
    label: "Code::Stats pulses.csv",
    kind: "pulses",
    unit: "line",
    sniff: (head) => {
      const first = head
        .replace(/^\uFEFF/, "")
        .split("\n", 1)[0]!
        .toLowerCase();
      return first.includes(";") && first.split(";").some((c) => c.trim() === "sent_at");
    },
    createParser: (now) => new CodestatsCsvParser(now),
  },
];

export function formatById(id: string): ImportFormat | null {
  return IMPORT_FORMATS.find((f) => f.id === id) ?? null;
}

export function detectFormat(head: Uint8Array): ImportFormat | null {
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(head.subarray(0, SNIFF_BYTES));
  return IMPORT_FORMATS.find((f) => f.sniff(text)) ?? null;
}
