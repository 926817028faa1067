// The production Worker: /api goes to Hono, every other path to the Astro site.
// It also exports the Durable Object classes (wrangler.toml binds them).
import astro from "@astrojs/cloudflare/entrypoints/server";
import type { Env } from "./env";
import { fetchApi, isApiPath } from "./app";

export { UserStats } from "./objects/user-stats";
export { FeedShard } from "./objects/feed-shard";
export { GlobalFeed } from "./objects/global-feed";
export { FeedRelay } from "./objects/feed-relay";

export default {
  fetch(request, env, ctx) {
    if (isApiPath(new URL(request.url).pathname)) return fetchApi(request, env, ctx);
    return astro.fetch(request, env as never, ctx);
  },
} satisfies ExportedHandler<Env>;
