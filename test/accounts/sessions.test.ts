// Log out, log out everywhere, expiry and revocation of server-side sessions.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../worker/domain/token";
import { SESSION_COOKIE } from "../../worker/services/sessions";
import { Browser, signedUp, userIdOf } from "./browser";

async function signedInAs(browser: Browser): Promise<string | null> {
  const res = await browser.get("/my/profile");
  const location = res.headers.get("location") ?? "";
  return location.startsWith("/users/") ? decodeURIComponent(location.slice("/users/".length)) : null;
}

describe("sessions", () => {
  it("log out ends the session on the server and clears the cookie", async () => {
    const { browser, username } = await signedUp();
    const secret = browser.jar.get(SESSION_COOKIE)!;
    expect(await signedInAs(browser)).toBe(username);

    const res = await browser.post("/logout");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
    expect(res.headers.getSetCookie()).toContain(`${SESSION_COOKIE}=; Max-Age=0; Path=/; Secure; HttpOnly; SameSite=Lax`);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE token_hash = ?")
        .bind(await sha256Hex(secret))
        .first("n"),
    ).toBe(0);

    const replay = new Browser();
    replay.jar.set(SESSION_COOKIE, secret);
    expect(await signedInAs(replay)).toBeNull();
  });

  it("log out without a session just goes to the front page", async () => {
    const res = await new Browser().post("/logout", {}, { csrf: null });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/");
  });

  it("log out everywhere revokes every session of the user, and only theirs", async () => {
    const { browser: laptop, username } = await signedUp();
    const phone = new Browser();
    await phone.logIn(username, undefined, true);
    const { browser: other, username: otherName } = await signedUp();
    expect(await signedInAs(phone)).toBe(username);

    const res = await laptop.post("/logout-everywhere");
    expect(res.headers.get("location")).toBe("/login");
    expect(laptop.takeFlash()).toMatchObject({ kind: "success", message: "You were logged out on every device." });
    expect(await signedInAs(phone)).toBeNull();
    expect(await signedInAs(laptop)).toBeNull();
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?")
        .bind(await userIdOf(username))
        .first("n"),
    ).toBe(0);
    expect(await signedInAs(other)).toBe(otherName);
  });

  it("an expired session no longer signs anybody in", async () => {
    const { browser } = await signedUp();
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE token_hash = ?")
      .bind(Date.now() - 1, await sha256Hex(browser.jar.get(SESSION_COOKIE)!))
      .run();
    expect(await signedInAs(browser)).toBeNull();
    const res = await browser.post("/my/machines", { name: "x" });
    expect(res.headers.get("location")).toBe("/login");
  });

  it("a forged or malformed session cookie is simply no session", async () => {
    for (const value of ["", "abc", "A".repeat(43), "x".repeat(500)]) {
      const browser = new Browser();
      browser.jar.set(SESSION_COOKIE, value);
      expect(await signedInAs(browser)).toBeNull();
    }
  });
});
