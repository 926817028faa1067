// Importing WakaTime's heartbeats data dump: its heartbeats go through the live heartbeat write
// (dedupe by hash, coding time, XP slots), so the same dump twice, or a dump of heartbeats that also
// arrived live, adds nothing; a bad heartbeat is reported by its number; a large dump is streamed.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { IMPORT_CHUNK_BYTES } from "../../worker/domain/import/progress";
import { count, profile } from "../helpers";
import { addMachine, signedUp, userIdOf } from "../accounts/browser";
import { hb, postHeartbeats } from "../wakatime/wk-helpers";
import { beginUpload, importFile, putChunk, startJob, uploadAndStart, waitForEnd, waitForRetry } from "./import-helpers";

const MACHINE_A = "5f0e2c1a-77b4-4c3e-9d8e-0a1b2c3d4e5f";
const MACHINE_B = "a1b2c3d4-0000-4111-8222-333344445555";
/** 2023-03-14 10:00:00 UTC: a slot boundary, and older than the live API's 366 days. */
const T0 = Date.UTC(2023, 2, 14, 10) / 1000;

/** A heartbeat as WakaTime's dump writes it (ids, created_at, the opaque machine and user-agent ids). */
function dumpHeartbeat(time: number, machine: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: crypto.randomUUID(),
    user_id: "0d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6",
    branch: "main",
    category: "coding",
    created_at: new Date(time * 1000 + 5_000).toISOString(),
    cursorpos: 120,
    dependencies: ["react"],
    entity: "/home/me/pulse/src/app.ts",
    is_write: false,
    language: "TypeScript",
    lineno: 12,
    lines: 240,
    machine_name_id: machine,
    project: "pulse",
    time,
    type: "file",
    user_agent_id: "9e8d7c6b-5a49-4382-a716-151413121110",
    ...extra,
  };
}

function dump(days: { date: string; heartbeats: unknown[] }[]): string {
  return JSON.stringify({
    user: { id: "0d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6", username: "someone", display_name: "Some One", timezone: "UTC" },
    range: { start: T0 - 86_400, end: T0 + 2 * 86_400 },
    days,
  });
}

/** Two machines, an empty day, a browsing heartbeat without language, a second day on machine A. */
const SMALL = dump([
  { date: "2023-03-13", heartbeats: [] },
  {
    date: "2023-03-14",
    heartbeats: [
      dumpHeartbeat(T0, MACHINE_A), // slot 10:00, TypeScript, A
      dumpHeartbeat(T0 + 10, MACHINE_B, { language: "Python", entity: "/home/me/tool/run.py", project: "tool" }), // slot 10:00, Python, B
      dumpHeartbeat(T0 + 30, MACHINE_A, { is_write: true }), // slot 10:00 again
      dumpHeartbeat(T0 + 60, MACHINE_A),
      dumpHeartbeat(T0 + 150, MACHINE_A), // slot 10:02
      dumpHeartbeat(T0 + 200, MACHINE_A, { type: "domain", entity: "developer.mozilla.org", category: "browsing", language: null }),
    ],
  },
  { date: "2023-03-15", heartbeats: [dumpHeartbeat(T0 + 86_400 - 3_600, MACHINE_A, { language: "Go", entity: "/home/me/pulse/main.go" })] },
]);

async function codingMs(userId: number, date: string, dim = "total"): Promise<number> {
  return (
    (await env.DB.prepare("SELECT coalesce(SUM(ms), 0) AS ms FROM coding_time_daily WHERE user_id = ? AND local_date = ? AND dim = ?")
      .bind(userId, date, dim)
      .first<number>("ms")) ?? 0
  );
}

