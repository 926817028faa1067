// Importing the original's pulses.csv: exact format, local dates from tz_offset, idempotency, problems.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { count, profile } from "../helpers";
import { addMachine, signedUp, userIdOf } from "../accounts/browser";
import { importFile } from "./import-helpers";

const HEADER = "sent_at;sent_at_local;tz_offset;language;machine;amount\n";

describe("import of a Code::Stats pulses.csv", () => {
  it("reads the original's exact rows (Z suffix, local times), groups them into pulses, books local dates from tz_offset", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const csv =
      HEADER +
      // One pulse of two rows, local midnight in UTC+01:00 = 23:00Z the day before; rows are not adjacent.
      "2017-11-27 23:00:00Z;2017-11-28 00:00:00;60;elixir;test_machine;1\n" +
      "2018-03-01 12:30:15Z;2018-03-01 07:30:15;-300;JavaScript;other box;25\n" +
      "2017-11-27 23:00:00Z;2017-11-28 00:00:00;60;Markdown;test_machine;4\n" +
      '2018-03-01 12:30:15Z;2018-03-01 07:30:15;-300;"Semi;colon";other box;5\n';
    const status = await importFile(browser, csv);
    expect(status).toMatchObject({
      phase: "done",
      format: "codestats-csv",
      rowsRead: 4,
      pulsesTotal: 2,
      pulsesAdded: 2,
      pulsesPresent: 0,
      problemCount: 0,
      machinesCreated: 2,
      percent: 100,
    });

    const pulses = await env.DB.prepare(
      "SELECT seq, coded_at AS codedAt, utc_offset AS utcOffset, xp FROM pulses WHERE user_id = ? ORDER BY seq",
    )
      .bind(userId)
      .all();
    expect(pulses.results).toEqual([
      { seq: 1, codedAt: Date.UTC(2017, 10, 27, 23), utcOffset: 60, xp: 5 },
      { seq: 2, codedAt: Date.UTC(2018, 2, 1, 12, 30, 15), utcOffset: -300, xp: 30 },
    ]);
    const days = await env.DB.prepare(
      "SELECT d.local_date AS date, l.name AS language, d.xp FROM machine_daily_xp d JOIN languages l ON l.id = d.language_id WHERE d.user_id = ? ORDER BY date, language",
    )
      .bind(userId)
      .all();
    expect(days.results).toEqual([
      { date: "2017-11-28", language: "Markdown", xp: 4 }, // SQLite orders by bytes: capitals first
      { date: "2017-11-28", language: "elixir", xp: 1 },
      { date: "2018-03-01", language: "JavaScript", xp: 25 },
      { date: "2018-03-01", language: "Semi;colon", xp: 5 },
    ]);
    const hours = await env.DB.prepare(
      "SELECT local_hour AS hour, SUM(xp) AS xp FROM machine_hourly_xp WHERE user_id = ? GROUP BY local_hour ORDER BY hour",
    )
      .bind(userId)
      .all();
    expect(hours.results).toEqual([
      { hour: 0, xp: 5 },
      { hour: 7, xp: 30 },
    ]);

    // Machines were created by name, without a token; the live object was rebuilt.
    const machines = await env.DB.prepare("SELECT name, active, token_hash AS tokenHash FROM machines WHERE user_id = ? ORDER BY name")
      .bind(userId)
      .all<any>();
    expect(machines.results.map((m) => [m.name, m.active, m.tokenHash.startsWith("untokened:")])).toEqual([
      ["other box", 1, true],
      ["test_machine", 1, true],
    ]);
    const doc = await profile(username);
    expect(doc.total_xp).toBe(35);
    expect(doc.new_xp).toBe(0);
    expect(doc.machines).toMatchObject({ test_machine: { xps: 5 }, "other box": { xps: 30 } });
    expect(doc.dates).toEqual({ "2017-11-28": 5, "2018-03-01": 30 });
  });

  it("books onto a machine the user already has, and the same file twice adds nothing; a newer export adds only the new", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    await addMachine(browser, "Laptop");
    const older =
      HEADER + "2020-01-01 10:00:00Z;2020-01-01 11:00:00;60;Go;Laptop;10\n2020-01-02 10:00:00Z;2020-01-02 11:00:00;60;Go;Laptop;20\n";
    const first = await importFile(browser, older);
    expect(first).toMatchObject({ phase: "done", pulsesAdded: 2, machinesCreated: 0 });
    expect(await count("machines", "user_id = ?", userId)).toBe(1);

    const again = await importFile(browser, older);
    expect(again).toMatchObject({ phase: "done", pulsesAdded: 0, pulsesPresent: 2 });

    const newer = older + "2020-01-03 10:00:00Z;2020-01-03 11:00:00;60;Rust;Laptop;7\n";
    expect(await importFile(browser, newer)).toMatchObject({ phase: "done", pulsesAdded: 1, pulsesPresent: 2 });
    expect(await count("pulses", "user_id = ?", userId)).toBe(3);
    expect((await profile(username)).total_xp).toBe(37);
    const seqs = await env.DB.prepare("SELECT seq FROM pulses WHERE user_id = ? ORDER BY seq").bind(userId).all<{ seq: number }>();
    expect(seqs.results.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it("reports a malformed row with its line number and skips its whole pulse; nothing of that pulse is written", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const csv =
      HEADER +
      "2021-05-01 08:00:00Z;2021-05-01 10:00:00;120;Python;desk;3\n" + // line 2: fine
      "2021-05-01 09:00:00Z;2021-05-01 11:00:00;120;Python;desk;12\n" + // line 3: same pulse as line 5
      "not a date;2021-05-01 11:00:00;120;Python;desk;1\n" + // line 4: no instant
      "2021-05-01 09:00:00Z;2021-05-01 11:00:00;120;Ruby;desk;-4\n" + // line 5: bad amount: the pulse of lines 3 and 5 is skipped
      "2021-05-01 10:00:00Z;2021-05-01 12:00:00;120;Python;desk\n"; // line 6: a field short
    const status = await importFile(browser, csv);
    expect(status.phase).toBe("done");
    expect(status.problems).toEqual([
      { at: 4, message: 'sent_at "not a date" is not a timestamp like 2017-11-27 23:00:00Z' },
      { at: 5, message: 'amount "-4" is not a whole number of XP' },
      { at: 6, message: 'expected 6 fields separated by ";", found 5' },
    ]);
    expect(status).toMatchObject({ problemCount: 3, rowsInBadPulses: 1, pulsesAdded: 1, unit: "line" });
    const rows = await env.DB.prepare(
      "SELECT p.coded_at AS codedAt, x.amount FROM pulses p JOIN xps x ON x.pulse_id = p.id WHERE p.user_id = ?",
    )
      .bind(userId)
      .all();
    expect(rows.results).toEqual([{ codedAt: Date.UTC(2021, 4, 1, 8), amount: 3 }]);
    expect((await profile(username)).total_xp).toBe(3);
  });

  it("creates many machines at once (more than one statement's worth), with columns in any order", async () => {
    const { browser, username } = await signedUp();
    let csv = "machine;amount;language;tz_offset;sent_at_local;sent_at\n";
    for (let i = 0; i < 60; i++) csv += `box ${i};${i + 1};Go;0;2020-01-01 10:00:00;2020-01-01 10:00:00Z\n`;
    expect(await importFile(browser, csv)).toMatchObject({ phase: "done", pulsesAdded: 60, machinesCreated: 60 });
    expect(await count("machines", "user_id = ?", await userIdOf(username))).toBe(60);
    expect((await profile(username)).total_xp).toBe((60 * 61) / 2);
  });

  it("skips, and reports, a 'pulse' of more rows than any pulse can have; writes pulses of 1,000 rows in bounded steps", async () => {
    const { browser, username } = await signedUp();
    let csv = HEADER;
    for (let i = 0; i < 1_001; i++) csv += `2020-02-02 10:00:00Z;;0;L${i};box;1\n`; // lines 2-1002: one machine, one second
    for (let p = 0; p < 25; p++) for (let i = 0; i < 1_000; i++) csv += `2020-02-03 10:00:${String(p).padStart(2, "0")}Z;;0;L${i};box;2\n`;
    const status = await importFile(browser, csv);
    expect(status.problems).toEqual([{ at: 2, message: "1001 rows share one machine and second, more than one pulse can hold (1000)" }]);
    expect(status).toMatchObject({ phase: "done", pulsesAdded: 25, rowsInBadPulses: 1_001, rowsDone: 25_000 });
    expect((await profile(username)).total_xp).toBe(50_000);
  });

  it("refuses a file that is not an export at all, writing nothing", async () => {
    const { browser, username } = await signedUp();
    const status = await importFile(browser, "hello;world\n1;2\n");
    expect(status).toMatchObject({
      phase: "failed",
      error: "This is neither a Code::Stats pulses.csv, a WakaTime heartbeats data dump nor a Pulse Edge JSON export.",
    });
    expect(await count("machines", "user_id = ?", await userIdOf(username))).toBe(0);
  });
});
