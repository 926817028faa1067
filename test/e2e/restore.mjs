// `node test/e2e/restore.mjs`: the nightly backup and `npm run restore` end to end outside the test
// runtime. A fresh local state gets the migrations and some users' pulses (through the API of a real
// `wrangler dev`), the cron is fired through `--test-scheduled`, then the restore command loads the
// dump from that state's local R2 into another fresh state, and every table is compared row for row.
// RESTORE_CHECK_PORT chooses the server's port (default 8788).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { hashToken, newToken, run, sqlString, startDevServer, waitForHealth, wrangler } from "../../scripts/lib.mjs";

const port = Number(process.env.RESTORE_CHECK_PORT ?? 8788);
const root = mkdtempSync(join(tmpdir(), "pulse-restore-"));
const source = join(root, "source");
const target = join(root, "target");
const d1 = (state, sql) => {
  const out = wrangler(["d1", "execute", "DB", "--local", "--persist-to", state, "-c", "wrangler.toml", "--json", "--command", sql], {
    capture: true,
  });
  return JSON.parse(out).at(-1)?.results ?? [];
};
const fail = (message) => {
  console.error(`restore check failed: ${message}`);
  process.exitCode = 1;
};

try {
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", source, "-c", "wrangler.toml"], { capture: true });
  const tokens = Array.from({ length: 3 }, () => newToken());
  d1(
    source,
    tokens
      .map(
        (t, i) => `INSERT INTO users (username, username_key, created_at) VALUES ('restore${i}', 'restore${i}', 1);
        INSERT INTO machines (user_id, name, token_hash, created_at) VALUES (last_insert_rowid(), ${sqlString(`Box "${i}"; ✓`)}, ${sqlString(hashToken(t))}, 1);`,
      )
      .join("\n"),
  );
  const server = startDevServer({
    port,
    args: ["-c", "wrangler.toml", "worker/app-entry.ts", "--persist-to", source, "--test-scheduled"],
    log: openSync(join(root, "dev.log"), "w"),
  });
  try {
    await waitForHealth(server.url, 180_000);
    for (const [i, token] of tokens.entries()) {
      for (let n = 0; n < 4; n++) {
        const res = await fetch(`${server.url}/api/my/pulses`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-token": token },
          body: JSON.stringify({
            coded_at: new Date(Date.now() - n * 60_000).toISOString(),
            xps: [
              { language: `Lang${(i + n) % 3}`, xp: 10 + n },
              { language: "Ünïcødé", xp: 1 },
            ],
          }),
        });
        if (res.status !== 201) throw new Error(`pulse answered ${res.status}`);
      }
    }
    const cron = await fetch(`${server.url}/__scheduled?cron=${encodeURIComponent("41 3 * * *")}`);
    if (!cron.ok) throw new Error(`scheduled event answered ${cron.status}`);
  } finally {
    await server.stop();
  }

  run("npx", ["--no", "--", "node", "scripts/restore.mjs", "--from", source, "--to", target], { capture: true });

  // Both databases are read straight from their SQLite files (quicker than a wrangler call per table).
  const open = (state) => {
    const dir = join(state, "v3", "d1", "miniflare-D1DatabaseObject");
    return new DatabaseSync(
      join(
        dir,
        readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite"),
      ),
      { readOnly: true },
    );
  };
  const [from, to] = [open(source), open(target)];
  const tables = from
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'sqlite_*' AND name NOT GLOB '_cf_*' ORDER BY name")
    .all()
    .map((r) => r.name);
  const queries = {
    schema: "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT GLOB '_cf_*' ORDER BY type, name",
    sqlite_sequence: "SELECT name, seq FROM sqlite_sequence ORDER BY name",
    ...Object.fromEntries(tables.map((t) => [t, `SELECT * FROM "${t}" ORDER BY rowid`])),
  };
  // The nightly run sweeps after the dump, so only the retention row may differ: the dump has it from before the sweep.
  const keptFrom = [from, to].map((db) => db.prepare("SELECT raw_kept_from AS d FROM retention").get().d);
  delete queries.retention;
  const differing = Object.entries(queries)
    .filter(([, q]) => JSON.stringify(from.prepare(q).all()) !== JSON.stringify(to.prepare(q).all()))
    .map(([name]) => name);
  const pulses = to.prepare("SELECT count(*) AS n, (SELECT sum(total_xp) FROM users) AS xp FROM pulses").get();
  from.close();
  to.close();
  if (pulses.n !== 12 || pulses.xp !== 12 * 1 + 3 * (10 + 11 + 12 + 13)) fail(`restored ${pulses.n} pulses with ${pulses.xp} XP`);
  else if (keptFrom[0] === null || keptFrom[1] !== null) fail(`retention dates ${keptFrom}: the sweep did not run after the dump`);
  else if (differing.length > 0) fail(`the restored database differs from the source in ${differing.join(", ")}`);
  else console.log(`restore check: ${tables.length} tables restored row for row (12 pulses, ${pulses.xp} XP)`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
  try {
    console.error(readFileSync(join(root, "dev.log"), "utf8").split("\n").slice(-20).join("\n"));
  } catch {}
} finally {
  rmSync(root, { recursive: true, force: true });
}
