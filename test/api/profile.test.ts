// GET /api/users/:username and GET /api/my/profile.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashToken } from "../../worker/domain/token";
import { api, createUser, postPulse, pulse, uniqueName } from "../helpers";

const HOUR = 3_600_000;

describe("GET /api/users/:username", () => {
  it("has the original's shape: totals, 12-hour new XP, active machines only, local dates", async () => {
    const u = await createUser({ machine: "Työkone" });
    const second = crypto.randomUUID();
    await env.DB.prepare("INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (?, 'Best Machine', ?, ?)")
      .bind(u.userId, await hashToken(second), Date.now())
      .run();
    const old = Date.now() - 3 * 24 * HOUR;
    await postPulse(
      u.token,
      pulse(
        [
          { language: "XML", xp: 15 },
          { language: "Plain text", xp: 100 },
        ],
        old,
        120,
      ),
    );
    await postPulse(second, pulse([{ language: "Plain text", xp: 40 }], Date.now() - 13 * HOUR, 0));
    await postPulse(u.token, pulse([{ language: "Plain text", xp: 3 }], Date.now() - HOUR, 0));

    const res = await api(`/api/users/${encodeURIComponent(u.username)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const body = await res.json<Record<string, unknown>>();
    const dates: Record<string, number> = {};
    for (const [at, offset, xp] of [
      [old, 120, 115],
      [Date.now() - 13 * HOUR, 0, 40],
      [Date.now() - HOUR, 0, 3],
    ] as const) {
      const day = new Date(at + offset * 60_000).toISOString().slice(0, 10);
      dates[day] = (dates[day] ?? 0) + xp;
    }
    expect(body).toEqual({
      user: u.username,
      total_xp: 158,
      new_xp: 3,
      machines: { Työkone: { xps: 118, new_xps: 3 }, "Best Machine": { xps: 40, new_xps: 0 } },
      languages: { XML: { xps: 15, new_xps: 0 }, "Plain text": { xps: 143, new_xps: 3 } },
      dates,
      // This service's streaks ride along after the original's fields (test/streaks/ checks the numbers).
      current_streak: expect.any(Number),
      longest_streak: expect.any(Number),
    });
    expect(Object.keys(body)).toEqual(["user", "total_xp", "new_xp", "machines", "languages", "dates", "current_streak", "longest_streak"]);

    // Deactivated machines disappear from `machines`; their XP stays in the totals.
    await env.DB.prepare("UPDATE machines SET active = 0 WHERE id = ?").bind(u.machineId).run();
    await env.USER_STATS.getByName(String(u.userId)).refreshMachines(u.userId); // what the machines page does
    const after = await (await api(`/api/users/${encodeURIComponent(u.username)}`)).json<Record<string, any>>();
    expect(after.machines).toEqual({ "Best Machine": { xps: 40, new_xps: 0 } });
    expect(after.total_xp).toBe(158);
    expect(after.new_xp).toBe(3);
  });

  it("serves a user without pulses", async () => {
    const u = await createUser({ machine: "Desk" });
    expect(await (await api(`/api/users/${u.username}`)).json()).toEqual({
      user: u.username,
      total_xp: 0,
      new_xp: 0,
      machines: { Desk: { xps: 0, new_xps: 0 } },
      languages: {},
      dates: {},
      current_streak: 0,
      longest_streak: 0,
    });
  });

  it("redirects another spelling of the name to the canonical one with a 302", async () => {
    const u = await createUser({ username: `${uniqueName("Mixed")}Case` });
    const res = await api(`/api/users/${u.username.toUpperCase()}`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/api/users/${u.username}`);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("reads + as a space", async () => {
    const u = await createUser({ username: `${uniqueName("two")} words` });
    const res = await api(`/api/users/${u.username.replace(" ", "+")}`, { redirect: "manual" });
    expect(res.status).toBe(200);
    expect((await res.json<{ user: string }>()).user).toBe(u.username);
    const encoded = await api(`/api/users/${encodeURIComponent(u.username)}`, { redirect: "manual" });
    expect(encoded.status).toBe(200);
  });

  it("answers 404 alike for unknown and private users, with CORS", async () => {
    const hidden = await createUser({ private: true });
    await postPulse(hidden.token, pulse([{ language: "Go", xp: 1 }]));
    for (const name of [hidden.username, hidden.username.toUpperCase(), "nobody-" + crypto.randomUUID()]) {
      const res = await api(`/api/users/${name}`, { redirect: "manual" });
      expect(res.status).toBe(404);
      expect(await res.text()).toBe('{"error":"User not found or private."}');
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
    }
  });

  it("answers HEAD with headers only, and a CORS preflight for GET and HEAD", async () => {
    const u = await createUser();
    const head = await api(`/api/users/${u.username}`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("access-control-allow-origin")).toBe("*");
    expect(await head.text()).toBe("");
    const preflight = await api(`/api/users/${u.username}`, {
      method: "OPTIONS",
      headers: { origin: "https://example.org", "access-control-request-method": "GET" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("GET,HEAD");
  });
});

describe("GET /api/my/profile", () => {
  it("returns the caller's own profile, even when private", async () => {
    const u = await createUser({ private: true });
    await postPulse(u.token, pulse([{ language: "Lua", xp: 9 }]));
    const res = await api("/api/my/profile", { headers: { "x-api-token": u.token } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ user: u.username, total_xp: 9, new_xp: 9, languages: { Lua: { xps: 9, new_xps: 9 } } });
  });

  it("needs a valid token", async () => {
    for (const headers of [{}, { "x-api-token": crypto.randomUUID() }] as Record<string, string>[]) {
      const res = await api("/api/my/profile", { headers });
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('{"error": "You must be authenticated"}');
    }
  });
});
