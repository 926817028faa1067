// `npm start`: build the site, apply migrations to the local D1, seed a demo user on an empty
// database, then serve everything with `wrangler dev` on http://127.0.0.1:8787. The terminal gets a
// short message (at most 25 lines, checked by scripts/smoke.mjs); every tool's full output goes to
// the log file it names.
//   npm start [-- --no-build] [-- --port N] [-- --persist-to DIR]
import { mkdirSync, openSync } from "node:fs";
import { logCommandsTo, persistArgs, run, startDevServer, waitForHealth, wrangler } from "./lib.mjs";
import { seedDemo } from "./seed-demo.mjs";

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(option("--port") ?? 8787);
const persistTo = option("--persist-to");
const url = `http://127.0.0.1:${port}`;
const LOG = ".wrangler/npm-start.log";

mkdirSync(".wrangler", { recursive: true });
const log = openSync(LOG, "w");
logCommandsTo(log);
console.log(`Starting Pulse Edge (build, local database, server); full output in ${LOG} ...`);

let server;
try {
  if (!args.includes("--no-build")) run("npx", ["--no", "--", "astro", "build"]);
  wrangler(["d1", "migrations", "apply", "DB", "--local", ...persistArgs(persistTo)]);
  const seeded = seedDemo({ url, persistTo });
  // The local origins (links in mail use the first) and the outbox page: settings only `npm start` sets.
  const vars = ["--var", `PUBLIC_ORIGIN:${url},http://localhost:${port}`, "--var", "DEV_OUTBOX:1"];
  server = startDevServer({ port, args: [...persistArgs(persistTo), ...vars], log });
  const exited = new Promise((_, reject) => server.child.once("exit", (code) => reject(new Error(`wrangler dev exited with ${code}`))));
  await Promise.race([waitForHealth(url), exited]);
  console.log(
    [
      "",
      `Pulse Edge is running at ${url}`,
      "",
      ...seeded,
      "",
      `State: ${persistTo ?? ".wrangler/state"} (local D1 and Durable Objects; delete it to start afresh).`,
      `Mail (reset links): ${url}/dev/outbox or \`npm run outbox\`. Server log: ${LOG}`,
      "Stop: Ctrl+C",
    ].join("\n"),
  );
} catch (error) {
  console.error(`npm start failed: ${error.message}. See ${LOG} for the tools' output.`);
  await server?.stop();
  process.exit(1);
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}
server.child.on("exit", (code) => {
  console.error(`The server stopped (exit code ${code}); see ${LOG}.`);
  process.exit(code ?? 0);
});
