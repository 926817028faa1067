// Backups: the nightly Cron Trigger dumps every table of D1 to R2 (the runtime's local R2), old dumps
// are pruned, and a dump restored into a fresh D1 database equals the source row for row.
import { createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/app-entry";
import { r2DumpSource, restoreDump } from "../../worker/db/restore";
import { isoDate } from "../../worker/domain/retention";
import { dumpDatabase, dumpPrefix, pruneDumps, type DumpManifest } from "../../worker/services/backup";
import { R2LineWriter } from "../../worker/services/r2-lines";
import { BACKUP_CRON } from "../../worker/services/scheduled";
import { createUser, postPulse, pulse } from "../helpers";
import { insertPulseBehindTheWorkersBack } from "../live-helpers";
import { addMachine, signedUp } from "../accounts/browser";

const DAY = 86_400_000;

/** Every table's rows, the schema and the AUTOINCREMENT counters: what a restore must reproduce. */
async function contents(db: D1Database) {
  const { results: tables } = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'sqlite_*' AND name NOT GLOB '_cf_*' ORDER BY name")
    .all<{ name: string }>();
  const rows: Record<string, unknown[]> = {};
  // Sorted by their JSON text: WITHOUT ROWID tables have no rowid to order by.
  for (const t of tables)
    rows[t.name] = ((await db.prepare(`SELECT * FROM "${t.name}"`).raw()) as unknown[]).map((r) => JSON.stringify(r)).sort();
  const schema = (
    await db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT GLOB '_cf_*' ORDER BY type, name").all()
  ).results;
  const sequences = (await db.prepare("SELECT name, seq FROM sqlite_sequence ORDER BY name").all()).results;
  return { rows, schema, sequences };
}

async function seed(): Promise<void> {
  const { browser } = await signedUp();
  const { token } = await addMachine(browser, 'Desk; "quoted" ✓');
  for (let i = 0; i < 5; i++)
    expect(
      (
        await postPulse(
          token,
          pulse([
            { language: "Go", xp: i + 1 },
            { language: "Ünïcødé ✓", xp: 2 },
          ]),
        )
      ).status,
    ).toBe(201);
  const u = await createUser();
  await insertPulseBehindTheWorkersBack({
    userId: u.userId,
    machineId: u.machineId,
    codedAt: Date.now() - 500 * DAY,
    xps: [{ language: "Cobol", amount: 40 }],
  });
  expect((await postPulse(u.token, pulse([{ language: "Cobol", xp: 1 }]))).status).toBe(201);
  await env.DB.batch([
    env.DB.prepare("CREATE TABLE IF NOT EXISTS test_odd_values (id INTEGER PRIMARY KEY, data BLOB, note TEXT, ratio REAL)"),
    env.DB.prepare("INSERT INTO test_odd_values (data, note, ratio) VALUES (?, ?, ?), (NULL, ?, NULL)").bind(
      new Uint8Array([0, 1, 254, 255, 10, 13]),
      'line\nbreak "quotes" \u2028 and \u{1F600}',
      0.125,
      "",
    ),
    env.DB.prepare("CREATE TABLE IF NOT EXISTS test_no_rowid (a TEXT, b INTEGER, c TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID"),
    ...Array.from({ length: 20 }, (_, i) =>
      env.DB.prepare("INSERT OR REPLACE INTO test_no_rowid VALUES (?, ?, ?)").bind(`k${i % 3}`, i, `v${i}`),
    ),
  ]);
}

async function keys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.BACKUPS.list({ prefix, cursor });
    out.push(...page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out.sort();
}

describe("backups", () => {
  it("the nightly cron dumps every table to R2, prunes old dumps, then sweeps; the dump restored into a fresh D1 equals the source row for row", async () => {
    await seed();
    const now = Date.now();
    const prefix = dumpPrefix("DB", isoDate(now));
    const stale = `${dumpPrefix("DB", isoDate(now - 31 * DAY))}manifest.json`;
    await env.BACKUPS.put(stale, "{}");
    const before = await contents(env.DB);
    const oldPulses = await env.DB.prepare("SELECT count(*) AS n FROM pulses WHERE coded_at < ?")
      .bind(now - 450 * DAY)
      .first<number>("n");
    expect(oldPulses).toBeGreaterThan(0);

    await worker.scheduled(createScheduledController({ cron: BACKUP_CRON, scheduledTime: now }), env);

    // One object per table plus the manifest, written last; the stale dump is gone; the sweep ran after the dump.
    const tables = Object.keys(before.rows).sort();
    expect(await keys(prefix)).toEqual([`${prefix}manifest.json`, ...tables.map((t) => `${prefix}tables/${t}.ndjson`)].sort());
    expect(await env.BACKUPS.head(stale)).toBeNull();
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM pulses WHERE coded_at < ?")
        .bind(now - 450 * DAY)
        .first<number>("n"),
    ).toBe(0);
    const manifest = await (await env.BACKUPS.get(`${prefix}manifest.json`))!.json<DumpManifest>();
    expect(Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows]))).toEqual(
      Object.fromEntries(tables.map((t) => [t, before.rows[t]!.length])),
    );
    // Parents come before children, the order a restore inserts them in.
    const order = manifest.tables.map((t) => t.name);
    expect(order.indexOf("users")).toBeLessThan(order.indexOf("machines"));
    expect(order.indexOf("machines")).toBeLessThan(order.indexOf("pulses"));
    expect(order.indexOf("pulses")).toBeLessThan(order.indexOf("xps"));

    const report = await restoreDump(env.RESTORE_DB, r2DumpSource(env.BACKUPS, prefix));
    expect(report.orphans).toEqual({});
    expect(await contents(env.RESTORE_DB)).toEqual(before);

    // Triggers came back last, so they did not count restored rows twice, and they work on new rows.
    const user = await env.RESTORE_DB.prepare(
      "SELECT u.id, u.total_xp, m.token_hash FROM users u JOIN machines m ON m.user_id = u.id LIMIT 1",
    ).first<{ id: number; total_xp: number }>();
    await env.RESTORE_DB.prepare(
      `INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint, xps_intake)
       SELECT u.id, m.id, u.pulse_seq + 1, ?1, 0, ?1, 5, 'after-restore', json_array(json_array('go', 5)) FROM users u JOIN machines m ON m.user_id = u.id WHERE u.id = ?2 LIMIT 1`,
    )
      .bind(now, user!.id)
      .run();
    expect(await env.RESTORE_DB.prepare("SELECT total_xp FROM users WHERE id = ?").bind(user!.id).first<number>("total_xp")).toBe(
      user!.total_xp + 5,
    );

    // A database with tables is not overwritten.
    await expect(restoreDump(env.RESTORE_DB, r2DumpSource(env.BACKUPS, prefix))).rejects.toThrow(/not empty/);
  });

  it("pages through tables (with and without rowid), keeps blobs, reals and odd text exactly, and needs the manifest", async () => {
    await seed();
    const prefix = "test/paged/";
    const before = await contents(env.DB);
    await dumpDatabase(env.DB, env.BACKUPS, "DB", prefix, Date.now(), 7);
    const lines = await (await env.BACKUPS.get(`${prefix}tables/test_no_rowid.ndjson`))!.text();
    expect(lines.trimEnd().split("\n")).toHaveLength(20);
    await restoreDump(env.RESTORE_DB_2, r2DumpSource(env.BACKUPS, prefix));
    expect(await contents(env.RESTORE_DB_2)).toEqual(before);
    const blob = await env.RESTORE_DB_2.prepare("SELECT data FROM test_odd_values WHERE data IS NOT NULL").first<{ data: number[] }>();
    expect([...new Uint8Array(blob!.data)]).toEqual([0, 1, 254, 255, 10, 13]);
    await expect(restoreDump(env.RESTORE_DB_2, r2DumpSource(env.BACKUPS, "test/nothing-here/"))).rejects.toThrow(/no dump/);
  });

  it("prunes dumps dated before the oldest kept day and nothing else", async () => {
    const now = Date.now();
    const put = (days: number) => env.BACKUPS.put(`${dumpPrefix("DB", isoDate(now - days * DAY))}tables/x.ndjson`, "[]\n");
    await Promise.all([put(30), put(31), put(400)]);
    await env.BACKUPS.put("unrelated/2000-01-01/keep", "x");
    const deleted = await pruneDumps(env.BACKUPS, isoDate(now - 30 * DAY));
    expect(deleted).toBeGreaterThanOrEqual(2);
    expect(await env.BACKUPS.head(`${dumpPrefix("DB", isoDate(now - 30 * DAY))}tables/x.ndjson`)).not.toBeNull();
    expect(await env.BACKUPS.head(`${dumpPrefix("DB", isoDate(now - 31 * DAY))}tables/x.ndjson`)).toBeNull();
    expect(await env.BACKUPS.head(`${dumpPrefix("DB", isoDate(now - 400 * DAY))}tables/x.ndjson`)).toBeNull();
    expect(await env.BACKUPS.head("unrelated/2000-01-01/keep")).not.toBeNull();
  });

  it("writes an object larger than one part as a multipart upload, byte for byte", async () => {
    const writer = new R2LineWriter(env.BACKUPS, "test/large.ndjson");
    const line = (i: number) => JSON.stringify([i, "x".repeat(1000)]);
    for (let i = 0; i < 12_000; i++) await writer.writeLine(line(i));
    await writer.close();
    const object = await env.BACKUPS.get("test/large.ndjson");
    const text = await object!.text();
    expect(text.length).toBe(writer.size);
    expect(writer.size).toBeGreaterThan(8 * 1024 * 1024);
    const all = text.trimEnd().split("\n");
    expect(all).toHaveLength(12_000);
    expect(all[0]).toBe(line(0));
    expect(all[9_000]).toBe(line(9_000));
    expect(all.at(-1)).toBe(line(11_999));
  });
});
