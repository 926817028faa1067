// The read endpoints: summaries, stats (private users answer like unknown ones), all-time, the
// current user, and the coding-time fields of the profile API (projects only for the owner or opt-in).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, createUser, profile } from "../helpers";
import { saveSettings } from "../../worker/db/heartbeats";
import { basic, hb, postHeartbeats } from "./wk-helpers";

const MIN = 60;
const get = (path: string, token?: string) => api(path, token ? { headers: { authorization: basic(token) } } : undefined);

/** 10 minutes of Go in project "secret" on a UTC day some days ago (gaps of 5 minutes). */
async function tenMinutes(token: string, daysAgo: number): Promise<string> {
  const day = new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
  const t = Date.parse(`${day}T10:00:00Z`) / 1000;
  expect(
    (
      await postHeartbeats(
        token,
        [0, 5, 10].map((m, i) => hb(t + m * MIN, { entity: `s${i}`, language: "Go", project: "secret", editor: "vim" })),
      )
    ).status,
  ).toBe(201);
  return day;
}

describe("summaries", () => {
  it("gives one document per day with totals, a cumulative total and a daily average", async () => {
    const u = await createUser();
    const day = await tenMinutes(u.token, 3);
    const before = new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10);
    const res = await get(`/api/v1/users/current/summaries?start=${before}&end=${day}&timezone=UTC`, u.token);
    expect(res.status).toBe(200);
    const body = await res.json<any>();
    expect(body.data).toHaveLength(2);
    expect(body.data[0].grand_total.total_seconds).toBe(0);
    expect(body.data[1]).toMatchObject({ grand_total: { total_seconds: 600, text: "10 mins" }, range: { date: day, timezone: "UTC" } });
    expect(body.data[1].projects).toEqual([expect.objectContaining({ name: "secret", total_seconds: 600, percent: 100 })]);
    expect(body.data[1].languages[0]).toMatchObject({ name: "Go", total_seconds: 600, digital: "0:10" });
    expect(body.cumulative_total).toMatchObject({ seconds: 600, text: "10 mins" });
    expect(body.daily_average).toMatchObject({ days_including_holidays: 2, days_minus_holidays: 1, holidays: 1, seconds: 600 });
    const ranged = await (await get("/api/compat/wakatime/v1/users/current/summaries?range=last_7_days", u.token)).json<any>();
    expect(ranged.data).toHaveLength(7);
    expect(ranged.cumulative_total.seconds).toBe(600);
  });

  it.each([
    ["?start=2026-01-10", 400],
    ["?start=nope&end=2026-01-01", 400],
    ["?start=2026-02-01&end=2026-01-01", 400],
    ["?start=2020-01-01&end=2026-01-01", 400],
    ["?range=forever", 400],
  ])("answers %s with a JSON 400", async (query, status) => {
    const u = await createUser();
    const res = await get(`/api/v1/users/current/summaries${query}`, u.token);
    expect(res.status).toBe(status);
    expect((await res.json<any>()).error).toBeTypeOf("string");
  });

  it("needs a key", async () => {
    expect((await get("/api/v1/users/current/summaries?range=today")).status).toBe(401);
  });
});

