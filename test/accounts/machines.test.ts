// /my/machines: add (token shown once), rename, deactivate/activate, regenerate, delete with its XP.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashToken } from "../../worker/domain/token";
import { FLASH_COOKIE } from "../../worker/services/sessions";
import { count, postPulse, profile, pulse } from "../helpers";
import { addMachine, signedUp, takeTokenShown, userIdOf } from "./browser";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function machine(id: number) {
  return env.DB.prepare("SELECT name, active, token_hash AS tokenHash FROM machines WHERE id = ?")
    .bind(id)
    .first<{ name: string; active: number; tokenHash: string }>();
}

describe("machines", () => {
  it("adds a machine and shows its token exactly once; only the hash is stored, never in a cookie", async () => {
    const { browser, username } = await signedUp();
    const res = await browser.post("/my/machines", { name: "  Work laptop  " });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/my/machines");
    const cookies = res.headers.getSetCookie();
    const flash = browser.takeFlash();
    expect(flash).toMatchObject({ kind: "success", reveal: true });
    expect(flash!.message).toContain("Work laptop");

    const shown = await takeTokenShown(browser);
    expect(shown).not.toBeNull();
    expect(shown!.machineName).toBe("Work laptop");
    expect(shown!.token).toMatch(UUID_V4);
    expect(cookies.join("\n")).not.toContain(shown!.token);
    expect(await takeTokenShown(browser)).toBeNull(); // shown once

    const row = await machine(shown!.machineId);
    expect(row).toEqual({ name: "Work laptop", active: 1, tokenHash: await hashToken(shown!.token) });
    const dump = await env.DB.batch([
      env.DB.prepare("SELECT * FROM machines WHERE user_id = ?").bind(await userIdOf(username)),
      env.DB.prepare("SELECT * FROM session_reveals"),
    ]);
    expect(JSON.stringify(dump.map((r) => r.results))).not.toContain(shown!.token);

    expect((await postPulse(shown!.token, pulse([{ language: "Go", xp: 7 }]))).status).toBe(201);
  });

  it("keeps the token waiting for the session that created it only", async () => {
    const { browser } = await signedUp();
    await browser.post("/my/machines", { name: "One" });
    const { browser: other } = await signedUp();
    expect(await takeTokenShown(other)).toBeNull();
    expect(await takeTokenShown(browser)).not.toBeNull();
    expect(browser.jar.get(FLASH_COOKIE)).toBeDefined();
  });

  it.each([
    ["", "Machine name is required."],
    ["   ", "Machine name is required."],
    ["m".repeat(65), "Machine name must be at most 64 characters."],
    ["bad\u0000name", "Machine name must be plain text."],
  ])("refuses the name %j with a clear error", async (name, message) => {
    const { browser, username } = await signedUp();
    const res = await browser.post("/my/machines", { name });
    expect(res.status).toBe(303);
    expect(browser.takeFlash()).toEqual({ kind: "error", message });
    expect(await count("machines", "user_id = ?", await userIdOf(username))).toBe(0);
  });

  it("accepts 64 characters (counted as characters, not bytes)", async () => {
    const { browser } = await signedUp();
    const { machineId } = await addMachine(browser, "ä".repeat(64));
    expect((await machine(machineId))!.name).toBe("ä".repeat(64));
  });

  it("refuses a duplicate name on add and on rename with a clear message, never a 500", async () => {
    const { browser } = await signedUp();
    await addMachine(browser, "Desk");
    const { machineId } = await addMachine(browser, "Laptop");

    const add = await browser.post("/my/machines", { name: "Desk" });
    expect(add.status).toBe(303);
    expect(browser.takeFlash()).toEqual({ kind: "error", message: "You already have a machine with that name." });

    const rename = await browser.post(`/my/machines/${machineId}/rename`, { name: "Desk" });
    expect(rename.status).toBe(303);
    expect(browser.takeFlash()).toEqual({ kind: "error", message: "You already have a machine with that name." });
    expect((await machine(machineId))!.name).toBe("Laptop");
  });

  it("lets two users use the same machine name", async () => {
    const a = await signedUp();
    const b = await signedUp();
    await addMachine(a.browser, "Laptop");
    await addMachine(b.browser, "Laptop");
  });

  it("renames a machine without changing its token", async () => {
    const { browser } = await signedUp();
    const { machineId, token } = await addMachine(browser, "Old");
    const res = await browser.post(`/my/machines/${machineId}/rename`, { name: "New" });
    expect(res.headers.get("location")).toBe("/my/machines");
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "Machine renamed to “New”." });
    expect(await machine(machineId)).toEqual({ name: "New", active: 1, tokenHash: await hashToken(token) });
    expect((await postPulse(token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201);
  });

  it("a deactivated token is refused at once by POST /api/my/pulses, and works again after activation", async () => {
    const { browser } = await signedUp();
    const { machineId, token } = await addMachine(browser, "Box");
    expect((await postPulse(token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201);

    await browser.post(`/my/machines/${machineId}/deactivate`);
    expect(browser.takeFlash()?.kind).toBe("success");
    expect((await machine(machineId))!.active).toBe(0);
    const refused = await postPulse(token, pulse([{ language: "Go", xp: 2 }]));
    expect(refused.status).toBe(403);
    expect(await refused.text()).toBe('{"error": "You must be authenticated"}');

    await browser.post(`/my/machines/${machineId}/activate`);
    expect((await machine(machineId))!.active).toBe(1);
    expect((await postPulse(token, pulse([{ language: "Go", xp: 3 }]))).status).toBe(201);
  });

  it("a regenerated token replaces the old one at once", async () => {
    const { browser } = await signedUp();
    const { machineId, token: old } = await addMachine(browser, "Box");
    const res = await browser.post(`/my/machines/${machineId}/regenerate`);
    expect(res.status).toBe(303);
    expect(browser.takeFlash()).toMatchObject({ kind: "success", reveal: true });
    const shown = await takeTokenShown(browser);
    expect(shown).toMatchObject({ machineId, machineName: "Box" });
    expect(shown!.token).toMatch(UUID_V4);
    expect(shown!.token).not.toBe(old);

    expect((await postPulse(old, pulse([{ language: "Go", xp: 1 }]))).status).toBe(403);
    expect((await postPulse(shown!.token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201);
    expect((await machine(machineId))!.tokenHash).toBe(await hashToken(shown!.token));
  });

  it("deletes a machine only after confirmation", async () => {
    const { browser } = await signedUp();
    const { machineId } = await addMachine(browser, "Keep");
    const res = await browser.post(`/my/machines/${machineId}/delete`, {});
    expect(res.status).toBe(303);
    expect(browser.takeFlash()).toMatchObject({ kind: "error" });
    expect(await machine(machineId)).not.toBeNull();
  });

  it("deleting a machine deletes its pulses, XP and rollups, recomputes the total and keeps the pulse counter", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const doomed = await addMachine(browser, "Doomed");
    const kept = await addMachine(browser, "Kept");
    await postPulse(
      doomed.token,
      pulse([
        { language: "Rust", xp: 100 },
        { language: "Go", xp: 20 },
      ]),
    );
    await postPulse(doomed.token, pulse([{ language: "Rust", xp: 5 }], Date.now() - 3 * 3_600_000, 120));
    await postPulse(kept.token, pulse([{ language: "Go", xp: 7 }]));
    const seqBefore = await env.DB.prepare("SELECT pulse_seq FROM users WHERE id = ?").bind(userId).first<number>("pulse_seq");
    expect(seqBefore).toBe(3);
    expect((await profile(username)).total_xp).toBe(132);

    const res = await browser.post(`/my/machines/${doomed.machineId}/delete`, { confirm: "yes" });
    expect(res.status).toBe(303);
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "Machine “Doomed” and all its XP were deleted." });

    for (const table of ["pulses", "machine_daily_xp", "machine_hourly_xp"]) {
      expect(await count(table, "machine_id = ?", doomed.machineId), table).toBe(0);
    }
    expect(await count("machines", "id = ?", doomed.machineId)).toBe(0);
    expect(await count("xps", "pulse_id NOT IN (SELECT id FROM pulses)")).toBe(0);
    expect(await count("pulses", "machine_id = ?", kept.machineId)).toBe(1);
    const user = await env.DB.prepare("SELECT total_xp, pulse_seq FROM users WHERE id = ?").bind(userId).first();
    expect(user).toEqual({ total_xp: 7, pulse_seq: 3 });
    expect(await profile(username)).toMatchObject({
      total_xp: 7,
      machines: { Kept: { xps: 7, new_xps: 7 } },
      languages: { Go: { xps: 7, new_xps: 7 } },
    });

    // The token died with the machine; new pulses continue the sequence.
    expect((await postPulse(doomed.token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(403);
    await postPulse(kept.token, pulse([{ language: "Go", xp: 1 }]));
    expect(await env.DB.prepare("SELECT max(seq) AS s FROM pulses WHERE user_id = ?").bind(userId).first("s")).toBe(4);
  });

  it("deletes a machine with more pulses than one deletion chunk", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { machineId } = await addMachine(browser, "Bulk");
    const lang = await env.DB.prepare(
      "INSERT INTO languages (name, name_key) VALUES ('Bulkscript', 'bulkscript') RETURNING id",
    ).first<number>("id");
    const n = 12_000;
    await env.DB.prepare(
      `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
       INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint)
       SELECT ?, ?, i, ? - i * 1000, 0, ?, 1, 'f' || i FROM s`,
    )
      .bind(n, userId, machineId, Date.now(), Date.now())
      .run();
    await env.DB.prepare(
      "INSERT INTO xps (pulse_id, language_id, original_language_id, amount) SELECT id, ?, ?, 1 FROM pulses WHERE machine_id = ?",
    )
      .bind(lang, lang, machineId)
      .run();
    expect(await count("pulses", "machine_id = ?", machineId)).toBe(n);

    await browser.post(`/my/machines/${machineId}/delete`, { confirm: "yes" });
    expect(await count("pulses", "machine_id = ?", machineId)).toBe(0);
    expect(await count("machine_hourly_xp", "machine_id = ?", machineId)).toBe(0);
    expect(await env.DB.prepare("SELECT total_xp FROM users WHERE id = ?").bind(userId).first("total_xp")).toBe(0);
  });
});
