// Hostile heartbeat requests: never a 5xx, always JSON, one well-formed answer per item, and exactly
// the items answered 201 as new are stored.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { count, createUser } from "../helpers";
import { ODD_NAMES, Random } from "../fuzz/generators";
import { postHeartbeats } from "./wk-helpers";

const ITERATIONS = 300;

function hostileValue(r: Random, now: number): unknown {
  return r.pick<unknown>([
    null,
    true,
    0,
    -1,
    1e308,
    Number.MAX_SAFE_INTEGER,
    "",
    " ",
    "12abc",
    "1e3",
    "NaN",
    [],
    {},
    [1, 2],
    { a: 1 },
    now / 1000,
    String(now / 1000),
    now,
    now * 1000,
    new Date(now).toISOString(),
    "2001-02-30T25:61:00Z",
    r.pick(ODD_NAMES),
    "x".repeat(r.int(5000)),
    "\u0000\u0001\u001f",
    "\ud800",
    "<<LAST_PROJECT>>",
    "<<LAST_LANGUAGE>>",
    "<<LAST_BRANCH>>",
  ]);
}

function hostileItem(r: Random, now: number): unknown {
  if (r.chance(0.1)) return hostileValue(r, now);
  const item: Record<string, unknown> = {};
  const fields = [
    "entity",
    "type",
    "time",
    "category",
    "project",
    "branch",
    "language",
    "lines",
    "lineno",
    "cursorpos",
    "is_write",
    "user_agent",
    "plugin",
    "editor",
    "operating_system",
    "machine",
    "hackatime",
    "__proto__",
    "constructor",
  ];
  for (const f of fields) if (r.chance(0.6)) item[f] = hostileValue(r, now);
  // Often a plausible core, so the valid path is fuzzed too.
  if (r.chance(0.5))
    Object.assign(item, {
      entity: r.pick(ODD_NAMES),
      time: now / 1000 - r.int(86_400),
      type: r.pick(["file", "domain", "app", "url", "FILE"]),
    });
  return item;
}

describe(`heartbeat fuzz (${ITERATIONS} requests)`, () => {
  it("answers every hostile request with JSON and a well-formed item per heartbeat, storing exactly the new valid ones", async () => {
    const users = await Promise.all(Array.from({ length: 10 }, () => createUser()));
    const r = new Random(20261201);
    const failures: string[] = [];
    const seen = { stored: 0, itemErrors: 0, requestErrors: 0 };
    for (let i = 0; i < ITERATIONS; i++) {
      const u = users[i % users.length]!;
      const now = Date.now();
      const body = r.chance(0.1)
        ? r.pick(["", "[", "{}x", "null", "1", '"s"', "[[[[[]]]]]", "\u0000"])
        : JSON.stringify(r.chance(0.7) ? Array.from({ length: r.int(12) }, () => hostileItem(r, now)) : hostileItem(r, now));
      const before = await count("heartbeats", "user_id = ?", u.userId);
      const headers: Record<string, string> = {
        "content-type": r.pick(["application/json", "text/plain", "", "application/x-www-form-urlencoded"]),
        timezone: r.pick(["UTC", "Europe/Helsinki", "Mars/Base", "", "x".repeat(100)]),
        "x-machine-name": r.pick(["%", "%E0%A4%A", "host", "a%20b"]),
      };
      const res = await postHeartbeats(u.token, body, {
        headers,
        path: r.pick(["/api/v1/users/current/heartbeats.bulk", "/api/heartbeats", "/api/v1/users/current/heartbeats"]),
      });
      const text = await res.text();
      const describe = `${res.status} ${text.slice(0, 160)} <- ${body.slice(0, 160)}`;
      if (res.status >= 500) failures.push(`5xx: ${describe}`);
      let parsed: any;
      try {
        parsed = JSON.parse(text);
      } catch {
        failures.push(`not JSON: ${describe}`);
        continue;
      }
      const after = await count("heartbeats", "user_id = ?", u.userId);
      if (res.status >= 400) {
        if (typeof parsed.error !== "string") failures.push(`no error message: ${describe}`);
        if (after !== before) failures.push(`a refused request wrote: ${describe}`);
        seen.requestErrors++;
        continue;
      }
      const items: [any, number][] = parsed.responses ?? [[parsed, res.status]];
      for (const [item, status] of items) {
        if (status === 201 ? typeof item.data?.entity !== "string" : status !== 400 || typeof item.error !== "string")
          failures.push(`bad item ${JSON.stringify(item).slice(0, 100)} ${status}: ${describe}`);
      }
      seen.stored += after - before;
      seen.itemErrors += items.filter(([, s]) => s === 400).length;
      const accepted = new Set(items.filter(([, s]) => s === 201).map(([item]) => item.data.id)).size;
      if (after - before > accepted) failures.push(`stored more than it accepted (${after - before} > ${accepted}): ${describe}`);
    }
    expect(failures.slice(0, 10)).toEqual([]);
    // The run reached all three outcomes.
    expect(seen.stored).toBeGreaterThan(10);
    expect(seen.itemErrors).toBeGreaterThan(10);
    expect(seen.requestErrors).toBeGreaterThan(5);
    // The coding-time aggregate still equals a recomputation for every user.
    for (const u of users) {
      const stored = Number(
        await env.DB.prepare("SELECT coalesce(sum(ms), 0) AS ms FROM coding_time_daily WHERE user_id = ? AND dim = 'total'")
          .bind(u.userId)
          .first("ms"),
      );
      const { results } = await env.DB.prepare(
        "SELECT time_ms AS t, local_date AS d FROM heartbeats WHERE user_id = ? ORDER BY time_ms, id",
      )
        .bind(u.userId)
        .all<{ t: number; d: string }>();
      let expected = 0;
      for (let k = 0; k + 1 < results.length; k++)
        if (results[k]!.d === results[k + 1]!.d && results[k + 1]!.t - results[k]!.t <= 15 * 60_000)
          expected += results[k + 1]!.t - results[k]!.t;
      expect(stored).toBe(expected);
    }
  });
});
