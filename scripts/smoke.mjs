// Smoke test through real HTTP against `wrangler dev` serving the production build (run after
// `npm run build`): post a pulse with a seeded token, read it back from the profile API, load pages;
// then `npm start` on a fresh state and again on the same one, counting the lines it prints.
import { spawn } from "node:child_process";
import { openSync, rmSync } from "node:fs";
import { seedUsers } from "../bench/fixtures.mjs";
import { startDevServer, waitForHealth, wrangler } from "./lib.mjs";

const persistTo = ".wrangler/smoke-state";
rmSync(persistTo, { recursive: true, force: true });
wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { capture: true });
const [user] = seedUsers(persistTo, 1, "smoke");

const server = startDevServer({ port: 8797, args: ["--persist-to", persistTo], log: openSync(".wrangler/smoke-server.log", "w") });
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};
try {
  await waitForHealth(server.url);
  const codedAt = new Date(Date.now() - 60_000).toISOString().slice(0, 19) + "+00:00";
  const post = await fetch(`${server.url}/api//my/pulses/`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-token": user.token },
    body: JSON.stringify({ coded_at: codedAt, xps: [{ language: "TypeScript", xp: 42 }] }),
  });
  check(post.status === 201 && (await post.text()) === '{"ok":"Great success!"}', "POST /api//my/pulses/ answers 201 Great success!");

  const profile = await fetch(`${server.url}/api/users/${user.username}`);
  const body = await profile.json();
  check(profile.status === 200 && body.total_xp === 42 && body.languages.TypeScript?.xps === 42, "GET /api/users/:name shows the pulse");
  check(profile.headers.get("access-control-allow-origin") === "*", "profile API allows any origin");

  const home = await fetch(`${server.url}/`);
  check(home.status === 200 && (home.headers.get("content-type") ?? "").includes("text/html"), "GET / renders HTML");
} finally {
  await server.stop();
}

// `npm start` on a fresh machine (the build is done above, so --no-build) and again on the same state.
const startState = ".wrangler/smoke-start-state";
rmSync(startState, { recursive: true, force: true });
const MAX_START_LINES = 25;
const fresh = await npmStart(startState);
check(
  fresh.ready && fresh.lines.length <= MAX_START_LINES,
  `npm start prints ${fresh.lines.length} lines on a fresh machine (at most ${MAX_START_LINES})`,
);
check(
  /running at http:\/\/127\.0\.0\.1:8796/.test(fresh.text) &&
    /X-API-Token: [0-9a-f-]{36}/.test(fresh.text) &&
    /codestats_api_url/.test(fresh.text),
  "... with the URL, the demo token in a curl and the plugin settings",
);
check(
  /State: \S+/.test(fresh.text) && /Stop: Ctrl\+C/.test(fresh.text) && /npm-start\.log/.test(fresh.text),
  "... where state lives, how to stop, the log file",
);
const again = await npmStart(startState);
check(
  again.ready && again.lines.length <= MAX_START_LINES && /npm run seed -- --force/.test(again.text),
  "npm start on a database with the demo user says how to get a token",
);

/** Runs `npm start` until it says how to stop (or fails), then stops it; returns what the terminal showed. */
async function npmStart(persistTo) {
  const child = spawn("npm", ["start", "--", "--no-build", "--port", "8796", "--persist-to", persistTo], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const ready = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 180_000);
    const read = (chunk) => {
      text += chunk;
      if (text.includes("Stop: Ctrl+C")) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 500)); // anything printed after the message counts too
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid, "SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  const lines = text.replace(/\n$/, "").split("\n");
  if (!ready) console.log(text);
  return { ready, text, lines };
}

if (failures.length > 0) {
  console.error(`smoke test failed: ${failures.join("; ")}`);
  process.exit(1);
}
console.log("smoke test passed");
