// The live objects' and machine list's D1 reads (drizzle) return what the hand-written SQL they
// replaced returned, on one user with two machines, several days, hours, a global and a user alias.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  loadBookedNames,
  loadFeedBaseline,
  loadFeedWindows,
  loadMachines,
  loadPulsesAfter,
  loadPulseSeq,
  loadUserAggregates,
} from "../../worker/db/live";
import { listMachines } from "../../worker/db/machines";
import { addMachine, createUser, postPulse, pulse, uniqueName, type TestUser } from "../helpers";

const HOUR = 3_600_000;
const now = Date.now();
let u: TestUser;
let langs: { main: string; other: string; globalAlias: string; userAlias: string };

/** Rows of the reference SQL, sorted by their JSON (the replaced queries had no ORDER BY either). */
async function reference<T>(query: string, ...params: unknown[]): Promise<T[]> {
  const { results } = await env.DB.prepare(query)
    .bind(...params)
    .all<T>();
  return sorted(results);
}

function sorted<T>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

beforeAll(async () => {
  u = await createUser();
  const second = await addMachine(u.userId, "Desktop");
  const tag = uniqueName("lr");
  langs = { main: `${tag}-Main`, other: `${tag}-Other`, globalAlias: `${tag}-GlobalAlias`, userAlias: `${tag}-UserAlias` };
  // Every language exists before the aliases point at each other.
  expect(
    (
      await postPulse(
        u.token,
        pulse(
          Object.values(langs).map((language) => ({ language, xp: 1 })),
          now - 50 * HOUR,
        ),
      )
    ).status,
  ).toBe(201);
  const id = (name: string) => env.DB.prepare("SELECT id FROM languages WHERE name_key = lower(?)").bind(name).first<number>("id");
  // Both aliases point at Main for everyone; this user books UserAlias on Other instead.
  await env.DB.prepare("UPDATE languages SET alias_of = ? WHERE id IN (?, ?)")
    .bind(await id(langs.main), await id(langs.globalAlias), await id(langs.userAlias))
    .run();
  await env.DB.prepare("INSERT INTO user_language_aliases (user_id, language_id, target_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(u.userId, await id(langs.userAlias), await id(langs.other), now)
    .run();
  const sends: [string, { language: string; xp: number }[], number, number][] = [
    [u.token, [{ language: langs.main, xp: 10 }], now - 30 * HOUR, 120],
    [
      u.token,
      [
        { language: langs.globalAlias, xp: 7 },
        { language: langs.other, xp: 500 },
      ],
      now - 3 * HOUR,
      0,
    ],
    [second, [{ language: langs.userAlias, xp: 4 }], now - 2 * HOUR, -300],
    [second, [{ language: langs.main, xp: 600 }], now - HOUR, 60],
  ];
  for (const [token, xps, at, offset] of sends) expect((await postPulse(token, pulse(xps, at, offset))).status).toBe(201);
});

describe("live reads through drizzle", () => {
  it("loadUserAggregates: the same snapshot as the replaced SQL", async () => {
    const daysSince = new Date(now - 40 * HOUR).toISOString().slice(0, 10);
    const recentSince = now - 12 * HOUR;
    const a = await loadUserAggregates(env.DB, u.userId, recentSince, daysSince);
    const user = await env.DB.prepare(
      "SELECT id, username, private, created_at AS createdAt, pulse_seq AS pulseSeq FROM users WHERE id = ?",
    )
      .bind(u.userId)
      .first<{ id: number; username: string; private: number; createdAt: number; pulseSeq: number }>();
    expect(a!.identity).toEqual({ userId: user!.id, username: user!.username, private: false, createdAt: user!.createdAt });
    expect(a!.pulseSeq).toBe(5);
    const machines = await reference<{ id: number; name: string; active: number; xp: number }>(
      `SELECT m.id, m.name, m.active, coalesce((SELECT SUM(h.xp) FROM machine_hourly_xp h WHERE h.machine_id = m.id), 0) AS xp
       FROM machines m WHERE m.user_id = ?`,
      u.userId,
    );
    expect(sorted(a!.machines)).toEqual(machines.map((m) => ({ ...m, active: m.active === 1 })));
    expect(sorted(a!.languages)).toEqual(
      await reference(
        `SELECT l.name, SUM(d.xp) AS xp FROM machine_daily_xp d JOIN languages l ON l.id = d.language_id
         WHERE d.user_id = ? GROUP BY d.language_id`,
        u.userId,
      ),
    );
    expect(sorted(a!.dates)).toEqual(
      await reference("SELECT local_date AS date, SUM(xp) AS xp FROM machine_daily_xp WHERE user_id = ? GROUP BY local_date", u.userId),
    );
    expect(sorted(a!.hours)).toEqual(
      await reference("SELECT local_hour AS hour, SUM(xp) AS xp FROM machine_hourly_xp WHERE user_id = ? GROUP BY local_hour", u.userId),
    );
    const dayLanguages = await reference(
      `SELECT d.local_date AS date, l.name AS language, SUM(d.xp) AS xp FROM machine_daily_xp d JOIN languages l ON l.id = d.language_id
       WHERE d.user_id = ? AND d.local_date >= ? GROUP BY d.local_date, d.language_id`,
      u.userId,
      daysSince,
    );
    expect(sorted(a!.dayLanguages)).toEqual(dayLanguages);
    const recent = await reference(
      `SELECT p.seq, p.coded_at AS codedAt, p.machine_id AS machineId, l.name AS language, x.amount AS xp
       FROM pulses p JOIN xps x ON x.pulse_id = p.id JOIN languages l ON l.id = x.language_id
       WHERE p.user_id = ? AND p.coded_at >= ?`,
      u.userId,
      recentSince,
    );
    expect(sorted(a!.recent)).toEqual(recent);
    // The fixture reaches every part: both machines, XP booked through the global alias, four XP rows in the window.
    expect(sorted(a!.machines.map((m) => m.xp))).toEqual([521, 604]);
    expect(a!.languages.find((l) => l.name === langs.main)?.xp).toBe(1 + 10 + 7 + 600);
    expect(recent).toHaveLength(4);
  });

  it("loadUserAggregates: null for a user that does not exist", async () => {
    expect(await loadUserAggregates(env.DB, 2_000_000_000, 0, "2000-01-01")).toBeNull();
  });

  it("loadPulsesAfter: the pulses after a sequence, in order, with booked names per XP row", async () => {
    const pulses = await loadPulsesAfter(env.DB, u.userId, 2, 2);
    const { results } = await env.DB.prepare(
      `SELECT p.seq, p.id AS pulseId, p.machine_id AS machineId, p.coded_at AS codedAt, p.utc_offset AS utcOffset,
         (SELECT json_group_array(json_array(l.name, x.amount)) FROM xps x JOIN languages l ON l.id = x.language_id
          WHERE x.pulse_id = p.id) AS xps
       FROM pulses p WHERE p.user_id = ? AND p.seq > ? ORDER BY p.seq LIMIT ?`,
    )
      .bind(u.userId, 2, 2)
      .all<{ xps: string }>();
    expect(pulses).toEqual(
      results.map((r) => ({ ...r, xps: (JSON.parse(r.xps) as [string, number][]).map(([language, amount]) => ({ language, amount })) })),
    );
    expect(pulses.map((p) => p.seq)).toEqual([3, 4]);
    expect(pulses[0]!.xps).toEqual(
      expect.arrayContaining([
        { language: langs.main, amount: 7 },
        { language: langs.other, amount: 500 },
      ]),
    );
    expect(pulses[1]).toMatchObject({ utcOffset: -300, xps: [{ language: langs.other, amount: 4 }] });
  });

  it("loadMachines and listMachines: the machines with booleans, XP and the list's order", async () => {
    const list = await listMachines(env.DB, u.userId);
    const rows = await env.DB.prepare(
      `SELECT m.id, m.name, m.active, m.created_at AS createdAt, m.last_pulse_at AS lastPulseAt,
              coalesce((SELECT SUM(h.xp) FROM machine_hourly_xp h WHERE h.machine_id = m.id), 0) AS xp
       FROM machines m WHERE m.user_id = ? ORDER BY m.created_at DESC, m.id DESC`,
    )
      .bind(u.userId)
      .all<{ active: number }>();
    expect(list).toEqual(rows.results.map((r) => ({ ...r, active: r.active === 1 })));
    expect(list.map((m) => m.name)).toEqual(["Desktop", "Laptop"]);
    expect(list.map((m) => m.xp)).toEqual([604, 4 + 10 + 507]); // Desktop, then Laptop (with the first pulse's four languages)
    expect(sorted(await loadMachines(env.DB, u.userId))).toEqual(sorted(list.map(({ id, name, active }) => ({ id, name, active }))));
  });

  it("loadBookedNames: the user's alias first, then the global one, then the name itself", async () => {
    const keys = Object.values(langs).map((n) => n.toLowerCase());
    const names = await loadBookedNames(env.DB, u.userId, [...keys, "no-such-language-key"]);
    expect(Object.fromEntries(names)).toEqual({
      [langs.main.toLowerCase()]: langs.main,
      [langs.other.toLowerCase()]: langs.other,
      [langs.globalAlias.toLowerCase()]: langs.main,
      [langs.userAlias.toLowerCase()]: langs.other,
    });
    // Another user has no own alias: the global booking.
    const stranger = await createUser();
    expect((await loadBookedNames(env.DB, stranger.userId, [langs.userAlias.toLowerCase()])).get(langs.userAlias.toLowerCase())).toBe(
      langs.main,
    );
  });

  it("loadPulseSeq: the user's sequence, null for no user", async () => {
    expect(await loadPulseSeq(env.DB, u.userId)).toBe(5);
    expect(await loadPulseSeq(env.DB, 2_000_000_000)).toBeNull();
  });

  it("loadFeedBaseline and loadFeedWindows: the front page's figures as the replaced SQL summed them", async () => {
    const baseline = await loadFeedBaseline(env.DB);
    const total = await env.DB.prepare("SELECT coalesce(SUM(total_xp), 0) AS xp FROM users WHERE private = 0").first<number>("xp");
    const top = await env.DB.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'pulses'), 0) AS id").first<number>(
      "id",
    );
    expect(baseline).toEqual({ totalXp: total, watermark: top });
    expect(baseline.watermark).toBeGreaterThan(0);

    const opts = { minutesSince: now - 4 * HOUR, languagesSince: now - 24 * HOUR, watermark: baseline.watermark, rowCap: 400 };
    const windows = await loadFeedWindows(env.DB, opts);
    const minutes = await reference(
      `SELECT (p.coded_at / 60000) * 60000 AS minute, SUM(min(x.amount, ?)) AS xp
       FROM pulses p JOIN users u ON u.id = p.user_id AND u.private = 0 JOIN xps x ON x.pulse_id = p.id
       WHERE p.coded_at >= ? AND p.id <= ? GROUP BY minute`,
      opts.rowCap,
      opts.minutesSince,
      opts.watermark,
    );
    const languageHours = await reference(
      `SELECT (p.coded_at / 3600000) * 3600000 AS hour, l.name AS language, SUM(x.amount) AS xp
       FROM pulses p JOIN users u ON u.id = p.user_id AND u.private = 0
       JOIN xps x ON x.pulse_id = p.id JOIN languages l ON l.id = x.language_id
       WHERE p.coded_at >= ? AND p.id <= ? GROUP BY hour, x.language_id`,
      opts.languagesSince,
      opts.watermark,
    );
    expect(sorted(windows.minutes)).toEqual(minutes);
    expect(sorted(windows.languageHours)).toEqual(languageHours);
    // This user's capped row is in it: 600 XP counts 400 in its minute.
    const minuteOf = Math.floor((now - HOUR) / 60_000) * 60_000;
    expect(windows.minutes.find((m) => m.minute === minuteOf)?.xp).toBeGreaterThanOrEqual(400);
  });
});
