// Per-user language aliases: past XP re-pointed exactly (rollups summed again from the XP rows), future
// XP booked the same way, the live object rebuilt, other users untouched, and removal undoing it.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createUser, postPulse, profile, pulse } from "../helpers";
import { insertPulseBehindTheWorkersBack, userObject } from "../live-helpers";
import { runRetention } from "../../worker/services/retention";
import { signedUp, userIdOf, addMachine } from "./browser";

const DAY = 86_400_000;

/** The user's XP per booked language and local date, recomputed from the raw XP rows. */
async function truth(userId: number): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    `SELECT l.name AS language, date((p.coded_at + p.utc_offset * 60000) / 1000, 'unixepoch') AS d, SUM(x.amount) AS xp
     FROM pulses p JOIN xps x ON x.pulse_id = p.id JOIN languages l ON l.id = x.language_id WHERE p.user_id = ? GROUP BY l.name, d`,
  )
    .bind(userId)
    .all<{ language: string; d: string; xp: number }>();
  return Object.fromEntries(results.map((r) => [`${r.language} ${r.d}`, r.xp]));
}

async function rollups(userId: number): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare(
    `SELECT l.name AS language, d.local_date AS d, SUM(d.xp) AS xp FROM machine_daily_xp d JOIN languages l ON l.id = d.language_id
     WHERE d.user_id = ? GROUP BY l.name, d.local_date`,
  )
    .bind(userId)
    .all<{ language: string; d: string; xp: number }>();
  return Object.fromEntries(results.map((r) => [`${r.language} ${r.d}`, r.xp]));
}

describe("per-user language aliases", () => {
  it("re-point past XP exactly, book future XP the same way, rebuild the profile, and leave other users alone", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { token } = await addMachine(browser, "Laptop");
    const other = await createUser();
    const now = Date.now();
    const tsx = `TSXv${now.toString(36)}`; // names of this test only
    const ts = `TScript${now.toString(36)}`;
    await postPulse(
      token,
      pulse(
        [
          { language: tsx, xp: 30 },
          { language: ts, xp: 12 },
        ],
        now - 3 * DAY,
      ),
    );
    await postPulse(token, pulse([{ language: tsx, xp: 8 }], now - DAY, 600));
    await postPulse(
      token,
      pulse(
        [
          { language: ts, xp: 5 },
          { language: "Markdown", xp: 2 },
        ],
        now - 60_000,
      ),
    );
    await postPulse(other.token, pulse([{ language: tsx, xp: 100 }]));
    expect((await profile(username)).languages[tsx]).toMatchObject({ xps: 38 });

    const res = await browser.post("/my/preferences/aliases", { language: tsx.toLowerCase(), target: ts });
    expect(res.status).toBe(303);
    expect(browser.takeFlash()).toMatchObject({ kind: "success", message: `${tsx} is now booked as ${ts}, in your past XP too.` });

    // Exact: the rollups equal the raw rows summed again, and the user's languages merged.
    expect(await rollups(userId)).toEqual(await truth(userId));
    const doc = await profile(username);
    expect(doc.languages[tsx]).toBeUndefined();
    expect(doc.languages[ts]).toMatchObject({ xps: 55 });
    expect(doc.total_xp).toBe(57);
    // The live object was rebuilt, not waiting for a read.
    expect(JSON.parse((await userObject(userId).currentDocument())!).languages[ts].xps).toBe(55);
    // Others keep their own booking.
    expect((await profile(other.username)).languages[tsx]).toMatchObject({ xps: 100 });

    // Future XP sent under the alias is booked on the target, on the live path too.
    await postPulse(token, pulse([{ language: tsx.toUpperCase(), xp: 4 }]));
    const after = await profile(username);
    expect(after.languages[ts]).toMatchObject({ xps: 59, new_xps: 9 });
    expect(after.languages[tsx]).toBeUndefined();
    expect(await rollups(userId)).toEqual(await truth(userId));
    const csv = await (await browser.get("/my/export.csv")).text();
    expect(csv).not.toContain(`;${tsx};`);

    // Removing it books everything back exactly.
    expect((await browser.post("/my/preferences/aliases/delete", { language: tsx })).status).toBe(303);
    expect(browser.takeFlash()).toMatchObject({ kind: "success" });
    const undone = await profile(username);
    expect(undone.languages[tsx]).toMatchObject({ xps: 42 });
    expect(undone.languages[ts]).toMatchObject({ xps: 17 });
    expect(await rollups(userId)).toEqual(await truth(userId));
  });

  it("refuses aliases of a language to itself, chains, and empty names, changing nothing", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const cases: [Record<string, string>, string][] = [
      [{ language: "Python", target: "python" }, "A language cannot be an alias of itself."],
      [{ language: "", target: "Python" }, "Enter the language name."],
      [{ language: "py\u0000", target: "Python" }, "The language name must be plain text."],
    ];
    for (const [fields, message] of cases) {
      expect((await browser.post("/my/preferences/aliases", fields)).status).toBe(303);
      expect(browser.takeFlash()).toMatchObject({ kind: "error", message });
    }
    await browser.post("/my/preferences/aliases", { language: "python3", target: "Python" });
    browser.takeFlash();
    await browser.post("/my/preferences/aliases", { language: "py", target: "python3" });
    expect(browser.takeFlash()).toMatchObject({
      kind: "error",
      message: "python3 is itself an alias in your list; book py on its target instead.",
    });
    await browser.post("/my/preferences/aliases", { language: "Python", target: "Snake" });
    expect(browser.takeFlash()).toMatchObject({ kind: "error", message: "Other names are booked on Python; remove those aliases first." });
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM user_language_aliases WHERE user_id = ?").bind(userId).first<number>("n");
    expect(rows).toBe(1);
    // A form post without the CSRF token is refused.
    expect((await browser.post("/my/preferences/aliases", { language: "a", target: "b" }, { csrf: null })).status).toBe(403);
  });
  it("keeps the XP of days whose raw pulses retention deleted, booked as it was, and re-points the rest", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { token } = await addMachine(browser, "Desk");
    const machineId = await env.DB.prepare("SELECT id FROM machines WHERE user_id = ?").bind(userId).first<number>("id");
    const now = Date.now();
    const old = `Oldv${now.toString(36)}`;
    const target = `Newv${now.toString(36)}`;
    // 100 XP 14 months ago (the sweep deletes its raw pulse) and 5 XP today.
    await insertPulseBehindTheWorkersBack({
      userId,
      machineId: machineId!,
      codedAt: now - 430 * DAY,
      xps: [{ language: old, amount: 100 }],
    });
    await postPulse(token, pulse([{ language: old, xp: 5 }]));
    expect((await runRetention(env, now)).deleted.pulses).toBeGreaterThanOrEqual(1);
    expect((await profile(username)).total_xp).toBe(105);

    await browser.post("/my/preferences/aliases", { language: old.toLowerCase(), target });
    expect(browser.takeFlash()).toMatchObject({ kind: "success" });
    const doc = await profile(username);
    expect(doc.total_xp).toBe(105);
    expect(doc.languages[target]).toMatchObject({ xps: 5 });
    expect(doc.languages[old]).toMatchObject({ xps: 100 });
  });
});
