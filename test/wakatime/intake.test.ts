// The set-wise heartbeat write (migrations/0013_heartbeat_intake.sql): coding time against the reference
// computation for batches that interleave with stored heartbeats, ties, duplicates, local midnights
// and shared round trips; rows inserted straight into the table; atomicity; the key check it carries.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMachine, count, createUser } from "../helpers";
import { codingTimeByDay } from "../../worker/domain/coding-time";
import { xpSlots } from "../../worker/domain/heartbeat-xp";
import { hashToken } from "../../worker/domain/token";
import { recordHeartbeats, saveSettings, timed, type HeartbeatToStore } from "../../worker/db/heartbeats";
import type { HeartbeatRow } from "../../worker/db/schema";
import { codingTimeCells as cells, hb, postHeartbeats } from "./wk-helpers";

/** The reference computation over the user's stored heartbeats, in the shape of `cells`. */
async function reference(userId: number, timeoutMinutes = 15) {
  const { results } = await env.DB.prepare(
    `SELECT id, machine_id AS machineId, time_ms AS timeMs, local_date AS localDate, category, language, project, editor,
       operating_system AS operatingSystem FROM heartbeats WHERE user_id = ?`,
  )
    .bind(userId)
    .all<HeartbeatRow>();
  const flat = [...codingTimeByDay(results.map(timed), timeoutMinutes)].flatMap(([local_date, day]) =>
    [...day].flatMap(([dim, names]) => [...names].filter(([, ms]) => ms !== 0).map(([name, ms]) => ({ local_date, dim, name, ms }))),
  );
  const key = (c: { local_date: string; dim: string; name: string }) => `${c.local_date}\u0000${c.dim}\u0000${c.name}`;
  return flat.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const intakeRows = () => count("heartbeat_intake");

describe("set-wise coding time", () => {
  it("equals the reference for random batches that interleave with stored heartbeats, with ties, duplicates and midnights", async () => {
    const rnd = random(13);
    for (const timeout of [15, 4]) {
      const u = await createUser();
      const second = await addMachine(u.userId, "Desk");
      if (timeout !== 15) await saveSettings(env.DB, { userId: u.userId, timeoutMinutes: timeout, timeZone: null, showProjects: false });
      // 60 heartbeats over about 20 hours two days back: gaps of 0 (ties) to 20 minutes, so some exceed the timeout.
      let t = Math.floor(Date.now() / 1000) - 2 * 86_400 - 20 * 3_600;
      const all = Array.from({ length: 60 }, (_, i) => {
        t += rnd() < 0.15 ? 0 : Math.floor(rnd() * 1_200);
        return hb(t, {
          entity: `f${i}`,
          language: ["Go", "Rust", "TypeScript"][Math.floor(rnd() * 3)],
          project: rnd() < 0.5 ? "a" : "b",
          category: rnd() < 0.8 ? "coding" : "debugging",
        });
      });
      const order = all.map((_, i) => i).sort(() => rnd() - 0.5);
      for (let i = 0; i < order.length; ) {
        const size = 1 + Math.floor(rnd() * 12);
        const batch = order.slice(i, i + size).map((k) => all[k]);
        if (rnd() < 0.4) batch.push(all[order[Math.floor(rnd() * (i + 1))]!]); // a re-sent one, maybe in this very batch
        // Local days in two zones (the request's Timezone header), from either machine.
        const zone = rnd() < 0.5 ? "Asia/Kolkata" : "America/New_York";
        const res = await postHeartbeats(rnd() < 0.5 ? u.token : second, batch, { headers: { timezone: zone } });
        expect(res.status).toBe(201);
        i += size;
      }
      expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(60);
      expect(await cells(u.userId)).toEqual(await reference(u.userId, timeout));
    }
    expect(await intakeRows()).toBe(0);
  });

  it("books the reference time when several requests of one user share a round trip", async () => {
    const u = await createUser();
    const desk = await addMachine(u.userId, "Desk");
    const tokens = [await hashToken(u.token), await hashToken(desk)];
    const base = Date.now() - 86_400_000;
    const share = { keepAlive: () => undefined };
    // Three writes at once through the group commit: the first goes alone, the next two share a batch.
    const writes = [0, 1, 2].map((k) => {
      const heartbeats: HeartbeatToStore[] = Array.from({ length: 5 }, (_, j) =>
        storable(base + (j * 3 + k) * 60_000, `w${k}-${j}`, ["Go", "Rust", "Zig"][k]!),
      );
      return recordHeartbeats(env.DB, {
        tokenHash: tokens[k % 2]!,
        heartbeats,
        slots: xpSlots(heartbeats),
        receivedAt: Date.now(),
        languagesKnown: false,
        share,
      });
    });
    for (const outcome of await Promise.all(writes)) expect(outcome.status).toBe("written");
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(15);
    expect(await cells(u.userId)).toEqual(await reference(u.userId));
    expect(await intakeRows()).toBe(0);
  });

  it("books a heartbeat inserted straight into the table as the API would", async () => {
    const u = await createUser();
    const t = Math.floor(Date.now() / 86_400_000) * 86_400 - 12 * 3_600; // yesterday's noon, UTC
    await postHeartbeats(u.token, [hb(t), hb(t + 300, { entity: "b" }), hb(t + 900, { entity: "c" })]);
    // One between two stored ones, one before all, one after all, in one multi-row statement.
    await env.DB.prepare(
      `INSERT INTO heartbeats (user_id, machine_id, time_ms, local_date, utc_offset, entity, type, category, language, hash, received_at)
       VALUES (?1, ?2, ?3, date(?3 / 1000, 'unixepoch'), 0, 'x', 'file', 'coding', 'Go', 'direct-1', 0),
              (?1, ?2, ?4, date(?4 / 1000, 'unixepoch'), 0, 'y', 'file', 'coding', 'Rust', 'direct-2', 0),
              (?1, ?2, ?5, date(?5 / 1000, 'unixepoch'), 0, 'z', 'file', 'coding', 'Zig', 'direct-3', 0)`,
    )
      .bind(u.userId, u.machineId, (t + 600) * 1000, (t - 120) * 1000, (t + 1_000) * 1000)
      .run();
    expect(await cells(u.userId)).toEqual(await reference(u.userId));
    expect((await cells(u.userId)).find((c) => c.dim === "total")).toMatchObject({ ms: 1_120_000 });
    expect(await intakeRows()).toBe(0);
  });
});

describe("the intake write", () => {
  it("leaves no heartbeat, coding time or intake row when a later statement of its transaction fails", async () => {
    const u = await createUser();
    const heartbeats = [storable(Date.now() - 600_000, "a", "NoSuchLanguage"), storable(Date.now() - 540_000, "b", "NoSuchLanguage")];
    // Claiming the languages exist skips their upsert, so the XP pulse's insert fails inside the same transaction.
    const write = recordHeartbeats(env.DB, {
      tokenHash: await hashToken(u.token),
      heartbeats,
      slots: xpSlots(heartbeats),
      receivedAt: Date.now(),
      languagesKnown: true,
    });
    await expect(write).rejects.toThrow(/NOT NULL constraint failed: xps\./);
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(0);
    expect(await count("coding_time_daily", "user_id = ?", u.userId)).toBe(0);
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(0);
    expect(await intakeRows()).toBe(0);
  });

  it("tells a valid key from a revoked one when every heartbeat is already stored", async () => {
    const u = await createUser();
    const batch = [
      hb(Math.floor(Date.now() / 1000) - 600, { language: null }),
      hb(Math.floor(Date.now() / 1000) - 500, { language: null }),
    ];
    expect((await postHeartbeats(u.token, batch)).status).toBe(201);
    const again = await postHeartbeats(u.token, batch);
    expect(again.status).toBe(201);
    expect((await again.json<any>()).responses.map((r: any) => r[1])).toEqual([201, 201]);
    await env.DB.prepare("UPDATE machines SET active = 0 WHERE id = ?").bind(u.machineId).run();
    expect((await postHeartbeats(u.token, batch)).status).toBe(401);
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(2);
  });
});

function storable(timeMs: number, entity: string, language: string): HeartbeatToStore {
  return {
    timeMs,
    entity,
    type: "file",
    category: "coding",
    project: "p",
    branch: null,
    language,
    editor: "vim",
    os: "Linux",
    machineName: null,
    userAgent: null,
    isWrite: false,
    lines: null,
    lineno: null,
    cursorpos: null,
    localDate: new Date(timeMs).toISOString().slice(0, 10),
    utcOffset: 0,
    hash: `${entity}-${timeMs}`,
  };
}
