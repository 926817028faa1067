// `npm run bench`: starts its own `wrangler dev` on a fresh local state, seeds data, runs the suites,
// and prints a report (`-- --json` prints the figures as JSON on standard output instead).
import { rmSync } from "node:fs";
import { openSync } from "node:fs";
import { run, startDevServer, waitForHealth, wrangler } from "../scripts/lib.mjs";
import { ingestAllWatchedSuite, ingestSuite, ingestWithoutLiveSuite, warmUp } from "./suites/ingest.mjs";
import { catchUpSuite } from "./suites/catch-up.mjs";
import { workerdCpu } from "./cpu.mjs";
import { liveLatencySuite } from "./suites/live.mjs";
import { profileApiSuite } from "./suites/profile.mjs";
import { feedSuite } from "./suites/feed.mjs";
import { loadCurveSuite, loadCurveSvg } from "./suites/load-curve.mjs";
import { pagesSuite } from "./suites/pages.mjs";
import { importSuite } from "./suites/import.mjs";
import { leaderboardSuite } from "./suites/leaderboard.mjs";
import { heartbeatsQuietSuite, heartbeatsSuite } from "./suites/heartbeats.mjs";
import { partitionsSuite } from "./suites/partitions.mjs";
import { machineInfo, renderReport } from "./report.mjs";
import { seedUsers } from "./fixtures.mjs";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

// `wrangler dev` records every span of every request into a local trace store (for its local
// observability explorer), on the workerd thread that also runs the Worker, its objects and D1. It is
// a development tool with no counterpart in a deployed Worker, and its cost grows with the spans a
// request makes (the health check has one, a pulse three), so the benchmark's servers run without it.
// `X_LOCAL_OBSERVABILITY=true npm run bench` measures with it.
process.env.X_LOCAL_OBSERVABILITY ??= "false";

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const options = {
  seconds: quick ? 3 : 8,
  rounds: quick ? 1 : 3,
  users: quick ? 200 : 2000,
  heavyPulses: quick ? 100_000 : 1_000_000,
  livePulses: quick ? 10 : 200,
  importRows: quick ? 100_000 : 1_000_000,
  importHeartbeats: quick ? 20_000 : 200_000,
};
let inProgress = null;
const log = (...m) => {
  // Each suite's figures are kept as they come, so a failure later in the run loses none of them.
  if (inProgress) {
    mkdirSync("bench/results", { recursive: true });
    writeFileSync("bench/results/in-progress.json", JSON.stringify(inProgress, null, 2));
  }
  (json ? console.error : console.log)(...m);
};

// The server runs the production build, so build it from the current sources first.
if (!args.includes("--no-build")) run("npx", ["--no", "--", "astro", "build"], { capture: true });

const persistTo = ".wrangler/bench-state";
/** A fresh local state with the migrations applied. */
function resetState() {
  rmSync(persistTo, { recursive: true, force: true });
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { capture: true });
}
const results = {
  date: new Date().toISOString(),
  options: { ...options, localTracing: process.env.X_LOCAL_OBSERVABILITY !== "false" },
  machine: machineInfo(),
};
inProgress = results;
// BENCH_PORT: run beside another server (or another checkout's benchmark) without a port clash; the
// suites that start servers of their own use the port below it.
const serverPort = Number(process.env.BENCH_PORT ?? 8799);
const ctx = { persistTo, options, sidePort: serverPort - 1 };

/** Runs `body` against a `wrangler dev` of the production build on the bench state. */
async function withServer(body) {
  const server = startDevServer({
    port: serverPort,
    args: ["--persist-to", persistTo, "--log-level", "warn"],
    log: openSync(".wrangler/bench-server.log", "w"),
  });
  try {
    await waitForHealth(server.url);
    Object.assign(ctx, { url: server.url, cpu: workerdCpu(server.child.pid) });
    return await body();
  } finally {
    await server.stop();
  }
}

