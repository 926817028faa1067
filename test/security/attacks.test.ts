// The security suite: a catalogue of attacks, each tried through every route it applies to. An attack
// "succeeds" when it changes or reveals anything it should not. Pass condition: zero successes.
import { env, exports } from "cloudflare:workers";
import { searchPublicUsers } from "../../worker/db/user-search";
import { describe, expect, it } from "vitest";
import { BASE, api, count, postPulse, pulse } from "../helpers";
import { openSocket, waitForSeq } from "../live-helpers";
import { addMachine, Browser, PASSWORD, signedUp, userIdOf } from "../accounts/browser";
import { CSRF_COOKIE, SESSION_COOKIE } from "../../worker/domain/cookies";
import { constantTimeEqual, randomSecret } from "../../worker/domain/secrets";
import { hashToken } from "../../worker/domain/token";

interface Tally {
  tried: number;
  succeeded: string[];
}

function tally(): Tally & { attempt(name: string, success: boolean): void } {
  const t = { tried: 0, succeeded: [] as string[] };
  return Object.assign(t, {
    attempt(name: string, success: boolean) {
      t.tried++;
      if (success) t.succeeded.push(name);
    },
  });
}

async function machinesOf(userId: number) {
  return (await env.DB.prepare("SELECT id, name, active, token_hash FROM machines WHERE user_id = ? ORDER BY id").bind(userId).all())
    .results;
}

