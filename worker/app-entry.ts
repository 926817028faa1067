// The Worker entry without Astro: used by the tests and by `npm run dev:api` (no Astro build needed).
// It dispatches like worker/index.ts (worker/handler.ts), except that paths for Astro pages answer 404.
import { createHandler } from "./handler";

export { UserStats } from "./objects/user-stats";
export { FeedShard } from "./objects/feed-shard";
export { GlobalFeed } from "./objects/global-feed";
export { FeedRelay } from "./objects/feed-relay";
export { ImportJob } from "./objects/import-job";
export { Leaderboards } from "./objects/leaderboards";

export default createHandler({
  renderPage: async () => new Response("Not found (pages are served by the Astro build).", { status: 404 }),
});
