// Retention: the sweep deletes raw pulses dated before the kept-from date in bounded batches and
// nothing else; rollups, totals, profiles and user objects stay as they were; exports stay complete.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deleteMachine } from "../../worker/db/machines";
import { countExpired, RETAINED_TABLES } from "../../worker/db/retention";
import { dateStartMs, keptFromDate, localDateOf } from "../../worker/domain/retention";
import { runRetention } from "../../worker/services/retention";
import { addMachine as addMachineRow, createUser, postPulse, profile, pulse } from "../helpers";
import { insertPulseBehindTheWorkersBack } from "../live-helpers";
import { addMachine, signedUp, userIdOf } from "../accounts/browser";

const DAY = 86_400_000;
const pulsesTable = RETAINED_TABLES.find((t) => t.name === "pulses")!;

/** Everything derived from a user's pulses that must survive the sweep unchanged. */
async function derived(userId: number) {
  const [daily, hourly, user] = await env.DB.batch([
    env.DB.prepare("SELECT machine_id, local_date, language_id, xp FROM machine_daily_xp WHERE user_id = ? ORDER BY 1, 2, 3").bind(userId),
    env.DB.prepare("SELECT machine_id, local_hour, xp FROM machine_hourly_xp WHERE user_id = ? ORDER BY 1, 2").bind(userId),
    env.DB.prepare("SELECT pulse_seq, total_xp FROM users WHERE id = ?").bind(userId),
  ]);
  return { daily: daily!.results, hourly: hourly!.results, user: user!.results };
}

async function userPulses(userId: number) {
  const { results } = await env.DB.prepare(
    "SELECT seq, coded_at AS codedAt, utc_offset AS utcOffset FROM pulses WHERE user_id = ? ORDER BY seq",
  )
    .bind(userId)
    .all<{ seq: number; codedAt: number; utcOffset: number }>();
  return results;
}

/** CSV export lines summed by (local date, machine, language). */
function sumsOf(csv: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of csv.trimEnd().split("\n").slice(1)) {
    const [, local, , language, machine, amount] = line.split(";");
    const key = `${local!.slice(0, 10)}|${machine}|${language}`;
    sums[key] = (sums[key] ?? 0) + Number(amount);
  }
  return sums;
}

