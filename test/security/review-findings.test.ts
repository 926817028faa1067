// The security review's findings, each as the attack that used to work: every one must now fail.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CSRF_COOKIE } from "../../worker/domain/cookies";
import { RATE_POLICIES } from "../../worker/domain/rate-limits";
import { devOutbox } from "../../worker/services/outbox";
import { WRONG_CURRENT_PASSWORD } from "../../worker/services/accounts";
import { RESET_REQUESTED } from "../../worker/services/password-reset";
import { SESSION_COOKIE } from "../../worker/services/sessions";
import { createWebApp } from "../../worker/web";
import { BASE, count, postPulse, pulse, uniqueName } from "../helpers";
import { addMachine, Browser, PASSWORD, signedUp, userIdOf } from "../accounts/browser";

const EVIL = "http://evil.example:8787";

async function outboxTexts(address: string): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT text FROM outbox WHERE to_address = ? ORDER BY id")
    .bind(address)
    .all<{ text: string }>();
  return results.map((r) => r.text);
}

/** Mail goes out after the response (waitUntil): wait until `n` mails reached the address. */
async function waitForMail(address: string, n: number): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    const texts = await outboxTexts(address);
    if (texts.length >= n) return texts;
    await new Promise((r) => setTimeout(r, 20));
  }
  return outboxTexts(address);
}

/** A reset request as the attacker sends it: Host and a matching Origin of the attacker's choosing. */
function poisonedResetRequest(login: string): Request {
  const csrf = "c".repeat(43);
  return new Request(`${EVIL}/forgot-password`, {
    method: "POST",
    headers: {
      origin: EVIL,
      cookie: `${CSRF_COOKIE}=${csrf}`,
      "content-type": "application/x-www-form-urlencoded",
      "cf-connecting-ip": "203.0.113.66",
    },
    body: new URLSearchParams({ login, csrf }).toString(),
    redirect: "manual",
  });
}

afterEach(() => vi.restoreAllMocks());

