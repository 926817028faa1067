// The Worker entry without Astro: used by the tests and by `npm run dev:api` (no Astro build needed).
// It dispatches like worker/index.ts, except that paths for Astro pages answer 404.
import type { Env } from "./env";
import { fetchApi, isApiPath } from "./app";
import { observe } from "./observability/observe";
import { fetchBadgeImage, isBadgeImagePath } from "./routes/badges";
import { withSecurityHeaders } from "./http/security-headers";
import { createWebApp, isWebRequest } from "./web";
import { runScheduled } from "./services/scheduled";

const web = createWebApp();

export { UserStats } from "./objects/user-stats";
export { FeedShard } from "./objects/feed-shard";
export { GlobalFeed } from "./objects/global-feed";
export { FeedRelay } from "./objects/feed-relay";
export { ImportJob } from "./objects/import-job";
export { Leaderboards } from "./objects/leaderboards";

export default {
  fetch(request, env, ctx) {
    return observe(request, () => dispatch(request, env, ctx));
  },
  // Cron Triggers (wrangler.toml): the retention sweep, and nightly the backup to R2 first.
  async scheduled(controller, env) {
    await runScheduled(controller, env);
  },
} satisfies ExportedHandler<Env>;

function dispatch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
  const { pathname } = new URL(request.url);
  if (isApiPath(pathname)) return fetchApi(request, env, ctx);
  if (isBadgeImagePath(pathname)) return Promise.resolve(fetchBadgeImage(request, env, ctx)).then(withSecurityHeaders);
  if (isWebRequest(request.method, pathname)) return Promise.resolve(web.fetch(request, env, ctx)).then(withSecurityHeaders);
  return withSecurityHeaders(new Response("Not found (pages are served by the Astro build).", { status: 404 }));
}
