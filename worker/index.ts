// The production Worker: /api goes to the API (Hono), form posts, exports and /my/profile to the web
// app (Hono), every other path to the Astro site (dispatch in worker/handler.ts). Non-API responses get
// the security headers.
// It also exports the Durable Object classes (wrangler.toml binds them).
import astro from "@astrojs/cloudflare/entrypoints/server";
import type { Env } from "./env";
import { createHandler } from "./handler";
import { cachedProfilePage } from "./http/page-cache";
import { plainStatusPage, type StatusPageRenderer } from "./http/web-responses";

/** Status pages of the web app (429, 403, 404, ...) rendered by the site's Astro pages when one exists. */
const astroStatusPages: StatusPageRenderer = async (request, page, env, ctx) => {
  if (page.status !== 429 && page.status !== 403) return plainStatusPage(page);
  const url = new URL(`/${page.status}`, request.url);
  if (page.retryAfter !== undefined) url.searchParams.set("retry", String(page.retryAfter));
  const rendered = await astro.fetch(
    new Request(url, { headers: { accept: "text/html", cookie: request.headers.get("cookie") ?? "" } }),
    env as never,
    ctx,
  );
  if (!rendered.headers.get("content-type")?.startsWith("text/html")) return plainStatusPage(page);
  const headers = new Headers(rendered.headers);
  headers.delete("set-cookie"); // the inner render must not consume this request's flash or change cookies
  headers.set("cache-control", "no-store");
  if (page.retryAfter !== undefined) headers.set("retry-after", String(page.retryAfter));
  return new Response(rendered.body, { status: page.status, headers });
};

export { UserStats } from "./objects/user-stats";
export { FeedShard } from "./objects/feed-shard";
export { GlobalFeed } from "./objects/global-feed";
export { FeedRelay } from "./objects/feed-relay";
export { ImportJob } from "./objects/import-job";
export { Leaderboards } from "./objects/leaderboards";

/** A page: from the page cache when it holds a signed-out profile view (worker/http/page-cache.ts), else Astro. */
async function renderPage(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
  return (await cachedProfilePage(env, request, Date.now())) ?? astro.fetch(request, env as never, ctx);
}

export default createHandler({ renderPage, statusPages: astroStatusPages });
