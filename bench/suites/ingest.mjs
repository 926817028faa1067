// Foundation: POST /api/my/pulses (many users' tokens) against the GET /api/health baseline.
import { openSync } from "node:fs";
import { compare, compareEach } from "../load.mjs";
import { startDevServer, waitForHealth } from "../../scripts/lib.mjs";
import { d1File, seedUsers } from "../fixtures.mjs";
import { workerdCpu } from "../cpu.mjs";

/** Of the seeded users, this many have a profile viewer open during the default ingest measurement. */
export const WATCHED_USERS = 20;

const LANGUAGES = ["TypeScript", "Rust", "Go", "Python", "Elixir", "C++", "Markdown", "Plain text"];

/** Autocannon request that posts a distinct pulse (its own coded_at) per call, rotating over users. */
export function pulseRequest(users) {
  let n = 0;
  const base = Date.now();
  return {
    method: "POST",
    path: "/api/my/pulses",
    setupRequest(req) {
      const i = n++;
      const user = users[i % users.length];
      const at = new Date(base - (i % 3_000_000)).toISOString().replace("Z", `${String(i % 1000).padStart(3, "0")}+00:00`);
      const xps = [
        { language: LANGUAGES[i % LANGUAGES.length], xp: 1 + (i % 50) },
        { language: LANGUAGES[(i + 3) % LANGUAGES.length], xp: 2 },
      ];
      return {
        ...req,
        headers: { "content-type": "application/json", "x-api-token": user.token },
        body: JSON.stringify({ coded_at: at, xps }),
      };
    },
  };
}

/**
 * Steady state: every user has posted before, so each user's live object is built (a first pulse
 * builds it from D1 once in its life, which is not what this measures).
 */
export async function warmUp(url, users) {
  const request = pulseRequest(users);
  for (let i = 0; i < users.length; i += 32) {
    await Promise.all(
      users.slice(i, i + 32).map(async () => {
        const { headers, body } = request.setupRequest({});
        const res = await fetch(`${url}/api/my/pulses`, { method: "POST", headers, body });
        if (res.status !== 201) throw new Error(`warm-up pulse answered ${res.status}`);
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 2_000)); // let the notifications settle
}

/** Opens one profile socket per user (each waits for its snapshot); returns a function closing them all. */
export async function watch(url, users) {
  const sockets = [];
  for (let i = 0; i < users.length; i += 50) {
    const batch = users.slice(i, i + 50).map(
      (u) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(url.replace(/^http/, "ws") + `/live/users/${encodeURIComponent(u.username)}`);
          ws.onmessage = (e) => {
            if (JSON.parse(e.data).type === "profile.snapshot") {
              ws.onmessage = null;
              resolve(ws);
            }
          };
          ws.onerror = () => reject(new Error("viewer socket failed"));
        }),
    );
    sockets.push(...(await Promise.all(batch)));
  }
  return () => {
    for (const ws of sockets) ws.close(1000);
  };
}

/** Ingest for `users` against health, with a profile viewer open on each of `watchedUsers` (ctx: url, options, cpu). */
export async function ingestWithViewers(ctx, users, watchedUsers) {
  const unwatch = await watch(ctx.url, watchedUsers);
  try {
    const result = await compare({
      url: ctx.url,
      connections: 32,
      seconds: ctx.options.seconds,
      rounds: ctx.options.rounds,
      baseline: [{ method: "GET", path: "/api/health" }],
      subject: [pulseRequest(users)],
      cpu: ctx.cpu,
    });
    return {
      health: result.baseline,
      ingest: result.subject,
      ingestToHealth: result.ratio,
      rounds: result.rounds,
      watchedUsers: watchedUsers.length,
      cpuMsPerRequest: { health: result.baseline.cpuMsPerRequest ?? null, ingest: result.subject.cpuMsPerRequest ?? null },
    };
  } finally {
    unwatch();
  }
}

/** The service as deployed: live on, 2,000 users of whom WATCHED_USERS have a profile viewer open. */
export async function ingestSuite(ctx) {
  const users = seedUsers(ctx.persistTo, ctx.options.users);
  await warmUp(ctx.url, users);
  ctx.ingestUsers = users;
  return { ...(await ingestWithViewers(ctx, users, users.slice(0, Math.min(WATCHED_USERS, users.length)))), target: 0.5 };
}

/** The same with a viewer open on every user the load posts for (each pulse then tells its object). */
export async function ingestAllWatchedSuite(ctx) {
  return ingestWithViewers(ctx, ctx.ingestUsers, ctx.ingestUsers);
}

/**
 * The same measurement on a server started with LIVE_NOTIFICATIONS=off: the pulse path alone (auth,
 * validation, the one D1 statement), without telling the user objects. Measured beside the yardstick
 * the target is set against: a single-row D1 insert behind Hono (the benchmark-only reference route).
 */
export async function ingestWithoutLiveSuite(ctx) {
  d1File(ctx.persistTo, "CREATE TABLE IF NOT EXISTS bench_reference (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);");
  const server = startDevServer({
    port: ctx.sidePort,
    args: ["--persist-to", ctx.persistTo, "--log-level", "warn", "--var", "LIVE_NOTIFICATIONS:off", "--var", "BENCH_ENDPOINTS:1"],
    log: openSync(".wrangler/bench-ingest-quiet.log", "w"),
  });
  try {
    await waitForHealth(server.url);
    const writes = () => fetch(`${server.url}/api/_bench/pulse-writes`).then((r) => r.json());
    const before = await writes();
    const { reference, ingest } = await compareEach({
      url: server.url,
      connections: 32,
      seconds: ctx.options.seconds,
      rounds: ctx.options.rounds,
      baseline: [{ method: "GET", path: "/api/health" }],
      subjects: {
        reference: [{ method: "POST", path: "/api/_bench/reference-insert", headers: { "content-type": "application/json" }, body: "{}" }],
        ingest: [pulseRequest(ctx.ingestUsers)],
      },
      cpu: workerdCpu(server.child.pid),
    });
    // A yardstick that answered errors would measure nothing: fail loudly instead.
    if (reference.subject.non2xx > 0) throw new Error(`reference-insert answered ${reference.subject.non2xx} non-2xx responses`);
    const after = await writes();
    return {
      writesPerRoundTrip: (after.statements - before.statements) / (after.roundTrips - before.roundTrips),
      health: ingest.baseline,
      ingest: ingest.subject,
      ingestToHealth: ingest.ratio,
      rounds: ingest.rounds,
      cpuMsPerRequest: { health: ingest.baseline.cpuMsPerRequest ?? null, ingest: ingest.subject.cpuMsPerRequest ?? null },
      reference: { health: reference.baseline, insert: reference.subject, ratio: reference.ratio, rounds: reference.rounds },
      target: 0.5,
    };
  } finally {
    await server.stop();
  }
}
