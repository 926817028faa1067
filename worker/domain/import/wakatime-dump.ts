// WakaTime's heartbeats data dump: `{"user", "range", "days": [{"date", "heartbeats": [...]}]}`, read as
// a stream at `$.days.*.heartbeats.*` (each heartbeat is dropped once handed on; what stays is the
// user record and one `{date}` shell per day). Heartbeats are read as the live API reads them, at any
// age, and are booked on a machine named after the dump's machine (see `dumpMachineName`). Problems
// are placed by heartbeat number (1-based, counted through the whole file).
import { readHeartbeat } from "../heartbeat";
import { JsonRecordParser } from "./json-stream";
import { checkMachine, type Checked, type ImportSink } from "./rows";

/** Machine of a heartbeat that names none (neither a machine name nor a machine id). */
const DUMP_DEFAULT_MACHINE = "WakaTime";

/**
 * The machine a dump heartbeat is booked on: its machine name when the dump carries one
 * (`machine_name`, `machine`); else `WakaTime <first 8 characters of machine_name_id>` (a dump
 * downloaded from WakaTime has only that opaque id; the machine can be renamed later); else `WakaTime`.
 */
export function dumpMachineName(item: Record<string, unknown>): Checked<string> {
  for (const named of [item.machine_name, item.machine]) if (typeof named === "string" && named.trim() !== "") return checkMachine(named);
  const id = item.machine_name_id;
  if ((typeof id === "string" && id.trim() !== "") || typeof id === "number")
    return checkMachine(`${DUMP_DEFAULT_MACHINE} ${String(id).trim().slice(0, 8)}`);
  return { ok: true, value: DUMP_DEFAULT_MACHINE };
}

export class WakatimeDumpParser extends JsonRecordParser {
  constructor(private readonly nowMs: number) {
    super("$.days.*.heartbeats.*", "heartbeat");
  }

  protected record(value: unknown, at: number, sink: ImportSink): void {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      sink.problem({ at, message: "a heartbeat must be an object" });
      return;
    }
    const item = value as Record<string, unknown>;
    const machine = dumpMachineName(item);
    if (!machine.ok) {
      sink.problem({ at, message: machine.message });
      return;
    }
    // The dump's history has no age limit; the future does (one hour of clock skew, as live).
    const read = readHeartbeat(item, { userAgent: null, machineName: machine.value }, this.nowMs, Number.POSITIVE_INFINITY);
    if (!read.ok) {
      sink.problem({ at, message: read.error });
      return;
    }
    sink.heartbeat({ at, machine: machine.value, heartbeat: { ...read.heartbeat, machineName: machine.value } });
  }
}
