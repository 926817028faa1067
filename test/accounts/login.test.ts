// POST /login: one generic answer for every failure, the session cookie, rotation, remember me, re-hashing.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../../worker/domain/password-hash";
import { sha256Hex } from "../../worker/domain/token";
import { BROWSER_SESSION_MS, PERSISTENT_SESSION_MS, SESSION_COOKIE } from "../../worker/services/sessions";
import { createUser, uniqueName } from "../helpers";
import { Browser, PASSWORD, signedUp, userIdOf } from "./browser";

function sessionSetCookie(res: Response): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
}

describe("log in", () => {
  it("signs in with a session cookie that is HttpOnly, Secure, SameSite=Lax, Path=/ and a browser-session cookie by default", async () => {
    const { username } = await signedUp();
    const browser = new Browser();
    const res = await browser.logIn(username);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/my/profile");
    const cookie = sessionSetCookie(res)!;
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; `));
    const attributes = cookie.split("; ").slice(1);
    expect(attributes).toEqual(expect.arrayContaining(["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]));
    expect(attributes.some((a) => a.startsWith("Max-Age") || a.startsWith("Expires"))).toBe(false);

    const row = await env.DB.prepare("SELECT persistent, expires_at - created_at AS ttl FROM sessions WHERE token_hash = ?")
      .bind(await sha256Hex(browser.jar.get(SESSION_COOKIE)!))
      .first();
    expect(row).toEqual({ persistent: 0, ttl: BROWSER_SESSION_MS });
  });

  it("keeps a 'remember me' session for 30 days, in the cookie and on the server", async () => {
    const { username } = await signedUp();
    const browser = new Browser();
    const res = await browser.logIn(username, PASSWORD, true);
    expect(sessionSetCookie(res)).toContain(`Max-Age=${PERSISTENT_SESSION_MS / 1000}`);
    const row = await env.DB.prepare("SELECT persistent, expires_at - created_at AS ttl FROM sessions WHERE token_hash = ?")
      .bind(await sha256Hex(browser.jar.get(SESSION_COOKIE)!))
      .first();
    expect(row).toEqual({ persistent: 1, ttl: PERSISTENT_SESSION_MS });
  });

  it("stores only the SHA-256 of the session id", async () => {
    const { browser, username } = await signedUp();
    const secret = browser.jar.get(SESSION_COOKIE)!;
    const rows = await env.DB.prepare("SELECT * FROM sessions WHERE user_id = ?")
      .bind(await userIdOf(username))
      .all();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]!.token_hash).toBe(await sha256Hex(secret));
    expect(JSON.stringify(rows.results)).not.toContain(secret);
  });

  it("accepts the username in any letter case", async () => {
    const { username } = await signedUp({ username: uniqueName("CaseUser") });
    const res = await new Browser().logIn(username.toUpperCase());
    expect(res.headers.get("location")).toBe("/my/profile");
  });

  it("answers an unknown user exactly like a wrong password, and signs nobody in", async () => {
    const { username } = await signedUp();
    const answers = [];
    for (const [name, password] of [
      [username, "not the password"],
      [uniqueName("ghost"), PASSWORD],
      ["", PASSWORD],
    ] as const) {
      const browser = new Browser();
      const res = await browser.post("/login", { username: name, password });
      const flash = browser.takeFlash();
      expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
      expect(flash?.fields).toEqual({ username: name });
      answers.push({
        status: res.status,
        location: res.headers.get("location"),
        kind: flash?.kind,
        message: flash?.message,
        body: await res.text(),
      });
    }
    expect(answers[0]).toEqual({ status: 303, location: "/login", kind: "error", message: "Wrong username and/or password!", body: "" });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
  });

  it("refuses accounts that have no password (such as seeded ones)", async () => {
    const u = await createUser();
    const browser = new Browser();
    await browser.post("/login", { username: u.username, password: "" });
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
    expect(browser.takeFlash()?.message).toBe("Wrong username and/or password!");
  });

  it("rotates the session: a new id at every log-in, and the browser's previous session ends", async () => {
    const { browser, username } = await signedUp();
    const first = browser.jar.get(SESSION_COOKIE)!;
    await browser.logIn(username);
    const second = browser.jar.get(SESSION_COOKIE)!;
    expect(second).not.toBe(first);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE token_hash = ?")
        .bind(await sha256Hex(first))
        .first("n"),
    ).toBe(0);

    const stale = new Browser();
    stale.jar.set(SESSION_COOKIE, first);
    const res = await stale.get("/my/profile");
    expect(res.headers.get("location")).toBe("/login?next=%2Fmy%2Fprofile");
    const fresh = new Browser();
    fresh.jar.set(SESSION_COOKIE, second);
    expect((await fresh.get("/my/profile")).headers.get("location")).toBe(`/users/${username}`);
  });

  it("goes back to a local `next` page, never to another site", async () => {
    const { username } = await signedUp();
    for (const [next, location] of [
      ["/my/machines", "/my/machines"],
      ["//evil.example/x", "/my/profile"],
      ["https://evil.example/", "/my/profile"],
      ["/\\evil.example", "/my/profile"],
    ]) {
      const res = await new Browser().post("/login", { username, password: PASSWORD, next: next! });
      expect(res.headers.get("location")).toBe(location);
    }
  });

  it("re-hashes a password stored with outdated parameters at log-in", async () => {
    const { username } = await signedUp();
    const old = await hashPassword(PASSWORD, 1_000);
    await env.DB.prepare("UPDATE users SET password_hash = ? WHERE username = ?").bind(old, username).run();
    const res = await new Browser().logIn(username);
    expect(res.headers.get("location")).toBe("/my/profile");
    const now = await env.DB.prepare("SELECT password_hash FROM users WHERE username = ?").bind(username).first<string>("password_hash");
    expect(now).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect((await new Browser().logIn(username)).headers.get("location")).toBe("/my/profile");
  });
});
