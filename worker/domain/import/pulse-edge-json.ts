// This service's own JSON export (`/my/export.json`): `{"user", "exported_at", "pulses": [{coded_at,
// sent_at, tz_offset, machine, xps: [{language, sent_as, amount}]}]}`, read as a stream: each pulse is
// handed on as soon as it is complete and then dropped. Problems are placed by pulse number (1-based).
import { JsonRecordParser } from "./json-stream";
import { checkEntry, checkOffset, checkPulseKey, type ImportRow, type ImportSink } from "./rows";

export class PulseEdgeJsonParser extends JsonRecordParser {
  constructor(private readonly nowMs: number) {
    super("$.pulses.*", "pulse");
  }

  protected record(value: unknown, at: number, sink: ImportSink): void {
    const p = (value ?? {}) as Record<string, unknown>;
    const key = checkPulseKey(p.machine, p.sent_at, this.nowMs);
    const pulse = key.ok ? key.value : undefined;
    const offset = checkOffset(p.tz_offset);
    const head = [key, offset].find((c) => !c.ok);
    if (head && !head.ok) {
      sink.problem({ at, message: head.message, ...(pulse ? { pulse } : {}) });
      return;
    }
    if (!pulse || !offset.ok) return; // unreachable: both checks passed
    if (!Array.isArray(p.xps)) {
      sink.problem({ at, message: "xps is not a list", pulse });
      return;
    }
    const rows: ImportRow[] = [];
    for (const x of p.xps as Record<string, unknown>[]) {
      const entry = checkEntry(x?.sent_as ?? x?.language, x?.amount);
      if (!entry.ok) {
        sink.problem({ at, message: entry.message, pulse });
        return;
      }
      rows.push({ at, ...pulse, utcOffset: offset.value, ...entry.value });
    }
    // A pulse without XP rows (the export lists them) has nothing to import.
    for (const r of rows) sink.row(r);
  }
}
