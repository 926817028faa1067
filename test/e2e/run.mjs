// The browser tests (`npm test` runs them after vitest): builds the site, serves the production build
// with `wrangler dev` on a fresh local state, seeds users, drives Chromium through the checks in
// test/e2e/site.mjs, walkthrough.mjs, import.mjs, showcase.mjs and heartbeats.mjs and the account flow in test/e2e/accounts.mjs, then stops the server.
// Screenshots and page weights go to test-results/. Chromium: /usr/bin/chromium or $CHROMIUM.
//   node test/e2e/run.mjs [--no-build] [--keep-state]
import { spawnSync } from "node:child_process";
import { openSync, rmSync } from "node:fs";
import { run, startDevServer, waitForHealth, wrangler } from "../../scripts/lib.mjs";
import { seedUsers, seedUserWithHistory } from "../../bench/fixtures.mjs";
import { chromiumPath, launchBrowser, runChecks } from "./harness.mjs";
import { postPulse, siteChecks } from "./site.mjs";
import { ingestChecks } from "./ingest.mjs";
import { importChecks } from "./import.mjs";
import { walkthroughChecks } from "./walkthrough.mjs";
import { showcaseChecks } from "./showcase.mjs";
import { heartbeatChecks } from "./heartbeats.mjs";

const args = process.argv.slice(2);
const PORT = Number(process.env.E2E_PORT ?? 8782);
const persistTo = ".wrangler/e2e-state";
const resultsDir = "test-results";

chromiumPath(); // fail before building when there is no browser

if (!args.includes("--no-build")) {
  console.log("e2e: building the site ...");
  run("npx", ["--no", "--", "astro", "build"], { capture: true });
}

rmSync(persistTo, { recursive: true, force: true });
wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { capture: true });
const history = seedUserWithHistory(persistTo, { username: "history", pulses: 3_000 });
const [feeder, live] = seedUsers(persistTo, 2, "e2e");
const burst = seedUsers(persistTo, 12, "burst");
const load = seedUsers(persistTo, 40, "load"); // the sustained-load check's, each well under its rate limit
const [waka] = seedUsers(persistTo, 1, "waka");

const serverLogPath = ".wrangler/e2e-server.log";
const serverLog = openSync(serverLogPath, "w");
const startServer = () =>
  startDevServer({
    port: PORT,
    // wrangler dev has no request location: pulses get map dots at this fallback.
    // BENCH_ENDPOINTS: the ingest check reads how many D1 round trips the pulses took.
    args: [
      "--persist-to",
      persistTo,
      "--log-level",
      "warn",
      "--var",
      "FALLBACK_COORDS:60.17,24.94",
      "--var",
      `EXAMPLE_PROFILE:${history.username}`,
      "--var",
      "BENCH_ENDPOINTS:1",
    ],
    log: serverLog,
  });
let server = startServer();
/** Stops the server and starts it again on the same state (the reconnect check). */
async function restartServer() {
  await server.stop();
  server = startServer();
  await waitForHealth(server.url);
}

let result = { passed: 0, failed: 1 };
let browser;
try {
  await waitForHealth(server.url);
  // Some XP around the world over the last 4 hours, for the front page's chart and languages.
  for (let minutesAgo = 230; minutesAgo >= 2; minutesAgo -= 12) {
    const languages = [
      ["TypeScript", 40 + (minutesAgo % 50)],
      ["Rust", 20 + (minutesAgo % 30)],
      ["Go", 10],
    ];
    await postPulse(server.url, feeder.token, languages.slice(0, 1 + (minutesAgo % 3)), new Date(Date.now() - minutesAgo * 60_000));
  }

  browser = await launchBrowser();
  const ctx = { base: server.url, browser, seeded: { history, feeder, live, burst, waka, load }, resultsDir, restartServer, serverLogPath };
  // E2E_ONLY: a pattern that picks checks by name (and skips the account flow), for a quick rerun.
  const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, "i") : null;
  result = await runChecks(
    [...ingestChecks, ...siteChecks, ...walkthroughChecks, ...importChecks, ...showcaseChecks, ...heartbeatChecks].filter(
      ([name]) => !only || only.test(name),
    ),
    ctx,
  );
  if (!only) {
    console.log("e2e: account flow (test/e2e/accounts.mjs) ...");
    const accounts = spawnSync(process.execPath, ["test/e2e/accounts.mjs", server.url], { stdio: "inherit" });
    if (accounts.status === 0) result.passed++;
    else result.failed++;
    console.log(`${accounts.status === 0 ? "ok  " : "FAIL"} account flow: sign-up, machine, one-time token, copy button, log out and in`);
  }
} catch (error) {
  console.error("e2e setup failed:", error);
  result.failed++;
} finally {
  await browser?.close();
  await server.stop();
  if (!args.includes("--keep-state")) rmSync(persistTo, { recursive: true, force: true });
}

console.log(`\nbrowser tests: screenshots and page weights in ${resultsDir}/`);
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed === 0 ? 0 : 1);
