// Leaderboards: ranking and ties, per language (booked names), privacy flips and deletions at once,
// ranges at week boundaries in each user's zone, the WakaTime shape, bad input; the store's day roll.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, codedAt, createUser, postPulse, uniqueName } from "../helpers";
import { addMachine, signedUp } from "../accounts/browser";
import { addDays, localDate } from "../../worker/domain/leaderboard";
import { LeaderboardStore } from "../../worker/objects/leaderboard-store";

type Board = {
  range: string;
  language: string | null;
  page: number;
  total_pages: number;
  total_users: number;
  users: { rank: number; username: string; xp: number; level: number; languages: { name: string; xp: number }[] }[];
};

async function board(query: string): Promise<Board> {
  const res = await api(`/api/leaderboards${query}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("access-control-allow-origin")).toBe("*");
  return res.json();
}

const send = (token: string, language: string, xp: number, at = Date.now() - 60_000, offset = 0) =>
  postPulse(token, { coded_at: codedAt(at, offset), xps: [{ language, xp }] }).then((r) => expect(r.status).toBe(201));

/** A UTC offset (minutes, a multiple of 15) at which the local time now is about `hour` o'clock. */
function offsetForLocalHour(hour: number): number {
  const now = new Date();
  const utcMinutes = now.getUTCHours() * 60 + now.getUTCMinutes();
  let offset = Math.round((hour * 60 - utcMinutes) / 15) * 15;
  if (offset > 12 * 60) offset -= 24 * 60;
  if (offset < -12 * 60) offset += 24 * 60;
  return offset;
}

describe("leaderboards", () => {
  it("ranks users of a language by XP with competition ranks for ties, and pages them", async () => {
    const lang = uniqueName("Lang");
    const users = await Promise.all([50, 80, 80, 20].map(async (xp) => ({ ...(await createUser()), xp })));
    for (const u of users) await send(u.token, lang, u.xp);
    const b = await board(`?language=${lang.toUpperCase()}`);
    expect(b.language).toBe(lang); // the booked spelling
    expect(b.total_users).toBe(4);
    const tied = users
      .filter((u) => u.xp === 80)
      .map((u) => u.username)
      .sort();
    expect(b.users.map((u) => [u.rank, u.xp])).toEqual([
      [1, 80],
      [1, 80],
      [3, 50],
      [4, 20],
    ]);
    expect(b.users.slice(0, 2).map((u) => u.username)).toEqual(tied); // ties by name
    expect(b.users[0]!.languages).toEqual([{ name: lang, xp: 80 }]);
    const page2 = await board(`?language=${lang}&page=2`);
    expect(page2.users).toEqual([]);
    expect(page2.total_pages).toBe(1);
  });

  it("merges aliases into the booked language and counts overall across languages", async () => {
    const target = uniqueName("Target");
    const alias = uniqueName("alias");
    const u = await createUser();
    await send(u.token, target, 5);
    await send(u.token, alias, 7);
    await env.DB.prepare("UPDATE languages SET alias_of = (SELECT id FROM languages WHERE name = ?) WHERE name = ?")
      .bind(target, alias)
      .run();
    await send(u.token, alias, 11); // booked on the target from now on
    expect((await board(`?language=${target}`)).users.map((e) => e.xp)).toEqual([16]);
    const all = await board(`?range=week&page=1`);
    expect(all.total_users).toBeGreaterThanOrEqual(1);
    const everywhere = [];
    for (let page = 1; page <= all.total_pages; page++) everywhere.push(...(await board(`?page=${page}`)).users);
    expect(everywhere.find((e) => e.username === u.username)?.xp).toBe(23);
  });

  it("never shows private users, and a privacy flip or deletion takes effect on every board at once", async () => {
    const lang = uniqueName("Priv");
    const hidden = await createUser({ private: true });
    await send(hidden.token, lang, 999);
    const { browser, username } = await signedUp();
    const { token } = await addMachine(browser, "Box");
    await send(token, lang, 40);
    const names = async (q: string) => (await board(q)).users.map((e) => e.username);
    for (const range of ["week", "month", "year", "all"]) expect(await names(`?range=${range}&language=${lang}`)).toEqual([username]);

    await browser.post("/my/preferences/privacy", { private: "on" });
    for (const range of ["week", "month", "year", "all"]) expect(await names(`?range=${range}&language=${lang}`)).toEqual([]);
    const wakapi = await (await api(`/api/v1/leaders?language=${lang}`)).json<{ data: unknown[] }>();
    expect(wakapi.data).toEqual([]);

    await browser.post("/my/preferences/privacy", {});
    expect(await names(`?language=${lang}`)).toEqual([username]);

    await browser.post("/my/preferences/delete-account", { confirmation: "DELETE" });
    expect(await names(`?range=all&language=${lang}`)).toEqual([]);
  });

  it("drops a deleted machine's XP from the boards", async () => {
    const lang = uniqueName("Mach");
    const { browser } = await signedUp();
    const a = await addMachine(browser, "A");
    const b = await addMachine(browser, "B");
    await send(a.token, lang, 30);
    await send(b.token, lang, 12);
    expect((await board(`?language=${lang}`)).users[0]!.xp).toBe(42);
    await browser.post(`/my/machines/${b.machineId}/delete`, { confirm: "yes" });
    expect((await board(`?language=${lang}&range=all`)).users[0]!.xp).toBe(30);
    expect((await board(`?language=${lang}`)).users[0]!.xp).toBe(30);
  });

  it("ranges end at each user's local week boundary, in the zone of their latest pulse", async () => {
    const lang = uniqueName("Zone");
    const cases = [offsetForLocalHour(12), offsetForLocalHour(12) > 0 ? offsetForLocalHour(12) - 6 * 60 : offsetForLocalHour(12) + 6 * 60];
    const users = [];
    for (const offset of cases) {
      const u = await createUser();
      const today = localDate(Date.now(), offset);
      // The first instant of the week's first local day (today - 6) in this user's zone.
      const weekStarts = Date.parse(`${addDays(today, -6)}T00:00:00Z`) - offset * 60_000;
      await send(u.token, lang, 1000, weekStarts - 60_000, offset); // local day today - 7: outside the week
      await send(u.token, lang, 10, weekStarts + 60_000, offset); // local day today - 6: inside
      await send(u.token, lang, 1, Date.now() - 60_000, offset);
      users.push(u);
    }
    const week = await board(`?language=${lang}&range=week`);
    const month = await board(`?language=${lang}&range=month`);
    for (const u of users) {
      expect(week.users.find((e) => e.username === u.username)?.xp).toBe(11);
      expect(month.users.find((e) => e.username === u.username)?.xp).toBe(1011);
    }
  });

  it("serves the WakaTime leaders shape (Wakapi's) and rejects bad parameters with JSON 400s", async () => {
    const lang = uniqueName("Waka");
    const u = await createUser();
    await send(u.token, lang, 700);
    const res = await api(`/api/v1/leaders?language=${lang}`);
    expect(res.status).toBe(200);
    const doc = await res.json<any>();
    expect(doc).toMatchObject({ language: lang, page: 1, total_pages: 1, current_user: null, range: { name: "last_7_days" } });
    expect(doc.data).toEqual([
      {
        rank: 1,
        running_total: {
          total_seconds: 700,
          human_readable_total: "700 XP",
          daily_average: 100,
          human_readable_daily_average: "100 XP",
          languages: [{ name: lang, total_seconds: 700 }],
        },
        user: expect.objectContaining({ username: u.username, display_name: u.username }),
      },
    ]);
    for (const q of ["?range=decade", "?page=0", "?page=abc", "?page=1e3", `?language=${"x".repeat(300)}`]) {
      const bad = await api(`/api/leaderboards${q}`);
      expect(bad.status).toBe(400);
      expect(Object.keys(await bad.json<object>())).toEqual(["error"]);
    }
    expect((await board(`?language=${uniqueName("Nobody")}`)).users).toEqual([]);
  });
});

describe("building from the rollups", () => {
  it("pages through users in batches, and counts pulses sent after a rebuild once", async () => {
    const lang = uniqueName("Build");
    const users = await Promise.all([3, 1, 2].map(async (xp) => ({ ...(await createUser()), xp })));
    for (const u of users) await send(u.token, lang, u.xp * 10);
    const fresh = env.LEADERBOARDS.getByName(uniqueName("rebuild"));
    const xps = async () => {
      const doc = JSON.parse(await fresh.board({ range: "week", language: lang, page: 1 })) as Board;
      return Object.fromEntries(doc.users.map((e) => [e.username, e.xp]));
    };
    await fresh.rebuild(2); // two user ids per batch: many batches
    expect(await xps()).toEqual(Object.fromEntries(users.map((u) => [u.username, u.xp * 10])));
    await send(users[1]!.token, lang, 5);
    await fresh.sync();
    expect((await xps())[users[1]!.username]).toBe(15);
    await fresh.rebuild(1000);
    expect((await xps())[users[1]!.username]).toBe(15);
    await fresh.sync();
    expect((await xps())[users[1]!.username]).toBe(15);
  });
});

describe("leaderboard store", () => {
  it("moves a user to the next local day at their midnight: XP leaves the week exactly then", async () => {
    const stub = env.LEADERBOARDS.getByName(uniqueName("store"));
    await runInDurableObject(stub, (_instance, state) => {
      const store = new LeaderboardStore(state.storage.sql);
      const offset = -300; // UTC-5
      const now = Date.parse("2026-03-10T12:00:00Z"); // 07:00 local on 2026-03-10
      store.beginBuild();
      store.finishBuild(now);
      store.addUser({ userId: 1, username: "zoe", private: false });
      // 2026-03-04 23:30 local (04:30 UTC on the 5th): the week's first day until local midnight of the 10th.
      store.applyXp(
        [{ pulseId: 1, userId: 1, codedAt: Date.parse("2026-03-05T04:30:00Z"), utcOffset: offset, languageId: 7, amount: 9 }],
        now,
      );
      store.applyXp([{ pulseId: 2, userId: 1, codedAt: now - 60_000, utcOffset: offset, languageId: 7, amount: 1 }], now);
      expect(store.score(1, "week", 0)).toBe(10);
      const beforeMidnight = Date.parse("2026-03-11T04:59:00Z");
      expect(store.rollDue(beforeMidnight)).toBe(0);
      expect(store.score(1, "week", 0)).toBe(10);
      const afterMidnight = Date.parse("2026-03-11T05:00:00Z");
      expect(store.rollDue(afterMidnight)).toBe(1);
      expect(store.score(1, "week", 0)).toBe(1);
      expect(store.score(1, "week", 7)).toBe(1);
      expect(store.score(1, "month", 0)).toBe(10);
      expect(store.score(1, "all", 7)).toBe(10);
      // A pulse already covered by a snapshot of the user is not counted twice.
      store.addSnapshot(
        {
          watermark: 5,
          users: [{ userId: 2, username: "ann", private: false, utcOffset: 0, codedAt: now }],
          daily: [{ userId: 2, date: "2026-03-11", languageId: 7, xp: 4 }],
          totals: [{ userId: 2, languageId: 7, xp: 4 }],
        },
        afterMidnight,
      );
      store.applyXp([{ pulseId: 5, userId: 2, codedAt: afterMidnight, utcOffset: 0, languageId: 7, amount: 4 }], afterMidnight);
      expect(store.score(2, "week", 0)).toBe(4);
      expect(store.score(2, "all", 0)).toBe(4);
      // A user first seen west of UTC, while their local date is still the day before UTC's.
      const early = Date.parse("2026-03-10T05:00:00Z"); // 2026-03-09 19:00 at UTC-10
      store.addUser({ userId: 3, username: "kai", private: false });
      store.applyXp(
        [{ pulseId: 6, userId: 3, codedAt: Date.parse("2026-03-03T20:00:00Z"), utcOffset: -600, languageId: 7, amount: 5 }],
        early,
      ); // local 03-03 10:00
      expect(store.score(3, "week", 0)).toBe(5); // the week is 03-03 ... 03-09 in their zone
    });
  });
});
