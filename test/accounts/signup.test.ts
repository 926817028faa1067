// POST /signup: validation, case-insensitive unique names, the stored password hash, the first session.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SESSION_COOKIE } from "../../worker/services/sessions";
import { count, uniqueName } from "../helpers";
import { Browser, PASSWORD } from "./browser";

async function attempt(fields: Record<string, string>) {
  const browser = new Browser();
  const res = await browser.post("/signup", { password: PASSWORD, email: "", ...fields });
  return { res, browser, flash: browser.takeFlash() };
}

describe("sign-up", () => {
  it("creates the account, signs the person in and stores only a PBKDF2 hash", async () => {
    const username = uniqueName("New User ");
    const { res, browser, flash } = await attempt({ username, email: "new@example.com" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/my/machines");
    expect(flash).toMatchObject({ kind: "success" });
    expect(browser.jar.has(SESSION_COOKIE)).toBe(true);

    const row = await env.DB.prepare("SELECT username, username_key, email, password_hash, private, total_xp FROM users WHERE username = ?")
      .bind(username)
      .first<Record<string, unknown>>();
    expect(row).toMatchObject({ username, username_key: username.toLowerCase(), email: "new@example.com", private: 0, total_xp: 0 });
    const hash = row!.password_hash as string;
    expect(hash).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(PASSWORD);
    expect(await count("machines", "user_id = (SELECT id FROM users WHERE username = ?)", username)).toBe(0);
  });

  it("gives every account its own salt", async () => {
    const a = uniqueName("salt");
    const b = uniqueName("salt");
    await attempt({ username: a });
    await attempt({ username: b });
    const hashes = await env.DB.prepare("SELECT password_hash AS h FROM users WHERE username IN (?, ?)").bind(a, b).all<{ h: string }>();
    const [x, y] = hashes.results.map((r) => r.h.split("$")[2]);
    expect(x).not.toBe(y);
  });

  it("leaves the e-mail address optional", async () => {
    const username = uniqueName();
    await attempt({ username, email: "   " });
    expect(await env.DB.prepare("SELECT email FROM users WHERE username = ?").bind(username).first("email")).toBeNull();
  });

  it.each([
    ["", "Username is required."],
    ["a/b", "Username must not contain any of / # % ? & = +"],
    ["q?x", "Username must not contain any of / # % ? & = +"],
    ["plus+sign", "Username must not contain any of / # % ? & = +"],
    [" padded", "Username must not start or end with a space."],
    ["x".repeat(65), "Username must be at most 64 characters."],
    ["tab\tname", "Username must be plain text."],
    ["..", "Username must not be . or .."],
  ])("refuses the username %j", async (username, message) => {
    const before = await count("users");
    const { res, flash, browser } = await attempt({ username });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/signup");
    expect(flash).toEqual({ kind: "error", message, fields: { username, email: "" } });
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
    expect(await count("users")).toBe(before);
  });

  it.each([
    ["short1!", "Password must be at least 8 characters."],
    ["password123", "This password is too common; choose another one."],
    ["QWERTYUIOP", "This password is too common; choose another one."],
    ["zzzzzzzzzz", "Password must not repeat a single character."],
  ])("refuses the password %j", async (password, message) => {
    const username = uniqueName();
    const { flash } = await attempt({ username, password });
    expect(flash).toMatchObject({ kind: "error", message });
    expect(await count("users", "username = ?", username)).toBe(0);
  });

  it("refuses a password equal to the username", async () => {
    const username = uniqueName("samename");
    const { flash } = await attempt({ username, password: username.toUpperCase() });
    expect(flash).toMatchObject({ kind: "error", message: "Password must not be your username." });
  });

  it("refuses a malformed e-mail address and keeps what was typed for the form", async () => {
    const username = uniqueName();
    const { flash } = await attempt({ username, email: "not an address" });
    expect(flash).toEqual({ kind: "error", message: "E-mail address is not valid.", fields: { username, email: "not an address" } });
    expect(await count("users", "username = ?", username)).toBe(0);
  });

  it("refuses a name that is taken in any letter case, with a clear message", async () => {
    const username = uniqueName("Taken");
    await attempt({ username });
    for (const variant of [username, username.toLowerCase(), username.toUpperCase()]) {
      const { res, flash } = await attempt({ username: variant });
      expect(res.headers.get("location")).toBe("/signup");
      expect(flash).toMatchObject({ kind: "error", message: "This username is already taken." });
    }
    expect(await count("users", "username_key = ?", username.toLowerCase())).toBe(1);
  });

  it("treats composed and decomposed spellings as the same name", async () => {
    const base = uniqueName("caf");
    await attempt({ username: `${base}\u00e9` }); // é
    const { flash } = await attempt({ username: `${base}e\u0301` }); // e + combining acute
    expect(flash).toMatchObject({ kind: "error", message: "This username is already taken." });
  });
});
