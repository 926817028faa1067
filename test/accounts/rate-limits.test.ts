// Rate limits on log-in, sign-up and password reset: by client address and by account, answered with a
// 429 HTML page carrying Retry-After.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RATE_POLICIES } from "../../worker/domain/rate-limits";
import { SESSION_COOKIE } from "../../worker/services/sessions";
import { count, uniqueName } from "../helpers";
import { Browser, PASSWORD, signedUp } from "./browser";

async function expect429(res: Response, policyWindowMs: number) {
  expect(res.status).toBe(429);
  expect(res.headers.get("content-type")).toMatch(/^text\/html/);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(policyWindowMs / 1000);
  expect(await res.text()).toContain("Too many requests");
}

describe("rate limits", () => {
  it("log-in by address: after the limit even the right password is refused with 429", async () => {
    const { username } = await signedUp();
    const attacker = new Browser();
    const { limit, windowMs } = RATE_POLICIES.loginByIp;
    for (let i = 0; i < limit; i++) {
      const res = await attacker.post("/login", { username: uniqueName("guess"), password: `guess ${i}xyz` });
      expect(res.status).toBe(303);
    }
    const res = await attacker.post("/login", { username, password: PASSWORD });
    await expect429(res, windowMs);
    expect(attacker.jar.has(SESSION_COOKIE)).toBe(false);
    // Another address is not affected.
    expect((await new Browser().logIn(username)).headers.get("location")).toBe("/my/profile");
  });

  it("log-in by account: guesses from many addresses lock the account's log-in for the window", async () => {
    const { username } = await signedUp();
    const { limit, windowMs } = RATE_POLICIES.loginByAccount;
    for (let i = 0; i < limit; i++) {
      expect((await new Browser().post("/login", { username, password: `wrong ${i} password` })).status).toBe(303);
    }
    await expect429(await new Browser().post("/login", { username: username.toUpperCase(), password: PASSWORD }), windowMs);
  });

  it("sign-up by address", async () => {
    const browser = new Browser();
    const { limit, windowMs } = RATE_POLICIES.signupByIp;
    for (let i = 0; i < limit; i++) {
      const fresh = new Browser(browser.ip);
      expect((await fresh.post("/signup", { username: uniqueName("bulk"), password: PASSWORD })).headers.get("location")).toBe(
        "/my/machines",
      );
    }
    const name = uniqueName("bulk");
    await expect429(await browser.post("/signup", { username: name, password: PASSWORD }), windowMs);
    expect(await count("users", "username = ?", name)).toBe(0);
  });

  it("reset requests by address", async () => {
    const browser = new Browser();
    const { limit, windowMs } = RATE_POLICIES.resetByIp;
    for (let i = 0; i < limit; i++) {
      expect((await browser.post("/forgot-password", { login: uniqueName("who") })).status).toBe(303);
    }
    await expect429(await browser.post("/forgot-password", { login: uniqueName("who") }), windowMs);
  });

  it("reset requests by account or address, the same for unknown ones (no enumeration through limits)", async () => {
    const { username } = await signedUp({ email: `${uniqueName("rl")}@example.com` });
    for (const login of [username, uniqueName("nobody"), `${uniqueName("nobody")}@example.com`]) {
      const { limit, windowMs } = RATE_POLICIES.resetByAccount;
      for (let i = 0; i < limit; i++) {
        expect((await new Browser().post("/forgot-password", { login })).status).toBe(303);
      }
      await expect429(await new Browser().post("/forgot-password", { login }), windowMs);
    }
  });

  it("new-password submissions through reset links by address", async () => {
    const browser = new Browser();
    const { limit, windowMs } = RATE_POLICIES.resetSubmitByIp;
    for (let i = 0; i < limit; i++) {
      expect((await browser.post(`/reset-password/${"x".repeat(43)}`, { password: PASSWORD })).status).toBe(303);
    }
    await expect429(await browser.post(`/reset-password/${"x".repeat(43)}`, { password: PASSWORD }), windowMs);
  });

  it("keeps neither addresses nor names in the counter table", async () => {
    const browser = new Browser("192.0.2.77");
    const name = uniqueName("private");
    await browser.post("/login", { username: name, password: "whatever pw" });
    const { results } = await env.DB.prepare("SELECT key FROM rate_limits").all<{ key: string }>();
    expect(results.length).toBeGreaterThan(0);
    const keys = JSON.stringify(results);
    expect(keys).not.toContain("192.0.2.77");
    expect(keys).not.toContain(name);
  });

  it("without cf-connecting-ip, clients share one fixed key", async () => {
    const a = new Browser("");
    const { limit } = RATE_POLICIES.signupByIp;
    for (let i = 0; i < limit; i++) await new Browser("").post("/signup", { username: uniqueName("noip"), password: PASSWORD });
    expect((await a.post("/signup", { username: uniqueName("noip"), password: PASSWORD })).status).toBe(429);
  });
});