describe("retention", () => {
  const now = Date.now();
  const keptFrom = keptFromDate(now, 13)!;
  const keptFromMs = dateStartMs(keptFrom);

  it("keeps 13 months by default, counted in calendar months, and nothing for 0", () => {
    expect(keptFromDate(Date.parse("2026-03-31T12:00:00Z"), 13)).toBe("2025-02-28");
    expect(keptFromDate(Date.parse("2028-03-31T12:00:00Z"), 1)).toBe("2028-02-29");
    expect(keptFromDate(Date.parse("2026-12-01T00:30:00Z"), 13)).toBe("2025-11-01");
    expect(keptFromDate(now, 0)).toBeNull();
  });

  it("deletes only pulses dated before the kept-from date, in bounded batches, and leaves rollups, totals and the profile as they were", async () => {
    const u = await createUser();
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 7 }]))).status).toBe(201);
    const old = now - 420 * DAY;
    for (let i = 0; i < 25; i++) {
      await insertPulseBehindTheWorkersBack({
        userId: u.userId,
        machineId: u.machineId,
        codedAt: old + i * 3_600_000,
        utcOffset: (i % 5) * 60 - 120,
        xps: [
          { language: i % 2 ? "Elixir" : "Rust", amount: 10 + i },
          { language: "SQL", amount: 1 },
        ],
      });
    }
    // At the boundary the local date decides: 23:00 UTC the day before at +02:00 is kept...
    await insertPulseBehindTheWorkersBack({
      userId: u.userId,
      machineId: u.machineId,
      codedAt: keptFromMs - 3_600_000,
      utcOffset: 120,
      xps: [{ language: "Kept", amount: 3 }],
    });
    // ...and 01:00 UTC on the kept-from date at -02:00 (the day before, locally) goes.
    await insertPulseBehindTheWorkersBack({
      userId: u.userId,
      machineId: u.machineId,
      codedAt: keptFromMs + 3_600_000,
      utcOffset: -120,
      xps: [{ language: "Gone", amount: 4 }],
    });
    const profileBefore = await profile(u.username);
    const before = await derived(u.userId);
    expect(profileBefore.total_xp).toBe(7 + 25 * 11 + 300 + 3 + 4);

    const first = await runRetention(env, now, { rowsPerBatch: 10, batchesPerRun: 2 });
    // DB's sweep ran out of batches inside pulses; DB_1 (the second partition, nothing expired) finished.
    expect(first).toEqual({ keptFrom, deleted: { pulses: 20, heartbeats: 0 }, complete: false });
    const second = await runRetention(env, now, { rowsPerBatch: 10, batchesPerRun: 50 });
    expect(second.complete).toBe(true);
    expect(second.deleted.pulses).toBeGreaterThanOrEqual(6);
    expect(await countExpired(env.DB, pulsesTable, keptFromMs)).toBe(0);

    const left = await userPulses(u.userId);
    expect(left.map((p) => localDateOf(p.codedAt, p.utcOffset) >= keptFrom)).toEqual([true, true]);
    expect(left.map((p) => p.seq)).toEqual([1, 27]);
    // The XP rows of deleted pulses went with them; nothing derived moved.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM xps WHERE pulse_id NOT IN (SELECT id FROM pulses)").first<number>("n")).toBe(0);
    expect(await derived(u.userId)).toEqual(before);
    expect(await profile(u.username)).toEqual(profileBefore);
    expect(await runRetention(env, now)).toEqual({ keptFrom, deleted: { pulses: 0, heartbeats: 0 }, complete: true });
  });

  it("keeps everything with 0 months, and refuses a setting that is not a whole number of months", async () => {
    const u = await createUser();
    await insertPulseBehindTheWorkersBack({
      userId: u.userId,
      machineId: u.machineId,
      codedAt: now - 500 * DAY,
      xps: [{ language: "Old", amount: 5 }],
    });
    expect(await runRetention({ ...env, RAW_RETENTION_MONTHS: "0" }, now)).toEqual({ keptFrom, deleted: {}, complete: true });
    expect(await userPulses(u.userId)).toHaveLength(1);
    await expect(runRetention({ ...env, RAW_RETENTION_MONTHS: "13 months" }, now)).rejects.toThrow(/whole number of months/);
    expect(await userPulses(u.userId)).toHaveLength(1);
    await runRetention(env, now);
    expect(await userPulses(u.userId)).toHaveLength(0);
  });

  it("sets the sweeping flag exactly inside its own delete, so delete triggers can tell it from a machine deletion", async () => {
    await env.DB.batch([
      env.DB.prepare("CREATE TABLE IF NOT EXISTS test_delete_log (pulse_id INTEGER, sweeping INTEGER)"),
      env.DB.prepare(
        "CREATE TRIGGER IF NOT EXISTS test_log_pulse_delete AFTER DELETE ON pulses BEGIN INSERT INTO test_delete_log SELECT OLD.id, sweeping FROM retention; END",
      ),
    ]);
    try {
      const u = await createUser();
      await insertPulseBehindTheWorkersBack({
        userId: u.userId,
        machineId: u.machineId,
        codedAt: now - 450 * DAY,
        xps: [{ language: "Old", amount: 5 }],
      });
      await addMachineRow(u.userId, "Spare");
      const spare = await env.DB.prepare("SELECT id FROM machines WHERE user_id = ? AND name = 'Spare'").bind(u.userId).first<number>("id");
      await insertPulseBehindTheWorkersBack({
        userId: u.userId,
        machineId: spare!,
        codedAt: now - 60_000,
        xps: [{ language: "New", amount: 2 }],
      });
      const ids = (await userPulses(u.userId)).length;
      expect(ids).toBe(2);
      await runRetention(env, now);
      expect(await deleteMachine(env.DB, u.userId, spare!)).toBe("ok");
      const { results } = await env.DB.prepare("SELECT sweeping FROM test_delete_log ORDER BY rowid").all<{ sweeping: number }>();
      expect(results.map((r) => r.sweeping)).toEqual([1, 0]);
      expect(await env.DB.prepare("SELECT sweeping FROM retention").first<number>("sweeping")).toBe(0);
    } finally {
      await env.DB.batch([env.DB.prepare("DROP TRIGGER test_log_pulse_delete"), env.DB.prepare("DROP TABLE test_delete_log")]);
    }
  });

  it("a user object that missed pulses deleted since rebuilds from the rollups instead of skipping them", async () => {
    const u = await createUser();
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201);
    expect((await profile(u.username)).total_xp).toBe(1);
    // Three old pulses the object is never told about (an import, a lost notification), then swept.
    for (let i = 0; i < 3; i++) {
      await insertPulseBehindTheWorkersBack({
        userId: u.userId,
        machineId: u.machineId,
        codedAt: now - 430 * DAY + i * DAY,
        xps: [{ language: "Perl", amount: 100 }],
      });
    }
    await runRetention(env, now);
    expect((await userPulses(u.userId)).map((p) => p.seq)).toEqual([1]);
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 2 }]))).status).toBe(201);
    const doc = await profile(u.username);
    expect(doc.total_xp).toBe(303);
    expect(doc.languages.Perl.xps).toBe(300);
    expect(Object.values(doc.dates as Record<string, number>).reduce((s, x) => s + x, 0)).toBe(303);
  });

  it("exports days before the kept-from date from the rollups (one row per day, machine and language) and later ones pulse by pulse, with the same sums", async () => {
    // A database never swept before (earlier tests moved the date): every day is exported pulse by pulse.
    await env.DB.prepare("UPDATE retention SET raw_kept_from = NULL").run();
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { machineId, token } = await addMachine(browser, "Desk");
    expect((await postPulse(token, pulse([{ language: "Go", xp: 9 }]))).status).toBe(201);
    for (let i = 0; i < 6; i++) {
      await insertPulseBehindTheWorkersBack({
        userId,
        machineId,
        codedAt: now - 440 * DAY + (i % 3) * DAY + i * 60_000,
        xps: [
          { language: "Lisp", amount: 10 },
          { language: i % 2 ? "C" : "Lisp", amount: 1 },
        ],
      });
    }
    const csvBefore = await (await browser.get("/my/export.csv")).text();
    expect(csvBefore.trimEnd().split("\n")).toHaveLength(1 + 1 + 12);
    await runRetention(env, now);
    expect(await userPulses(userId)).toHaveLength(1);

    const csv = await (await browser.get("/my/export.csv")).text();
    expect(sumsOf(csv)).toEqual(sumsOf(csvBefore));
    const lines = csv.trimEnd().split("\n");
    const day0 = localDateOf(now - 440 * DAY, 0);
    // Three days × (Lisp, C), then the recent pulse.
    expect(lines).toHaveLength(1 + 6 + 1);
    expect(lines[1]).toBe(`${day0} 00:00:00Z;${day0} 00:00:00;0;Lisp;Desk;21`);
    expect(lines.at(-1)).toMatch(/;Go;Desk;9$/);

    const json = await (await browser.get("/my/export.json")).json<any>();
    expect(json.raw_pulses_from).toBe(keptFrom);
    // Older days as pulses at local midnight marked `daily` (readers of the export take them as pulses), then the pulse.
    expect(json.pulses).toHaveLength(6 + 1);
    expect(json.pulses[0]).toEqual({
      coded_at: `${day0}T00:00:00+00:00`,
      sent_at: `${day0} 00:00:00Z`,
      tz_offset: 0,
      machine: "Desk",
      xps: [{ language: "Lisp", sent_as: "Lisp", amount: 21 }],
      daily: true,
    });
    const daily = json.pulses.filter((p: any) => p.daily);
    expect(daily).toHaveLength(6);
    expect(daily.reduce((s: number, p: any) => s + p.xps[0].amount, 0)).toBe(66);
    expect(json.pulses.at(-1).daily).toBeUndefined();
    expect(json.pulses.at(-1).xps).toEqual([{ language: "Go", sent_as: "Go", amount: 9 }]);
  });
  it("deletes old raw heartbeats and keeps the coding time they gave, while a machine deletion still takes its time back", async () => {
    const u = await createUser();
    const old = now - 420 * DAY;
    const insert = (i: number, machineId: number) =>
      env.DB.prepare(
        `INSERT INTO heartbeats (user_id, machine_id, time_ms, local_date, utc_offset, entity, type, category, language, hash, received_at)
         VALUES (?, ?, ?, date(? / 1000, 'unixepoch'), 0, 'main.go', 'file', 'coding', 'Go', ?, ?)`,
      ).bind(u.userId, machineId, old + i * 60_000, old, `retention-${u.userId}-${machineId}-${i}`, now);
    for (let i = 0; i < 10; i++) await insert(i, u.machineId).run();
    const codingTime = () =>
      env.DB.prepare("SELECT local_date, dim, name, ms FROM coding_time_daily WHERE user_id = ? AND ms != 0 ORDER BY local_date, dim, name")
        .bind(u.userId)
        .all();
    const before = (await codingTime()).results;
    expect(before.find((r) => r.dim === "total")?.ms).toBe(9 * 60_000);

    const result = await runRetention(env, now);
    expect(result.deleted.heartbeats).toBe(10);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM heartbeats WHERE user_id = ?").bind(u.userId).first<number>("n")).toBe(0);
    expect((await codingTime()).results).toEqual(before);

    // Outside the sweep the delete trigger still works: a deleted machine's recent heartbeats take their time with them.
    await addMachineRow(u.userId, "Second");
    const second = {
      machineId: (await env.DB.prepare("SELECT id FROM machines WHERE user_id = ? AND name = 'Second'")
        .bind(u.userId)
        .first<number>("id"))!,
    };
    const recent = now - 3_600_000;
    for (let i = 0; i < 3; i++) {
      await env.DB.prepare(
        `INSERT INTO heartbeats (user_id, machine_id, time_ms, local_date, utc_offset, entity, type, category, language, hash, received_at)
         VALUES (?, ?, ?, date(? / 1000, 'unixepoch'), 0, 'lib.rs', 'file', 'coding', 'Rust', ?, ?)`,
      )
        .bind(u.userId, second.machineId, recent + i * 60_000, recent, `retention-recent-${u.userId}-${i}`, now)
        .run();
    }
    const today = (await codingTime()).results.filter((r) => r.dim === "language" && r.name === "Rust");
    expect(today.reduce((sum, r) => sum + Number(r.ms), 0)).toBe(2 * 60_000);
    await deleteMachine(env.DB, u.userId, second.machineId);
    expect((await codingTime()).results).toEqual(before);
  });
});
