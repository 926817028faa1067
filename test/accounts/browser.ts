// A tiny browser for the web app's tests: a cookie jar, a client address, forms with CSRF tokens.
// Pages are Astro (not loaded in the test runtime), so the tests post forms the way the pages would.
import { env, exports } from "cloudflare:workers";
import { decodeFlash, type Flash } from "../../worker/domain/flash";
import { randomSecret } from "../../worker/domain/secrets";
import {
  CSRF_COOKIE,
  csrfTokenFor,
  FLASH_COOKIE,
  resolveSession,
  SESSION_COOKIE,
  takeTokenReveal,
  type TokenReveal,
} from "../../worker/services/sessions";
import { BASE, uniqueName } from "../helpers";

export const PASSWORD = "correct horse battery staple";

let ipCounter = 0;
/** A client address no other test uses (rate limits are per address). */
export function uniqueIp(): string {
  ipCounter++;
  return `10.${Math.floor(Math.random() * 250)}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

export interface PostOptions {
  /** Origin header; null to send none. Defaults to the site's own origin. */
  origin?: string | null;
  referer?: string;
  /** CSRF field; null to leave it out. Defaults to the right token for this browser. */
  csrf?: string | null;
  headers?: Record<string, string>;
}

export class Browser {
  readonly jar = new Map<string, string>();

  /** `ip` "" sends no cf-connecting-ip header; `entry` is the Worker it talks to (the test runner's, by default). */
  constructor(
    readonly ip = uniqueIp(),
    private readonly entry: (url: string, init: RequestInit) => Promise<Response> = (url, init) => exports.default.fetch(url, init),
  ) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  async fetch(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(this.ip ? { "cf-connecting-ip": this.ip } : {}), ...init.headers };
    if (this.jar.size > 0) headers.cookie = this.cookieHeader();
    const res = await this.entry(`${BASE}${path}`, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) this.store(line);
    return res;
  }

  store(setCookie: string): void {
    const [pair = "", ...attributes] = setCookie.split(";").map((s) => s.trim());
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const maxAge = attributes.find((a) => a.toLowerCase().startsWith("max-age="));
    if (maxAge && Number(maxAge.split("=")[1]) <= 0) this.jar.delete(name);
    else this.jar.set(name, value);
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch(path, { headers });
  }

  /** The token a page would have put into its forms for this browser. */
  async csrfToken(): Promise<string> {
    const session = this.jar.get(SESSION_COOKIE);
    if (session) return csrfTokenFor(session);
    let anonymous = this.jar.get(CSRF_COOKIE);
    if (!anonymous) {
      anonymous = randomSecret(); // what the Astro middleware sets on a signed-out page view
      this.jar.set(CSRF_COOKIE, anonymous);
    }
    return anonymous;
  }

  async post(path: string, fields: Record<string, string> = {}, options: PostOptions = {}): Promise<Response> {
    const form = new URLSearchParams(fields);
    const csrf = options.csrf === undefined ? await this.csrfToken() : options.csrf;
    if (csrf !== null) form.set("csrf", csrf);
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded", ...options.headers };
    const origin = options.origin === undefined ? BASE : options.origin;
    if (origin !== null) headers.origin = origin;
    if (options.referer) headers.referer = options.referer;
    return this.fetch(path, { method: "POST", headers, body: form.toString() });
  }

  /** The flash message waiting for the next page (what site/middleware.ts would show), removed from the jar. */
  takeFlash(): Flash | null {
    const flash = decodeFlash(this.jar.get(FLASH_COOKIE));
    this.jar.delete(FLASH_COOKIE);
    return flash;
  }

  get signedIn(): boolean {
    return this.jar.has(SESSION_COOKIE);
  }

  async signUp(fields: { username?: string; password?: string; email?: string } = {}): Promise<string> {
    const username = fields.username ?? uniqueName("acct");
    const res = await this.post("/signup", { username, password: fields.password ?? PASSWORD, email: fields.email ?? "" });
    if (res.status !== 303 || res.headers.get("location") !== "/my/machines") {
      throw new Error(`sign-up of ${username} failed: ${res.status} ${res.headers.get("location")} ${JSON.stringify(this.takeFlash())}`);
    }
    this.takeFlash();
    return username;
  }

  async logIn(username: string, password = PASSWORD, remember = false): Promise<Response> {
    return this.post("/login", { username, password, ...(remember ? { remember: "on" } : {}) });
  }
}

/** A signed-in browser with a new account. */
export async function signedUp(
  fields: { username?: string; password?: string; email?: string } = {},
): Promise<{ browser: Browser; username: string }> {
  const browser = new Browser();
  const username = await browser.signUp(fields);
  return { browser, username };
}

/** What /my/machines would show once: the token waiting for this browser's session (null if none). */
export async function takeTokenShown(browser: Browser): Promise<TokenReveal | null> {
  const session = await resolveSession(env, browser.cookieHeader(), Date.now());
  return session ? takeTokenReveal(env, session, Date.now()) : null;
}

/** Adds a machine through the form and returns its id and the token shown once. */
export async function addMachine(browser: Browser, name: string): Promise<{ machineId: number; token: string }> {
  const res = await browser.post("/my/machines", { name });
  const flash = browser.takeFlash();
  if (res.status !== 303 || flash?.kind !== "success")
    throw new Error(`adding machine ${name} failed: ${res.status} ${JSON.stringify(flash)}`);
  const shown = await takeTokenShown(browser);
  if (!shown) throw new Error("no token shown");
  return { machineId: shown.machineId, token: shown.token };
}

export async function userIdOf(username: string): Promise<number> {
  const id = await env.DB.prepare("SELECT id FROM users WHERE username = ?").bind(username).first<number>("id");
  if (id === null) throw new Error(`no user ${username}`);
  return id;
}
