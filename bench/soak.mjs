// `npm run soak`: mixed traffic against the local server for 10 minutes (`-- --minutes N` to change):
// pulses from 1,000 users, profile API and page reads, the front page, and 200 live WebSockets.
// Reports throughput, p50/p99 and errors per interval, and the memory of the server processes.
// Pass condition: zero errors, and memory flat after warm-up (the last third within 20% of the first).
import { execFileSync } from "node:child_process";
import { mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";
import { run, startDevServer, waitForHealth, wrangler } from "../scripts/lib.mjs";
import { seedUsers } from "./fixtures.mjs";
import { machineInfo } from "./report.mjs";

const args = process.argv.slice(2);
const minutes = Number(args[args.indexOf("--minutes") + 1] ?? 10) || 10;
const INTERVAL_S = 30;
const LANGUAGES = ["TypeScript", "Rust", "Go", "Python", "Elixir", "Zig"];

if (!args.includes("--no-build")) run("npx", ["--no", "--", "astro", "build"], { capture: true });
const persistTo = ".wrangler/soak-state";
rmSync(persistTo, { recursive: true, force: true });
wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { capture: true });
const users = seedUsers(persistTo, 1000, "soak");
const server = startDevServer({
  port: 8795,
  args: ["--persist-to", persistTo, "--log-level", "warn"],
  log: openSync(".wrangler/soak-server.log", "w"),
});

function memoryMiB() {
  const out = execFileSync("ps", ["-o", "rss=", "-g", String(server.child.pid)], { encoding: "utf8" });
  return Math.round(
    out
      .split("\n")
      .filter(Boolean)
      .reduce((sum, kb) => sum + Number(kb), 0) / 1024,
  );
}

function openSockets(url) {
  const stats = { open: 0, messages: 0, unexpectedCloses: 0 };
  const sockets = [];
  for (let i = 0; i < 200; i++) {
    const path = i < 150 ? `/live/users/${users[i % 20].username}` : "/live/feed";
    const ws = new WebSocket(url.replace(/^http/, "ws") + path);
    ws.onopen = () => stats.open++;
    ws.onmessage = () => stats.messages++;
    ws.onclose = (e) => {
      stats.open--;
      if (e.code !== 1000) stats.unexpectedCloses++;
    };
    sockets.push(ws);
  }
  return {
    stats,
    close: () => {
      for (const ws of sockets) ws.close(1000);
    },
  };
}

function mixedRequest() {
  let n = 0;
  const base = Date.now() - 6 * 86_400_000;
  return {
    setupRequest(req) {
      const i = n++;
      const user = users[(i * 7919) % users.length];
      const pick = i % 20;
      if (pick < 10) {
        const at = new Date(base + i * 37).toISOString().replace("Z", `${String(i % 1000).padStart(3, "0")}+00:00`);
        return {
          ...req,
          method: "POST",
          path: "/api/my/pulses",
          headers: { "content-type": "application/json", "x-api-token": user.token },
          body: JSON.stringify({ coded_at: at, xps: [{ language: LANGUAGES[i % LANGUAGES.length], xp: 1 + (i % 40) }] }),
        };
      }
      if (pick < 15) return { ...req, method: "GET", path: `/api/users/${user.username}`, headers: {}, body: undefined };
      if (pick < 18) return { ...req, method: "GET", path: `/users/${user.username}`, headers: {}, body: undefined };
      return { ...req, method: "GET", path: "/", headers: {}, body: undefined };
    },
  };
}

const intervals = [];
try {
  await waitForHealth(server.url);
  const sockets = openSockets(server.url);
  const request = mixedRequest();
  const started = Date.now();
  console.log(`soak: ${minutes} min of mixed traffic, ${INTERVAL_S} s intervals`);
  while (Date.now() - started < minutes * 60_000) {
    const r = await new Promise((resolve, reject) =>
      autocannon({ url: server.url, connections: 16, duration: INTERVAL_S, requests: [request] }, (e, res) =>
        e ? reject(e) : resolve(res),
      ),
    );
    const row = {
      minute: Math.round(((Date.now() - started) / 60_000) * 10) / 10,
      rps: Math.round(r.requests.average),
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.timeouts + r.non2xx,
      memoryMiB: memoryMiB(),
      socketsOpen: sockets.stats.open,
    };
    intervals.push(row);
    console.log(JSON.stringify(row));
  }
  sockets.close();
  // The first minute is warm-up (caches, objects created, JIT); flat means flat after it.
  const steady = intervals.length > 4 ? intervals.slice(2) : intervals;
  const third = Math.max(1, Math.floor(steady.length / 3));
  const avg = (rows) => rows.reduce((s, r) => s + r.memoryMiB, 0) / rows.length;
  const early = avg(steady.slice(0, third));
  const late = avg(steady.slice(-third));
  const errors = intervals.reduce((s, r) => s + r.errors, 0) + sockets.stats.unexpectedCloses;
  const result = {
    date: new Date().toISOString(),
    minutes,
    machine: machineInfo(),
    intervals,
    sockets: sockets.stats,
    memoryGrowth: late / early - 1,
    errors,
  };
  mkdirSync("bench/results", { recursive: true });
  writeFileSync("bench/results/soak.json", JSON.stringify(result, null, 2));
  writeFileSync("docs/soak.md", renderSoak(result));
  const ok = errors === 0 && result.memoryGrowth < 0.2;
  console.log(
    `soak ${ok ? "passed" : "FAILED"}: ${errors} errors, memory ${Math.round(early)} → ${Math.round(late)} MiB (${(result.memoryGrowth * 100).toFixed(1)}%)`,
  );
  if (!ok) process.exitCode = 1;
} finally {
  await server.stop();
}

function renderSoak(r) {
  const rows = r.intervals.map((i) => `| ${i.minute} | ${i.rps} | ${i.p50} | ${i.p99} | ${i.errors} | ${i.memoryMiB} | ${i.socketsOpen} |`);
  return [
    "# Soak test",
    "",
    `Generated by \`npm run soak\` on ${r.date.slice(0, 10)}: ${r.minutes} minutes of mixed traffic against \`wrangler dev\` serving the production`,
    "build (16 connections: 50% pulses from 1,000 users, 25% profile API, 15% profile pages, 10% front page) while 200",
    "WebSockets stay open (150 profile viewers over 20 profiles, 50 front-page viewers).",
    `Machine: ${r.machine.cpu}, ${r.machine.memoryGiB} GiB; wrangler ${r.machine.wrangler}.`,
    "",
    "| minute | req/s | p50 ms | p99 ms | errors | server memory MiB | sockets open |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows,
    "",
    `Errors: **${r.errors}** (HTTP errors, timeouts, non-2xx answers and unexpected socket closes). Socket messages received: ${r.sockets.messages}.`,
    `Memory of the server processes (wrangler, workerd), after the first minute of warm-up: growth from the first third to the last third ${(r.memoryGrowth * 100).toFixed(1)}% (pass: under 20%).`,
    "",
  ].join("\n");
}
