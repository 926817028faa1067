// Password reset by e-mail: same answer for every request, a single-use link valid for 4 hours, stored
// hashed, captured in the outbox (no mailer binding in tests), every session ended on use.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { RESET_VALIDITY_MS } from "../../worker/domain/mail";
import { randomSecret } from "../../worker/domain/secrets";
import { sha256Hex } from "../../worker/domain/token";
import { RESET_REQUESTED, validResetLink } from "../../worker/services/password-reset";
import { SESSION_COOKIE } from "../../worker/services/sessions";
import { BASE, uniqueName } from "../helpers";
import { Browser, PASSWORD, signedUp, userIdOf } from "./browser";

const NEW_PASSWORD = "a brand new passphrase";

interface Mail {
  to: string;
  subject: string;
  text: string;
}

/** The mail is sent after the response (waitUntil), so wait for it to land in the outbox. */
async function mailTo(address: string, atLeast = 1): Promise<Mail[]> {
  for (let i = 0; i < 100; i++) {
    const { results } = await env.DB.prepare('SELECT to_address AS "to", subject, text FROM outbox WHERE to_address = ? ORDER BY id')
      .bind(address)
      .all<Mail>();
    if (results.length >= atLeast) return results;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

function linkIn(mail: Mail): { url: string; token: string } {
  const url = /https?:\/\/\S+\/reset-password\/(\S+)/.exec(mail.text);
  if (!url) throw new Error(`no link in ${mail.text}`);
  return { url: url[0], token: url[1]! };
}

async function requestReset(login: string) {
  const browser = new Browser();
  const res = await browser.post("/forgot-password", { login });
  return { status: res.status, location: res.headers.get("location"), flash: browser.takeFlash(), body: await res.text() };
}

async function accountWithMail() {
  const email = `${uniqueName("reset")}@example.com`;
  const { browser, username } = await signedUp({ email });
  return { browser, username, email };
}

describe("password reset", () => {
  it("mails a link that sets a new password once; the outbox captures the mail", async () => {
    const { username, email } = await accountWithMail();
    const answer = await requestReset(username);
    expect(answer).toEqual({ status: 303, location: "/forgot-password", flash: { kind: "info", message: RESET_REQUESTED }, body: "" });

    const [mail, ...more] = await mailTo(email);
    expect(more).toHaveLength(0);
    expect(mail).toMatchObject({ to: email, subject: "Pulse Edge password reset request" });
    expect(mail!.text).toContain(`Hello ${username},`);
    expect(mail!.text).toContain("valid for 4 hours");
    const { url, token } = linkIn(mail!);
    expect(url).toBe(`${BASE}/reset-password/${token}`);
    expect(await validResetLink(env, token, Date.now())).toEqual({ username });

    const browser = new Browser();
    const res = await browser.post(`/reset-password/${token}`, { password: NEW_PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(browser.takeFlash()?.kind).toBe("success");

    expect((await new Browser().logIn(username, NEW_PASSWORD)).headers.get("location")).toBe("/my/profile");
    expect((await new Browser().logIn(username, PASSWORD)).headers.get("location")).toBe("/login");

    // Single use.
    const again = new Browser();
    const second = await again.post(`/reset-password/${token}`, { password: "yet another passphrase" });
    expect(second.headers.get("location")).toBe("/forgot-password");
    expect(again.takeFlash()).toMatchObject({ kind: "error", message: "This reset link is invalid or has expired. Ask for a new one." });
    expect(await validResetLink(env, token, Date.now())).toBeNull();
    expect((await new Browser().logIn(username, NEW_PASSWORD)).headers.get("location")).toBe("/my/profile");
  });

  it("answers the same whether the account or address exists, has an address, or not", async () => {
    const { username, email } = await accountWithMail();
    const { username: noMail } = await signedUp();
    const answers = await Promise.all(
      [username, email.toUpperCase(), noMail, uniqueName("ghost"), `${uniqueName("ghost")}@example.com`, ""].map(requestReset),
    );
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.flash).toEqual({ kind: "info", message: RESET_REQUESTED });
    expect(await mailTo(email, 2)).toHaveLength(2); // by name and by address (any case)
  });

  it("stores only the hash of the token", async () => {
    const { username, email } = await accountWithMail();
    await requestReset(username);
    const { token } = linkIn((await mailTo(email))[0]!);
    const rows = await env.DB.prepare("SELECT * FROM password_resets WHERE user_id = ?")
      .bind(await userIdOf(username))
      .all();
    expect(rows.results).toHaveLength(1);
    expect(rows.results[0]!.token_hash).toBe(await sha256Hex(token));
    expect(JSON.stringify(rows.results)).not.toContain(token);
  });

  it("expires 4 hours after the request", async () => {
    const { username } = await accountWithMail();
    const userId = await userIdOf(username);
    const expired = randomSecret();
    const fresh = randomSecret();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO password_resets (user_id, token_hash, created_at) VALUES (?, ?, ?)").bind(
        userId,
        await sha256Hex(expired),
        Date.now() - RESET_VALIDITY_MS - 1000,
      ),
      env.DB.prepare("INSERT INTO password_resets (user_id, token_hash, created_at) VALUES (?, ?, ?)").bind(
        userId,
        await sha256Hex(fresh),
        Date.now() - RESET_VALIDITY_MS + 60_000,
      ),
    ]);
    expect(await validResetLink(env, expired, Date.now())).toBeNull();
    const browser = new Browser();
    const res = await browser.post(`/reset-password/${expired}`, { password: NEW_PASSWORD });
    expect(res.headers.get("location")).toBe("/forgot-password");
    expect(browser.takeFlash()?.kind).toBe("error");
    expect((await new Browser().logIn(username, NEW_PASSWORD)).headers.get("location")).toBe("/login");

    expect(await validResetLink(env, fresh, Date.now())).toEqual({ username });
    expect((await new Browser().post(`/reset-password/${fresh}`, { password: NEW_PASSWORD })).headers.get("location")).toBe("/login");
    expect((await new Browser().logIn(username, NEW_PASSWORD)).headers.get("location")).toBe("/my/profile");
  });

  it("keeps the link usable after a refused (too weak) new password", async () => {
    const { username, email } = await accountWithMail();
    await requestReset(username);
    const { token } = linkIn((await mailTo(email))[0]!);
    const browser = new Browser();
    const res = await browser.post(`/reset-password/${token}`, { password: "password1" });
    expect(res.headers.get("location")).toBe(`/reset-password/${token}`);
    expect(browser.takeFlash()).toEqual({ kind: "error", message: "This password is too common; choose another one." });
    expect(await validResetLink(env, token, Date.now())).toEqual({ username });
  });

  it("ends every session of the account and every other reset link", async () => {
    const { browser: signedIn, username, email } = await accountWithMail();
    await requestReset(username);
    await requestReset(email);
    const [first, second] = await mailTo(email, 2);
    await new Browser().post(`/reset-password/${linkIn(first!).token}`, { password: NEW_PASSWORD });

    expect((await signedIn.get("/my/profile")).headers.get("location")).toMatch(/^\/login/);
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?")
        .bind(await userIdOf(username))
        .first("n"),
    ).toBe(0);
    expect(await validResetLink(env, linkIn(second!).token, Date.now())).toBeNull();
    expect(signedIn.jar.has(SESSION_COOKIE)).toBe(true); // the browser still has the cookie, which now means nothing
  });

  it("refuses malformed and unknown tokens without touching any account", async () => {
    for (const token of ["short", "x".repeat(43), randomSecret()]) {
      const browser = new Browser();
      const res = await browser.post(`/reset-password/${token}`, { password: NEW_PASSWORD });
      expect(res.headers.get("location")).toBe("/forgot-password");
    }
  });
});
