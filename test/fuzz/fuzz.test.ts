// Input fuzzing: generated hostile requests against every public surface. Pass condition: no 5xx,
// every API error a 4xx with a JSON message, and nothing written by a rejected request (D1 rows and
// live aggregates are byte-identical before and after). Then odd-but-valid inputs must be stored
// exactly. `npm run fuzz` runs 10,000 requests; `npm test` runs a bounded sample. FUZZ_SEED replays.
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, codedAt, createUser, postPulse, pulse, type TestUser } from "../helpers";
import { objectFigures, truthFromD1, userObject, waitForSeq } from "../live-helpers";
import { hostileBody, ODD_NAMES, Random } from "./generators";

const ITERATIONS = Number(env.FUZZ_ITERATIONS ?? 1_500);
const SEED = Number(env.FUZZ_SEED ?? 20_261_126);
// Tables a rejected request must not touch (rate-limit counters are meant to count rejections).
const TABLES = [
  "users",
  "machines",
  "languages",
  "pulses",
  "xps",
  "machine_daily_xp",
  "machine_hourly_xp",
  "sessions",
  "session_reveals",
  "password_resets",
  "outbox",
];

async function databaseState(): Promise<string> {
  const parts: string[] = [];
  for (const table of TABLES) {
    const { results } = await env.DB.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all();
    parts.push(`${table}:${JSON.stringify(results)}`);
  }
  return parts.join("\n");
}

interface Attempt {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  kind: "api" | "live" | "web";
}

