// The WakaTime API: bulk heartbeat ingest (10 per request, the current CLI's batch size) and the
// status bar's `today` read for a user with a year of heartbeats, each against GET /api/health.
import { openSync } from "node:fs";
import { compare } from "../load.mjs";
import { startDevServer, waitForHealth } from "../../scripts/lib.mjs";
import { d1File } from "../fixtures.mjs";
import { workerdCpu } from "../cpu.mjs";
import { hashToken, newToken, sqlString } from "../../scripts/lib.mjs";

export const HEARTBEATS_PER_REQUEST = 10;
const LANGUAGES = ["TypeScript", "Rust", "Go", "Python", "Markdown"];
const USER_AGENT = "wakatime/v1.105.0 (linux-6.11.8-generic-x86_64) go1.23.3 vscode/1.96.0 vscode-wakatime/24.8.0";
const basic = (token) => `Basic ${Buffer.from(`waka_${token}`).toString("base64")}`;

/**
 * Autocannon request: 10 new heartbeats per call, rotating over users. Each request is 5 minutes of
 * one user's work (heartbeats 30 s apart, so it claims 2-3 XP slots), earlier than all before it.
 */
export function bulkRequest(users, secondsBack = 3_600) {
  let n = 0;
  const base = Math.floor(Date.now() / 1000) - secondsBack;
  return {
    method: "POST",
    path: "/api/v1/users/current/heartbeats.bulk",
    setupRequest(req) {
      const i = n++;
      const user = users[i % users.length];
      const start = base - Math.floor(i / users.length) * 300;
      const heartbeats = Array.from({ length: HEARTBEATS_PER_REQUEST }, (_, j) => ({
        entity: `/home/dev/project-${i % 7}/src/file${j % 4}.ts`,
        type: "file",
        category: "coding",
        time: start + j * 30 + 0.123,
        project: `project-${i % 7}`,
        branch: "main",
        language: LANGUAGES[(i + j) % LANGUAGES.length],
        lineno: 10 + j,
        cursorpos: j,
        lines: 200,
        is_write: j % 3 === 0,
      }));
      return {
        ...req,
        headers: {
          "content-type": "application/json",
          authorization: basic(user.token),
          "user-agent": USER_AGENT,
          timezone: "UTC",
          "x-machine-name": "bench-host",
        },
        body: JSON.stringify(heartbeats),
      };
    },
  };
}

/** A user with a year of heartbeats (about 4 hours a day, one every 2 minutes), seeded straight into D1; the triggers keep coding time. */
export function seedUserWithHeartbeatYear(persistTo, { username = "wakayear", days = 365, perDay = 120 } = {}) {
  const token = newToken();
  const now = Date.now();
  const user = `(SELECT id FROM users WHERE username_key = ${sqlString(username.toLowerCase())})`;
  const total = days * perDay;
  d1File(
    persistTo,
    `INSERT INTO users (username, username_key, created_at) VALUES (${sqlString(username)}, ${sqlString(username.toLowerCase())}, ${now - days * 86_400_000});
INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (${user}, 'Desktop', ${sqlString(hashToken(token))}, ${now});
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${total - 1}),
  t(i, ms) AS (SELECT i, ${now} - 60000 - (${days - 1} - i / ${perDay}) * 86400000 - (${perDay} - 1 - i % ${perDay}) * 120000 FROM n)
INSERT INTO heartbeats (user_id, machine_id, time_ms, local_date, utc_offset, entity, type, category, project, branch, language, editor, operating_system, is_write, hash, received_at)
SELECT u.id, m.id, t.ms, date(t.ms / 1000, 'unixepoch'), 0, '/src/f' || (t.i % 20) || '.ts', 'file', 'coding', 'project-' || (t.i % 5), 'main',
  CASE t.i % 4 WHEN 0 THEN 'TypeScript' WHEN 1 THEN 'Rust' WHEN 2 THEN 'Go' ELSE 'Markdown' END, 'VS Code', 'Linux', 0, 'seed-' || t.i, ${now}
FROM t, users u JOIN machines m ON m.user_id = u.id WHERE u.id = ${user};`,
  );
  return { username, token, heartbeats: total };
}

