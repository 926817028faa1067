// Atomicity, idempotent retries and concurrency of the pulse write path, on real D1.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { count, createUser, postPulse, profile, pulse } from "../helpers";

describe("pulse writes", () => {
  it("counts a retried pulse (same machine, coded_at and entries) once and still answers 201", async () => {
    const u = await createUser();
    const body = pulse([
      { language: "Elixir", xp: 30 },
      { language: "C++", xp: 15 },
    ]);
    for (let i = 0; i < 3; i++) {
      const res = await postPulse(u.token, body);
      expect(res.status).toBe(201);
      expect(await res.text()).toBe('{"ok":"Great success!"}');
    }
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(1);
    expect((await profile(u.username)).total_xp).toBe(45);
  });

  it("treats the same coded_at with different entries, or from another machine, as new pulses", async () => {
    const u = await createUser();
    const at = Date.now() - 30_000;
    await postPulse(u.token, pulse([{ language: "Go", xp: 1 }], at));
    await postPulse(u.token, pulse([{ language: "Go", xp: 2 }], at));
    expect((await profile(u.username)).total_xp).toBe(3);
  });

  it("keeps exact totals under 50 concurrent pulses of one user", async () => {
    const u = await createUser();
    const start = Date.now() - 100_000;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postPulse(u.token, pulse([{ language: i % 2 ? "Go" : "Rust", xp: i + 1 }], start + i * 1000))),
    );
    expect(results.map((r) => r.status)).toEqual(Array(50).fill(201));
    const p = await profile(u.username);
    expect(p.total_xp).toBe((50 * 51) / 2);
    expect(p.languages.Go.xps + p.languages.Rust.xps).toBe(1275);
    const seqs = await env.DB.prepare("SELECT seq FROM pulses WHERE user_id = ? ORDER BY seq").bind(u.userId).all<{ seq: number }>();
    expect(seqs.results.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const user = await env.DB.prepare("SELECT pulse_seq, total_xp FROM users WHERE id = ?")
      .bind(u.userId)
      .first<{ pulse_seq: number; total_xp: number }>();
    expect(user).toEqual({ pulse_seq: 50, total_xp: 1275 });
  });

  it("leaves nothing behind when the batch fails part-way, and answers a retryable 5xx", async () => {
    const u = await createUser();
    const language = `Injected${Date.now()}`;
    // Fault injection at the database: every XP row insert now fails after the pulse row was written.
    await env.DB.prepare("CREATE TRIGGER fail_xps BEFORE INSERT ON xps BEGIN SELECT RAISE(ABORT, 'injected failure'); END").run();
    try {
      const res = await postPulse(u.token, pulse([{ language, xp: 7 }]));
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(await res.json()).toEqual({
        error: "Service temporarily unavailable, please retry.",
        request_id: res.headers.get("x-request-id"),
      });
    } finally {
      await env.DB.prepare("DROP TRIGGER fail_xps").run();
    }
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(0);
    expect(await count("languages", "name = ?", language)).toBe(0);
    expect(await count("machine_daily_xp", "user_id = ?", u.userId)).toBe(0);
    expect(await count("machine_hourly_xp", "user_id = ?", u.userId)).toBe(0);
    const user = await env.DB.prepare("SELECT pulse_seq, total_xp FROM users WHERE id = ?").bind(u.userId).first();
    expect(user).toEqual({ pulse_seq: 0, total_xp: 0 });
    // The client's retry then succeeds and is counted once.
    expect((await postPulse(u.token, pulse([{ language, xp: 7 }]))).status).toBe(201);
    expect((await profile(u.username)).total_xp).toBe(7);
  });

  it("answers concurrent pulses each on its own: one failing write, one unknown token, the rest stored", async () => {
    const users = await Promise.all(Array.from({ length: 8 }, () => createUser()));
    const poison = `Poison${Date.now()}`;
    // Concurrent pulses share D1 batches; a failure injected for one language must not reach the others.
    await env.DB.prepare(
      `CREATE TRIGGER fail_poison BEFORE INSERT ON xps
       WHEN NEW.original_language_id IN (SELECT id FROM languages WHERE name = '${poison}')
       BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    ).run();
    let statuses: number[];
    try {
      const responses = await Promise.all([
        ...users.map((u, i) => postPulse(u.token, pulse([{ language: "Go", xp: i + 1 }]))),
        postPulse(users[3]!.token, pulse([{ language: poison, xp: 100 }])),
        postPulse(crypto.randomUUID(), pulse([{ language: "Go", xp: 1000 }])),
      ]);
      statuses = responses.map((r) => r.status);
    } finally {
      await env.DB.prepare("DROP TRIGGER fail_poison").run();
    }
    expect(statuses).toEqual([...Array(8).fill(201), 503, 403]);
    for (const [i, u] of users.entries()) {
      expect((await profile(u.username)).total_xp).toBe(i + 1);
      expect(await count("pulses", "user_id = ?", u.userId)).toBe(1);
    }
  });

  it("books local dates and hours from the sender's offset", async () => {
    const u = await createUser();
    // 22:30 UTC yesterday is 01:30 today in UTC+3 and 12:30 yesterday in UTC-10.
    const base = new Date();
    base.setUTCHours(22, 30, 0, 0);
    if (base.getTime() > Date.now()) base.setUTCDate(base.getUTCDate() - 1);
    const at = base.getTime();
    await postPulse(u.token, pulse([{ language: "Go", xp: 5 }], at, 180));
    await postPulse(u.token, pulse([{ language: "Go", xp: 7 }], at - 1000, -600));
    const dayAfter = new Date(at + 180 * 60_000).toISOString().slice(0, 10);
    const sameDay = new Date(at - 600 * 60_000).toISOString().slice(0, 10);
    expect((await profile(u.username)).dates).toEqual({ [dayAfter]: 5, [sameDay]: 7 });
    const hours = await env.DB.prepare("SELECT local_hour AS h, xp FROM machine_hourly_xp WHERE user_id = ? ORDER BY h")
      .bind(u.userId)
      .all();
    expect(hours.results).toEqual([
      { h: 1, xp: 5 },
      { h: 12, xp: 7 },
    ]);
  });
});
