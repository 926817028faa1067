// Benchmark-only endpoints (off unless BENCH_ENDPOINTS is "1", which only the servers of `npm run bench`
// and of the browser tests set):
// - feed-pulses hands synthetic front-page pulses straight to the aggregator shards, to measure what
//   the feed path sustains independently of D1 ingest;
// - reference-insert is the yardstick for the pulse path: one single-row D1 insert behind Hono, into
//   a table the benchmark creates in its own local database (it is not part of the schema);
// - pulse-writes reports how many D1 round trips this isolate's shared pulse writes took.
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { jsonError, jsonResponse, pulseCreated } from "../http/responses";
import { insertBenchReference } from "../db/bench";
import { pulseWriteCounters } from "../db/pulses";
import { feedSyntheticPulses } from "../services/bench";

export const benchRoutes = new Hono<AppEnv>();

benchRoutes.use("/_bench/*", async (c, next) => {
  if (c.env.BENCH_ENDPOINTS !== "1") return jsonError(404, "Route not found.");
  await next();
});

benchRoutes.post("/_bench/reference-insert", async (c) => {
  await insertBenchReference(c.env.DB, Date.now());
  return pulseCreated();
});

benchRoutes.get("/_bench/pulse-writes", (c) => jsonResponse(pulseWriteCounters()));

benchRoutes.post("/_bench/feed-pulses", async (c) => {
  const { first, count } = await c.req.json<{ first: number; count: number }>();
  if (!Number.isSafeInteger(first) || !Number.isInteger(count) || count < 1 || count > 1000)
    return jsonError(400, "first and count (1-1000) required.");
  return jsonResponse({ ok: true, shards: await feedSyntheticPulses(c.env, first, count, Date.now()) });
});
