// Importing this service's own JSON export: a round trip into another account gives the same profile,
// and back into the same account adds nothing (its pulses are the live originals).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { count, postPulse, profile } from "../helpers";
import { addMachine, signedUp, userIdOf } from "../accounts/browser";
import { importFile } from "./import-helpers";

const HOUR = 3_600_000;

function codedAtLocal(ms: number, offset: number): string {
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

describe("import of a Pulse Edge JSON export", () => {
  it("round trip: another account gets the same totals, languages, machines, days and hours; the same account adds nothing", async () => {
    const source = await signedUp();
    const { token: laptop } = await addMachine(source.browser, "Laptop");
    const { token: desk } = await addMachine(source.browser, "Desk");
    const now = Date.now();
    // Live pulses with milliseconds and several offsets, across a local midnight.
    const sent = [
      {
        token: laptop,
        at: now - 30 * HOUR + 123,
        offset: 330,
        xps: [
          { language: "TypeScript", xp: 40 },
          { language: "CSS", xp: 3 },
        ],
      },
      { token: desk, at: now - 20 * HOUR + 456, offset: -420, xps: [{ language: "Go", xp: 17 }] },
      { token: laptop, at: now - 2 * HOUR + 789, offset: 0, xps: [{ language: "typescript", xp: 5 }] },
    ];
    for (const p of sent) expect((await postPulse(p.token, { coded_at: codedAtLocal(p.at, p.offset), xps: p.xps })).status).toBe(201);
    const exported = new Uint8Array(await (await source.browser.get("/my/export.json")).arrayBuffer());
    const original = await profile(source.username);

    const target = await signedUp();
    const status = await importFile(target.browser, exported, "pulses.json");
    expect(status).toMatchObject({
      phase: "done",
      format: "pulse-edge-json",
      unit: "pulse",
      pulsesAdded: 3,
      problemCount: 0,
      machinesCreated: 2,
    });
    const copy = await profile(target.username);
    expect(copy.total_xp).toBe(original.total_xp);
    expect(copy.languages).toEqual(original.languages);
    expect(copy.machines).toEqual(original.machines);
    expect(copy.dates).toEqual(original.dates);
    const hours = async (username: string) =>
      (
        await env.DB.prepare("SELECT local_hour AS h, SUM(xp) AS xp FROM machine_hourly_xp WHERE user_id = ? GROUP BY h ORDER BY h")
          .bind(await userIdOf(username))
          .all()
      ).results;
    expect(await hours(target.username)).toEqual(await hours(source.username));

    const back = await importFile(source.browser, exported, "pulses.json");
    expect(back).toMatchObject({ phase: "done", pulsesAdded: 0, pulsesPresent: 3 });
    expect(await count("pulses", "user_id = ?", await userIdOf(source.username))).toBe(3);
    expect((await profile(source.username)).total_xp).toBe(original.total_xp);
  });

  it("reports a bad pulse by its number and imports the rest", async () => {
    const { browser, username } = await signedUp();
    const file = JSON.stringify({
      user: "x",
      pulses: [
        { sent_at: "2022-02-02 10:00:00Z", tz_offset: 60, machine: "m", xps: [{ language: "Go", sent_as: "Go", amount: 2 }] },
        { sent_at: "2022-02-02 11:00:00Z", tz_offset: 60, machine: "m", xps: [{ language: "Go", sent_as: "Go", amount: "lots" }] },
        { sent_at: "2022-02-02 12:00:00Z", tz_offset: 9999, machine: "m", xps: [] },
      ],
    });
    const status = await importFile(browser, file, "pulses.json");
    expect(status.problems).toEqual([
      { at: 2, message: 'amount "lots" is not a whole number of XP' },
      { at: 3, message: "tz_offset is beyond ±18:00" },
    ]);
    expect(status.pulsesAdded).toBe(1);
    expect((await profile(username)).total_xp).toBe(2);
  });

  it("refuses broken JSON as a whole: nothing is written", async () => {
    const { browser, username } = await signedUp();
    const status = await importFile(
      browser,
      '{"pulses": [{"sent_at": "2022-02-02 10:00:00Z", "tz_offset": 0, "machine": "m", "xps": []}, {"sent',
      "pulses.json",
    );
    expect(status.phase).toBe("failed");
    expect(status.error).toMatch(/^The file ends before its JSON does/);
    expect(await count("machines", "user_id = ?", await userIdOf(username))).toBe(0);
  });
});
