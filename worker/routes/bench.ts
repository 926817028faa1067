// Benchmark-only endpoints (off unless BENCH_ENDPOINTS is "1", which only the servers of `npm run bench`
// and of the browser tests set):
// - feed-pulses hands synthetic front-page pulses straight to the aggregator shards, to measure what
//   the feed path sustains independently of D1 ingest;
// - reference-insert is the yardstick for the pulse path: one single-row D1 insert behind Hono, into
//   a table the benchmark creates in its own local database (it is not part of the schema);
// - pulse-writes reports how many D1 round trips this isolate's shared pulse writes took.
import { Hono } from "hono";
import type { AppEnv } from "../env";
import type { FeedPulse } from "../domain/feed";
import { jsonError, jsonResponse, pulseCreated } from "../http/responses";
import { feedShardFor } from "../objects/feed-routing";
import { pulseWriteCounters } from "../db/pulses";

export const benchRoutes = new Hono<AppEnv>();

benchRoutes.use("/_bench/*", async (c, next) => {
  if (c.env.BENCH_ENDPOINTS !== "1") return jsonError(404, "Route not found.");
  await next();
});

benchRoutes.post("/_bench/reference-insert", async (c) => {
  await c.env.DB.prepare("INSERT INTO bench_reference (at) VALUES (?)").bind(Date.now()).run();
  return pulseCreated();
});

benchRoutes.get("/_bench/pulse-writes", (c) => jsonResponse(pulseWriteCounters()));

benchRoutes.post("/_bench/feed-pulses", async (c) => {
  const { first, count } = await c.req.json<{ first: number; count: number }>();
  if (!Number.isSafeInteger(first) || !Number.isInteger(count) || count < 1 || count > 1000) return jsonError(400, "first and count (1-1000) required.");
  const byShard = new Map<number, FeedPulse[]>();
  const now = Date.now();
  for (let id = first; id < first + count; id++) {
    const pseudoUser = id % 997; // spreads the pulses over the shards as real users would
    const pulses = byShard.get(pseudoUser) ?? [];
    pulses.push({ pulseId: id, codedAt: now - (id % 60) * 1000, xps: [{ language: `Bench${id % 12}`, amount: 1 }], coords: null });
    byShard.set(pseudoUser, pulses);
  }
  const shards = new Map<string, { stub: ReturnType<typeof feedShardFor>; pulses: FeedPulse[] }>();
  for (const [user, pulses] of byShard) {
    const stub = feedShardFor(c.env, user);
    const key = stub.id.toString();
    const entry = shards.get(key) ?? { stub, pulses: [] };
    entry.pulses.push(...pulses);
    shards.set(key, entry);
  }
  await Promise.all([...shards.values()].map((s) => s.stub.addPulses(s.pulses)));
  return jsonResponse({ ok: true, shards: shards.size });
});