describe("import of a WakaTime heartbeats dump", () => {
  it("stores every heartbeat with its coding time and XP slots, on one machine per dump machine; the same dump again adds nothing", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const status = await importFile(browser, SMALL, "wakatime-heartbeats.json");
    expect(status).toMatchObject({
      phase: "done",
      format: "wakatime-dump",
      kind: "heartbeats",
      unit: "heartbeat",
      rowsRead: 7,
      heartbeatsTotal: 7,
      heartbeatsAdded: 7,
      heartbeatsPresent: 0,
      pulsesAdded: 4, // A/TypeScript 10:00 and 10:02, B/Python 10:00, A/Go on the 15th
      machinesCreated: 2,
      problemCount: 0,
      percent: 100,
    });
    expect(await count("heartbeats", "user_id = ?", userId)).toBe(7);
    const p = await profile(username);
    expect(p.total_xp).toBe(240);
    expect(Object.keys(p.machines).sort()).toEqual(["WakaTime 5f0e2c1a", "WakaTime a1b2c3d4"]);
    expect(p.machines["WakaTime 5f0e2c1a"].xps).toBe(180);
    expect(p.languages.TypeScript.xps).toBe(120);
    expect(p.languages.Python.xps).toBe(60);
    expect(p.languages.Go.xps).toBe(60);
    expect(p.dates).toEqual({ "2023-03-14": 180, "2023-03-15": 60 });
    // Coding time by WakaTime's rule: gaps to the next heartbeat (any machine) within 15 minutes: 10+20+30+90+50 s.
    expect(await codingMs(userId, "2023-03-14")).toBe(200_000);
    expect(await codingMs(userId, "2023-03-15")).toBe(0);
    expect(await codingMs(userId, "2023-03-14", "category")).toBe(200_000);
    // The machines were created without a token (no key can write to them until one is issued).
    const hashes = await env.DB.prepare("SELECT token_hash FROM machines WHERE user_id = ?").bind(userId).all<{ token_hash: string }>();
    expect(hashes.results.every((r) => r.token_hash.startsWith("untokened:"))).toBe(true);

    const again = await importFile(browser, SMALL, "wakatime-heartbeats.json");
    expect(again).toMatchObject({ phase: "done", heartbeatsAdded: 0, heartbeatsPresent: 7, pulsesAdded: 0, machinesCreated: 0 });
    expect(await count("heartbeats", "user_id = ?", userId)).toBe(7);
    expect((await profile(username)).total_xp).toBe(240);
    expect(await codingMs(userId, "2023-03-14")).toBe(200_000);
  });

  it("heartbeats that also arrived live are not counted again, though the dump names another machine", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { token } = await addMachine(browser, "Laptop");
    const t = Math.floor(Date.now() / 86_400_000) * 86_400 - 12 * 3_600; // yesterday 12:00 UTC: a slot boundary
    const live = [hb(t), hb(t + 60, { is_write: true })];
    expect((await postHeartbeats(token, live)).status).toBe(201);
    expect((await profile(username)).total_xp).toBe(60);
    const date = new Date(t * 1000).toISOString().slice(0, 10);
    const overlapping = dump([
      {
        date,
        heartbeats: [
          // The same heartbeats as WakaTime kept them, plus one the live API never saw.
          dumpHeartbeat(t, MACHINE_A, { entity: live[0]!.entity, project: "pulse", branch: null, dependencies: [] }),
          dumpHeartbeat(t + 60, MACHINE_A, { entity: live[1]!.entity, project: "pulse", branch: null, is_write: true }),
          dumpHeartbeat(t + 300, MACHINE_A, { entity: live[0]!.entity, project: "pulse", branch: null }),
        ],
      },
    ]);
    const status = await importFile(browser, overlapping, "heartbeats.json");
    expect(status).toMatchObject({ phase: "done", heartbeatsAdded: 1, heartbeatsPresent: 2, pulsesAdded: 1, machinesCreated: 1 });
    expect(await count("heartbeats", "user_id = ?", userId)).toBe(3);
    const p = await profile(username);
    expect(p.total_xp).toBe(120); // the live slot once, the new heartbeat's slot (t + 300 s) once
    expect(p.machines).toMatchObject({ Laptop: { xps: 60 }, "WakaTime 5f0e2c1a": { xps: 60 } });
    // Coding time as if all three had arrived live: 60 s, then 240 s to the new one.
    expect(await codingMs(userId, date)).toBe(300_000);
  });

  it("reports a malformed heartbeat by its number and writes none of it; the rest is imported", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const file = dump([
      {
        date: "2023-03-14",
        heartbeats: [
          dumpHeartbeat(T0, MACHINE_A),
          dumpHeartbeat(T0 + 20, MACHINE_A, { entity: "" }),
          dumpHeartbeat(T0 + 40, MACHINE_A, { time: "soon", language: "Rust" }),
        ],
      },
      {
        date: "2023-03-15",
        heartbeats: [
          "not a heartbeat",
          dumpHeartbeat(T0 + 86_400, MACHINE_A, { type: "spaceship" }),
          dumpHeartbeat(T0 + 86_460, MACHINE_A),
        ],
      },
    ]);
    const status = await importFile(browser, file, "heartbeats.json");
    expect(status.problems).toEqual([
      { at: 2, message: "entity is required" },
      { at: 3, message: "time must be a Unix epoch in seconds" },
      { at: 4, message: "a heartbeat must be an object" },
      { at: 5, message: "type must be one of file, domain, app, url" },
    ]);
    expect(status).toMatchObject({ phase: "done", problemCount: 4, heartbeatsAdded: 2, pulsesAdded: 2 });
    expect(await count("heartbeats", "user_id = ?", userId)).toBe(2);
    expect(await count("heartbeats", "user_id = ? AND language = 'Rust'", userId)).toBe(0);
    expect((await profile(username)).total_xp).toBe(120);
  });

  it("refuses a dump whose JSON breaks off, as a whole: no machine, heartbeat or XP is written", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const status = await importFile(browser, SMALL.slice(0, SMALL.length - 40), "heartbeats.json");
    expect(status.phase).toBe("failed");
    expect(status.error).toMatch(/^The file ends before its JSON does \(after heartbeat \d\)/);
    expect(await count("machines", "user_id = ?", userId)).toBe(0);
    expect(await count("heartbeats", "user_id = ?", userId)).toBe(0);
    expect(await count("pulses", "user_id = ?", userId)).toBe(0);
  });

  it("says so when a WakaTime export holds no heartbeats (a daily summaries export)", async () => {
    const { browser } = await signedUp();
    const summaries = dump([{ date: "2023-03-14", grand_total: { total_seconds: 3600 } } as never]);
    const status = await importFile(browser, summaries, "summaries.json");
    expect(status).toMatchObject({ phase: "failed", format: "wakatime-dump", heartbeatsAdded: 0 });
    expect(status.error).toMatch(/^This WakaTime export holds no heartbeats/);
  });

  it("a D1 failure mid-import is retried; the import then ends with every heartbeat and XP slot booked once", {
    timeout: 120_000,
  }, async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    // 3,000 heartbeats 20 s apart from 01:00 in one language (three write steps); every sixth starts a new 2-minute slot.
    const start = T0 - 9 * 3_600;
    const heartbeats = Array.from({ length: 3_000 }, (_, i) => dumpHeartbeat(start + i * 20, MACHINE_A));
    const failFrom = (start + 1_500 * 20) * 1000; // inside the second step
    await env.DB.prepare(
      `CREATE TRIGGER hb_import_fault_${userId} BEFORE INSERT ON heartbeats WHEN NEW.user_id = ${userId} AND NEW.time_ms >= ${failFrom}
       BEGIN SELECT RAISE(ABORT, 'injected heartbeat fault'); END`,
    ).run();
    await uploadAndStart(browser, dump([{ date: "2023-03-14", heartbeats }]), "heartbeats.json");
    const status = await waitForRetry(browser);
    expect(status.retrying).toContain("injected heartbeat fault");
    expect(status.phase).toBe("writing");
    // Only whole steps were written: the first 1,000 heartbeats and their slots, nothing of the failed one.
    expect(await count("heartbeats", "user_id = ?", userId)).toBe(1_000);
    expect(await count("pulses", "user_id = ?", userId)).toBe(167);

    await env.DB.prepare(`DROP TRIGGER hb_import_fault_${userId}`).run();
    const end = (await waitForEnd(browser)).at(-1)!;
    expect(end).toMatchObject({ phase: "done", heartbeatsAdded: 3_000, heartbeatsPresent: 0, pulsesAdded: 500, retrying: null });
    expect(await count("heartbeats", "user_id = ?", userId)).toBe(3_000);
    expect((await profile(username)).total_xp).toBe(500 * 60);
    expect(await codingMs(userId, "2023-03-14")).toBe(2_999 * 20_000);
  });

  it("uses the user's zone for local days", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    await env.DB.prepare("INSERT INTO coding_time_settings (user_id, timeout_minutes, time_zone, show_projects) VALUES (?, 15, ?, 0)")
      .bind(userId, "Asia/Tokyo")
      .run();
    const late = Date.UTC(2023, 2, 14, 15, 30) / 1000; // 00:30 on the 15th in Tokyo
    await importFile(
      browser,
      dump([{ date: "2023-03-14", heartbeats: [dumpHeartbeat(late, MACHINE_A), dumpHeartbeat(late + 60, MACHINE_A)] }]),
    );
    expect(await codingMs(userId, "2023-03-15")).toBe(60_000);
    expect((await profile(username)).dates).toEqual({ "2023-03-15": 60 });
  });
});