describe("security suite", () => {
  it("forged, revoked and foreign tokens never write a pulse", async () => {
    const t = tally();
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { machineId, token } = await addMachine(browser, "Box");
    const forged = [
      crypto.randomUUID(),
      `waka_${crypto.randomUUID()}`,
      await hashToken(token), // the stored hash presented as a token
      token.replace(/.$/, (c) => (c === "0" ? "1" : "0")), // one character off
      "SFMyNTY.OEotWWdnPT0jI01qaz0.X0wVEZquh8Ogau1iTtBihYqqL71FD8N6p5ChQiIpaxQ", // the original's token format
      `${token} ${token}`,
      "",
    ];
    for (const candidate of forged)
      t.attempt(`forged token ${candidate.slice(0, 12)}`, (await postPulse(candidate, pulse([{ language: "Go", xp: 1 }]))).status !== 403);
    // Revocation: regenerate, deactivate, delete; the old token must stop at once.
    await browser.post(`/my/machines/${machineId}/regenerate`);
    t.attempt("regenerated token reused", (await postPulse(token, pulse([{ language: "Go", xp: 1 }]))).status !== 403);
    const second = await addMachine(browser, "Second");
    await browser.post(`/my/machines/${second.machineId}/deactivate`);
    t.attempt("deactivated token reused", (await postPulse(second.token, pulse([{ language: "Go", xp: 1 }]))).status !== 403);
    const third = await addMachine(browser, "Third");
    await browser.post(`/my/machines/${third.machineId}/delete`, { confirm: "yes" });
    t.attempt("deleted machine's token reused", (await postPulse(third.token, pulse([{ language: "Go", xp: 1 }]))).status !== 403);
    t.attempt("any pulse stored", (await count("pulses", "user_id = ?", userId)) !== 0);
    // A token is a machine credential only: it opens no browser route.
    for (const path of ["/my/machines", "/my/preferences", "/my/export.csv", "/my/export.json"]) {
      const res = await api(path, { headers: { "x-api-token": second.token }, redirect: "manual" });
      t.attempt(`token opens ${path}`, res.status === 200);
    }
    expect(t.succeeded).toEqual([]);
    expect(t.tried).toBeGreaterThan(10);
  });

  it("one user's session cannot touch another user's machines or data through any route", async () => {
    const t = tally();
    const victim = await signedUp();
    const victimId = await userIdOf(victim.username);
    const victimMachine = await addMachine(victim.browser, "Victim box");
    await postPulse(victimMachine.token, pulse([{ language: "Secret", xp: 42 }]));
    const before = JSON.stringify(await machinesOf(victimId));
    const attacker = await signedUp();
    const id = victimMachine.machineId;
    for (const [path, fields] of [
      [`/my/machines/${id}/rename`, { name: "pwned" }],
      [`/my/machines/${id}/deactivate`, {}],
      [`/my/machines/${id}/activate`, {}],
      [`/my/machines/${id}/regenerate`, {}],
      [`/my/machines/${id}/delete`, { confirm: "yes" }],
    ] as const) {
      await attacker.browser.post(path, fields);
      t.attempt(`POST ${path}`, JSON.stringify(await machinesOf(victimId)) !== before);
    }
    for (const path of ["/my/export.csv", "/my/export.json", `/my/export.csv?user=${victimId}`, `/my/export.json?user_id=${victimId}`]) {
      const res = await attacker.browser.get(path);
      t.attempt(`GET ${path} shows the victim's data`, (await res.text()).includes("Secret"));
    }
    const profile = await attacker.browser.get("/my/profile");
    t.attempt("/my/profile leads to the victim", (profile.headers.get("location") ?? "").includes(victim.username));
    expect(t.succeeded).toEqual([]);
  });

  it("a private profile leaks through no path: API, HEAD, casing, sockets, badges, leaderboards, search, front page, other tokens", async () => {
    const t = tally();
    const owner = await signedUp();
    const ownerId = await userIdOf(owner.username);
    const { token } = await addMachine(owner.browser, "Box");
    await owner.browser.post("/my/preferences/privacy", { private: "on" });
    await postPulse(token, pulse([{ language: "Classified", xp: 1234 }]));
    await waitForSeq(ownerId, 1);
    const names = [owner.username, owner.username.toUpperCase(), encodeURIComponent(owner.username), owner.username.replace(/ /g, "+")];
    for (const name of names) {
      for (const method of ["GET", "HEAD"]) {
        const res = await api(`/api/users/${name}`, { method, redirect: "manual" });
        t.attempt(`${method} /api/users/${name}`, res.status !== 404);
      }
      t.attempt(`socket /live/users/${name}`, (await openSocket(`/live/users/${name}`)).status !== 404);
      t.attempt(`badge /users/${name}/badge.svg`, (await api(`/users/${name}/badge.svg`)).status !== 404);
      t.attempt(`shields endpoint /api/badges/${name}`, (await api(`/api/badges/${name}`)).status !== 404);
    }
    // Leaderboards (every range, overall and in the private user's language), WakaTime's leaders, user search.
    for (const range of ["week", "month", "year", "all"]) {
      for (const language of ["", "&language=Classified"]) {
        const pages = [];
        for (let page = 1, total = 1; page <= total; page++) {
          const doc = await (await api(`/api/leaderboards?range=${range}${language}&page=${page}`)).json<{
            total_pages: number;
            users: { username: string }[];
          }>();
          total = doc.total_pages;
          pages.push(...doc.users.map((u) => u.username));
        }
        t.attempt(`leaderboard ${range}${language}`, pages.includes(owner.username));
      }
    }
    t.attempt("WakaTime leaders", (await (await api("/api/v1/leaders?language=Classified")).text()).includes(owner.username));
    t.attempt("user search", (await searchPublicUsers(env.DB, owner.username, 1)).usernames.includes(owner.username));
    const stranger = await signedUp();
    const strangerToken = (await addMachine(stranger.browser, "Other")).token;
    const mine = await (await api("/api/my/profile", { headers: { "x-api-token": strangerToken } })).text();
    t.attempt("another user's token reads the private profile", mine.includes("Classified"));
    const feed = await openSocket("/live/feed");
    const snapshot = await feed.socket!.next((m) => m.type === "feed.snapshot");
    t.attempt("front page shows the private language", JSON.stringify(snapshot).includes("Classified"));
    feed.socket!.ws.close(1000);
    const publicTotal = await env.DB.prepare("SELECT coalesce(SUM(total_xp), 0) AS xp FROM users WHERE private = 0").first<number>("xp");
    t.attempt("front page total includes private XP", snapshot.feed.totalXp > publicTotal!);
    expect(t.succeeded).toEqual([]);
  });

  it("refuses CSRF-less, cross-origin and token-swapped form posts, changing nothing", async () => {
    const t = tally();
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const other = await signedUp();
    const foreignToken = await other.browser.csrfToken();
    const state = async () =>
      JSON.stringify([
        await machinesOf(userId),
        await env.DB.prepare("SELECT email, private, password_hash FROM users WHERE id = ?").bind(userId).first(),
      ]);
    const before = await state();
    const posts: [string, Record<string, string>][] = [
      ["/my/machines", { name: "Injected" }],
      ["/my/preferences", { email: "attacker@example.com" }],
      ["/my/preferences/privacy", { private: "on" }],
      ["/my/preferences/password", { current: PASSWORD, password: "attacker chosen pass" }],
      ["/my/preferences/delete-account", { confirmation: "DELETE" }],
    ];
    for (const [path, fields] of posts) {
      for (const [label, options] of [
        ["no token", { csrf: null }],
        ["foreign token", { csrf: foreignToken }],
        ["cross-origin", { origin: "https://evil.example" }],
        ["null origin", { origin: "null" }],
        ["no origin or referer", { origin: null }],
      ] as const) {
        const res = await browser.post(path, fields, options as never);
        t.attempt(`${label} ${path} (${res.status})`, res.status !== 403);
      }
    }
    t.attempt("state changed", (await state()) !== before);
    expect(t.succeeded).toEqual([]);
  });

  it("defeats session fixation: a session id planted before log-in never becomes valid", async () => {
    const t = tally();
    const { username } = await signedUp();
    const browser = new Browser();
    const planted = randomSecret();
    browser.jar.set(SESSION_COOKIE, planted);
    // The log-in page as a signed-out browser sees it: an anonymous CSRF token.
    const anonymous = randomSecret();
    browser.jar.set(CSRF_COOKIE, anonymous);
    const login = await browser.post("/login", { username, password: PASSWORD }, { csrf: anonymous });
    expect(login.status).toBe(303);
    expect(browser.jar.get(SESSION_COOKIE)).toBeDefined();
    t.attempt("planted id kept", browser.jar.get(SESSION_COOKIE) === planted);
    const attacker = new Browser();
    attacker.jar.set(SESSION_COOKIE, planted);
    const res = await attacker.get("/my/export.json");
    t.attempt("planted id authenticates", res.status === 200);
    expect(t.succeeded).toEqual([]);
  });

  it("limits brute force on log-in (429), whatever the guessed password", async () => {
    const { username } = await signedUp();
    const attacker = new Browser("203.0.113.200");
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await attacker.logIn(username, `guess number ${i}`)).status);
    expect(statuses).toContain(429);
    // Once limited, even the right password is refused until the window ends.
    expect((await attacker.logIn(username)).status).toBe(429);
  });

  it("compares secrets in constant time: equal work whatever the first differing byte", () => {
    // Timing cannot be asserted in tests; the comparison's structure can: it always walks every byte.
    const a = "a".repeat(64);
    expect(constantTimeEqual(a, a)).toBe(true);
    expect(constantTimeEqual(a, "b" + a.slice(1))).toBe(false);
    expect(constantTimeEqual(a, a.slice(1) + "b")).toBe(false);
    expect(constantTimeEqual(a, a.slice(1))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    // Machine tokens and session ids are never compared at all: they are looked up by their SHA-256.
  });

  it("escapes hostile names in every API document (JSON only, never HTML)", async () => {
    const { browser, username } = await signedUp();
    const { token } = await addMachine(browser, `<img src=x onerror=alert(1)>`);
    await postPulse(token, pulse([{ language: "<script>alert(1)</script>", xp: 3 }]));
    const res = await exports.default.fetch(`${BASE}/api/users/${username}`);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("x-content-type-options") ?? "nosniff").toBe("nosniff");
    const body = await res.json<{ languages: Record<string, unknown>; machines: Record<string, unknown> }>();
    expect(Object.keys(body.languages)).toEqual(["<script>alert(1)</script>"]);
    expect(Object.keys(body.machines)).toEqual(["<img src=x onerror=alert(1)>"]);
  });
});
