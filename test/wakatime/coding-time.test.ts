// Coding time: the status bar against durations computed by hand across a local midnight in two
// zones; out-of-order arrival; the triggers against the reference computation; timeout changes.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, count, createUser, addMachine } from "../helpers";
import { codingTimeByDay, dayTotalMs, durationFields, humanDuration } from "../../worker/domain/coding-time";
import { rebuildCodingTime, saveSettings, timed } from "../../worker/db/heartbeats";
import { deleteMachine } from "../../worker/db/machines";
import type { HeartbeatRow } from "../../worker/db/schema";
import { codingTimeCells as cells, hb, postHeartbeats, statusbar } from "./wk-helpers";

const MIN = 60;

/** An Etc/GMT zone whose local time is now between 00:00 and 01:00, and its offset in hours. */
function zoneJustPastMidnight(): { zone: string; offsetHours: number; midnightSec: number } {
  const now = new Date();
  let n = (24 - now.getUTCHours()) % 24;
  if (n > 14) n -= 24;
  const zone = zoneName(n);
  const midnightSec = Math.floor(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours()) / 1000);
  return { zone, offsetHours: n, midnightSec };
}

function zoneName(n: number): string {
  // UTC, not Etc/GMT, for offset 0: the answer names a zone by its canonical name.
  return n === 0 ? "UTC" : n > 0 ? `Etc/GMT-${n}` : `Etc/GMT+${-n}`;
}

async function rows(userId: number): Promise<HeartbeatRow[]> {
  const { results } = await env.DB.prepare(
    `SELECT id, user_id AS userId, machine_id AS machineId, time_ms AS timeMs, local_date AS localDate, category, language, project, editor, operating_system AS operatingSystem FROM heartbeats WHERE user_id = ?`,
  )
    .bind(userId)
    .all<HeartbeatRow>();
  return results;
}

