// The original's `pulses.csv` (codestats.net "Download data"): `;`-separated, `\n` line ends (`\r\n`
// tolerated), header `sent_at;sent_at_local;tz_offset;language;machine;amount`, one row per XP row,
// rows in any order, fields quoted when they contain `;`, `"` or a line break. Read incrementally:
// between chunks only the unfinished record is kept.
import { checkEntry, checkOffset, checkPulseKey, ImportFileError, parseWallTime, type ImportParser, type ImportSink } from "./rows";

const COLUMNS = ["sent_at", "sent_at_local", "tz_offset", "language", "machine", "amount"] as const;
type Column = (typeof COLUMNS)[number];
/** A record longer than this is not a row of this format (an unclosed quote, a binary file): it is reported and skipped. */
export const MAX_RECORD_CHARS = 16 * 1024;

export class CodestatsCsvParser implements ImportParser {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  private carry = "";
  /** Physical lines consumed so far (the header is line 1). */
  private line = 0;
  /** A record spanning lines (a quoted line break): its text so far and first line. */
  private open: { text: string; line: number } | null = null;
  private columns: Map<Column, number> | null = null;
  /** The rest of an over-long line (already reported) is still to come: drop it. */
  private skipToNextLine = false;

  constructor(private readonly nowMs: number) {}

  feed(bytes: Uint8Array, sink: ImportSink): void {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      throw new ImportFileError(`The file is not UTF-8 text (after line ${this.line}).`);
    }
    this.consume(this.carry + text, false, sink);
  }

  finish(sink: ImportSink): void {
    let rest: string;
    try {
      rest = this.decoder.decode();
    } catch {
      throw new ImportFileError("The file ends in the middle of a UTF-8 character.");
    }
    this.consume(this.carry + rest, true, sink);
    if (this.open) {
      sink.problem({ at: this.open.line, message: "a quoted field is never closed" });
      this.open = null;
    }
    if (this.columns === null)
      throw new ImportFileError("The file is empty: expected the header sent_at;sent_at_local;tz_offset;language;machine;amount.");
  }

  buffered(): number {
    return this.carry.length + (this.open?.text.length ?? 0);
  }

  private consume(text: string, final: boolean, sink: ImportSink): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl < 0) break;
      this.physicalLine(text.slice(start, nl), sink);
      start = nl + 1;
    }
    const rest = text.slice(start);
    if (final) {
      this.carry = "";
      if (rest !== "") this.physicalLine(rest, sink);
    } else if (rest.length > MAX_RECORD_CHARS) {
      // A line that never ends: report it once and drop what we have; reading resumes at the next line break.
      this.line++;
      sink.problem({ at: this.line, message: `the line is longer than ${MAX_RECORD_CHARS} characters` });
      this.carry = "";
      this.skipToNextLine = true;
    } else {
      this.carry = rest;
    }
  }

  private physicalLine(raw: string, sink: ImportSink): void {
    if (this.skipToNextLine) {
      this.skipToNextLine = false;
      return; // the tail of an over-long line, already reported
    }
    this.line++;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (this.open) {
      this.open.text += "\n" + text;
      if (this.open.text.length > MAX_RECORD_CHARS) {
        sink.problem({ at: this.open.line, message: `the row is longer than ${MAX_RECORD_CHARS} characters (a quote is never closed?)` });
        this.open = null;
        return;
      }
      if (quotesBalanced(this.open.text)) {
        const { text: record, line } = this.open;
        this.open = null;
        this.record(record, line, sink);
      }
      return;
    }
    if (text.length > MAX_RECORD_CHARS) {
      sink.problem({ at: this.line, message: `the line is longer than ${MAX_RECORD_CHARS} characters` });
      return;
    }
    if (!quotesBalanced(text)) {
      this.open = { text, line: this.line };
      return;
    }
    this.record(text, this.line, sink);
  }

  private record(text: string, line: number, sink: ImportSink): void {
    if (this.columns === null) {
      this.header(text.replace(/^\uFEFF/, ""), line);
      return;
    }
    if (text.trim() === "") return; // blank lines (a trailing one especially) carry nothing
    const fields = text.includes('"') ? splitQuoted(text) : text.split(";");
    if (fields === null) {
      sink.problem({ at: line, message: "a quoted field is malformed" });
      return;
    }
    if (fields.length !== this.columns.size) {
      sink.problem({ at: line, message: `expected ${this.columns.size} fields separated by ";", found ${fields.length}` });
      return;
    }
    const get = (c: Column) => {
      const i = this.columns!.get(c);
      return i === undefined ? undefined : fields[i];
    };
    const key = checkPulseKey(get("machine"), get("sent_at"), this.nowMs);
    const pulse = key.ok ? key.value : undefined;
    const offset = this.offset(get("tz_offset"), get("sent_at_local"), pulse?.sentAtMs ?? null);
    const entry = checkEntry(get("language"), get("amount"));
    const failed = [key, offset, entry].find((c) => !c.ok);
    if (failed && !failed.ok) {
      sink.problem({ at: line, message: failed.message, ...(pulse ? { pulse } : {}) });
      return;
    }
    if (!pulse || !offset.ok || !entry.ok) return; // unreachable: every check passed
    sink.row({ at: line, ...pulse, utcOffset: offset.value, ...entry.value });
  }

  /** `tz_offset` when given; for old rows without it, the difference of local and UTC time; else UTC. */
  private offset(raw: string | undefined, local: string | undefined, utcMs: number | null) {
    if (raw !== undefined && raw.trim() !== "") return checkOffset(raw);
    if (local !== undefined && local.trim() !== "" && utcMs !== null) {
      const localMs = parseWallTime(local.trim());
      if (localMs === null) return { ok: false as const, message: `sent_at_local ${JSON.stringify(local)} is not a timestamp` };
      return checkOffset(Math.round((localMs - utcMs) / 60_000));
    }
    return { ok: true as const, value: 0 };
  }

  private header(text: string, line: number): void {
    const names = text.split(";").map((s) => s.trim().toLowerCase());
    const columns = new Map<Column, number>();
    names.forEach((n, i) => {
      if ((COLUMNS as readonly string[]).includes(n) && !columns.has(n as Column)) columns.set(n as Column, i);
    });
    const missing = COLUMNS.filter((c) => c !== "sent_at_local" && c !== "tz_offset" && !columns.has(c));
    if (missing.length > 0 || columns.size !== names.length) {
      throw new ImportFileError(
        `Line ${line} is not the header of a Code::Stats export (expected sent_at;sent_at_local;tz_offset;language;machine;amount).`,
      );
    }
    this.columns = columns;
  }
}

function quotesBalanced(text: string): boolean {
  let n = 0;
  for (let i = text.indexOf('"'); i >= 0; i = text.indexOf('"', i + 1)) n++;
  return n % 2 === 0;
}

/** Splits a record with quoted fields (`""` is a quote inside one); null when a quote stands where none may. */
function splitQuoted(text: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return null;
        value += text.slice(i, q);
        if (text[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(value);
      if (i === text.length) return out;
      if (text[i] !== ";") return null;
      i++;
    } else {
      const sep = text.indexOf(";", i);
      const value = sep < 0 ? text.slice(i) : text.slice(i, sep);
      if (value.includes('"')) return null;
      out.push(value);
      if (sep < 0) return out;
      i = sep + 1;
    }
  }
}
