// Request ids: every response names its id; an error's id is found in the structured log line the
// Worker wrote for it (console output of the Worker under test, captured as it is written).
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, createUser, postPulse, pulse } from "../helpers";
import packageJson from "../../package.json";

/** Captures the Worker's log lines (one JSON object each) while still printing them. */
function captureLogs(): () => Record<string, unknown>[] {
  const spies = (["log", "warn", "error"] as const).map((level) => vi.spyOn(console, level));
  return () =>
    spies.flatMap((spy) =>
      spy.mock.calls.flatMap((args) => {
        try {
          return [JSON.parse(String(args[0])) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    );
}

afterEach(() => vi.restoreAllMocks());

describe("observability", () => {
  it("a 5xx names its request id in the body and header, and the error is logged under that id", async () => {
    const logs = captureLogs();
    const u = await createUser();
    await env.DB.prepare("CREATE TRIGGER fail_xps_logged BEFORE INSERT ON xps BEGIN SELECT RAISE(ABORT, 'injected failure'); END").run();
    let res: Response;
    try {
      res = await postPulse(u.token, pulse([{ language: `Logged${Date.now()}`, xp: 1 }]));
    } finally {
      await env.DB.prepare("DROP TRIGGER fail_xps_logged").run();
    }
    expect(res.status).toBe(503);
    const body = await res.json<{ error: string; request_id: string }>();
    expect(body.error).toBe("Service temporarily unavailable, please retry.");
    expect(body.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-request-id")).toBe(body.request_id);
    const lines = logs().filter((line) => line.request_id === body.request_id);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "api error", error: expect.stringContaining("injected failure") }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "error", message: "request failed", method: "POST", path: "/api/my/pulses", status: 503 }),
    );
    // The token and the body are not in the log.
    expect(JSON.stringify(logs())).not.toContain(u.token);
  });

  it("a 4xx keeps its contract body, carries the id in a header and is logged under it", async () => {
    const logs = captureLogs();
    const res = await postPulse(crypto.randomUUID(), pulse([{ language: "Go", xp: 1 }]));
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('{"error": "You must be authenticated"}');
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs()).toContainEqual(expect.objectContaining({ level: "warn", request_id: id, status: 403, path: "/api/my/pulses" }));
  });

  it("reset-link tokens in paths are not logged", async () => {
    const logs = captureLogs();
    const token = "t".repeat(43);
    const res = await api(`/reset-password/${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "password=x",
    });
    expect(res.status).toBe(403);
    const line = logs().find((l) => l.request_id === res.headers.get("x-request-id"));
    expect(line).toMatchObject({ path: "/reset-password/:token", status: 403 });
    expect(JSON.stringify(logs())).not.toContain(token);
  });

  it("/api/health reports the build version and that D1 answers", async () => {
    const res = await api("/api/health");
    expect(res.status).toBe(200);
    const body = await res.json<Record<string, unknown>>();
    expect(body).toMatchObject({ ok: true, version: packageJson.version, d1: "ok" });
    expect(Date.parse(String(body.d1_checked_at))).toBeLessThanOrEqual(Date.now());
  });
});
