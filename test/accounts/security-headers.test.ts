// Security headers on every non-API response of the Worker, and no secret in any log line.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../helpers";
import { addMachine, Browser, PASSWORD, signedUp } from "./browser";
import { SESSION_COOKIE } from "../../worker/services/sessions";

function expectSecurityHeaders(res: Response) {
  const csp = res.headers.get("content-security-policy") ?? "";
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("base-uri");
  expect(csp).toContain("object-src 'none'");
  expect(csp).not.toContain("unsafe-inline'; script"); // no inline scripts
  expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  expect(res.headers.get("permissions-policy")).toContain("camera=()");
  expect(res.headers.get("x-frame-options")).toBe("DENY");
}

describe("security headers", () => {
  it("are on redirects, status pages, downloads and 404s of the web app", async () => {
    const { browser } = await signedUp();
    expectSecurityHeaders(await browser.post("/my/machines", { name: "Headers" }));
    expectSecurityHeaders(await browser.post("/my/machines", { name: "x" }, { csrf: null })); // 403 page
    expectSecurityHeaders(await browser.get("/my/export.csv"));
    expectSecurityHeaders(await browser.get("/my/profile"));
    expectSecurityHeaders(await browser.post("/my/machines/123456789/rename", { name: "y" })); // 404 page
    expectSecurityHeaders(await new Browser().get("/some/page")); // Astro's paths (not loaded in tests)
  });

  it("are not added to the API, whose responses the plugins' contract fixes", async () => {
    const res = await api("/api/health");
    expect(res.headers.get("content-security-policy")).toBeNull();
  });
});

describe("logging", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never writes a password, token or session id to the log", async () => {
    const lines: string[] = [];
    for (const level of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        lines.push(
          args.map((a) => (a instanceof Error ? `${a.message} ${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" "),
        );
      });
    }
    const { browser, username } = await signedUp({ email: "logs@example.com", password: "log secret passphrase" });
    const { token } = await addMachine(browser, "Logged");
    await new Browser().post("/login", { username, password: "wrong secret passphrase" });
    await new Browser().post("/forgot-password", { login: username });
    await browser.post("/my/preferences/password", { current_password: "log secret passphrase", new_password: "next secret passphrase" });
    const secrets = [
      "log secret passphrase",
      "wrong secret passphrase",
      "next secret passphrase",
      token,
      browser.jar.get(SESSION_COOKIE)!,
      PASSWORD,
    ];
    for (const line of lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
