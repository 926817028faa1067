// `npm start`: build the site, apply migrations to the local D1, seed a demo user on an empty
// database, then serve everything with `wrangler dev` on http://127.0.0.1:8787.
import { run, startDevServer, wrangler } from "./lib.mjs";
import { seedDemo } from "./seed-demo.mjs";

const skipBuild = process.argv.includes("--no-build");
if (!skipBuild) run("npx", ["--no", "--", "astro", "build"]);
wrangler(["d1", "migrations", "apply", "DB", "--local"]);
seedDemo();

// The local origins (links in mail use the first) and the outbox page: settings only `npm start` sets.
const server = startDevServer({ args: ["--var", "PUBLIC_ORIGIN:http://127.0.0.1:8787,http://localhost:8787", "--var", "DEV_OUTBOX:1"] });
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
server.child.on("exit", (code) => process.exit(code ?? 0));