async function warmUp(url, users) {
  const request = bulkRequest(users);
  for (let i = 0; i < users.length; i += 32) {
    await Promise.all(
      users.slice(i, i + 32).map(async () => {
        const { headers, body } = request.setupRequest({});
        const res = await fetch(`${url}/api/v1/users/current/heartbeats.bulk`, { method: "POST", headers, body });
        if (res.status !== 201) throw new Error(`warm-up heartbeats answered ${res.status}`);
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 2_000));
}

/** heartbeats.bulk against health on `url`, as heartbeats/s and the ratio of request rates. */
async function measureBulk(url, ctx, secondsBack, cpu = ctx.cpu) {
  const bulk = await compareWithHealth(url, ctx, [bulkRequest(ctx.ingestUsers, secondsBack)], cpu);
  return {
    health: bulk.baseline,
    requests: bulk.subject,
    heartbeatsPerRequest: HEARTBEATS_PER_REQUEST,
    heartbeatsPerSecond: bulk.subject.rps * HEARTBEATS_PER_REQUEST,
    requestsToHealth: bulk.ratio,
    rounds: bulk.rounds,
    // CPU of the serving workerd per request (Worker, objects and local D1 together): less noisy than rates on a shared machine.
    cpuMsPerRequest: { health: bulk.baseline.cpuMsPerRequest ?? null, bulk: bulk.subject.cpuMsPerRequest ?? null },
    target: 0.3,
  };
}

function compareWithHealth(url, ctx, subject, cpu = ctx.cpu) {
  return compare({
    url,
    cpu,
    connections: 32,
    seconds: ctx.options.seconds,
    rounds: ctx.options.rounds,
    baseline: [{ method: "GET", path: "/api/health" }],
    subject,
  });
}

export async function heartbeatsSuite(ctx) {
  await warmUp(ctx.url, ctx.ingestUsers);
  const bulk = await measureBulk(ctx.url, ctx, 3_600);
  ctx.heartbeatYear ??= seedUserWithHeartbeatYear(ctx.persistTo);
  const year = ctx.heartbeatYear;
  const statusbarPath = "/api/v1/users/current/statusbar/today";
  const headers = { authorization: basic(year.token), timezone: "UTC" };
  const probe = await fetch(`${ctx.url}${statusbarPath}`, { headers });
  const today = await probe.json();
  if (probe.status !== 200) throw new Error(`statusbar answered ${probe.status}`);
  const statusbar = await compareWithHealth(ctx.url, ctx, [{ method: "GET", path: statusbarPath, headers }]);
  return {
    bulk,
    statusbar: {
      health: statusbar.baseline,
      today: statusbar.subject,
      p50Ratio: statusbar.subject.p50 / Math.max(0.001, statusbar.baseline.p50),
      yearOfHeartbeats: year.heartbeats,
      todaySeconds: today.data.grand_total.total_seconds,
      target: 1.3,
    },
  };
}

/**
 * heartbeats.bulk on a server started with LIVE_NOTIFICATIONS=off: the heartbeat path alone (auth,
 * parsing, the one D1 transaction with its triggers), as `ingestQuiet` measures the pulse path.
 */
export async function heartbeatsQuietSuite(ctx) {
  const server = startDevServer({
    // Runs after the main server stopped, so it may take BENCH_PORT too.
    port: Number(process.env.BENCH_PORT ?? 8797),
    args: ["--persist-to", ctx.persistTo, "--log-level", "warn", "--var", "LIVE_NOTIFICATIONS:off"],
    log: openSync(".wrangler/bench-heartbeats-quiet.log", "w"),
  });
  try {
    await waitForHealth(server.url);
    // Earlier work than the live run's, so these heartbeats are new too.
    return await measureBulk(server.url, ctx, 30 * 86_400, workerdCpu(server.child.pid));
  } finally {
    await server.stop();
  }
}