describe("security review findings", () => {
  it("reset-link poisoning: a forged Host never reaches a link; links use the configured origin only", async () => {
    const email = `${uniqueName("victim")}@example.com`;
    const { username } = await signedUp({ email });
    const poisoned = await exports.default.fetch(poisonedResetRequest(username));
    expect(poisoned.status).toBe(403); // the forged origin is not a configured one
    // An Origin of this site but the attacker's Host: the link still comes from PUBLIC_ORIGIN.
    const csrf = "d".repeat(43);
    const mixed = await exports.default.fetch(`${EVIL}/forgot-password`, {
      method: "POST",
      headers: { origin: BASE, cookie: `${CSRF_COOKIE}=${csrf}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ login: username, csrf }).toString(),
      redirect: "manual",
    });
    expect(mixed.status).toBe(303);
    const [text, ...more] = await waitForMail(email, 1);
    expect(more).toEqual([]);
    expect(text).toMatch(new RegExp(`${BASE}/reset-password/[A-Za-z0-9_-]{43}`));
    expect(text).not.toContain("evil.example");
  });

  it("reset-link poisoning: a deployment without PUBLIC_ORIGIN refuses to mail, with a clear error", async () => {
    const email = `${uniqueName("victim")}@example.com`;
    const { username } = await signedUp({ email });
    const errors = vi.spyOn(console, "error");
    const unconfigured = { ...env, PUBLIC_ORIGIN: undefined };
    const ctx = createExecutionContext();
    const res = await createWebApp().fetch(poisonedResetRequest(username), unconfigured, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain("PUBLIC_ORIGIN");
    expect(errors.mock.calls.flat().join("\n")).toMatch(/password reset refused: PUBLIC_ORIGIN is not set/);
    expect(await outboxTexts(email)).toEqual([]);
    expect(await count("password_resets", "user_id = ?", await userIdOf(username))).toBe(0);
  });

  it("lock-out: an attacker's failed log-ins and reset requests do not lock out the owner", async () => {
    const email = `${uniqueName("owner")}@example.com`;
    const { username } = await signedUp({ email });
    const attacker = new Browser();
    const guesses = RATE_POLICIES.loginByIp.limit + 2;
    const statuses: number[] = [];
    for (let i = 0; i < guesses; i++) statuses.push((await attacker.post("/login", { username, password: `guess ${i} wrong` })).status);
    expect(statuses.slice(0, RATE_POLICIES.loginByAccountAndIp.limit)).toEqual(Array(RATE_POLICIES.loginByAccountAndIp.limit).fill(303));
    expect(statuses.at(-1)).toBe(429); // the attacker is stopped ...
    const owner = new Browser();
    const login = await owner.logIn(username);
    expect(login.headers.get("location")).toBe("/my/profile"); // ... and the owner still gets in
    expect(owner.jar.has(SESSION_COOKIE)).toBe(true);

    for (let i = 0; i <= RATE_POLICIES.resetByAccountAndIp.limit; i++) await attacker.post("/forgot-password", { login: username });
    expect((await attacker.post("/forgot-password", { login: username })).status).toBe(429);
    const ownReset = await owner.post("/forgot-password", { login: email });
    expect(ownReset.status).toBe(303);
    expect(owner.takeFlash()).toEqual({ kind: "info", message: RESET_REQUESTED });
    const mails = await waitForMail(email, RATE_POLICIES.resetByAccountAndIp.limit + 1);
    expect(mails).toHaveLength(RATE_POLICIES.resetByAccountAndIp.limit + 1); // the attacker's 3 and the owner's
  });

  it("lookalike usernames: invisible characters, bidi controls, mixed scripts and compatibility forms are refused", async () => {
    const base = `${uniqueName("probe")}A1`;
    await new Browser().signUp({ username: base });
    const stem = base.slice(0, -2);
    const lookalikes = [
      [`${stem}\u200BA1`, /invisible/],
      [`${stem}\u202EA1`, /invisible/],
      [`${stem}A\u20601`, /invisible/],
      [`${stem.replace(/e(?!.*e)/, "\u0435")}A1`, /scripts/], // Cyrillic е for the last Latin e
      [`${stem}\uFF21\uFF11`, /already taken/], // fullwidth A1: NFKC makes it the same name
    ] as const;
    for (const [name, problem] of lookalikes) {
      const browser = new Browser();
      const res = await browser.post("/signup", { username: name, password: PASSWORD });
      expect(res.headers.get("location")).toBe("/signup");
      expect(browser.takeFlash()?.message).toMatch(problem);
      expect(await count("users", "username = ?", name)).toBe(0);
    }
    expect(await count("users", "username_key = ?", base.toLowerCase())).toBe(1);
    // Scripts written together, and any one script alone, still register.
    for (const name of [`山田たろう${Date.now() % 100000}`, `Ελένη${Date.now() % 100000}`, `Иван${Date.now() % 100000}`]) {
      await new Browser().signUp({ username: name });
    }
  });

  it("e-mail change needs the current password: a hijacked session cannot redirect the reset mail", async () => {
    const { browser, username } = await signedUp({ email: `${uniqueName("mine")}@example.com` });
    const before = await env.DB.prepare("SELECT email FROM users WHERE username = ?").bind(username).first<string>("email");
    const attempts: Record<string, string>[] = [
      { email: "attacker@evil.example" },
      { email: "attacker@evil.example", current_password: "not my password" },
    ];
    for (const fields of attempts) {
      const res = await browser.post("/my/preferences", fields);
      expect(res.headers.get("location")).toBe("/my/preferences");
      expect(browser.takeFlash()).toMatchObject({ kind: "error", message: WRONG_CURRENT_PASSWORD });
    }
    expect(await env.DB.prepare("SELECT email FROM users WHERE username = ?").bind(username).first<string>("email")).toBe(before);
    await browser.post("/my/preferences", { email: "new@example.com", current_password: PASSWORD });
    expect(browser.takeFlash()).toEqual({ kind: "success", message: "Preferences updated." });
    expect(await env.DB.prepare("SELECT email FROM users WHERE username = ?").bind(username).first<string>("email")).toBe(
      "new@example.com",
    );
  });

  it("/dev/outbox: loopback Host and CF-Connecting-IP headers alone no longer open it", async () => {
    const spoofed = new Request("http://127.0.0.1:8787/dev/outbox", { headers: { "cf-connecting-ip": "127.0.0.1" } });
    expect(devOutbox(env, spoofed, 5)).toBeNull(); // a dev server not started by `npm start`
    const started = { ...env, DEV_OUTBOX: "1" };
    expect(Array.isArray(await devOutbox(started, spoofed, 5))).toBe(true);
    // Where the runtime reports the socket's address, a remote one is refused whatever the headers say.
    const remote = new Request("http://127.0.0.1:8787/dev/outbox", {
      headers: { "cf-connecting-ip": "127.0.0.1" },
      cf: { clientIp: "203.0.113.9" } as never,
    });
    expect(devOutbox(started, remote, 5)).toBeNull();
    expect(devOutbox({ ...started, MAILER: {} as SendEmail }, spoofed, 5)).toBeNull();
  });

  it("CSV export: cells that would run as spreadsheet formulas are neutralised, the rest keeps the original's format", async () => {
    const { browser } = await signedUp();
    const { token } = await addMachine(browser, '=HYPERLINK("http://evil.example","x")');
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const instant = Date.parse(`${day}T12:00:00Z`);
    for (const language of ["@SUM(1+1)", "+cmd", "-2+3", "Go"]) {
      expect((await postPulse(token, pulse([{ language, xp: 3 }], instant, -60))).status).toBe(201);
    }
    const csv = await (await browser.get("/my/export.csv")).text();
    const machine = `"'=HYPERLINK(""http://evil.example"",""x"")"`;
    const prefix = `${day} 12:00:00Z;${day} 11:00:00;-60`;
    expect(csv.split("\n").slice(1, -1).sort()).toEqual(
      [`"'@SUM(1+1)"`, `"'+cmd"`, `"'-2+3"`, `Go`].map((language) => `${prefix};${language};${machine};3`).sort(),
    );
  });

  it("a valid token is served from an address that hit the unknown-token limit", async () => {
    const headers = { "cf-connecting-ip": "198.51.100.78" };
    const { limit, windowMs } = RATE_POLICIES.ingestFailuresByIp;
    // The window is a fixed minute: start early in one, so that the burst cannot straddle two.
    const left = windowMs - (Date.now() % windowMs);
    if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
    for (let i = 0; i <= limit; i++) await postPulse(crypto.randomUUID(), pulse([{ language: "Go", xp: 1 }]), { headers });
    expect((await postPulse(crypto.randomUUID(), pulse([{ language: "Go", xp: 1 }]), { headers })).status).toBe(429);
    const { browser, username } = await signedUp();
    const { token } = await addMachine(browser, "Behind the same NAT");
    expect((await postPulse(token, pulse([{ language: "Go", xp: 1 }]), { headers })).status).toBe(201);
    expect(await count("pulses", "user_id = ?", await userIdOf(username))).toBe(1);
    expect((await postPulse(crypto.randomUUID(), pulse([{ language: "Go", xp: 1 }]), { headers })).status).toBe(429);
  });
});
