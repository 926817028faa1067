// How far an import is, as the page shows it: the status document, its phase and percent.

export type ImportPhase = "uploading" | "reading" | "preparing" | "writing" | "finishing" | "done" | "failed";

/** Upload chunk size: well under the 100 MB request body limit, and under SQLite's 2 MB value limit. */
export const IMPORT_CHUNK_BYTES = 1024 * 1024;
/** Largest file accepted (the object's storage holds it and its staged rows). */
export const MAX_IMPORT_BYTES = 2 * 1024 * 1024 * 1024;

export interface ImportStatus {
  id: string;
  phase: ImportPhase;
  fileName: string;
  size: number;
  chunkBytes: number;
  chunksTotal: number;
  chunksReceived: number;
  /** The first chunks still to upload (a resumed upload sends these). */
  missingChunks: number[];
  bytesReceived: number;
  format: string | null;
  /** What `problems[].at` counts: lines of a CSV, pulses of a JSON export, heartbeats of a WakaTime dump. */
  unit: "line" | "pulse" | "heartbeat";
  /** What the file holds: XP rows grouped into pulses, or heartbeats (a WakaTime dump). */
  kind: "pulses" | "heartbeats";
  bytesRead: number;
  rowsRead: number;
  rowsToWrite: number;
  rowsDone: number;
  percent: number;
  pulsesTotal: number;
  /** Pulses written; for a WakaTime dump, the 2-minute XP slots its new heartbeats claimed (60 XP each). */
  pulsesAdded: number;
  /** Pulses skipped because the account already has them (the same file imported before, or its live original). */
  pulsesPresent: number;
  machinesCreated: number;
  /** Heartbeats (a WakaTime dump): read and valid, stored now, skipped because the account has them (imported or live). */
  heartbeatsTotal: number;
  heartbeatsAdded: number;
  heartbeatsPresent: number;
  /** Rows that could not be read, with their place in the file (the first 200). */
  problems: { at: number; message: string }[];
  problemCount: number;
  /** Readable rows skipped because another row of their pulse was not. */
  rowsInBadPulses: number;
  /** Why the file could not be imported at all (phase "failed"); nothing was written then. */
  error: string | null;
  /** The last failure of a step that is being retried (the import resumes where it stopped). */
  retrying: string | null;
  startedAt: number;
  finishedAt: number | null;
}

/** Reading the file is the first tenth of the work, writing the rest; uploading is shown on its own. */
export function importPercent(
  s: Pick<ImportStatus, "phase" | "size" | "bytesReceived" | "bytesRead" | "rowsToWrite" | "rowsDone">,
): number {
  switch (s.phase) {
    case "uploading":
      return s.size === 0 ? 0 : Math.floor((100 * s.bytesReceived) / s.size);
    case "reading":
      return s.size === 0 ? 0 : Math.floor((10 * s.bytesRead) / s.size);
    case "preparing":
      return 10;
    case "writing":
      return s.rowsToWrite === 0 ? 99 : Math.min(99, 10 + Math.floor((89 * s.rowsDone) / s.rowsToWrite));
    case "finishing":
      return 99;
    case "done":
      return 100;
    case "failed":
      return 0;
  }
}
