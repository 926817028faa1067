// Smoke test through real HTTP against `wrangler dev` serving the production build (run after
// `npm run build`): post a pulse with a seeded token, read it back from the profile API, load pages.
import { rmSync } from "node:fs";
import { openSync } from "node:fs";
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
if (failures.length > 0) {
  console.error(`smoke test failed: ${failures.join("; ")}`);
  process.exit(1);
}
console.log("smoke test passed");
