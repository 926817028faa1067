// The heartbeat contract: paths, auth variants, bodies, per-item statuses, dedupe, placeholders.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, count, createUser } from "../helpers";
import { basic, hb, postHeartbeats, secondsAgo } from "./wk-helpers";

const PATHS = [
  "/api/v1/users/current/heartbeats",
  "/api/v1/users/current/heartbeats.bulk",
  "/api/users/current/heartbeats",
  "/api/users/current/heartbeats.bulk",
  "/api/heartbeat",
  "/api/heartbeats",
  "/api/compat/wakatime/v1/users/current/heartbeats",
  "/api/compat/wakatime/v1/users/current/heartbeats.bulk",
  "/api/hackatime/v1/users/current/heartbeats",
  "/api/hackatime/v1/users/current/heartbeats.bulk",
];

describe("heartbeat paths", () => {
  it.each(PATHS)("%s takes an array and an object", async (path) => {
    const u = await createUser();
    const t = secondsAgo(600);
    const arr = await postHeartbeats(u.token, [hb(t), hb(t + 30, { entity: "b.ts" })], { path });
    expect(arr.status).toBe(201);
    const body = await arr.json<any>();
    expect(body.responses).toHaveLength(2);
    expect(body.responses.map((r: any) => r[1])).toEqual([201, 201]);
    const obj = await postHeartbeats(u.token, hb(t + 60, { entity: "c.ts" }), { path });
    expect(obj.status).toBe(201);
    const objBody = await obj.json<any>();
    if (path.endsWith(".bulk")) expect(objBody.responses[0][1]).toBe(201);
    else expect(objBody.data.entity).toBe("c.ts");
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(3);
  });

  it("answers CORS preflights on every heartbeat path", async () => {
    for (const path of [...PATHS, "/api/v1/users/current/statusbar/today"]) {
      const res = await api(path, {
        method: "OPTIONS",
        headers: {
          origin: "https://vscode.dev",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
      expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
    }
    const post = await postHeartbeats((await createUser()).token, [hb(secondsAgo(60))], { headers: { origin: "https://vscode.dev" } });
    expect(post.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("takes the caller's own name in place of current, and refuses another user's", async () => {
    const u = await createUser();
    const other = await createUser();
    expect((await postHeartbeats(u.token, [hb(secondsAgo(60))], { path: `/api/v1/users/${u.username}/heartbeats.bulk` })).status).toBe(201);
    const res = await postHeartbeats(u.token, [hb(secondsAgo(50))], { path: `/api/v1/users/${other.username}/heartbeats.bulk` });
    expect(res.status).toBe(403);
    expect(await count("heartbeats", "user_id = ?", other.userId)).toBe(0);
  });
});

describe("authentication", () => {
  const variants: [string, (t: string) => { headers?: Record<string, string>; query?: string }][] = [
    ["Basic base64(key)", (t) => ({ headers: { authorization: `Basic ${btoa(t)}` } })],
    ["Basic base64(waka_key)", (t) => ({ headers: { authorization: `Basic ${btoa(`waka_${t}`)}` } })],
    ["Basic base64(key:)", (t) => ({ headers: { authorization: `Basic ${btoa(`${t}:`)}` } })],
    ["Basic base64(:key)", (t) => ({ headers: { authorization: `Basic ${btoa(`:${t}`)}` } })],
    ["Bearer key", (t) => ({ headers: { authorization: `Bearer ${t}` } })],
    ["Bearer waka_key", (t) => ({ headers: { authorization: `Bearer waka_${t}` } })],
    ["Bearer base64(key)", (t) => ({ headers: { authorization: `Bearer ${btoa(t)}` } })],
    ["?api_key=key", (t) => ({ query: `?api_key=${t}` })],
    ["?api_key=waka_key", (t) => ({ query: `?api_key=waka_${t}` })],
  ];
  it.each(variants)("accepts %s", async (_name, form) => {
    const u = await createUser();
    const v = form(u.token);
    const res = await postHeartbeats(null, [hb(secondsAgo(60))], {
      path: `/api/v1/users/current/heartbeats.bulk${v.query ?? ""}`,
      headers: v.headers,
    });
    expect(res.status).toBe(201);
    expect(await count("heartbeats", "user_id = ? AND machine_id = ?", u.userId, u.machineId)).toBe(1);
  });

  it.each([
    ["no credentials", {}],
    ["an unknown key", { authorization: `Basic ${btoa(crypto.randomUUID())}` }],
    ["a malformed key", { authorization: "Basic bm90LWEta2V5" }],
    ["garbage", { authorization: "Basic !!!" }],
  ])("answers 401 with a JSON error for %s and writes nothing", async (_name, headers) => {
    const before = await count("heartbeats");
    const res = await postHeartbeats(null, [hb(secondsAgo(60))], { headers });
    expect(res.status).toBe(401);
    expect((await res.json<any>()).error).toBeTypeOf("string");
    expect(await count("heartbeats")).toBe(before);
  });

  it("refuses a deactivated machine's key at once", async () => {
    const u = await createUser();
    expect((await postHeartbeats(u.token, [hb(secondsAgo(120))])).status).toBe(201);
    await env.DB.prepare("UPDATE machines SET active = 0 WHERE id = ?").bind(u.machineId).run();
    expect((await postHeartbeats(u.token, [hb(secondsAgo(60), { entity: "new.ts" })])).status).toBe(401);
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(1);
    expect((await api("/api/v1/users/current/statusbar/today", { headers: { authorization: basic(u.token) } })).status).toBe(401);
  });
});

describe("per-item statuses", () => {
  it("answers a stale or partly invalid batch with 201 and per-item 400s, storing the valid ones", async () => {
    const u = await createUser();
    const old = secondsAgo(400 * 86_400);
    const res = await postHeartbeats(u.token, [
      hb(old),
      hb(secondsAgo(60)),
      { type: "file", time: secondsAgo(50) },
      hb(secondsAgo(-7200)),
      "nope",
      hb("soon" as unknown as number),
    ]);
    expect(res.status).toBe(201);
    const statuses = (await res.json<any>()).responses.map((r: any) => r[1]);
    expect(statuses).toEqual([400, 201, 400, 400, 400, 400]);
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(1);
  });

  it("answers an all-stale batch with 201 and only per-item 400s (the CLI drops them; no stuck queue)", async () => {
    const u = await createUser();
    const old = secondsAgo(400 * 86_400);
    const res = await postHeartbeats(
      u.token,
      Array.from({ length: 10 }, (_, i) => hb(old + i)),
    );
    expect(res.status).toBe(201);
    const body = await res.json<any>();
    expect(body.responses).toHaveLength(10);
    for (const [item, status] of body.responses) {
      expect(status).toBe(400);
      expect(item.error).toMatch(/too old/);
    }
  });

  it("answers a malformed body with a request-level JSON 400, and too many items with 400", async () => {
    const u = await createUser();
    const bad = await postHeartbeats(u.token, "[{not json");
    expect(bad.status).toBe(400);
    expect((await bad.json<any>()).error).toMatch(/Malformed JSON/);
    const many = await postHeartbeats(
      u.token,
      Array.from({ length: 101 }, (_, i) => hb(secondsAgo(1000 - i))),
    );
    expect(many.status).toBe(400);
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(0);
  });
});

describe("liberal input", () => {
  it("takes numeric strings, ms and µs epochs, ISO times, text/plain bodies, string line numbers and the plugin field", async () => {
    const u = await createUser();
    const t = secondsAgo(3600);
    const res = await postHeartbeats(
      u.token,
      [
        hb(String(t) as unknown as number, { entity: "a.ts" }),
        hb(t * 1000 + 10_000, { entity: "b.ts" }),
        hb(t * 1_000_000 + 20_000_000, { entity: "c.ts" }),
        hb(new Date((t + 30) * 1000).toISOString() as unknown as number, {
          entity: "d.ts",
          lineno: "12",
          cursorpos: "4",
          lines: "100",
          plugin: "vscode/1.90.0 vscode-wakatime/24.0.0",
        }),
      ],
      { headers: { "content-type": "text/plain" } },
    );
    expect(res.status).toBe(201);
    const { results } = await env.DB.prepare(
      "SELECT entity, time_ms, lineno, cursorpos, lines, editor FROM heartbeats WHERE user_id = ? ORDER BY time_ms",
    )
      .bind(u.userId)
      .all<any>();
    expect(results.map((r) => r.time_ms)).toEqual([t * 1000, t * 1000 + 10_000, t * 1000 + 20_000, t * 1000 + 30_000]);
    expect(results[3]).toMatchObject({ lineno: 12, cursorpos: 4, lines: 100, editor: "VS Code" });
  });

  it("stores editor and OS from the user agent (a heartbeat's own user_agent wins), and the decoded X-Machine-Name", async () => {
    const u = await createUser();
    const t = secondsAgo(600);
    await postHeartbeats(
      u.token,
      [hb(t), hb(t + 10, { entity: "x.ts", user_agent: "wakatime/v1.90.0 (darwin-23.0.0-arm64) go1.22 emacs/29.1 emacs-wakatime/1.0.2" })],
      {
        headers: {
          "user-agent": "wakatime/v1.105.0 (linux-6.11.8-zen1-2-zen-unknown) go1.23.3 cursor/1.93.1 vscode-wakatime/24.8.0",
          "x-machine-name": "my%20laptop.local",
        },
      },
    );
    const { results } = await env.DB.prepare(
      "SELECT editor, operating_system AS os, machine_name AS m, category FROM heartbeats WHERE user_id = ? ORDER BY time_ms",
    )
      .bind(u.userId)
      .all<any>();
    expect(results).toEqual([
      { editor: "cursor", os: "Linux", m: "my laptop.local", category: "coding" },
      { editor: "emacs", os: "Mac", m: "my laptop.local", category: "coding" },
    ]);
  });

  it("resolves <<LAST_PROJECT>>, <<LAST_BRANCH>> and <<LAST_LANGUAGE>> from the latest heartbeats", async () => {
    const u = await createUser();
    const t = secondsAgo(1200);
    await postHeartbeats(u.token, [hb(t, { project: "alpha", branch: "main", language: "Go" })]);
    await postHeartbeats(u.token, [
      hb(t + 60, { project: "<<LAST_PROJECT>>", branch: "<<LAST_BRANCH>>", language: "<<LAST_LANGUAGE>>", entity: "x.go" }),
    ]);
    // Within one request, an earlier heartbeat counts as the latest too.
    await postHeartbeats(u.token, [
      hb(t + 120, { project: "beta", branch: "dev", language: "Rust", entity: "y.rs" }),
      hb(t + 180, { project: "<<LAST_PROJECT>>", language: "<<LAST_LANGUAGE>>", entity: "z.rs" }),
    ]);
    await postHeartbeats(u.token, [hb(t + 240, { type: "domain", entity: "github.com", project: "<<LAST_PROJECT>>", language: null })]);
    const { results } = await env.DB.prepare("SELECT project, branch, language FROM heartbeats WHERE user_id = ? ORDER BY time_ms")
      .bind(u.userId)
      .all<any>();
    expect(results).toEqual([
      { project: "alpha", branch: "main", language: "Go" },
      { project: "alpha", branch: "main", language: "Go" },
      { project: "beta", branch: "dev", language: "Rust" },
      { project: "beta", branch: null, language: "Rust" },
      { project: null, branch: null, language: null },
    ]);
  });
});

describe("dedupe", () => {
  it("counts a retried batch once, and a duplicate inside one batch once", async () => {
    const u = await createUser();
    const t = secondsAgo(900);
    const batch = [hb(t), hb(t + 60, { entity: "b.ts" }), hb(t + 60, { entity: "b.ts" })];
    const first = await postHeartbeats(u.token, batch);
    expect((await first.json<any>()).responses.map((r: any) => r[1])).toEqual([201, 201, 201]);
    const retry = await postHeartbeats(u.token, batch);
    expect((await retry.json<any>()).responses.map((r: any) => r[1])).toEqual([201, 201, 201]);
    expect(await count("heartbeats", "user_id = ?", u.userId)).toBe(2);
    const xp = await env.DB.prepare("SELECT total_xp AS xp FROM users WHERE id = ?").bind(u.userId).first<number>("xp");
    // Both heartbeats claim one slot at most twice (t and t + 60 may straddle a 2-minute boundary).
    expect([60, 120]).toContain(xp);
    await postHeartbeats(u.token, batch);
    expect(await env.DB.prepare("SELECT total_xp AS xp FROM users WHERE id = ?").bind(u.userId).first<number>("xp")).toBe(xp);
  });
});
