// Every state-changing form needs the site's own Origin (or Referer) AND a valid CSRF token; a refused
// post answers 403 and changes nothing.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { randomSecret } from "../../worker/domain/secrets";
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE } from "../../worker/services/sessions";
import { BASE, count, uniqueName } from "../helpers";
import { addMachine, Browser, PASSWORD, signedUp, userIdOf, type PostOptions } from "./browser";

const EVIL = "https://evil.example";

/** Everything a refused post could have changed for one user. */
async function snapshot(userId: number) {
  return env.DB.batch([
    env.DB.prepare("SELECT username, email, private, password_hash FROM users WHERE id = ?").bind(userId),
    env.DB.prepare("SELECT id, name, active, token_hash FROM machines WHERE user_id = ? ORDER BY id").bind(userId),
    env.DB.prepare("SELECT id FROM sessions WHERE user_id = ? ORDER BY id").bind(userId),
  ]).then((results) => results.map((r) => r.results));
}

describe("CSRF protection of account forms", async () => {
  const refusals: [string, PostOptions][] = [
    ["no token", { csrf: null }],
    ["a wrong token", { csrf: randomSecret() }],
    ["a cross-site Origin", { origin: EVIL }],
    ["Origin: null", { origin: "null" }],
    ["no Origin and a cross-site Referer", { origin: null, referer: `${EVIL}/page` }],
    ["neither Origin nor Referer", { origin: null }],
    ["another scheme of this host", { origin: BASE.replace("http:", "https:") }],
  ];

  it.each(refusals)("refuses a post with %s (403, nothing changed) on every account route", async (_, options) => {
    const { browser, username } = await signedUp({ email: "keep@example.com" });
    const userId = await userIdOf(username);
    const { machineId } = await addMachine(browser, "Desk");
    const before = await snapshot(userId);

    const posts: [string, Record<string, string>][] = [
      ["/my/machines", { name: "Injected" }],
      [`/my/machines/${machineId}/rename`, { name: "Renamed" }],
      [`/my/machines/${machineId}/deactivate`, {}],
      [`/my/machines/${machineId}/regenerate`, {}],
      [`/my/machines/${machineId}/delete`, { confirm: "yes" }],
      ["/my/preferences", { email: "attacker@evil.example" }],
      ["/my/preferences/privacy", { private: "on" }],
      ["/my/preferences/password", { current_password: PASSWORD, new_password: "attacker chosen pw" }],
      ["/my/preferences/delete-account", { confirmation: "DELETE" }],
      ["/logout-everywhere", {}],
      ["/logout", {}],
    ];
    for (const [path, fields] of posts) {
      const res = await browser.post(path, fields, options);
      expect(res.status, path).toBe(403);
      expect(res.headers.get("content-type"), path).toMatch(/^text\/html/);
    }
    expect(await snapshot(userId)).toEqual(before);
  });

  it("accepts a same-origin Referer when the browser sent no Origin", async () => {
    const { browser } = await signedUp();
    const res = await browser.post("/my/machines", { name: "Via referer" }, { origin: null, referer: `${BASE}/my/machines` });
    expect(res.status).toBe(303);
    expect(browser.takeFlash()?.kind).toBe("success");
  });

  it("refuses another user's CSRF token", async () => {
    const { browser: mine, username } = await signedUp();
    const { browser: theirs } = await signedUp();
    const res = await mine.post("/my/machines", { name: "X" }, { csrf: await csrfTokenFor(theirs.jar.get(SESSION_COOKIE)!) });
    expect(res.status).toBe(403);
    expect(await count("machines", "user_id = ?", await userIdOf(username))).toBe(0);
  });

  it("refuses the signed-out double-submit token on account forms", async () => {
    const { browser, username } = await signedUp();
    const anonymous = randomSecret();
    browser.jar.set(CSRF_COOKIE, anonymous);
    expect((await browser.post("/my/machines", { name: "X" }, { csrf: anonymous })).status).toBe(403);
    expect(await count("machines", "user_id = ?", await userIdOf(username))).toBe(0);
  });

  describe("signed-out forms (double-submit cookie)", () => {
    it.each(["/signup", "/login", "/forgot-password"])("%s refuses a missing, mismatched or cross-site token", async (path) => {
      const username = uniqueName("csrf");
      const fields = { username, password: PASSWORD, login: username };
      const users = await count("users");
      const outbox = await count("outbox");

      const noCookie = new Browser();
      expect((await noCookie.post(path, fields, { csrf: randomSecret() })).status).toBe(403);

      const mismatch = new Browser();
      mismatch.jar.set(CSRF_COOKIE, randomSecret());
      expect((await mismatch.post(path, fields, { csrf: randomSecret() })).status).toBe(403);

      const crossSite = new Browser();
      const res = await crossSite.post(path, fields, { origin: EVIL });
      expect(res.status).toBe(403);
      expect(crossSite.jar.has(SESSION_COOKIE)).toBe(false);

      const tooShort = new Browser();
      tooShort.jar.set(CSRF_COOKIE, "");
      expect((await tooShort.post(path, fields, { csrf: "" })).status).toBe(403);

      expect(await count("users")).toBe(users);
      expect(await count("outbox")).toBe(outbox);
    });

    it("a cross-site log-in (login CSRF) signs nobody in", async () => {
      const { username } = await signedUp();
      const victim = new Browser();
      const res = await victim.post("/login", { username, password: PASSWORD }, { origin: EVIL });
      expect(res.status).toBe(403);
      expect(victim.jar.has(SESSION_COOKIE)).toBe(false);
    });
  });

  it("only takes HTML forms: other content types answer 415", async () => {
    const { browser } = await signedUp();
    const res = await browser.fetch("/my/machines", {
      method: "POST",
      headers: { origin: BASE, "content-type": "application/json" },
      body: JSON.stringify({ name: "json", csrf: await browser.csrfToken() }),
    });
    expect(res.status).toBe(415);
  });

  it("refuses oversized forms with 413", async () => {
    const { browser } = await signedUp();
    const res = await browser.post("/my/machines", { name: "x".repeat(20_000) });
    expect(res.status).toBe(413);
  });
});
