// The API-only Worker entry: used by the tests and by `npm run dev:api` (no Astro build needed).
import type { Env } from "./env";
import { fetchApi } from "./app";

export { UserStats } from "./objects/user-stats";
export { FeedShard } from "./objects/feed-shard";
export { GlobalFeed } from "./objects/global-feed";
export { FeedRelay } from "./objects/feed-relay";

export default {
  fetch: fetchApi,
} satisfies ExportedHandler<Env>;
