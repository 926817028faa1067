// `npm run bench`: starts its own `wrangler dev` on a fresh local state, seeds data, runs the suites,
// and prints a report (`-- --json` prints the figures as JSON on standard output instead).
import { rmSync } from "node:fs";
import { openSync } from "node:fs";
import { run, startDevServer, waitForHealth, wrangler } from "../scripts/lib.mjs";
import { ingestSuite } from "./suites/ingest.mjs";
import { machineInfo, writeReport } from "./report.mjs";
import { mkdirSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const json = args.includes("--json");
const quick = args.includes("--quick");
const options = { seconds: quick ? 3 : 8, rounds: quick ? 1 : 3, users: quick ? 200 : 2000 };
const log = (...m) => (json ? console.error(...m) : console.log(...m));

// The server runs the production build, so build it from the current sources first.
if (!args.includes("--no-build")) run("npx", ["--no", "--", "astro", "build"], { capture: true });

const persistTo = ".wrangler/bench-state";
rmSync(persistTo, { recursive: true, force: true });
wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { capture: true });

const serverLog = openSync(".wrangler/bench-server.log", "w");
const server = startDevServer({ port: 8799, args: ["--persist-to", persistTo, "--log-level", "warn"], log: serverLog });
const results = { date: new Date().toISOString(), options, machine: machineInfo() };
try {
  await waitForHealth(server.url);
  const ctx = { url: server.url, persistTo, options };
  log("ingest: health baseline vs pulses ...");
  results.ingest = await ingestSuite(ctx);
} finally {
  await server.stop();
}

mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/latest.json", JSON.stringify(results, null, 2));
if (!quick) writeReport(results);
if (json) console.log(JSON.stringify(results, null, 2));
else {
  const r = results.ingest;
  console.table({
    "GET /api/health": { "req/s": r.health.rps, "p50 ms": r.health.p50, "p99 ms": r.health.p99, non2xx: r.health.non2xx },
    "POST /api/my/pulses": { "req/s": r.ingest.rps, "p50 ms": r.ingest.p50, "p99 ms": r.ingest.p99, non2xx: r.ingest.non2xx },
  });
  console.log(`ingest / health throughput: ${(r.ingestToHealth * 100).toFixed(1)}% (median of rounds ${r.rounds.join(", ")}; target >= 50%)`);
}
