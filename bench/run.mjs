// `npm run bench`: starts its own `wrangler dev` on a fresh local state, seeds data, runs the suites,
// and prints a report (`-- --json` prints the figures as JSON on standard output instead).
import { rmSync } from "node:fs";
import { openSync } from "node:fs";
import { run, startDevServer, waitForHealth, wrangler } from "../scripts/lib.mjs";
import { ingestAllWatchedSuite, ingestSuite, ingestWithoutLiveSuite } from "./suites/ingest.mjs";
import { catchUpSuite } from "./suites/catch-up.mjs";
import { workerdCpu } from "./cpu.mjs";
import { liveLatencySuite } from "./suites/live.mjs";
import { profileApiSuite } from "./suites/profile.mjs";
import { feedSuite } from "./suites/feed.mjs";
import { loadCurveSuite, loadCurveSvg } from "./suites/load-curve.mjs";
import { pagesSuite } from "./suites/pages.mjs";
import { machineInfo, renderReport } from "./report.mjs";
import { seedUsers } from "./fixtures.mjs";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";

// `wrangler dev` records every span of every request into a local trace store (for its local
// observability explorer), on the workerd thread that also runs the Worker, its objects and D1. It is
// a development tool with no counterpart in a deployed Worker, and its cost grows with the spans a
// request makes (the health check has one, a pulse three), so the benchmark's servers run without it.
// `X_LOCAL_OBSERVABILITY=true npm run bench` measures with it.
process.env.X_LOCAL_OBSERVABILITY ??= "false";

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const options = { seconds: quick ? 3 : 8, rounds: quick ? 1 : 3, users: quick ? 200 : 2000, heavyPulses: quick ? 100_000 : 1_000_000, livePulses: quick ? 10 : 30 };
let partial = null;
const log = (...m) => {
  // Each suite's figures are kept as they come, so a failure later in the run loses none of them.
  if (partial) {
    mkdirSync("bench/results", { recursive: true });
    writeFileSync("bench/results/partial.json", JSON.stringify(partial, null, 2));
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
if (!args.includes("--only")) resetState();

const results = { date: new Date().toISOString(), options: { ...options, localTracing: process.env.X_LOCAL_OBSERVABILITY !== "false" }, machine: machineInfo() };
partial = results;
// BENCH_PORT: run beside another server (or another checkout's benchmark) without a port clash; the
// suites that start servers of their own use the port below it.
const port = Number(process.env.BENCH_PORT ?? 8799);
const ctx = { persistTo, options, sidePort: port - 1 };
// `--only feed` or `--only ingestQuiet` reruns one suite that needs no shared server into the last results.
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
if (only) {
  Object.assign(results, JSON.parse(readFileSync("bench/results/latest.json", "utf8")), { date: results.date, options: results.options });
  if (only === "feed") results.feed = await feedSuite(ctx, [1, 2, 4]);
  else if (only === "ingestQuiet") {
    resetState();
    ctx.ingestUsers = seedUsers(persistTo, options.users);
    results.ingestQuiet = await ingestWithoutLiveSuite(ctx);
  } else throw new Error(`--only supports: feed, ingestQuiet`);
} else {
  const serverLog = openSync(".wrangler/bench-server.log", "w");
  const server = startDevServer({ port, args: ["--persist-to", persistTo, "--log-level", "warn"], log: serverLog });
  try {
    await waitForHealth(server.url);
    Object.assign(ctx, { url: server.url, cpu: workerdCpu(server.child.pid) });
    log("ingest: health baseline vs pulses (live on, 20 of 2,000 users watched) ...");
    results.ingest = await ingestSuite(ctx);
    // `--no-all-watched` skips the slowest suite (a socket per seeded user).
    if (!args.includes("--no-all-watched")) {
      log("ingest with every target user watched ...");
      results.ingestAllWatched = await ingestAllWatchedSuite(ctx);
    }
    log("first profile read after 10,000 pulses nobody was told about ...");
    results.catchUp = await catchUpSuite(ctx);
    log("profile API: 100-pulse user vs heavy user ...");
    results.profileApi = await profileApiSuite(ctx);
    log("pages: profile and front page vs health, 100-pulse vs heavy profile page, transferred bytes ...");
    results.pages = await pagesSuite(ctx);
    log("live latency: POST to viewer sockets ...");
    results.liveLatency = await liveLatencySuite(ctx, [1, 100, 1000], options.livePulses);
    log("latency over load ...");
    results.loadCurve = await loadCurveSuite(ctx, ctx.ingestUsers);
  } finally {
    await server.stop();
  }
  // These suites run their own servers (other settings, or a fresh state per row).
  log("ingest without live notifications (the pulse path alone) ...");
  results.ingestQuiet = await ingestWithoutLiveSuite(ctx);
  log("front-page feed with 1, 2 and 4 shards ...");
  results.feed = await feedSuite(ctx, [1, 2, 4]);
}
// Ingest with live on against the pulse path alone, each as its share of its own health baseline.
if (results.ingest && results.ingestQuiet) results.ingestToPulsePath = Number((results.ingest.ingestToHealth / results.ingestQuiet.ingestToHealth).toFixed(3));

mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.json", JSON.stringify(results, null, 2));
const report = renderReport(results);
// Quick runs are for development; only full runs replace the published report.
writeFileSync(quick ? "bench/results/latest.md" : "docs/benchmarks.md", report);
writeFileSync(quick ? "bench/results/latency-over-load.svg" : "docs/latency-over-load.svg", loadCurveSvg(results.loadCurve));
console.log(json ? JSON.stringify(results, null, 2) : report);
