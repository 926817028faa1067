// `node bench/storage.mjs [--users N] [--pulses-per-day N] [--days N]`: D1 storage per active user and
// month. Fills a fresh local D1 (all migrations) with a month of pulses through the real insert path
// (the intake and rollup triggers), then reads the bytes of every table and index from SQLite's dbstat
// over the database file, and prints them per pulse and per user-month (`--json` for JSON).
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { wrangler } from "../scripts/lib.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
// A working month of an active user: 22 coding days, 150 pulses a day (25 minutes of typing at one
// pulse per 10 s), half of them with two languages, over two machines and a handful of languages.
const users = option("--users", 20);
const perDay = option("--pulses-per-day", 150);
const days = option("--days", 22);
const json = args.includes("--json");

const dir = mkdtempSync(join(tmpdir(), "pulse-storage-"));
try {
  wrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", dir, "-c", "wrangler.toml"], { capture: true });
  const start = Date.UTC(2026, 0, 5);
  const pulses = days * perDay;
  const sql = `
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${users})
INSERT INTO users (username, username_key, email, password_hash, created_at)
SELECT 'user' || i, 'user' || i, 'user' || i || '@example.com', 'pbkdf2-sha256$100000$' || lower(hex(randomblob(16))) || '$' || lower(hex(randomblob(32))), ${start} FROM n;
INSERT INTO machines (user_id, name, token_hash, created_at)
SELECT u.id, m.name, lower(hex(randomblob(32))), ${start} FROM users u, (SELECT 'laptop' AS name UNION ALL SELECT 'desktop') m;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 7)
INSERT INTO languages (name, name_key) SELECT 'Lang' || i, 'lang' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${pulses - 1})
INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint, xps_intake)
SELECT u.id,
  (SELECT min(id) FROM machines WHERE user_id = u.id) + ((i / ${perDay}) % 3 = 2),
  i + 1,
  ${start} + (i / ${perDay}) * 86400000 + 32400000 + (i % ${perDay}) * ${Math.floor(28_800_000 / perDay)},
  60, ${start} + (i / ${perDay}) * 86400000 + 32400000 + (i % ${perDay}) * ${Math.floor(28_800_000 / perDay)} + 150,
  CASE WHEN i % 2 = 0 THEN 10 + i % 40 ELSE 10 + i % 40 + 3 END,
  lower(hex(randomblob(16))),
  CASE WHEN i % 2 = 0 THEN json_array(json_array('lang' || ((u.id + i / ${perDay}) % 8), 10 + i % 40))
       ELSE json_array(json_array('lang' || ((u.id + i / ${perDay}) % 8), 10 + i % 40), json_array('lang' || ((u.id + i / ${perDay} + 3) % 8), 3)) END
FROM n, users u;
`;
  const file = join(dir, "fill.sql");
  writeFileSync(file, sql);
  wrangler(["d1", "execute", "DB", "--local", "--persist-to", dir, "-c", "wrangler.toml", "--file", file, "--yes"], { capture: true });

  const d1Dir = join(dir, "v3", "d1", "miniflare-D1DatabaseObject");
  const dbFile = readdirSync(d1Dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  const db = new DatabaseSync(join(d1Dir, dbFile), { readOnly: true });
  const owner = new Map(
    db
      .prepare("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
      .all()
      .map((r) => [r.name, r.tbl_name]),
  );
  const bytes = {};
  for (const r of db.prepare("SELECT name, sum(pgsize) AS size FROM dbstat GROUP BY name").all()) {
    const table = owner.get(r.name) ?? r.name;
    bytes[table] ??= { table: 0, indexes: 0 };
    bytes[table][r.name === table ? "table" : "indexes"] += r.size;
  }
  const count = (t) => db.prepare(`SELECT count(*) AS n FROM ${t}`).get().n;
  const counts = {
    pulses: count("pulses"),
    xps: count("xps"),
    machine_daily_xp: count("machine_daily_xp"),
    machine_hourly_xp: count("machine_hourly_xp"),
  };
  db.close();
  const sum = (names) => names.reduce((s, n) => s + (bytes[n]?.table ?? 0) + (bytes[n]?.indexes ?? 0), 0);
  const raw = sum(["pulses", "xps"]);
  const rollups = sum(["machine_daily_xp", "machine_hourly_xp"]);
  const result = {
    model: { users, days, pulsesPerDay: perDay, pulsesPerUserMonth: pulses, xpRowsPerPulse: counts.xps / counts.pulses },
    counts,
    bytes,
    rawBytesPerPulse: Math.round(raw / counts.pulses),
    rawBytesPerUserMonth: Math.round(raw / users),
    rollupBytesPerUserMonth: Math.round(rollups / users),
  };
  if (json) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(`${users} users × ${days} days × ${perDay} pulses (${counts.pulses} pulses, ${counts.xps} XP rows)`);
    for (const [t, b] of Object.entries(bytes))
      console.log(`  ${t.padEnd(20)} table ${String(b.table).padStart(10)} B   indexes ${String(b.indexes).padStart(10)} B`);
    console.log(
      `raw pulses + XP rows: ${result.rawBytesPerPulse} B per pulse, ${(result.rawBytesPerUserMonth / 1e6).toFixed(2)} MB per user-month`,
    );
    console.log(`rollups: ${(result.rollupBytesPerUserMonth / 1e3).toFixed(1)} KB per user-month`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