function generate(r: Random, users: TestUser[]): Attempt {
  const user = r.pick(users);
  const at = codedAt(Date.now() - 60_000 - r.int(3_600_000), r.pick([0, 60, -300, 330]));
  const token = r.pick([
    user.token,
    user.token,
    `waka_${user.token}`,
    crypto.randomUUID(),
    "",
    " ",
    "SFMyNTY.OEotWWdnPT0jI01qaz0.X0wVEZquh8Ogau1iTtBihYqqL71FD8N6p5ChQiIpaxQ",
    `${user.token}x`,
    "x".repeat(4096),
    user.token.toUpperCase(),
  ]);
  const category = r.next();
  if (category < 0.55) {
    const headers: Record<string, string> = {
      "content-type": r.pick([
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin1",
        "APPLICATION/JSON",
        "",
        "application/jsonx",
      ]),
    };
    if (token !== "" && r.chance(0.95)) headers["x-api-token"] = token;
    // Spread over addresses, or the per-address limit on failed tokens would answer most with 429.
    headers["cf-connecting-ip"] = `192.0.2.${r.int(250)}`;
    if (r.chance(0.3))
      headers.accept = r.pick([
        "*/*",
        "application/json",
        "text/html",
        "application/xml",
        "*/*;q=0",
        "",
        "application/*",
        "text/*, application/json;q=0.1",
      ]);
    if (r.chance(0.05)) headers["x-padding"] = "p".repeat(r.int(8000));
    const path = r.pick([
      "/api/my/pulses",
      "/api/my/pulses/",
      "/api//my/pulses",
      "//api/my//pulses/",
      "/api/my/pulses?x=1",
      "/api/my/pulses#frag",
      "/api/my/%70ulses",
    ]);
    return {
      method: r.chance(0.85) ? "POST" : r.pick(["PUT", "PATCH", "GET", "DELETE"]),
      path,
      headers,
      body: hostileBody(r, at),
      kind: "api",
    };
  }
  if (category < 0.7) {
    const name = r.pick([
      ...ODD_NAMES,
      user.username,
      user.username.toUpperCase(),
      "",
      "%2F",
      "%00",
      "..",
      ".",
      "a/b",
      "%E0%A4%A",
      "+",
      "++",
      "%2B",
    ]);
    const path = `/api/users/${r.chance(0.5) ? encodeURIComponent(name) : name}`;
    return {
      method: r.pick(["GET", "HEAD", "OPTIONS", "POST", "DELETE"]),
      path,
      headers: r.chance(0.3) ? { accept: r.pick(["text/html", "*/*", "application/json"]) } : {},
      kind: "api",
    };
  }
  if (category < 0.8) {
    const path = r.pick([
      "/api",
      "/api/",
      "/api/../api/health",
      "/api/./health",
      "/api/%2e%2e/health",
      "/api/health%00",
      "/api/users",
      "/api/users/",
      "/api/my",
      "/api/my/profile",
      "/live",
      "/live/",
      "/live/users",
      "/live/feed/",
      "/live/users/%ZZ",
      "/api/" + "a/".repeat(500),
    ]);
    return {
      method: r.pick(["GET", "POST", "HEAD", "OPTIONS"]),
      path,
      headers: r.chance(0.5) ? { "x-api-token": token } : {},
      kind: path.startsWith("/live") ? "live" : "api",
    };
  }
  if (category < 0.9) {
    const path = r.pick([
      "/login",
      "/signup",
      "/logout",
      "/forgot-password",
      "/reset-password/abc",
      "/my/machines",
      "/my/machines/1/delete",
      "/my/machines/999999/rename",
      "/my/preferences",
      "/my/preferences/privacy",
      "/my/preferences/delete-account",
      "/my/preferences/password",
    ]);
    const fields = new URLSearchParams();
    for (let i = 0; i < r.int(5); i++)
      fields.set(
        r.pick(["username", "password", "email", "csrf", "name", "confirm", "confirmation", "private", "remember"]),
        r.pick([...ODD_NAMES, user.username, "DELETE", "yes", "on"]),
      );
    const headers: Record<string, string> = {
      "content-type": r.pick(["application/x-www-form-urlencoded", "multipart/form-data; boundary=zz", "application/json", "text/plain"]),
    };
    if (r.chance(0.5)) headers.origin = r.pick([BASE, "https://evil.example", "null"]);
    if (r.chance(0.5)) headers.cookie = r.pick(["__Host-session=" + "A".repeat(43), "__Host-csrf=abc", "x=y", "__Host-session=../../"]);
    headers["cf-connecting-ip"] = `203.0.113.${r.int(250)}`;
    return { method: "POST", path, headers, body: fields.toString(), kind: "web" };
  }
  const name = r.pick([...ODD_NAMES, user.username, "nobody"]);
  return {
    method: "GET",
    path: r.pick([`/live/users/${encodeURIComponent(name)}`, "/live/feed", "/live/users/", `/live/users/${name}`]),
    headers: { upgrade: r.pick(["websocket", "WebSocket", "h2c", ""]), ...(r.chance(0.3) ? { origin: "https://evil.example" } : {}) },
    kind: "live",
  };
}

function describeAttempt(a: Attempt): string {
  const body = typeof a.body === "string" ? a.body.slice(0, 120) : a.body ? `<${a.body.byteLength} bytes>` : "";
  return `${a.method} ${a.path.slice(0, 120)} ${JSON.stringify(a.headers).slice(0, 200)} ${body}`;
}