describe("stats/{range}", () => {
  it("serves a public user's stats without a key, hiding projects unless opted in", async () => {
    const u = await createUser();
    await tenMinutes(u.token, 2);
    const res = await get(`/api/v1/users/${u.username}/stats/last_7_days`);
    expect(res.status).toBe(200);
    const { data } = await res.json<any>();
    expect(data).toMatchObject({
      username: u.username,
      total_seconds: 600,
      human_readable_total: "10 mins",
      range: "last_7_days",
      is_up_to_date: true,
    });
    expect(data.languages[0]).toMatchObject({ name: "Go", total_seconds: 600 });
    expect(data.best_day.total_seconds).toBe(600);
    expect(data.projects).toBeUndefined();
    expect(JSON.stringify(data)).not.toContain("secret");
    // The owner sees projects; so does everyone once the owner opts in.
    expect((await (await get(`/api/v1/users/current/stats/last_7_days`, u.token)).json<any>()).data.projects[0].name).toBe("secret");
    await saveSettings(env.DB, { userId: u.userId, timeoutMinutes: 15, timeZone: null, showProjects: true });
    expect((await (await get(`/api/v1/users/${u.username}/stats/all_time`)).json<any>()).data.projects[0].name).toBe("secret");
  });

  it("answers a private user exactly like an unknown one, to anyone but the owner", async () => {
    const u = await createUser({ private: true });
    await tenMinutes(u.token, 1);
    const stranger = await createUser();
    for (const token of [undefined, stranger.token]) {
      const priv = await get(`/api/v1/users/${u.username}/stats/last_7_days`, token);
      const unknown = await get(`/api/v1/users/nobody-${crypto.randomUUID().slice(0, 8)}/stats/last_7_days`, token);
      expect(priv.status).toBe(404);
      expect(unknown.status).toBe(404);
      expect(await priv.text()).toBe(await unknown.text());
    }
    expect((await get(`/api/v1/users/${u.username}/stats/last_7_days`, u.token)).status).toBe(200);
  });

  it("answers odd user segments with a JSON 4xx, never a 5xx", async () => {
    const u = await createUser();
    for (const segment of ["%E0%A4%A", "100%25", "a%2Fb", "%00", "x".repeat(300)]) {
      const res = await get(`/api/v1/users/${segment}/stats/last_7_days`);
      expect(res.status, segment).toBeGreaterThanOrEqual(400);
      expect(res.status, segment).toBeLessThan(500);
      const post = await postHeartbeats(u.token, [hb(Math.floor(Date.now() / 1000) - 60)], {
        path: `/api/v1/users/${segment}/heartbeats.bulk`,
      });
      expect(post.status, segment).toBeGreaterThanOrEqual(400);
      expect(post.status, segment).toBeLessThan(500);
    }
  });

  it("refuses an unknown range with a JSON 400", async () => {
    const u = await createUser();
    const res = await get(`/api/v1/users/${u.username}/stats/last_century`);
    expect(res.status).toBe(400);
  });
});

describe("all_time_since_today and users/current", () => {
  it("sum all coding time and describe the key's user", async () => {
    const u = await createUser();
    await tenMinutes(u.token, 20);
    await tenMinutes(u.token, 2);
    const all = await (await get("/api/v1/users/current/all_time_since_today", u.token)).json<any>();
    expect(all.data).toMatchObject({ total_seconds: 1200, text: "20 mins", is_up_to_date: true });
    expect(all.data.range.start_date).toBe(new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10));
    const me = await (await get("/api/v1/users/current", u.token)).json<any>();
    expect(me.data).toMatchObject({ username: u.username, timezone: "UTC", timeout: 15 });
    expect((await get("/api/v1/users/current")).status).toBe(401);
  });
});

describe("profile API coding time", () => {
  it("adds coding time for users who send heartbeats and leaves the Code::Stats fields as they are", async () => {
    const plain = await createUser();
    const before = await profile(plain.username);
    expect(before.coding_time).toBeUndefined();
    const u = await createUser();
    await tenMinutes(u.token, 1);
    const p = await profile(u.username);
    expect(
      Object.keys(p)
        .filter((k) => k !== "coding_time")
        .sort(),
    ).toEqual(Object.keys(before).sort());
    expect(p.coding_time.last_7_days).toMatchObject({
      total_seconds: 600,
      text: "10 mins",
      languages: [{ name: "Go", total_seconds: 600, text: "10 mins" }],
      editors: [{ name: "vim", total_seconds: 600, text: "10 mins" }],
    });
    expect(p.coding_time.last_7_days.projects).toBeUndefined();
    expect(p.coding_time.today.total_seconds).toBe(0);
    // The owner's own profile (by key) includes projects.
    const mine = await (await api("/api/my/profile", { headers: { "x-api-token": u.token } })).json<any>();
    expect(mine.coding_time.last_7_days.projects[0].name).toBe("secret");
  });
});
