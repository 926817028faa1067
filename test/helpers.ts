// Test helpers: seed users through the real data layer, talk to the Worker over fetch.
import { env, exports } from "cloudflare:workers";
import { createUserWithMachine } from "../worker/db/users";
import { hashToken, newToken } from "../worker/domain/token";

export const BASE = "http://pulse.test";

let counter = 0;
export function uniqueName(prefix = "user"): string {
  return `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
}

export interface TestUser {
  userId: number;
  machineId: number;
  username: string;
  token: string;
}

export async function createUser(options: { username?: string; private?: boolean; machine?: string } = {}): Promise<TestUser> {
  const username = options.username ?? uniqueName();
  const token = newToken();
  const ids = await createUserWithMachine(
    env.DB,
    { username, private: options.private ?? false, createdAt: Date.now() },
    { name: options.machine ?? "Laptop", tokenHash: await hashToken(token) },
  );
  return { ...ids, username, token };
}

/** Adds a machine to a user; returns its token. */
export async function addMachine(userId: number, name: string): Promise<string> {
  const token = newToken();
  await env.DB.prepare("INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)")
    .bind(userId, name, await hashToken(token), Date.now())
    .run();
  return token;
}

export function api(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, init);
}

export function postPulse(
  token: string | null,
  body: unknown,
  init: { headers?: Record<string, string>; path?: string } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", ...init.headers };
  if (token !== null) headers["x-api-token"] = token;
  return api(init.path ?? "/api/my/pulses", {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** `coded_at` text for an instant, written in local time with the given offset (minutes east of UTC). */
export function codedAt(instantMs: number, offsetMinutes = 0, style: "colon" | "compact" | "z" = "colon"): string {
  const local = new Date(instantMs + offsetMinutes * 60_000).toISOString().slice(0, 19);
  if (style === "z") return `${local}Z`;
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${sign}${hh}${style === "colon" ? ":" : ""}${mm}`;
}

export function pulse(xps: { language: string; xp: number }[], at = Date.now() - 60_000, offset = 0) {
  return { coded_at: codedAt(at, offset), xps };
}

export async function profile(username: string): Promise<Record<string, any>> {
  const res = await api(`/api/users/${encodeURIComponent(username)}`);
  if (res.status !== 200) throw new Error(`profile ${username}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function count(table: string, where = "1 = 1", ...params: unknown[]): Promise<number> {
  return (
    (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)
      .bind(...params)
      .first<number>("n")) ?? 0
  );
}
