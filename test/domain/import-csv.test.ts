// The pulses.csv reader on its own: any chunk split gives the same rows, quoting, line ends, problems.
import { describe, expect, it } from "vitest";
import { CodestatsCsvParser } from "../../worker/domain/import/codestats-csv";
import { ImportFileError, type ImportProblem, type ImportRow } from "../../worker/domain/import/rows";

const NOW = Date.UTC(2026, 0, 1);

function read(bytes: Uint8Array, splitEvery: number): { rows: ImportRow[]; problems: ImportProblem[] } {
  const parser = new CodestatsCsvParser(NOW);
  const rows: ImportRow[] = [];
  const problems: ImportProblem[] = [];
  const sink = {
    row: (r: ImportRow) => rows.push(r),
    heartbeat: () => expect.unreachable("a pulses.csv has no heartbeats"),
    problem: (p: ImportProblem) => problems.push(p),
  };
  for (let i = 0; i < bytes.length; i += splitEvery) parser.feed(bytes.subarray(i, i + splitEvery), sink);
  parser.finish(sink);
  return { rows, problems };
}

const FILE =
  "\uFEFFsent_at;sent_at_local;tz_offset;language;machine;amount\r\n" +
  "2017-11-27 23:00:00Z;2017-11-28 00:00:00;60;elixir;test_machine;1\r\n" +
  '2017-11-27 23:00:00Z;2017-11-28 00:00:00;60;"Ünïcødé ""quoted""";"Desk; ""A""";2\n' +
  '2017-11-27 23:00:00Z;2017-11-28 00:00:00;60;Go;"two\nlines";2\n' + // lines 4-5: a quoted line break (not a valid name)
  "2016-05-01 10:00:00;;;Go;old;3\n" + // pre-2017 rows: no offset, no Z
  "2016-05-01 10:00:00Z;2016-05-01 12:30:00;;Go;old;4\n" + // offset from local time
  "2030-01-01 00:00:00Z;2030-01-01 00:00:00;0;Go;old;5\n" +
  "\n";

describe("Code::Stats CSV reader", () => {
  it("gives the same rows and problems for every way the bytes are split", () => {
    const bytes = new TextEncoder().encode(FILE);
    const whole = read(bytes, bytes.length);
    expect(whole.rows).toEqual([
      { at: 2, machine: "test_machine", sentAtMs: Date.UTC(2017, 10, 27, 23), utcOffset: 60, language: "elixir", amount: 1 },
      { at: 3, machine: 'Desk; "A"', sentAtMs: Date.UTC(2017, 10, 27, 23), utcOffset: 60, language: 'Ünïcødé "quoted"', amount: 2 },
      { at: 6, machine: "old", sentAtMs: Date.UTC(2016, 4, 1, 10), utcOffset: 0, language: "Go", amount: 3 },
      { at: 7, machine: "old", sentAtMs: Date.UTC(2016, 4, 1, 10), utcOffset: 150, language: "Go", amount: 4 },
    ]);
    expect(whole.problems).toEqual([
      { at: 4, message: "machine name must be plain text" },
      { at: 8, message: "sent_at is in the future" },
    ]);
    for (const split of [1, 2, 3, 7, 64]) expect(read(bytes, split)).toEqual(whole);
  });

  it("refuses a file without the header, or that is not UTF-8", () => {
    expect(() => read(new TextEncoder().encode("a;b\n1;2\n"), 100)).toThrow(ImportFileError);
    expect(() => read(new Uint8Array([0x73, 0x65, 0xff, 0x0a]), 100)).toThrow(ImportFileError);
    expect(() => read(new Uint8Array(0), 100)).toThrow(/empty/);
  });

  it("reports an unclosed quote once and an over-long line once, and reads on", () => {
    const long = "x".repeat(20_000);
    const text = `sent_at;sent_at_local;tz_offset;language;machine;amount\n${long}\n2020-01-01 00:00:00Z;;0;Go;m;1\n"open;;;;;\n`;
    const { rows, problems } = read(new TextEncoder().encode(text), 4096);
    expect(rows.map((r) => r.at)).toEqual([3]);
    expect(problems).toEqual([
      { at: 2, message: "the line is longer than 16384 characters" },
      { at: 4, message: "a quoted field is never closed" },
    ]);
  });
});