describe("statusbar/today", () => {
  it("matches durations computed by hand across a local midnight, in two time zones", async () => {
    const { zone, offsetHours, midnightSec: M } = zoneJustPastMidnight();
    // Minutes around the local midnight M: −12, −6, −1 | +1, +4, +10 (the last ones may lie up to an hour ahead).
    const times = [-12, -6, -1, 1, 4, 10].map((m) => M + m * MIN);
    const here = await createUser();
    const body = times.map((t, i) => hb(t, { entity: `f${i}.ts`, language: i < 3 ? "Go" : "Rust", editor: "vim" }));
    expect((await postHeartbeats(here.token, body, { headers: { timezone: zone } })).status).toBe(201);
    // By hand: yesterday 6 + 5 minutes; the 2 minutes across midnight count for neither day; today 3 + 6 minutes.
    const today = await statusbar(here.token, zone);
    expect(today.data.grand_total.total_seconds).toBe(9 * MIN);
    expect(today.data.grand_total.text).toBe("9 mins");
    expect(today.data.grand_total.digital).toBe("0:09");
    expect(today.data.categories).toEqual([expect.objectContaining({ name: "coding", total_seconds: 9 * MIN, percent: 100 })]);
    expect(today.data.languages).toEqual([expect.objectContaining({ name: "Rust", total_seconds: 9 * MIN })]);
    expect(today.data.editors).toEqual([expect.objectContaining({ name: "vim", total_seconds: 9 * MIN })]);
    expect(today.data.machines).toEqual([expect.objectContaining({ name: "Laptop", total_seconds: 9 * MIN })]);
    expect(today.data.dependencies).toEqual([]);
    // The answer names the zone canonically (at 00:00-01:00 UTC the zone is Etc/GMT, which is UTC).
    expect(today.data.range.timezone).toBe(new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone);
    expect(await cells(here.userId)).toContainEqual({
      local_date: new Date((M - MIN) * 1000 + offsetHours * 3_600_000).toISOString().slice(0, 10),
      dim: "total",
      name: "",
      ms: 11 * MIN * 1000,
    });

    // An hour further east, all six heartbeats fall on one local day: 6 + 5 + 2 + 3 + 6 minutes.
    const east = offsetHours + 1 <= 14 ? offsetHours + 1 : offsetHours - 1;
    const there = await createUser();
    expect((await postHeartbeats(there.token, body, { headers: { timezone: zoneName(east) } })).status).toBe(201);
    expect((await statusbar(there.token, zoneName(east))).data.grand_total.total_seconds).toBe(22 * MIN);
  });

  it("shows a new heartbeat's time at once after a read (the isolate's short-lived answer is dropped by the write)", async () => {
    const { zone, midnightSec: M } = zoneJustPastMidnight();
    const u = await createUser();
    await postHeartbeats(u.token, [hb(M + 60), hb(M + 120, { entity: "b" })], { headers: { timezone: zone } });
    expect((await statusbar(u.token, zone)).data.grand_total.total_seconds).toBe(60);
    expect((await statusbar(u.token, zone)).data.grand_total.total_seconds).toBe(60);
    await postHeartbeats(u.token, [hb(M + 300, { entity: "c" })], { headers: { timezone: zone } });
    expect((await statusbar(u.token, zone)).data.grand_total.total_seconds).toBe(240);
  });

  it("always has categories and the other arrays, even with no heartbeats today", async () => {
    const u = await createUser();
    const body = await statusbar(u.token);
    for (const k of ["categories", "languages", "editors", "operating_systems", "machines", "projects", "dependencies"])
      expect(body.data[k], k).toEqual([]);
    expect(body.data.grand_total).toMatchObject({ total_seconds: 0, text: "0 secs" });
  });

  it("uses the user's zone when the request names none, and drops gaps longer than the user's timeout", async () => {
    const u = await createUser();
    await saveSettings(env.DB, { userId: u.userId, timeoutMinutes: 5, timeZone: "Asia/Kolkata", showProjects: false });
    const now = Math.floor(Date.now() / 1000);
    // Gaps 4, 6 (over the timeout) and 3 minutes, all in the last 14 minutes (local day permitting).
    const times = [now - 14 * MIN, now - 10 * MIN, now - 4 * MIN, now - MIN];
    const res = await postHeartbeats(
      u.token,
      times.map((t, i) => hb(t, { entity: `${i}` })),
      { headers: { timezone: "" } },
    );
    expect(res.status).toBe(201);
    const { results } = await env.DB.prepare("SELECT DISTINCT utc_offset AS o FROM heartbeats WHERE user_id = ?")
      .bind(u.userId)
      .all<{ o: number }>();
    expect(results).toEqual([{ o: 330 }]);
    const expected = codingTimeByDay((await rows(u.userId)).map(timed), 5);
    const todayKolkata = new Date(Date.now() + 330 * 60_000).toISOString().slice(0, 10);
    const sb = await (
      await api("/api/v1/users/current/statusbar/today", { headers: { authorization: `Basic ${btoa(u.token)}` } })
    ).json<any>();
    expect(sb.data.range.date).toBe(todayKolkata);
    expect(sb.data.grand_total.total_seconds * 1000).toBe(dayTotalMs(expected.get(todayKolkata)));
  });
});

