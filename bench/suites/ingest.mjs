// Foundation: POST /api/my/pulses (many users' tokens) against the GET /api/health baseline.
import { openSync } from "node:fs";
import { compare, compareEach } from "../load.mjs";
import { startDevServer, waitForHealth } from "../../scripts/lib.mjs";
import { d1File, seedUsers } from "../fixtures.mjs";

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
      const xps = [{ language: LANGUAGES[i % LANGUAGES.length], xp: 1 + (i % 50) }, { language: LANGUAGES[(i + 3) % LANGUAGES.length], xp: 2 }];
      return { ...req, headers: { "content-type": "application/json", "x-api-token": user.token }, body: JSON.stringify({ coded_at: at, xps }) };
    },
  };
}

/**
 * Steady state: every user has posted before, so each user's live object is built (a first pulse
 * builds it from D1 once in its life, which is not what this measures).
 */
async function warmUp(url, users) {
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

export async function ingestSuite(ctx) {
  const users = seedUsers(ctx.persistTo, ctx.options.users);
  await warmUp(ctx.url, users);
  ctx.ingestUsers = users;
  const result = await compare({
    url: ctx.url,
    connections: 32,
    seconds: ctx.options.seconds,
    rounds: ctx.options.rounds,
    baseline: [{ method: "GET", path: "/api/health" }],
    subject: [pulseRequest(users)],
  });
  return { health: result.baseline, ingest: result.subject, ingestToHealth: result.ratio, rounds: result.rounds, target: 0.5 };
}

/**
 * The same measurement on a server started with LIVE_NOTIFICATIONS=off: the pulse path alone (auth,
 * validation, the one D1 statement), without telling the user objects. Measured beside the yardstick
 * the target is set against: a single-row D1 insert behind Hono (the benchmark-only reference route).
 */
export async function ingestWithoutLiveSuite(ctx) {
  d1File(ctx.persistTo, "CREATE TABLE IF NOT EXISTS bench_reference (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);");
  const server = startDevServer({
    port: 8798,
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
      reference: { health: reference.baseline, insert: reference.subject, ratio: reference.ratio, rounds: reference.rounds },
      target: 0.5,
    };
  } finally {
    await server.stop();
  }
}
