// Deleting an account: typed confirmation, then no row in any table refers to the user, and the name is free.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../worker/services/sessions";
import { api, postPulse, pulse, uniqueName } from "../helpers";
import { addMachine, Browser, signedUp, takeTokenShown, userIdOf } from "./browser";

/** Rows in any table that refer to one of the given users, machines, pulses or sessions, or to the address. */
async function rowsReferring(ids: { users: number[]; machines: number[]; pulses: number[]; sessions: number[] }, email: string) {
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
  ).all<{ name: string }>();
  const found: Record<string, number> = {};
  for (const { name } of tables.results) {
    const columns = (await env.DB.prepare(`PRAGMA table_info(${name})`).all<{ name: string }>()).results.map((c) => c.name);
    const refs: [string, number[]][] = [
      ["user_id", ids.users],
      ["machine_id", ids.machines],
      ["pulse_id", ids.pulses],
      ["session_id", ids.sessions],
    ];
    if (name === "users") refs.push(["id", ids.users]);
    if (name === "machines") refs.push(["id", ids.machines]);
    if (name === "pulses") refs.push(["id", ids.pulses]);
    if (name === "sessions") refs.push(["id", ids.sessions]);
    for (const [column, values] of refs) {
      if (!columns.includes(column) || values.length === 0) continue;
      const n = await env.DB.prepare(`SELECT count(*) AS n FROM ${name} WHERE ${column} IN (${values.map(() => "?").join(",")})`)
        .bind(...values)
        .first<number>("n");
      if (n) found[`${name}.${column}`] = n;
    }
    if (columns.includes("to_address")) {
      const n = await env.DB.prepare(`SELECT count(*) AS n FROM ${name} WHERE lower(to_address) = lower(?)`).bind(email).first<number>("n");
      if (n) found[`${name}.to_address`] = n;
    }
  }
  return found;
}

describe("delete account", () => {
  it("needs DELETE typed", async () => {
    const { browser, username } = await signedUp();
    for (const confirmation of ["", "delete", "yes"]) {
      const res = await browser.post("/my/preferences/delete-account", { confirmation });
      expect(res.headers.get("location")).toBe("/my/preferences");
      expect(browser.takeFlash()).toEqual({ kind: "error", message: "Type DELETE to confirm the deletion." });
    }
    expect(await userIdOf(username)).toBeGreaterThan(0);
  });

  it("removes every row of the user in every table and frees the username", async () => {
    const email = `${uniqueName("gone")}@example.com`;
    const { browser, username } = await signedUp({ email });
    const userId = await userIdOf(username);
    const other = await signedUp();
    const { token: otherToken } = await addMachine(other.browser, "Other");
    await postPulse(otherToken, pulse([{ language: "Go", xp: 9 }]));

    const a = await addMachine(browser, "A");
    const b = await addMachine(browser, "B");
    await postPulse(
      a.token,
      pulse([
        { language: "Rust", xp: 10 },
        { language: "Go", xp: 3 },
      ]),
    );
    await postPulse(b.token, pulse([{ language: "Rust", xp: 1 }], Date.now() - 5 * 3_600_000, -300));
    await browser.post(`/my/machines/${b.machineId}/regenerate`); // leaves a pending reveal for this session
    const second = new Browser();
    await second.logIn(username, undefined, true);
    await new Browser().post("/forgot-password", { login: username }); // a reset link and a captured mail
    await new Browser().post("/login", { username, password: "wrong password!" }); // rate-limit counters

    const ids = {
      users: [userId],
      machines: [a.machineId, b.machineId],
      pulses: (await env.DB.prepare("SELECT id FROM pulses WHERE user_id = ?").bind(userId).all<{ id: number }>()).results.map((r) => r.id),
      sessions: (await env.DB.prepare("SELECT id FROM sessions WHERE user_id = ?").bind(userId).all<{ id: number }>()).results.map(
        (r) => r.id,
      ),
    };
    expect(ids.pulses).toHaveLength(2);
    expect(ids.sessions).toHaveLength(2);
    for (
      let i = 0;
      i < 50 && (await env.DB.prepare("SELECT count(*) AS n FROM outbox WHERE to_address = ?").bind(email).first("n")) === 0;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = await rowsReferring(ids, email);
    for (const table of [
      "users.id",
      "machines.user_id",
      "pulses.user_id",
      "xps.pulse_id",
      "machine_daily_xp.user_id",
      "machine_hourly_xp.user_id",
      "sessions.user_id",
      "session_reveals.session_id",
      "password_resets.user_id",
      "outbox.to_address",
    ]) {
      expect(before[table], table).toBeGreaterThan(0);
    }
    const counters = await env.DB.prepare("SELECT count(*) AS n FROM rate_limits").first<number>("n");

    const res = await browser.post("/my/preferences/delete-account", { confirmation: "DELETE" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(res.headers.getSetCookie()).toContain(`${SESSION_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax`);
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "Your account and all its data were deleted." });

    expect(await rowsReferring(ids, email)).toEqual({});
    // The per-account counters (log-in, reset) went too; those by address are not the user's.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM rate_limits").first<number>("n")).toBeLessThan(counters!);

    expect((await api(`/api/users/${encodeURIComponent(username)}`)).status).toBe(404);
    expect((await postPulse(a.token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(403);
    expect((await second.get("/my/profile")).headers.get("location")).toMatch(/^\/login/);
    expect(await takeTokenShown(browser)).toBeNull();

    // Other users are untouched.
    expect((await api(`/api/users/${encodeURIComponent(other.username)}`)).status).toBe(200);
    expect((await postPulse(otherToken, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201);

    // The name is free again, in any letter case.
    const again = new Browser();
    expect(await again.signUp({ username: username.toUpperCase() })).toBe(username.toUpperCase());
  });
});