describe("arrival order", () => {
  it("gives the same coding time and XP whatever order and batching the heartbeats come in", async () => {
    const base = Math.floor(Date.now() / 1000) - 3 * 86_400;
    const langs = ["Go", "Rust", "TypeScript"];
    // Irregular gaps (some over 15 minutes), several languages, projects and editors.
    const gaps = [0, 40, 130, 200, 1_000, 30, 45, 1_500, 60, 119, 121, 600, 900, 901, 20, 300];
    const times = gaps.map((_, i) => base + gaps.slice(0, i + 1).reduce((sum, g) => sum + g, 0));
    const all = gaps.map((_, i) =>
      hb(times[i]!, {
        entity: `f${i}`,
        language: langs[i % 3],
        project: i % 2 ? "a" : "b",
        editor: i % 4 ? "vim" : "emacs",
        category: i % 5 ? "coding" : "debugging",
      }),
    );
    const inOrder = await createUser();
    for (let i = 0; i < all.length; i += 4) await postHeartbeats(inOrder.token, all.slice(i, i + 4));
    const shuffled = await createUser();
    const order = [9, 3, 15, 0, 12, 7, 1, 14, 5, 10, 2, 13, 8, 4, 11, 6];
    for (let i = 0; i < order.length; i += 3)
      await postHeartbeats(
        shuffled.token,
        order.slice(i, i + 3).map((k) => all[k]),
      );
    // A re-sync of everything days later changes nothing.
    await postHeartbeats(shuffled.token, all.slice(0, 10));

    const a = await cells(inOrder.userId);
    const b = await cells(shuffled.userId);
    const strip = (xs: any[]) => xs.map((x) => (x.dim === "machine" ? { ...x, name: "m" } : x));
    expect(strip(b)).toEqual(strip(a));
    // And both equal the reference computation over the stored rows.
    const reference = codingTimeByDay((await rows(inOrder.userId)).map(timed), 15);
    const flat = [...reference].flatMap(([local_date, day]) =>
      [...day].flatMap(([dim, names]) => [...names].filter(([, ms]) => ms !== 0).map(([name, ms]) => ({ local_date, dim, name, ms }))),
    );
    expect(a).toEqual(expect.arrayContaining(flat));
    expect(a).toHaveLength(flat.length);

    const xp = async (userId: number) =>
      (
        await env.DB.prepare(
          "SELECT l.name AS language, sum(x.amount) AS xp FROM xps x JOIN pulses p ON p.id = x.pulse_id JOIN languages l ON l.id = x.language_id WHERE p.user_id = ? GROUP BY l.name ORDER BY l.name",
        )
          .bind(userId)
          .all()
      ).results;
    expect(await xp(shuffled.userId)).toEqual(await xp(inOrder.userId));
  });
});

describe("timeout setting and deletions", () => {
  it("rebuilds coding time for a new timeout, and a deleted machine takes exactly its share away", async () => {
    const u = await createUser();
    const desk = await addMachine(u.userId, "Desk");
    const base = Math.floor(Date.now() / 1000) - 2 * 86_400;
    await postHeartbeats(
      u.token,
      [0, 300, 1_200, 1_260].map((d, i) => hb(base + d, { entity: `l${i}` })),
    );
    await postHeartbeats(
      desk,
      [100, 700, 1_230].map((d, i) => hb(base + d, { entity: `d${i}` })),
    );
    const all = (await rows(u.userId)).map(timed);
    const total = async () =>
      Number(
        await env.DB.prepare("SELECT coalesce(sum(ms), 0) AS ms FROM coding_time_daily WHERE user_id = ? AND dim = 'total'")
          .bind(u.userId)
          .first("ms"),
      );
    expect(await total()).toBe(dayTotalMs([...codingTimeByDay(all, 15).values()][0]));
    await saveSettings(env.DB, { userId: u.userId, timeoutMinutes: 5, timeZone: null, showProjects: false });
    await rebuildCodingTime(env.DB, u.userId, 5);
    expect(await total()).toBe(dayTotalMs([...codingTimeByDay(all, 5).values()][0]));
    const deskId = await env.DB.prepare("SELECT id FROM machines WHERE user_id = ? AND name = 'Desk'").bind(u.userId).first<number>("id");
    await deleteMachine(env.DB, u.userId, deskId!);
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(4);
    const left = (await rows(u.userId)).map(timed);
    expect(await total()).toBe(dayTotalMs([...codingTimeByDay(left, 5).values()][0]));
  });
});

describe("presentation", () => {
  it("writes durations the way WakaTime does", () => {
    expect(humanDuration(7)).toBe("7 secs");
    expect(humanDuration(61)).toBe("1 min");
    expect(humanDuration(3_600 + 15 * 60)).toBe("1 hr 15 mins");
    expect(humanDuration(2 * 3_600 + 17 * 60 + 36)).toBe("2 hrs 17 mins");
    expect(durationFields(8_256_000)).toMatchObject({ digital: "2:17", decimal: "2.28", hours: 2, minutes: 17, seconds: 36 });
  });
});
