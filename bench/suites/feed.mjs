// The front page's feed path with 1, 2 and 4 aggregator shards: synthetic public pulses are handed to
// the shards as fast as the benchmark endpoint takes them, and the feed's running total (read from a
// front-page WebSocket) tells how many pulses per second it counted end to end.
import { openSync, rmSync } from "node:fs";
import autocannon from "autocannon";
import { startDevServer, waitForHealth, wrangler } from "../../scripts/lib.mjs";

// The endpoint's maximum: per-request overhead then stays small against what the shards take.
const BATCH = 1000;

function feedTotals(url) {
  const ws = new WebSocket(url.replace(/^http/, "ws") + "/live/feed");
  const state = { total: null, ready: null };
  state.ready = new Promise((resolve, reject) => {
    ws.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === "feed.snapshot") {
        state.total = m.feed.totalXp;
        resolve();
      } else if (m.type === "feed.update") state.total = m.totalXp;
    };
    ws.onerror = () => reject(new Error("feed socket failed"));
  });
  return { state, close: () => ws.close(1000) };
}

async function measureShards(shards, seconds, port) {
  // A fresh state per row: the feed's reconciliation with D1 must not fold other suites' data in.
  const persistTo = `.wrangler/bench-feed-${shards}-state`;
  rmSync(persistTo, { recursive: true, force: true });
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { capture: true });
  const server = startDevServer({
    port,
    args: ["--persist-to", persistTo, "--log-level", "warn", "--var", `FEED_SHARDS:${shards}`, "--var", "BENCH_ENDPOINTS:1"],
    log: openSync(`.wrangler/bench-feed-${shards}.log`, "w"),
  });
  try {
    await waitForHealth(server.url);
    const feed = feedTotals(server.url);
    await feed.state.ready;
    const start = feed.state.total;
    let next = 2 ** 40 + shards * 2 ** 30; // far above real pulse ids
    const takeBatch = () => {
      const first = next;
      next += BATCH;
      return first;
    };
    const started = performance.now();
    const load = await new Promise((resolve, reject) =>
      autocannon(
        {
          url: server.url,
          connections: 8,
          duration: seconds,
          requests: [
            {
              method: "POST",
              path: "/api/_bench/feed-pulses",
              setupRequest: (req) => ({
                ...req,
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ first: takeBatch(), count: BATCH }),
              }),
            },
          ],
        },
        (e, r) => (e ? reject(e) : resolve(r)),
      ),
    );
    const offered = load["2xx"] * BATCH;
    // Wait until everything accepted is counted and the total has stopped moving (batches in flight
    // when the load ended are counted too).
    const deadline = performance.now() + 120_000;
    let last = -1;
    let lastChange = performance.now();
    while (performance.now() < deadline) {
      if (feed.state.total !== last) {
        last = feed.state.total;
        lastChange = performance.now();
      } else if (feed.state.total >= start + offered && performance.now() - lastChange > 1_500) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const elapsed = (lastChange - started) / 1000;
    const counted = feed.state.total - start;
    feed.close();
    return {
      shards,
      offered,
      counted,
      offeredPerSecond: Math.round(offered / seconds),
      sustainedPerSecond: Math.round(counted / elapsed),
      lagSeconds: Math.round((elapsed - seconds) * 10) / 10,
    };
  } finally {
    await server.stop();
  }
}

export async function feedSuite(ctx, shardCounts = [1, 2, 4]) {
  const results = [];
  for (const shards of shardCounts) results.push(await measureShards(shards, ctx.options.seconds, ctx.sidePort));
  return results;
}
