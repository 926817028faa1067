// Ingest with one D1 database and with two (the seeded users split across them), each against its
// own health baseline in the same run: live on, 20 users watched, as the main ingest suite. Both run
// the API entry (worker/app-entry.ts, no Astro build: the pulse path is the same) on wrangler configs
// written from wrangler.toml, the second with the binding DB_1 added.
import { openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { startDevServer, waitForHealth, wrangler } from "../../scripts/lib.mjs";
import { seedUsers, seedUsersOnPartition } from "../fixtures.mjs";
import { workerdCpu } from "../cpu.mjs";
import { ingestWithViewers, warmUp, WATCHED_USERS } from "./ingest.mjs";

/** A wrangler config like wrangler.toml, serving the API entry, with `databases` D1 partitions. */
function writeConfig(file, databases) {
  let toml = readFileSync("wrangler.toml", "utf8").replace(/^main = .*$/m, 'main = "worker/app-entry.ts"');
  const extra = Array.from(
    { length: databases - 1 },
    (_, i) =>
      `[[d1_databases]]\nbinding = "DB_${i + 1}"\ndatabase_name = "pulse-edge-${i + 1}"\ndatabase_id = "00000000-0000-4000-8000-0000000000b${i + 1}"\nmigrations_dir = "migrations"\n\n`,
  ).join("");
  // Top-level tables go before the first [[r2_buckets]], ahead of any [env.*] section.
  toml = toml.replace("[[r2_buckets]]", `${extra}[[r2_buckets]]`);
  writeFileSync(file, toml);
}

async function measureWith(ctx, databases) {
  const config = `wrangler.bench-${databases}-databases.toml`;
  const persistTo = `.wrangler/bench-partitions-${databases}`;
  writeConfig(config, databases);
  rmSync(persistTo, { recursive: true, force: true });
  try {
    for (let k = 0; k < databases; k++)
      wrangler(["d1", "migrations", "apply", k === 0 ? "DB" : `DB_${k}`, "--local", "--persist-to", persistTo, "--config", config], {
        capture: true,
      });
    // The same number of users in all, split evenly (user i on database i mod n, as new sign-ups would be).
    const per = Math.floor(ctx.options.users / databases);
    const groups = [seedUsers(persistTo, per, "bench", { config })];
    for (let k = 1; k < databases; k++) groups.push(seedUsersOnPartition(persistTo, config, k, per, `bench${k}x`));
    const users = groups[0].flatMap((_, i) => groups.map((g) => g[i]));
    const server = startDevServer({
      port: ctx.sidePort,
      args: ["--config", config, "--persist-to", persistTo, "--log-level", "warn", "--var", "BENCH_ENDPOINTS:1"],
      log: openSync(`.wrangler/bench-partitions-${databases}.log`, "w"),
    });
    try {
      await waitForHealth(server.url);
      await warmUp(server.url, users);
      const writes = () => fetch(`${server.url}/api/_bench/pulse-writes`).then((r) => r.json());
      const before = await writes();
      const serving = { ...ctx, url: server.url, cpu: workerdCpu(server.child.pid) };
      const result = await ingestWithViewers(serving, users, users.slice(0, WATCHED_USERS));
      const after = await writes();
      if (result.ingest.non2xx > 0 || result.ingest.errors > 0)
        throw new Error(`${databases} database(s): ${result.ingest.non2xx} non-2xx answers, ${result.ingest.errors} errors`);
      // How many pulse writes shared a D1 round trip (group commit keeps one queue per database).
      const writesPerRoundTrip = Number(
        ((after.statements - before.statements) / Math.max(1, after.roundTrips - before.roundTrips)).toFixed(2),
      );
      return { databases, users: users.length, writesPerRoundTrip, ...result };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(config, { force: true });
  }
}

/** Ingest with one database, then with two; `twoToOne` compares their shares of their own health baselines. */
export async function partitionsSuite(ctx) {
  const one = await measureWith(ctx, 1);
  const two = await measureWith(ctx, 2);
  return {
    one,
    two,
    twoToOne: Number((two.ingestToHealth / one.ingestToHealth).toFixed(3)),
    twoToOnePulsesPerSec: Number((two.ingest.rps / one.ingest.rps).toFixed(3)),
    target: 1,
  };
}
