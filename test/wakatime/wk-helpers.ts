// Test helpers for the WakaTime API: heartbeats, auth headers, and reading coding time back.
import { env } from "cloudflare:workers";
import { api } from "../helpers";

export function basic(token: string): string {
  return `Basic ${btoa(token)}`;
}

export function hb(timeSec: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    entity: "/home/me/project/src/main.ts",
    type: "file",
    time: timeSec,
    language: "TypeScript",
    project: "pulse",
    category: "coding",
    ...extra,
  };
}

export function postHeartbeats(
  token: string | null,
  body: unknown,
  init: { path?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", timezone: "UTC", ...init.headers };
  if (token !== null && !("authorization" in headers)) headers.authorization = basic(token);
  return api(init.path ?? "/api/v1/users/current/heartbeats.bulk", {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function statusbar(token: string, zone = "UTC"): Promise<any> {
  const res = await api("/api/v1/users/current/statusbar/today", { headers: { authorization: basic(token), timezone: zone } });
  if (res.status !== 200) throw new Error(`statusbar ${res.status} ${await res.text()}`);
  return res.json();
}

/** Seconds since the epoch of "now minus `minutesAgo`", aligned to the start of a minute. */
export function secondsAgo(seconds: number): number {
  return Math.floor(Date.now() / 1000) - seconds;
}

/** A user's non-zero coding-time rows, ordered by date, dimension and name. */
export async function codingTimeCells(userId: number) {
  const { results } = await env.DB.prepare(
    "SELECT local_date, dim, name, ms FROM coding_time_daily WHERE user_id = ? AND ms != 0 ORDER BY local_date, dim, name",
  )
    .bind(userId)
    .all();
  return results;
}
