// The pulse API contract, row by row of the original's response table.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, codedAt, count, createUser, postPulse, profile, pulse } from "../helpers";
import { MAX_BODY_BYTES, MAX_ENTRIES } from "../../worker/domain/pulse";

const CREATED = '{"ok":"Great success!"}';
const UNAUTHENTICATED = '{"error": "You must be authenticated"}';

describe("POST /api/my/pulses: success", () => {
  it("answers 201 with the exact body and JSON content type", async () => {
    const u = await createUser();
    const res = await postPulse(u.token, pulse([{ language: "TypeScript", xp: 12 }]));
    expect(res.status).toBe(201);
    expect(await res.text()).toBe(CREATED);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
  });

  it.each(["/api/my/pulses/", "/api//my/pulses", "/api//my//pulses//", "//api/my/pulses"])(
    "reaches the handler at %s without a redirect",
    async (path) => {
      const u = await createUser();
      const res = await postPulse(u.token, pulse([{ language: "Go", xp: 3 }]), { path });
      expect(res.status).toBe(201);
      expect((await profile(u.username)).total_xp).toBe(3);
    },
  );

  it.each([
    ["X-API-Token", (t: string) => t],
    ["x-api-token", (t: string) => t],
    ["X-API-TOKEN", (t: string) => t.toUpperCase()],
    ["X-Api-Token", (t: string) => `waka_${t}`],
  ])("matches the header %s case-insensitively and the token with or without waka_", async (header, form) => {
    const u = await createUser();
    const res = await postPulse(null, pulse([{ language: "Go", xp: 1 }]), { headers: { [header]: form(u.token) } });
    expect(res.status).toBe(201);
  });

  it.each([undefined, "*/*", "application/json", "application/json, text/plain", "text/html, */*;q=0.8"])(
    "passes Accept %s",
    async (accept) => {
      const u = await createUser();
      const headers: Record<string, string> = accept ? { accept } : {};
      expect((await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]), { headers })).status).toBe(201);
    },
  );

  it.each(["application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"])("parses Content-Type %s", async (type) => {
    const u = await createUser();
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]), { headers: { "content-type": type } })).status).toBe(201);
  });

  it("accepts an empty xps list (a pulse without XP)", async () => {
    const u = await createUser();
    expect((await postPulse(u.token, pulse([]))).status).toBe(201);
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(1);
    expect(await count("xps x JOIN pulses p ON p.id = x.pulse_id", "p.user_id = ?", u.userId)).toBe(0);
  });

  it("accepts xp 0, ignores extra keys, and stores duplicate languages as separate rows", async () => {
    const u = await createUser();
    const entries = [
      { language: "Rust", xp: 0 },
      { language: "Rust", xp: 5, extra: true },
      { language: "rust", xp: 2 },
    ];
    const body = { ...pulse(entries), client: "x" };
    expect((await postPulse(u.token, body)).status).toBe(201);
    expect(await count("xps x JOIN pulses p ON p.id = x.pulse_id", "p.user_id = ?", u.userId)).toBe(3);
    expect((await profile(u.username)).languages).toEqual({ Rust: { xps: 7, new_xps: 7 } });
  });

  it("trims language names, books empty ones as Plain text, and keeps the first spelling", async () => {
    const u = await createUser();
    const first = `Lang${Date.now()}`;
    await postPulse(
      u.token,
      pulse([
        { language: `  ${first}  `, xp: 1 },
        { language: "   ", xp: 2 },
        { language: "", xp: 3 },
      ]),
    );
    await postPulse(u.token, pulse([{ language: first.toUpperCase(), xp: 4 }], Date.now() - 120_000));
    const p = await profile(u.username);
    expect(p.languages[first]).toEqual({ xps: 5, new_xps: 5 });
    expect(p.languages["Plain text"]).toEqual({ xps: 5, new_xps: 5 });
    expect(Object.keys(p.languages)).toHaveLength(2);
  });

  it("books XP on the alias target and keeps the language as sent", async () => {
    const u = await createUser();
    await env.DB.batch([
      env.DB.prepare("INSERT OR IGNORE INTO languages (name, name_key) VALUES ('Python', 'python'), ('MagicPython', 'magicpython')"),
      env.DB.prepare("UPDATE languages SET alias_of = (SELECT id FROM languages WHERE name_key = 'python') WHERE name_key = 'magicpython'"),
    ]);
    await postPulse(
      u.token,
      pulse([
        { language: "MagicPython", xp: 9 },
        { language: "python", xp: 1 },
      ]),
    );
    expect((await profile(u.username)).languages).toEqual({ Python: { xps: 10, new_xps: 10 } });
    const sent = await env.DB.prepare(
      "SELECT o.name FROM xps x JOIN pulses p ON p.id = x.pulse_id JOIN languages o ON o.id = x.original_language_id WHERE p.user_id = ? ORDER BY x.amount DESC",
    )
      .bind(u.userId)
      .all<{ name: string }>();
    expect(sent.results.map((r) => r.name)).toEqual(["MagicPython", "Python"]);
  });
});

