// Heartbeats in the account flows: coding-time settings form, heartbeat export, account deletion.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { count } from "../helpers";
import { addMachine, signedUp, userIdOf } from "../accounts/browser";
import { hb, postHeartbeats, statusbar } from "./wk-helpers";

const base = () => Math.floor(Date.now() / 1000) - 40 * 60;

describe("coding-time settings", () => {
  it("saves the timeout, zone and project visibility, recomputes coding time, and refuses bad values", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { token } = await addMachine(browser, "Laptop");
    const t = base();
    // Gaps of 8 and 4 minutes: 12 minutes at the default timeout, 4 at a timeout of 5.
    await postHeartbeats(
      token,
      [0, 8, 12].map((m, i) => hb(t + m * 60, { entity: `f${i}` })),
    );
    const total = async () =>
      Number(
        await env.DB.prepare("SELECT coalesce(sum(ms), 0) AS ms FROM coding_time_daily WHERE user_id = ? AND dim = 'total'")
          .bind(userId)
          .first("ms"),
      );
    const before = await total();
    expect([12 * 60_000, 8 * 60_000, 4 * 60_000, 0]).toContain(before); // a local midnight may fall inside
    const res = await browser.post("/my/preferences/coding-time", { timeout: "5", time_zone: "Europe/Helsinki", show_projects: "on" });
    expect(res.status).toBe(303);
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "Coding-time settings saved." });
    expect(
      await env.DB.prepare("SELECT timeout_minutes AS t, time_zone AS z, show_projects AS p FROM coding_time_settings WHERE user_id = ?")
        .bind(userId)
        .first(),
    ).toEqual({ t: 5, z: "Europe/Helsinki", p: 1 });
    expect(await total()).toBe(before >= 4 * 60_000 ? 4 * 60_000 : 0);
    for (const [fields, message] of [
      [{ timeout: "0", time_zone: "" }, /timeout/],
      [{ timeout: "61", time_zone: "" }, /timeout/],
      [{ timeout: "ten", time_zone: "" }, /timeout/],
      [{ timeout: "15", time_zone: "Mars/Olympus" }, /time zone/],
    ] as const) {
      await browser.post("/my/preferences/coding-time", fields);
      expect(browser.takeFlash()).toMatchObject({ kind: "error", message: expect.stringMatching(message) });
    }
    expect(await env.DB.prepare("SELECT timeout_minutes AS t FROM coding_time_settings WHERE user_id = ?").bind(userId).first("t")).toBe(5);
  });

  it("needs the form's CSRF token", async () => {
    const { browser, username } = await signedUp();
    const res = await browser.post("/my/preferences/coding-time", { timeout: "30", time_zone: "" }, { csrf: "forged" });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await count("coding_time_settings", "user_id = ?", await userIdOf(username))).toBe(0);
  });
});

describe("export and deletion", () => {
  it("exports every heartbeat, and deleting the account removes heartbeats, coding time and settings", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { token } = await addMachine(browser, "Laptop");
    const t = base();
    await postHeartbeats(token, [hb(t, { project: "p1" }), hb(t + 60, { entity: "b.ts", branch: "main" })], {
      headers: { "x-machine-name": "host%201" },
    });
    const res = await browser.get("/my/export-heartbeats.json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="heartbeats.json"');
    const dump = await res.json<any>();
    expect(dump.user).toBe(username);
    expect(dump.heartbeats).toHaveLength(2);
    expect(dump.heartbeats[0]).toMatchObject({
      time: t,
      entity: "/home/me/project/src/main.ts",
      project: "p1",
      language: "TypeScript",
      machine: "Laptop",
      machine_name: "host 1",
    });
    await browser.post("/my/preferences/coding-time", { timeout: "20", time_zone: "" });
    expect(await count("coding_time_daily", "user_id = ?", userId)).toBeGreaterThan(0);
    await statusbar(token);

    expect((await browser.post("/my/preferences/delete-account", { confirmation: "DELETE" })).status).toBe(303);
    expect(await count("heartbeats", "user_id = ?", userId)).toBe(0);
    expect(await count("coding_time_daily", "user_id = ?", userId)).toBe(0);
    expect(await count("coding_time_settings", "user_id = ?", userId)).toBe(0);
    expect((await postHeartbeats(token, [hb(t + 120)])).status).toBe(401);
  });
});
