// Shared helpers for the project's Node scripts (dev server, seeding, benchmarks, CI smoke test).
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";

// Keep every tool offline and quiet: no telemetry, no update checks, no cf.json download.
export const QUIET_ENV = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_NO_SKILLS_UPDATE_PROMPTS: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  ASTRO_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
};
Object.assign(process.env, QUIET_ENV);

// Where commands write what is not captured: the terminal, or a log file (`npm start` keeps the terminal quiet).
let commandOutput = "inherit";

/** Sends the output of every later command (not captured) and its stderr to the file descriptor `fd`. */
export function logCommandsTo(fd) {
  commandOutput = fd;
}

export function run(command, args, options = {}) {
  const stdio = options.capture ? ["ignore", "pipe", commandOutput] : ["ignore", commandOutput, commandOutput];
  const result = spawnSync(command, args, { stdio, encoding: "utf8", ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.status}`);
  return result.stdout;
}

export function wrangler(args, options) {
  return run("npx", ["--no", "--", "wrangler", ...args], options);
}

/** Runs SQL against the local D1 database (in `persistTo`, else wrangler's default) and returns the rows of the last statement. */
export function d1(sql, persistTo) {
  const out = wrangler(["d1", "execute", "DB", "--local", ...persistArgs(persistTo), "--json", "--command", sql], { capture: true });
  const results = JSON.parse(out);
  return results.at(-1)?.results ?? [];
}

export function persistArgs(persistTo) {
  return persistTo ? ["--persist-to", persistTo] : [];
}

export function sqlString(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}

export function newToken() {
  return randomUUID();
}

export function hashToken(token) {
  return createHash("sha256").update(token).digest("hex");
}

/** Starts `wrangler dev` in its own process group; returns a handle that stops the whole group. */
export function startDevServer({ port = 8787, args = [], log = "inherit" } = {}) {
  const child = spawn(
    "npx",
    ["--no", "--", "wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false", ...args],
    {
      detached: true,
      stdio: log === "inherit" ? "inherit" : ["ignore", log, log],
    },
  );
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    },
  };
}

export async function waitForHealth(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`server at ${url} did not become healthy in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