describe(`fuzz (${ITERATIONS} requests, seed ${SEED})`, () => {
  it("never answers 5xx, answers API errors with JSON, and writes nothing for rejected requests", async () => {
    // Many users, so the per-token rate limit does not hide the validation paths behind 429s.
    const users = await Promise.all(Array.from({ length: 60 }, () => createUser()));
    for (const u of users.slice(0, 3)) {
      await postPulse(u.token, pulse([{ language: "Go", xp: 10 }]));
      await waitForSeq(u.userId, 1);
    }
    const dbBefore = await databaseState();
    const liveBefore = JSON.stringify(
      await Promise.all(
        users.slice(0, 3).map((u) =>
          userObject(u.userId)
            .currentView()
            .then((v) => v && { ...v, at: 0 }),
        ),
      ),
    );
    const feedBefore = (await env.GLOBAL_FEED.getByName("global").view()).totalXp;

    const r = new Random(SEED);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const a = generate(r, users);
      let res: Response;
      try {
        res = await exports.default.fetch(`${BASE}${a.path}`, {
          method: a.method,
          headers: a.headers,
          body: a.method === "GET" || a.method === "HEAD" ? undefined : a.body,
          redirect: "manual",
        });
      } catch (error) {
        failures.push(`threw ${error}: ${describeAttempt(a)}`);
        continue;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      // The URL parser resolves dot segments (`/api/%2e%2e/x` is `/x`): classify by where it landed.
      const landed = new URL(`${BASE}${a.path}`).pathname;
      if (a.kind !== "web" && !/^\/+(api(\/|$)|live\/+[^/])/.test(landed)) a.kind = "web";
      if (res.webSocket) {
        res.webSocket.accept();
        res.webSocket.close(1000);
        continue;
      }
      const text = await res.text();
      if (res.status >= 500) failures.push(`${res.status} ${text.slice(0, 200)}: ${describeAttempt(a)}`);
      else if (res.status < 200 || (res.status >= 200 && res.status < 300 && a.kind === "api" && a.method === "POST")) {
        failures.push(`accepted a hostile request (${res.status}): ${describeAttempt(a)}`);
      } else if (res.status >= 400 && a.kind !== "web" && a.method !== "HEAD") {
        const isContractBody = res.status === 403 && text === '{"error": "You must be authenticated"}';
        let message: unknown;
        try {
          message = (JSON.parse(text) as { error?: unknown }).error;
        } catch {}
        if (
          !isContractBody &&
          (typeof message !== "string" || message === "" || !res.headers.get("content-type")?.includes("application/json"))
        ) {
          failures.push(`${res.status} without a JSON error (${text.slice(0, 80)}): ${describeAttempt(a)}`);
        }
      }
      if (failures.length > 20) break;
    }
    expect(failures).toEqual([]);
    expect(await databaseState()).toBe(dbBefore);
    const liveAfter = JSON.stringify(
      await Promise.all(
        users.slice(0, 3).map((u) =>
          userObject(u.userId)
            .currentView()
            .then((v) => v && { ...v, at: 0 }),
        ),
      ),
    );
    expect(liveAfter).toBe(liveBefore);
    expect((await env.GLOBAL_FEED.getByName("global").view()).totalXp).toBe(feedBefore);
    console.log(`fuzz: ${ITERATIONS} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  });

  it("stores odd but valid inputs exactly: Unicode names, limits, offsets, formats", async () => {
    const u = await createUser();
    const r = new Random(SEED + 1);
    const count = Math.max(50, Math.floor(ITERATIONS / 20));
    let stored = 0;
    for (let i = 0; i < count; i++) {
      const entries = Array.from({ length: 1 + r.int(r.chance(0.1) ? 100 : 4) }, () => ({
        language: r.pick(ODD_NAMES),
        xp: r.pick([0, 1, 7, 400, 401, 65_535, 2_147_483_647]),
      }));
      const offset = r.pick([0, 60, -60, 330, -570, 840, -720, 18 * 60, -18 * 60]);
      const when = Date.now() - 1_000 - r.int(6 * 86_400_000) - i * 1000;
      const text = codedAt(when, offset, offset === 0 && r.chance(0.5) ? "z" : r.pick(["colon", "compact"]));
      const res = await postPulse(u.token, { coded_at: text, xps: entries });
      expect(res.status, `${text} ${JSON.stringify(entries).slice(0, 200)}`).toBe(201);
      stored++;
    }
    // Every odd name comes back as a key of the public API document, exactly once.
    const api = await (await exports.default.fetch(`${BASE}/api/users/${u.username}`)).json<{ languages: Record<string, unknown> }>();
    const sent = new Set(ODD_NAMES.map((n) => n.trim()).filter((n) => !/^e\u0301$/.test(n)));
    for (const name of sent) if (name !== "\u00e9") expect(Object.keys(api.languages), name).toContain(name);
    await waitForSeq(u.userId, stored);
    const view = (await userObject(u.userId).currentView())!;
    const truth = await truthFromD1(u.userId);
    const figures = await objectFigures(u.userId);
    for (const key of Object.keys(truth) as (keyof typeof truth)[]) expect(figures[key], key).toEqual(truth[key]);
  });
});
