// This service's own JSON export (`/my/export.json`): `{"user", "exported_at", "pulses": [{coded_at,
// sent_at, tz_offset, machine, xps: [{language, sent_as, amount}]}]}`, read as a stream: each pulse is
// handed on as soon as it is complete and then dropped. Problems are placed by pulse number (1-based).
import { JSONParser } from "@streamparser/json";
import {
  checkAmount,
  checkLanguage,
  checkMachine,
  checkOffset,
  checkUtcInstant,
  ImportFileError,
  type ImportParser,
  type ImportSink,
} from "./rows";

export class PulseEdgeJsonParser implements ImportParser {
  private readonly parser = new JSONParser({ paths: ["$.pulses.*"], keepStack: false });
  private sink: ImportSink | null = null;
  private pulses = 0;

  constructor(private readonly nowMs: number) {
    this.parser.onValue = ({ value }) => this.pulse(value);
    this.parser.onError = (error) => {
      throw new ImportFileError(`The file is not valid JSON (after pulse ${this.pulses}): ${error.message}`);
    };
  }

  feed(bytes: Uint8Array, sink: ImportSink): void {
    this.sink = sink;
    try {
      this.parser.write(bytes);
    } catch (error) {
      throw error instanceof ImportFileError ? error : new ImportFileError(`The file is not valid JSON (after pulse ${this.pulses}).`);
    }
  }

  finish(sink: ImportSink): void {
    this.sink = sink;
    if (!this.parser.isEnded) {
      try {
        this.parser.end();
      } catch {
        throw new ImportFileError(`The file ends before its JSON does (after pulse ${this.pulses}).`);
      }
    }
  }

  buffered(): number {
    return 0; // the tokenizer keeps only the token it is in; pulses are dropped once handed on
  }

  private pulse(value: unknown): void {
    const at = ++this.pulses;
    const sink = this.sink!;
    const p = (value ?? {}) as Record<string, unknown>;
    const machine = checkMachine(p.machine);
    const sentAt = checkUtcInstant(p.sent_at, this.nowMs);
    const offset = checkOffset(p.tz_offset);
    const pulse = machine.ok && sentAt.ok ? { machine: machine.value, sentAtMs: sentAt.value } : undefined;
    const head = [machine, sentAt, offset].find((c) => !c.ok);
    if (head && !head.ok) {
      sink.problem({ at, message: head.message, ...(pulse ? { pulse } : {}) });
      return;
    }
    if (!Array.isArray(p.xps)) {
      sink.problem({ at, message: "xps is not a list", pulse });
      return;
    }
    const rows = [];
    for (const x of p.xps as Record<string, unknown>[]) {
      const language = checkLanguage(x?.sent_as ?? x?.language);
      const amount = checkAmount(x?.amount);
      const bad = [language, amount].find((c) => !c.ok);
      if (bad && !bad.ok) {
        sink.problem({ at, message: bad.message, pulse });
        return;
      }
      rows.push({ language: language.ok ? language.value : "", amount: amount.ok ? amount.value : 0 });
    }
    // A pulse without XP rows (the export lists them) has nothing to import.
    for (const r of rows)
      sink.row({ at, machine: pulse!.machine, sentAtMs: pulse!.sentAtMs, utcOffset: offset.ok ? offset.value : 0, ...r });
  }
}
