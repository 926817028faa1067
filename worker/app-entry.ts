// The API-only Worker entry: used by the tests and by `npm run dev:api` (no Astro build needed).
import type { Env } from "./env";
import { fetchApi } from "./app";

export default {
  fetch: fetchApi,
} satisfies ExportedHandler<Env>;
