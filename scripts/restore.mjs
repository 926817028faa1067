// `npm run restore -- --to DIR [--from DIR | --dir DUMP] [--database DB] [--date YYYY-MM-DD] [--env NAME]`: loads a
// nightly dump (worker/services/backup.ts) into a fresh local D1 database kept under DIR (the layout of
// `wrangler --persist-to DIR`). The dump comes from the local R2 bucket BACKUPS under --from (default
// .wrangler/state), or from a folder holding a downloaded dump (manifest.json and tables/*.ndjson).
// Without --date, the newest complete dump (one with a manifest) is used.
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { getPlatformProxy, unstable_readConfig } from "wrangler";
import "./lib.mjs"; // quiet, offline tool settings
import { r2DumpSource, restoreDump } from "../worker/db/restore.ts";

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const to = option("--to");
const database = option("--database") ?? "DB";
if (!to) {
  console.error("usage: npm run restore -- --to DIR [--from DIR | --dir DUMP] [--database DB] [--date YYYY-MM-DD]");
  process.exit(2);
}
if (resolve(to) === resolve(option("--from") ?? ".wrangler/state")) {
  console.error("--to must be a fresh directory, not the state the dump is read from");
  process.exit(2);
}

// The proxy gets a configuration with only the D1 and R2 bindings: the Worker's Durable Objects
// cannot run in it (and would only add warnings).
const config = unstable_readConfig({ config: "wrangler.toml", env: option("--env") });
const configDir = mkdtempSync(join(tmpdir(), "pulse-restore-"));
const configPath = join(configDir, "wrangler.json");
writeFileSync(
  configPath,
  JSON.stringify({
    name: "pulse-edge-restore",
    compatibility_date: config.compatibility_date,
    d1_databases: config.d1_databases,
    r2_buckets: config.r2_buckets,
  }),
);

const proxies = [];
const proxy = async (path) => {
  const p = await getPlatformProxy({ configPath, persist: { path: resolve(path, "v3") }, remoteBindings: false });
  proxies.push(p);
  return p.env;
};

function folderSource(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  return {
    manifest: async () => manifest,
    // Objects are named by their R2 key; in a folder they sit under tables/.
    lines: (key) => createInterface({ input: createReadStream(join(dir, "tables", key.split("/").at(-1))), crlfDelay: Infinity }),
  };
}

async function newestDate(bucket) {
  const dates = [];
  let cursor;
  do {
    const page = await bucket.list({ prefix: `d1/${database}/`, cursor });
    for (const o of page.objects) if (o.key.endsWith("/manifest.json")) dates.push(o.key.split("/")[2]);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return dates.sort().at(-1);
}

try {
  let source;
  let from;
  if (option("--dir")) {
    from = option("--dir");
    if (!existsSync(join(from, "manifest.json"))) throw new Error(`${from} holds no manifest.json`);
    source = folderSource(from);
  } else {
    const { BACKUPS } = await proxy(option("--from") ?? ".wrangler/state");
    const date = option("--date") ?? (await newestDate(BACKUPS));
    if (!date) throw new Error(`no complete dump of ${database} in the local bucket`);
    from = `R2 d1/${database}/${date}/`;
    source = r2DumpSource(BACKUPS, `d1/${database}/${date}/`);
  }
  const target = await proxy(to);
  const report = await restoreDump(target.DB, source);
  const rows = Object.values(report.tables).reduce((s, n) => s + n, 0);
  console.log(`Restored ${from} into ${to}: ${Object.keys(report.tables).length} tables, ${rows} rows.`);
  for (const [table, n] of Object.entries(report.orphans))
    console.log(`  left out ${n} rows of ${table} whose parent row is not in the dump`);
  console.log(`Serve it with: npx wrangler dev -c wrangler.toml worker/app-entry.ts --persist-to ${to}`);
} catch (error) {
  console.error(`restore failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  for (const p of proxies) await p.dispose();
  rmSync(configDir, { recursive: true, force: true });
}
