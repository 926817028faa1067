// A short-lived copy of rendered public pages in this isolate (the profile page for signed-out viewers):
// keyed by what the page shows (user id and pulse sequence), kept PAGE_CACHE_TTL_MS at most, bounded.
// Callers look the user up first, so a profile that went private or was deleted is never served from it.
import { FLASH_COOKIE, parseCookies, SESSION_COOKIE } from "../domain/cookies";
import type { Env } from "../env";
import { lookupProfileUser } from "../services/profiles";

/** How long a copy is served: changes that do not move the pulse sequence (machines, the 12-hour window) show within this time, and an open page's socket snapshot brings it up to date at once. */
const PAGE_CACHE_TTL_MS = 10_000;
/** About 60-80 KB of HTML each: a few MB of the isolate's 128 MB at most. */
const MAX_ENTRIES = 100;

interface Entry {
  body: string;
  headers: [string, string][];
  expires: number;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = PAGE_CACHE_TTL_MS,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  /** The cached page as a fresh Response, or null. */
  get(key: string, now: number): Response | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expires <= now) {
      this.entries.delete(key);
      return null;
    }
    // Most recently used last, so the oldest key is the first to go.
    this.entries.delete(key);
    this.entries.set(key, entry);
    const headers = new Headers(entry.headers);
    headers.set("x-page-cache", "hit");
    return new Response(entry.body, { status: 200, headers });
  }

  /** Keeps a copy of a 200 response without cookies; returns the response to send (its body is read once). */
  async put(key: string, response: Response, now: number): Promise<Response> {
    if (response.status !== 200 || response.headers.has("set-cookie")) return response;
    const body = await response.text();
    this.entries.delete(key);
    this.entries.set(key, { body, headers: [...response.headers], expires: now + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return new Response(body, response);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The isolate's cache of rendered profile pages. */
export const profilePages = new PageCache();

/** What a signed-out viewer's profile page depends on besides the clock. */
export function profilePageKey(userId: number, pulseSeq: number): string {
  return `${userId}:${pulseSeq}`;
}

const PROFILE_PATH = /^\/users\/([^/]+)$/;

/**
 * The production entry's fast path: a signed-out GET of a public profile whose page is cached is
 * answered after the one D1 lookup (privacy and pulse sequence), without starting Astro. Anything
 * else (signed in, a flash to show, another spelling, private, unknown, not cached) returns null.
 */
export async function cachedProfilePage(env: Env, request: Request, now: number): Promise<Response | null> {
  if (request.method !== "GET") return null;
  const match = PROFILE_PATH.exec(new URL(request.url).pathname);
  if (!match) return null;
  const cookies = parseCookies(request.headers.get("cookie"));
  if (cookies.has(SESSION_COOKIE) || cookies.has(FLASH_COOKIE)) return null;
  let segment: string;
  try {
    segment = decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
  const found = await lookupProfileUser(env, segment, null);
  if (found.kind !== "found" || found.user.private) return null;
  return profilePages.get(profilePageKey(found.user.id, found.user.pulseSeq), now);
}
