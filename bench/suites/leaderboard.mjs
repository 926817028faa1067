// Leaderboards with 10,000 ranked users: the board API against GET /api/health in the same rounds
// (pages are ranked by index in the leaderboard object and cached until something changes), the
// first read that builds the object from D1's rollups, and reads that take in new pulses (their cost
// follows the new pulses, not users × history).
import { execFileSync } from "node:child_process";
import { openSync, readFileSync, rmSync } from "node:fs";
import autocannon from "autocannon";
import { compareEach } from "../load.mjs";
import { d1File } from "../fixtures.mjs";
import { startDevServer, waitForHealth, wrangler } from "../../scripts/lib.mjs";

const HEALTH = [{ method: "GET", path: "/api/health" }];
const PULSES_PER_USER = 5;

/** `users` users (one machine each) with PULSES_PER_USER pulses over the last 20 days in 10 languages and 25 zones. */
function seedRankedUsers(persistTo, users) {
  const now = Date.now();
  d1File(
    persistTo,
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${users})
INSERT INTO users (username, username_key, created_at) SELECT 'ranked' || i, 'ranked' || i, ${now} FROM n;
INSERT INTO machines (user_id, name, token_hash, created_at) SELECT id, 'bench-machine', 'ranked-hash-' || id, ${now} FROM users WHERE username_key LIKE 'ranked%';
INSERT OR IGNORE INTO languages (name, name_key) VALUES ${Array.from({ length: 10 }, (_, i) => `('Lang${i}', 'lang${i}')`).join(", ")};
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < ${PULSES_PER_USER})
INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint)
SELECT u.id, m.id, k.j, ${now} - ((${PULSES_PER_USER} - k.j) * 4 + u.id % 3) * 86400000 - 60000, (u.id % 25 - 12) * 60, ${now}, (u.id * 7919 + k.j * 104729) % 500 + 1, 'rank-' || k.j
FROM users u JOIN machines m ON m.user_id = u.id, k WHERE u.username_key LIKE 'ranked%' ORDER BY u.id, k.j;
INSERT INTO xps (pulse_id, language_id, original_language_id, amount)
SELECT p.id, l.id, l.id, p.xp FROM pulses p JOIN languages l ON l.name_key = 'lang' || (p.id % 10) WHERE p.fingerprint LIKE 'rank-%';`,
  );
}

/** `count` more pulses for the first users, straight into D1 (as if they had just been sent). */
function seedNewPulses(persistTo, count, round) {
  const now = Date.now();
  d1File(
    persistTo,
    `INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint)
SELECT u.id, m.id, u.pulse_seq + 1, ${now} - 60000, (u.id % 25 - 12) * 60, ${now}, 37, 'new-${round}'
FROM users u JOIN machines m ON m.user_id = u.id WHERE u.username_key LIKE 'ranked%' ORDER BY u.id LIMIT ${count};
INSERT INTO xps (pulse_id, language_id, original_language_id, amount)
SELECT p.id, l.id, l.id, p.xp FROM pulses p JOIN languages l ON l.name_key = 'lang' || (p.id % 10) WHERE p.fingerprint = 'new-${round}';`,
  );
}

/** CPU time (ms) used so far by the server's workerd processes (Linux /proc), or null elsewhere. */
function serverCpuMs(server) {
  try {
    const pids = execFileSync("ps", ["-o", "pid=,comm=", "-g", String(server.child.pid)], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes("workerd"))
      .map((line) => line.trim().split(/\s+/)[0]);
    if (pids.length === 0) return null;
    const ticks = pids.reduce((sum, pid) => {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      return sum + Number(fields[11]) + Number(fields[12]);
    }, 0);
    return ticks * 10; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * The server's CPU time per request for each path (2,000 requests at 32 connections, two rounds, the
 * lower kept): a figure that the machine's other load disturbs far less than latency.
 */
async function cpuPerRequest(server, paths) {
  const out = {};
  for (let round = 0; round < 2; round++) {
    for (const [name, path] of Object.entries(paths)) {
      const before = serverCpuMs(server);
      if (before === null) return null;
      await new Promise((resolve, reject) =>
        autocannon({ url: `${server.url}${path}`, connections: 32, amount: 2000 }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      const ms = Number(((serverCpuMs(server) - before) / 2000).toFixed(2));
      out[name] = Math.min(out[name] ?? Infinity, ms);
    }
  }
  return out;
}

async function timedGet(url) {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return { ms: Math.round(performance.now() - started), body };
}

/** Runs on its own server and state (BENCH_PORT, after the shared server has stopped). */
export async function leaderboardSuite(ctx, users = 10_000) {
  const persistTo = ".wrangler/bench-leaderboard-state";
  rmSync(persistTo, { recursive: true, force: true });
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo], { capture: true });
  seedRankedUsers(persistTo, users);
  const server = startDevServer({
    port: Number(process.env.BENCH_PORT ?? 8799),
    args: ["--persist-to", persistTo, "--log-level", "warn"],
    log: openSync(".wrangler/bench-leaderboard.log", "w"),
  });
  try {
    await waitForHealth(server.url);
    const build = await timedGet(`${server.url}/api/leaderboards`);
    if (build.body.total_users !== users) throw new Error(`the week's board ranks ${build.body.total_users} users, expected ${users}`);
    const cachedRead = await timedGet(`${server.url}/api/leaderboards`);
    // Reads that take in new pulses: wait out the board's freshness window (2 s) first.
    const incremental = [];
    for (const [round, count] of [100, 1000].entries()) {
      seedNewPulses(persistTo, count, round);
      await new Promise((r) => setTimeout(r, 2100));
      incremental.push({ newPulses: count, ms: (await timedGet(`${server.url}/api/leaderboards?range=month`)).ms });
    }
    const paths = [
      "/api/leaderboards",
      "/api/leaderboards?range=month&page=3",
      "/api/leaderboards?range=all&language=Lang3",
      "/api/v1/leaders?page=2",
      "/api/leaderboards?range=year&page=200",
    ];
    // For scale, in the same rounds: a profile API read (one D1 lookup and one call to the user's object).
    const profilePath = "/api/users/ranked1";
    for (const p of [...paths, profilePath]) await timedGet(`${server.url}${p}`);
    const { board: result, profile } = await compareEach({
      url: server.url,
      connections: 32,
      seconds: ctx.options.seconds,
      rounds: ctx.options.rounds,
      baseline: HEALTH,
      subjects: { board: paths.map((path) => ({ method: "GET", path })), profile: [{ method: "GET", path: profilePath }] },
    });
    const cpu = await cpuPerRequest(server, {
      health: "/api/health",
      board: "/api/leaderboards",
      boardFarPage: "/api/leaderboards?range=year&page=200",
      profile: profilePath,
    });
    return {
      cpuMsPerRequest: cpu,
      rankedUsers: users,
      buildMs: build.ms,
      cachedReadMs: cachedRead.ms,
      incremental,
      health: result.baseline,
      board: result.subject,
      p50Ratio: result.subject.p50 / Math.max(1, result.baseline.p50),
      rounds: result.rounds,
      profileApi: {
        health: profile.baseline,
        profile: profile.subject,
        p50Ratio: profile.subject.p50 / Math.max(1, profile.baseline.p50),
        rounds: profile.rounds,
      },
      target: 1.2,
    };
  } finally {
    await server.stop();
  }
}