describe("POST /api/my/pulses: authentication (403 with the original's bytes, no Content-Type)", () => {
  async function expect403(res: Response) {
    expect(res.status).toBe(403);
    expect(await res.text()).toBe(UNAUTHENTICATED);
    expect(res.headers.get("content-type")).toBeNull();
  }

  it("missing header", async () => expect403(await postPulse(null, pulse([{ language: "Go", xp: 1 }]))));
  it("malformed token", async () => expect403(await postPulse("SFMyNTY.abc.def", pulse([{ language: "Go", xp: 1 }]))));
  it("unknown token of the right shape", async () => expect403(await postPulse(crypto.randomUUID(), pulse([{ language: "Go", xp: 1 }]))));
  it("two tokens in one header", async () => {
    const u = await createUser();
    await expect403(await postPulse(`${u.token}, ${u.token}`, pulse([{ language: "Go", xp: 1 }])));
  });

  it("an unknown token with an invalid body is still a 403 (auth comes first)", async () => {
    await expect403(await postPulse(crypto.randomUUID(), { coded_at: "nonsense", xps: [] }));
    await expect403(await postPulse(crypto.randomUUID(), { nothing: true }));
  });

  it("a deactivated machine's token stops working at once, and works again when reactivated", async () => {
    const u = await createUser();
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201);
    await env.DB.prepare("UPDATE machines SET active = 0 WHERE id = ?").bind(u.machineId).run();
    await expect403(await postPulse(u.token, pulse([{ language: "Go", xp: 2 }], Date.now() - 5_000)));
    await env.DB.prepare("UPDATE machines SET active = 1 WHERE id = ?").bind(u.machineId).run();
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 4 }], Date.now() - 6_000))).status).toBe(201);
    expect((await profile(u.username)).total_xp).toBe(5);
  });

  it("a deleted machine's token stops working at once", async () => {
    const u = await createUser();
    await env.DB.prepare("DELETE FROM machines WHERE id = ?").bind(u.machineId).run();
    await expect403(await postPulse(u.token, pulse([{ language: "Go", xp: 1 }])));
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(0);
  });

  it("stores only a hash of the token", async () => {
    const u = await createUser();
    expect(await count("machines", "token_hash = ?", u.token)).toBe(0);
    const stored = await env.DB.prepare("SELECT token_hash FROM machines WHERE id = ?").bind(u.machineId).first<string>("token_hash");
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("POST /api/my/pulses: validation errors", () => {
  const recent = codedAt(Date.now() - 60_000, 120);
  it.each([
    ["missing xps", { coded_at: recent }, "Invalid xps format."],
    ["missing coded_at", { xps: [] }, "Invalid xps format."],
    ["xps not a list", { coded_at: recent, xps: { language: "Go", xp: 1 } }, "Invalid xps format."],
    ["top-level array", [{ coded_at: recent, xps: [] }], "Invalid xps format."],
    ["JSON null", null, "Invalid xps format."],
    ["unparsable coded_at", { coded_at: "last tuesday", xps: [] }, "Invalid coded_at format."],
    ["coded_at without offset", { coded_at: "2026-01-01T10:00:00", xps: [] }, "Invalid coded_at format."],
    ["numeric coded_at", { coded_at: 1764150000, xps: [] }, "Invalid coded_at format."],
    ["coded_at null", { coded_at: null, xps: [] }, "Invalid coded_at format."],
    ["coded_at older than 7 days", { coded_at: codedAt(Date.now() - 8 * 86_400_000), xps: [] }, "Invalid date."],
    ["one-digit offset hour", { coded_at: codedAt(Date.now() - 60_000).slice(0, 19) + "+1:00", xps: [] }, "Invalid TZ offset!"],
    ["float xp", { coded_at: recent, xps: [{ language: "Go", xp: 1.5 }] }, "Invalid XP format."],
    ["negative xp", { coded_at: recent, xps: [{ language: "Go", xp: -1 }] }, "Invalid XP format."],
    ["string xp", { coded_at: recent, xps: [{ language: "Go", xp: "1" }] }, "Invalid XP format."],
    ["missing xp", { coded_at: recent, xps: [{ language: "Go" }] }, "Invalid XP format."],
    ["missing language", { coded_at: recent, xps: [{ xp: 1 }] }, "Invalid XP format."],
    ["non-string language", { coded_at: recent, xps: [{ language: 42, xp: 1 }] }, "Invalid XP format."],
    ["non-object entry", { coded_at: recent, xps: ["Go"] }, "Invalid XP format."],
    [
      "one bad entry among good ones",
      {
        coded_at: recent,
        xps: [
          { language: "Go", xp: 1 },
          { language: "C", xp: null },
        ],
      },
      "Invalid XP format.",
    ],
    ["xp above int32", { coded_at: recent, xps: [{ language: "Go", xp: 2_147_483_648 }] }, "XP amount too large (at most 2147483647)."],
    [
      "language over 255 characters",
      { coded_at: recent, xps: [{ language: "x".repeat(256), xp: 1 }] },
      "Language name too long (at most 255 characters).",
    ],
    [
      "control characters in language",
      { coded_at: recent, xps: [{ language: "Go\u0000", xp: 1 }] },
      "Language name must be valid Unicode text without control characters.",
    ],
    [
      "lone surrogate in language",
      { coded_at: recent, xps: [{ language: "Go\ud800", xp: 1 }] },
      "Language name must be valid Unicode text without control characters.",
    ],
    [
      "too many entries",
      { coded_at: recent, xps: Array.from({ length: MAX_ENTRIES + 1 }, () => ({ language: "Go", xp: 1 })) },
      `Too many XP entries in one pulse (at most ${MAX_ENTRIES}).`,
    ],
  ])("%s", async (_name, body, message) => {
    const u = await createUser();
    const res = await postPulse(u.token, body);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await res.text()).toBe(JSON.stringify({ error: message }));
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(0);
  });

  it("rejects a float literal such as 15.0 or 1e2 like the original's decoder", async () => {
    const u = await createUser();
    for (const literal of ["15.0", "1e2", "1E2"]) {
      const res = await postPulse(u.token, `{"coded_at":"${recent}","xps":[{"language":"Go","xp":${literal}}]}`);
      expect(await res.json()).toEqual({ error: "Invalid XP format." });
    }
    expect((await postPulse(u.token, `{"coded_at":"${recent}","xps":[{"language":"Go","xp":-0}]}`)).status).toBe(201);
  });

  it("reads no JSON without a JSON Content-Type", async () => {
    const u = await createUser();
    const res = await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]), { headers: { "content-type": "text/plain" } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Invalid xps format." });
  });

  it("answers malformed JSON with a JSON 400, before authenticating", async () => {
    for (const token of [(await createUser()).token, crypto.randomUUID()]) {
      const res = await postPulse(token, '{"coded_at": "2026-', {});
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "Malformed JSON in request body." });
    }
  });

  it("answers invalid UTF-8 with a JSON 400", async () => {
    const u = await createUser();
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    const res = await api("/api/my/pulses", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-token": u.token },
      body: bytes,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Request body is not valid UTF-8." });
  });

  it("answers a body over the limit with 413, with or without Content-Length", async () => {
    const u = await createUser();
    const big = JSON.stringify({ ...pulse([]), pad: "x".repeat(MAX_BODY_BYTES) });
    const declared = await postPulse(u.token, big);
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: `Request body too large (at most ${MAX_BODY_BYTES} bytes).` });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await api("/api/my/pulses", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-token": u.token },
      body: stream,
    });
    expect(chunked.status).toBe(413);
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(0);
  });

  it("answers an Accept that excludes JSON with 406", async () => {
    const u = await createUser();
    const res = await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]), { headers: { accept: "text/html" } });
    expect(res.status).toBe(406);
    expect((await res.json<{ error: string }>()).error).toMatch(/application\/json/);
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(0);
  });

  it.each([
    ["GET", "/api/my/pulses"],
    ["PUT", "/api/my/pulses"],
    ["POST", "/api/my/pulse"],
    ["GET", "/api/nothing/here"],
  ])("%s %s is a JSON 404", async (method, path) => {
    const res = await api(path, { method });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Route not found." });
  });
});
