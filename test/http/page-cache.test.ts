// The isolate's short-lived page cache: hits within the TTL, misses after it, bounded, never keeps cookies.
import { describe, expect, it } from "vitest";
import { PageCache, profilePageKey } from "../../worker/http/page-cache";

const page = (body: string, headers: Record<string, string> = {}) => new Response(body, { headers: { "content-type": "text/html", ...headers } });

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

  it("keys a profile by user, pulse sequence and path: a new pulse is a new page", () => {
    expect(profilePageKey(7, 41, "/users/a")).not.toBe(profilePageKey(7, 42, "/users/a"));
    expect(profilePageKey(7, 41, "/users/a")).not.toBe(profilePageKey(8, 41, "/users/a"));
  });
});