// `--only NAME` reruns one suite into the last full run's results (or alone, when there is none).
// Suites marked `reset` start from a fresh state; `pages`, `import` and `heartbeats` run on a server of
// their own here, the others start theirs.
const SINGLE = {
  feed: { run: () => feedSuite(ctx, [1, 2, 4]) },
  ingestQuiet: {
    run: () => {
      ctx.ingestUsers = seedUsers(persistTo, options.users);
      return ingestWithoutLiveSuite(ctx);
    },
    reset: true,
  },
  // Ingest with live notifications (20 of the seeded users watched), on a server of its own.
  ingest: { run: () => withServer(() => ingestSuite(ctx)), reset: true },
  // Ingest with a viewer on every seeded user, on a server of its own (its users seeded and warmed first).
  ingestAllWatched: {
    run: () =>
      withServer(async () => {
        ctx.ingestUsers = seedUsers(persistTo, options.users);
        await warmUp(ctx.url, ctx.ingestUsers);
        return ingestAllWatchedSuite(ctx);
      }),
    reset: true,
  },
  leaderboard: { run: () => leaderboardSuite(ctx) },
  // Ingest with one D1 database and with two, each on servers (and states) of their own.
  partitions: { run: () => partitionsSuite(ctx) },
  liveLatency: { run: () => withServer(() => liveLatencySuite(ctx, [1, 100, 1000], options.livePulses)), reset: true },
  pages: { run: () => withServer(() => pagesSuite(ctx)), reset: true },
  import: { run: () => withServer(() => importSuite(ctx)), reset: true },
  // The heartbeat suite with live notifications on a server of its own, then the heartbeat path alone.
  heartbeats: {
    run: async () => {
      ctx.ingestUsers = seedUsers(persistTo, options.users);
      const live = await withServer(() => heartbeatsSuite(ctx));
      results.heartbeatsQuiet = await heartbeatsQuietSuite(ctx);
      return live;
    },
    reset: true,
  },
};
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
let partial = false;
if (only) {
  const suite = SINGLE[only];
  if (!suite) throw new Error(`--only supports: ${Object.keys(SINGLE).join(", ")}`);
  // Without a previous full run there is nothing to merge into: the report then goes to bench/results/.
  if (existsSync("bench/results/latest.json"))
    Object.assign(results, JSON.parse(readFileSync("bench/results/latest.json", "utf8")), { date: results.date, options: results.options });
  else partial = true;
  if (suite.reset) resetState();
  log(`${only} ...`);
  results[only] = await suite.run();
} else {
  resetState();
  await withServer(async () => {
    log("ingest: health baseline vs pulses (live on, 20 of 2,000 users watched) ...");
    results.ingest = await ingestSuite(ctx);
    // `--no-all-watched` skips the slowest suite (a socket per seeded user).
    if (!args.includes("--no-all-watched")) {
      log("ingest with every target user watched ...");
      results.ingestAllWatched = await ingestAllWatchedSuite(ctx);
    }
    log("first profile read after 10,000 pulses nobody was told about ...");
    results.catchUp = await catchUpSuite(ctx);
    log("WakaTime API: heartbeats.bulk (10 per request) and statusbar/today for a year of heartbeats vs health ...");
    results.heartbeats = await heartbeatsSuite(ctx);
    log("profile API: 100-pulse user vs heavy user ...");
    results.profileApi = await profileApiSuite(ctx);
    log("pages: profile and front page vs health, 100-pulse vs heavy profile page, transferred bytes ...");
    results.pages = await pagesSuite(ctx);
    log("live latency: POST to viewer sockets ...");
    results.liveLatency = await liveLatencySuite(ctx, [1, 100, 1000], options.livePulses);
    log("latency over load ...");
    results.loadCurve = await loadCurveSuite(ctx, ctx.ingestUsers);
    log("import: a 1,000,000-row pulses.csv ...");
    results.import = await importSuite(ctx);
  });
  // These suites run their own servers (other settings, or a fresh state per row).
  log("ingest without live notifications (the pulse path alone) ...");
  results.ingestQuiet = await ingestWithoutLiveSuite(ctx);
  log("heartbeats.bulk without live notifications (the heartbeat path alone) ...");
  results.heartbeatsQuiet = await heartbeatsQuietSuite(ctx);
  log("front-page feed with 1, 2 and 4 shards ...");
  results.feed = await feedSuite(ctx, [1, 2, 4]);
  log("leaderboards with 10,000 ranked users ...");
  results.leaderboard = await leaderboardSuite(ctx);
  log("ingest with one D1 database and with two ...");
  results.partitions = await partitionsSuite(ctx);
}
// Ingest with live on against the pulse path alone, each as its share of its own health baseline.
if (results.ingest && results.ingestQuiet)
  results.ingestToPulsePath = Number((results.ingest.ingestToHealth / results.ingestQuiet.ingestToHealth).toFixed(3));

mkdirSync("bench/results", { recursive: true });
// A partial run never becomes the "last full run" that later `--only` runs merge into.
writeFileSync(partial ? "bench/results/partial.json" : "bench/results/latest.json", JSON.stringify(results, null, 2));
const report = renderReport(results);
// Quick and single-suite runs are for development; only full runs replace the published report.
const draft = quick || only !== null;
writeFileSync(draft ? "bench/results/latest.md" : "docs/benchmarks.md", report);
if (results.loadCurve)
  writeFileSync(draft ? "bench/results/latency-over-load.svg" : "docs/latency-over-load.svg", loadCurveSvg(results.loadCurve));
console.log(json ? JSON.stringify(results, null, 2) : report);
