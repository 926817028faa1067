// The import formats, recognised from the start of the file. To add one (a WakaTime heartbeats dump,
// for instance: `{"range": ..., "days": [{"heartbeats": [...]}]}`, read with the same streaming JSON
// parser at `$.days.*.heartbeats.*` and turned into XP rows the way live heartbeats are), write an
// `ImportParser` producing `ImportRow`s and list it here; upload, staging, grouping into pulses,
// de-duplication, writing and progress are shared.
import { CodestatsCsvParser } from "./codestats-csv";
import { PulseEdgeJsonParser } from "./pulse-edge-json";
import type { ImportParser } from "./rows";

export interface ImportFormat {
  id: string;
  label: string;
  /** What `ImportRow.at` counts in this format. */
  unit: "line" | "pulse";
  /** Whether a file starting with `head` (the first KB, decoded leniently) is in this format. */
  sniff(head: string): boolean;
  createParser(nowMs: number): ImportParser;
}

export const IMPORT_FORMATS: readonly ImportFormat[] = [
  {
    id: "pulse-edge-json",
    label: "Pulse Edge JSON export",
    unit: "pulse",
    sniff: (head) => /^\uFEFF?\s*\{/.test(head),
    createParser: (now) => new PulseEdgeJsonParser(now),
  },
  {
    id: "codestats-csv",
    label: "Code::Stats pulses.csv",
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
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(head.subarray(0, 1024));
  return IMPORT_FORMATS.find((f) => f.sniff(text)) ?? null;
}
