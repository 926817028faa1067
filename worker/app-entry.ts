// The Worker entry without Astro: used by the tests and by `npm run dev:api` (no Astro build needed).
// It dispatches like worker/index.ts, except that paths for Astro pages answer 404.
import type { Env } from "./env";
import { fetchApi, isApiPath } from "./app";
import { fetchBadgeImage, isBadgeImagePath } from "./routes/badges";
import { withSecurityHeaders } from "./http/security-headers";
import { createWebApp, isWebRequest } from "./web";

const web = createWebApp();

export { UserStats } from "./objects/user-stats";
export { FeedShard } from "./objects/feed-shard";
export { GlobalFeed } from "./objects/global-feed";
export { FeedRelay } from "./objects/feed-relay";
export { Leaderboards } from "./objects/leaderboards";

export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (isApiPath(pathname)) return fetchApi(request, env, ctx);
    if (isBadgeImagePath(pathname)) return Promise.resolve(fetchBadgeImage(request, env, ctx)).then(withSecurityHeaders);
    if (isWebRequest(request.method, pathname)) return Promise.resolve(web.fetch(request, env, ctx)).then(withSecurityHeaders);
    return withSecurityHeaders(new Response("Not found (pages are served by the Astro build).", { status: 404 }));
  },
} satisfies ExportedHandler<Env>;
