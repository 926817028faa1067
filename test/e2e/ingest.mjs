// Pulse ingest under `wrangler dev`, where concurrent pulses share D1 round trips (group commit,
// worker/db/group-commit.ts; the vitest runtime cannot run it, so it is checked here, over HTTP).
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";

const PULSES_PER_USER = 20;

function send(base, token, codedAt, xp) {
  return fetch(`${base}/api/my/pulses`, {
    method: "POST",
    headers: { "x-api-token": token, "content-type": "application/json" },
    body: JSON.stringify({
      coded_at: codedAt,
      xps: [
        { language: "Zig", xp },
        { language: "Plain text", xp: 1 },
      ],
    }),
  });
}

async function concurrentPulses(check, { base, seeded, serverLogPath }) {
  const users = seeded.burst;
  // Round trips the pulse writes took (a benchmark-only counter this server is started with).
  const writes = () => fetch(`${base}/api/_bench/pulse-writes`).then((r) => r.json());
  const before = await writes();
  const base0 = Date.now() - 3_600_000;
  const sends = [];
  const expected = new Map();
  for (const [u, user] of users.entries()) {
    let total = 0;
    for (let i = 0; i < PULSES_PER_USER; i++) {
      const codedAt = new Date(base0 + (u * PULSES_PER_USER + i) * 1000).toISOString();
      const xp = 1 + ((u * 7 + i) % 40);
      total += xp + 1;
      // Every pulse is sent twice at once, as a plugin retrying a timed-out request would.
      sends.push(send(base, user.token, codedAt, xp).then((r) => ["valid", r.status]));
      sends.push(send(base, user.token, codedAt, xp).then((r) => ["valid", r.status]));
    }
    expected.set(user.username, total);
  }
  for (let i = 0; i < 10; i++) sends.push(send(base, randomUUID(), new Date().toISOString(), 5).then((r) => ["unknown", r.status]));

  const answers = await Promise.all(sends);
  const after = await writes();
  const statements = after.statements - before.statements;
  const roundTrips = after.roundTrips - before.roundTrips;
  check.expect(
    roundTrips > 0 && roundTrips < statements,
    `the pulses shared D1 round trips (${statements} statements in ${roundTrips} round trips)`,
  );
  const valid = answers.filter(([kind]) => kind === "valid").map(([, status]) => status);
  const unknown = answers.filter(([kind]) => kind === "unknown").map(([, status]) => status);
  check.expect(
    valid.length === users.length * PULSES_PER_USER * 2 && valid.every((s) => s === 201),
    `all ${valid.length} valid pulses and retries answered 201 (got ${[...new Set(valid)]})`,
  );
  check.expect(
    unknown.every((s) => s === 403),
    `all ${unknown.length} unknown tokens answered 403 (got ${[...new Set(unknown)]})`,
  );

  for (const [username, total] of expected) {
    const res = await fetch(`${base}/api/users/${username}`);
    const profile = await res.json();
    check.expect(profile.total_xp === total, `${username}: total ${total} XP, each pulse counted once (got ${profile.total_xp})`);
  }
  const log = readFileSync(serverLogPath, "utf8");
  check.expect(
    !/different request|never generate a response|gave up waiting/i.test(log),
    "no cross-request errors, hung requests or abandoned waits in the server log",
  );
}

export const ingestChecks = [["concurrent pulses and retries from many users: each answered, each counted once", concurrentPulses]];