/** 100 days of 2,000 heartbeats 30 s apart from 06:00 UTC (to 22:39:30, the same day): 200,000 heartbeats, about 40 MB. */
const BIG_DAYS = 100;
const PER_DAY = 2_000;
const BIG_START = Date.UTC(2022, 0, 3, 6) / 1000;

function* bigDump(): Generator<string> {
  yield '{"user":{"id":"u","username":"big"},"range":{"start":0,"end":0},"days":[';
  for (let d = 0; d < BIG_DAYS; d++) {
    const day = BIG_START + d * 86_400;
    let text = `${d > 0 ? "," : ""}{"date":"${new Date(day * 1000).toISOString().slice(0, 10)}","heartbeats":[`;
    for (let i = 0; i < PER_DAY; i++) {
      const time = day + i * 30;
      text += `${i > 0 ? "," : ""}{"id":"${d}-${i}","entity":"/src/f${i % 50}.ts","type":"file","category":"coding","time":${time}.25,"project":"big","language":"${i % 2 ? "TypeScript" : "Go"}","is_write":${i % 10 === 0},"machine_name_id":"${MACHINE_A}","user_agent_id":"ua"}`;
    }
    yield `${text}]}`;
  }
  yield "]}";
}

describe("import of a large WakaTime dump", () => {
  it("streams 200,000 heartbeats in bounded steps and books each once", { timeout: 900_000 }, async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const encoder = new TextEncoder();
    let size = 0;
    for (const part of bigDump()) size += encoder.encode(part).byteLength;
    const job = await beginUpload(browser, size, "heartbeats.json");
    let pending = new Uint8Array(0);
    let n = 0;
    const send = async (bytes: Uint8Array) => expect((await putChunk(browser, job.id, n++, bytes)).status).toBe(200);
    for (const part of bigDump()) {
      const bytes = encoder.encode(part);
      const joined = new Uint8Array(pending.byteLength + bytes.byteLength);
      joined.set(pending);
      joined.set(bytes, pending.byteLength);
      pending = joined;
      while (pending.byteLength >= IMPORT_CHUNK_BYTES) {
        await send(pending.slice(0, IMPORT_CHUNK_BYTES));
        pending = pending.slice(IMPORT_CHUNK_BYTES);
      }
    }
    if (pending.byteLength > 0) await send(pending);
    expect(size).toBeGreaterThan(20 * IMPORT_CHUNK_BYTES);
    expect((await startJob(browser, job.id)).status).toBe(202);
    const seen = await waitForEnd(browser, 840_000);
    const status = seen.at(-1)!;
    const total = BIG_DAYS * PER_DAY;
    expect(status).toMatchObject({ phase: "done", rowsRead: total, heartbeatsAdded: total, problemCount: 0 });
    expect(seen.filter((s) => s.phase === "writing").length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.percent).toBeGreaterThanOrEqual(seen[i - 1]!.percent);
    // Streaming: the object held one chunk of the file at a time, never the file.
    expect(await env.IMPORT_JOB.getByName(String(userId)).peakBuffered()).toBeLessThanOrEqual(IMPORT_CHUNK_BYTES);

    expect(await count("heartbeats", "user_id = ?", userId)).toBe(total);
    // Four heartbeats per 2-minute slot, Go and TypeScript alternating: every slot is claimed by both languages.
    const slotsPerDay = ((PER_DAY * 30) / 120) * 2;
    expect(status.pulsesAdded).toBe(BIG_DAYS * slotsPerDay);
    expect((await profile(username)).total_xp).toBe(BIG_DAYS * slotsPerDay * 60);
    const coding = await env.DB.prepare("SELECT SUM(ms) AS ms FROM coding_time_daily WHERE user_id = ? AND dim = 'total'")
      .bind(userId)
      .first<number>("ms");
    expect(coding).toBe(BIG_DAYS * (PER_DAY - 1) * 30_000);
  });
});
