// Streaks: runs of local days with XP (the user's threshold, default any XP) in the profile API beside
// the original's fields; local days in the sender's zone, across zone changes such as DST; from rollups.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, codedAt, createUser, postPulse, profile } from "../helpers";
import { addMachine, signedUp } from "../accounts/browser";
import { addDays, localDate } from "../../worker/domain/leaderboard";
import { streakRuns, streaksOn } from "../../worker/domain/streaks";

/** The instant of local wall time `time` on local date `date` at UTC offset `offset` (minutes). */
const at = (date: string, time: string, offset: number) => Date.parse(`${date}T${time}:00Z`) - offset * 60_000;

async function send(token: string, instant: number, offset: number, xp = 5) {
  const res = await postPulse(token, { coded_at: codedAt(instant, offset), xps: [{ language: "Go", xp }] });
  expect(res.status).toBe(201);
}

async function streaks(username: string) {
  const p = await profile(username);
  return { current: p.current_streak, longest: p.longest_streak };
}

describe("streak arithmetic", () => {
  it("finds the longest run and keeps the current one alive through today", () => {
    const runs = streakRuns(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-10", "2026-01-11"]);
    expect(runs).toEqual({ longest: 3, last: { end: "2026-01-11", length: 2 } });
    expect(streaksOn(runs, "2026-01-11")).toEqual({ current: 2, longest: 3 });
    expect(streaksOn(runs, "2026-01-12")).toEqual({ current: 2, longest: 3 }); // today has not qualified yet
    expect(streaksOn(runs, "2026-01-13")).toEqual({ current: 0, longest: 3 });
    // Month and year ends, and a leap day.
    expect(streakRuns(["2027-12-31", "2028-01-01", "2028-02-28", "2028-02-29", "2028-03-01"]).longest).toBe(3);
    expect(streakRuns([])).toEqual({ longest: 0, last: null });
  });
});

describe("streaks in the profile API", () => {
  it("count local days in the sender's zone: two pulses 20 minutes apart on either side of local midnight are two days", async () => {
    const offset = 330; // +05:30
    const u = await createUser();
    const yesterday = addDays(localDate(Date.now(), offset), -1);
    await send(u.token, at(addDays(yesterday, -1), "23:50", offset), offset);
    await send(u.token, at(yesterday, "00:10", offset), offset);
    expect(await streaks(u.username)).toEqual({ current: 2, longest: 2 });
    // In UTC both pulses fell on one day: the streak is not counted in UTC.
    expect(localDate(at(addDays(yesterday, -1), "23:50", offset), 0)).toBe(localDate(at(yesterday, "00:10", offset), 0));
  });

  it("runs on across a change of UTC offset (DST): late-evening pulses before and after the switch", async () => {
    const u = await createUser();
    const today = localDate(Date.now(), 120);
    const days = [-4, -3, -2, -1].map((d) => addDays(today, d));
    // Winter time (+01:00) for two evenings, summer time (+02:00) for the next two.
    await send(u.token, at(days[0]!, "23:30", 60), 60);
    await send(u.token, at(days[1]!, "23:30", 60), 60);
    await send(u.token, at(days[2]!, "23:30", 120), 120);
    await send(u.token, at(days[3]!, "00:30", 120), 120);
    expect(await streaks(u.username)).toEqual({ current: 4, longest: 4 });
  });

  it("uses the zone of the latest pulse for today: a streak that ended two local days ago is over", async () => {
    const u = await createUser();
    const offset = -600; // UTC-10
    const today = localDate(Date.now(), offset);
    await send(u.token, at(addDays(today, -3), "12:00", offset), offset);
    await send(u.token, at(addDays(today, -2), "12:00", offset), offset);
    expect(await streaks(u.username)).toEqual({ current: 0, longest: 2 });
  });

  it("follows the threshold set in preferences, at once, for every past day", async () => {
    const { browser, username } = await signedUp();
    const { token } = await addMachine(browser, "Box");
    const today = localDate(Date.now(), 0);
    await send(token, at(addDays(today, -3), "10:00", 0), 0, 30);
    await send(token, at(addDays(today, -2), "10:00", 0), 0, 10);
    await send(token, at(addDays(today, -2), "11:00", 0), 0, 15); // 25 XP that day, from two pulses
    await send(token, at(addDays(today, -1), "10:00", 0), 0, 60);
    expect(await streaks(username)).toEqual({ current: 3, longest: 3 });

    await browser.post("/my/preferences/streak", { streak_min_xp: "26" });
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "A day now counts towards your streak with at least 26 XP." });
    expect(await streaks(username)).toEqual({ current: 1, longest: 1 });
    await browser.post("/my/preferences/streak", { streak_min_xp: "25" });
    expect(await streaks(username)).toEqual({ current: 3, longest: 3 });

    for (const bad of ["0", "-1", "1.5", "abc", "", "10000000"]) {
      await browser.post("/my/preferences/streak", { streak_min_xp: bad });
      expect(browser.takeFlash()?.kind).toBe("error");
    }
    expect(await env.DB.prepare("SELECT streak_min_xp AS n FROM users WHERE username = ?").bind(username).first("n")).toBe(25);
  });

  it("drops the days of a deleted machine", async () => {
    const { browser, username } = await signedUp();
    const a = await addMachine(browser, "A");
    const b = await addMachine(browser, "B");
    const today = localDate(Date.now(), 0);
    await send(a.token, at(addDays(today, -3), "10:00", 0), 0);
    await send(b.token, at(addDays(today, -2), "10:00", 0), 0);
    await send(a.token, at(addDays(today, -1), "10:00", 0), 0);
    expect(await streaks(username)).toEqual({ current: 3, longest: 3 });
    await browser.post(`/my/machines/${b.machineId}/delete`, { confirm: "yes" });
    expect(await streaks(username)).toEqual({ current: 1, longest: 1 });
  });

  it("finds the longest streak in old history from the daily rollups, and the own-profile API has the fields too", async () => {
    const u = await createUser();
    const language = await env.DB.prepare(
      "INSERT INTO languages (name, name_key) VALUES ('StreakLang', 'streaklang') ON CONFLICT (name_key) DO UPDATE SET name = name RETURNING id",
    ).first<number>("id");
    const start = addDays(localDate(Date.now(), 0), -400);
    for (let d = 0; d < 12; d++) {
      await env.DB.prepare("INSERT INTO machine_daily_xp (machine_id, user_id, local_date, language_id, xp) VALUES (?, ?, ?, ?, 7)")
        .bind(u.machineId, u.userId, addDays(start, d), language)
        .run();
    }
    await send(u.token, Date.now() - 60_000, 0);
    expect(await streaks(u.username)).toEqual({ current: 1, longest: 12 });
    const own = await (await api("/api/my/profile", { headers: { "x-api-token": u.token } })).json<Record<string, unknown>>();
    expect([own.current_streak, own.longest_streak]).toEqual([1, 12]);
  });
});
