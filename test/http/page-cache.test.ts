// The isolate's short-lived page cache: hits within the TTL, misses after it, bounded, never keeps cookies.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { cachedProfilePage, PageCache, profilePageKey, profilePages } from "../../worker/http/page-cache";
import { createUser, postPulse, pulse } from "../helpers";

const page = (body: string, headers: Record<string, string> = {}) =>
  new Response(body, { headers: { "content-type": "text/html", ...headers } });

describe("PageCache", () => {
  it("serves a copy within its lifetime and forgets it after", async () => {
    const cache = new PageCache(1_000, 10);
    const sent = await cache.put("a", page("<h1>a</h1>"), 0);
    expect(await sent.text()).toBe("<h1>a</h1>");
    const hit = cache.get("a", 999)!;
    expect(await hit.text()).toBe("<h1>a</h1>");
    expect(hit.headers.get("content-type")).toBe("text/html");
    expect(hit.headers.get("x-page-cache")).toBe("hit");
    expect(cache.get("a", 1_000)).toBeNull();
    expect(cache.size).toBe(0);
  });

  it("drops the least recently used copy beyond its size", async () => {
    const cache = new PageCache(1_000, 2);
    await cache.put("a", page("a"), 0);
    await cache.put("b", page("b"), 0);
    cache.get("a", 1);
    await cache.put("c", page("c"), 2);
    expect(cache.get("b", 3)).toBeNull();
    expect(await cache.get("a", 3)!.text()).toBe("a");
    expect(await cache.get("c", 3)!.text()).toBe("c");
  });

  it("keeps no error pages and nothing that sets a cookie", async () => {
    const cache = new PageCache();
    await cache.put("404", new Response("no", { status: 404 }), 0);
    await cache.put("cookie", page("x", { "set-cookie": "a=b" }), 0);
    expect(cache.get("404", 1)).toBeNull();
    expect(cache.get("cookie", 1)).toBeNull();
  });

  it("keys a profile by user and pulse sequence: a new pulse is a new page", () => {
    expect(profilePageKey(7, 41)).not.toBe(profilePageKey(7, 42));
    expect(profilePageKey(7, 41)).not.toBe(profilePageKey(8, 41));
  });
});

describe("cachedProfilePage (the production entry's fast path)", () => {
  const get = (path: string, headers: Record<string, string> = {}) => new Request(`https://pulse.test${path}`, { headers });

  it("serves a cached public profile only to signed-out viewers, after checking privacy and the pulse sequence", async () => {
    const u = await createUser();
    const row = await env.DB.prepare("SELECT pulse_seq AS seq FROM users WHERE id = ?").bind(u.userId).first<{ seq: number }>();
    await profilePages.put(profilePageKey(u.userId, row!.seq), page(`<h1>${u.username}</h1>`), Date.now());
    const path = `/users/${u.username}`;

    expect(await (await cachedProfilePage(env, get(path), Date.now()))!.text()).toBe(`<h1>${u.username}</h1>`);
    expect(await cachedProfilePage(env, get(path.toUpperCase()), Date.now())).toBeNull(); // another spelling: the page redirects
    expect(await cachedProfilePage(env, get(path, { cookie: "__Host-pe_session=x" }), Date.now())).toBeNull();
    expect(await cachedProfilePage(env, get(path, { cookie: "__Host-pe_flash=x" }), Date.now())).toBeNull();
    expect(await cachedProfilePage(env, new Request(`https://pulse.test${path}`, { method: "POST" }), Date.now())).toBeNull();

    // A new pulse moves the sequence: the copy no longer matches.
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 3 }]))).status).toBe(201);
    expect(await cachedProfilePage(env, get(path), Date.now())).toBeNull();

    // Private: never served, even with a copy for the current sequence.
    const now = await env.DB.prepare("SELECT pulse_seq AS seq FROM users WHERE id = ?").bind(u.userId).first<{ seq: number }>();
    await profilePages.put(profilePageKey(u.userId, now!.seq), page("secret"), Date.now());
    expect(await cachedProfilePage(env, get(path), Date.now())).not.toBeNull();
    await env.DB.prepare("UPDATE users SET private = 1 WHERE id = ?").bind(u.userId).run();
    expect(await cachedProfilePage(env, get(path), Date.now())).toBeNull();
  });
});
