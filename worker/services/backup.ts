// The nightly dump of every D1 database to R2 and the pruning of old dumps. A dump is a dated folder
// `d1/<binding>/<YYYY-MM-DD>/`: one NDJSON object per table (a JSON array of values per row) and,
// written last, `manifest.json` (tables with their SQL and columns, indexes, triggers, counters), so
// a folder without a manifest is an unfinished dump. `npm run restore` loads one into a fresh database.
import type { Env } from "../env";
import { isoDate } from "../domain/retention";
import { listSchemaObjects, listSequences, listTables, readRows, type DumpTable, type SchemaObject, type Sequence } from "../db/dump";
import { R2LineWriter } from "./r2-lines";
import { allDatabases, bindingName } from "../db/partitions";

const DEFAULT_BACKUP_KEEP_DAYS = 30;
/** Rows read per query: D1 answers stay small, and a 10-million-row table takes 1,000 queries. */
const ROWS_PER_PAGE = 10_000;
export const DUMP_FORMAT = 1;

export interface DumpManifest {
  format: typeof DUMP_FORMAT;
  database: string;
  createdAt: string;
  /** Parents before children: the order a restore inserts them in. */
  tables: (Omit<DumpTable, "primaryKey" | "withoutRowid"> & { object: string; rows: number; bytes: number })[];
  schema: SchemaObject[];
  sequences: Sequence[];
}

export interface BackupReport {
  dumps: { database: string; prefix: string; tables: number; rows: number }[];
  pruned: number;
}

export function dumpPrefix(binding: string, date: string): string {
  return `d1/${binding}/${date}/`;
}

export async function backupDatabases(env: Env, now: number): Promise<BackupReport> {
  const date = isoDate(now);
  const dumps: BackupReport["dumps"] = [];
  // Each partition's database (DB, DB_1, ...) under its binding name.
  for (const [partition, db] of allDatabases(env).entries()) {
    const binding = bindingName(partition);
    const manifest = await dumpDatabase(db, env.BACKUPS, binding, dumpPrefix(binding, date), now);
    dumps.push({
      database: binding,
      prefix: dumpPrefix(binding, date),
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((s, t) => s + t.rows, 0),
    });
  }
  const keepDays = Number(env.BACKUP_KEEP_DAYS ?? DEFAULT_BACKUP_KEEP_DAYS);
  const pruned = await pruneDumps(
    env.BACKUPS,
    isoDate(now - (Number.isFinite(keepDays) && keepDays > 0 ? keepDays : DEFAULT_BACKUP_KEEP_DAYS) * 86_400_000),
  );
  return { dumps, pruned };
}

/**
 * Dumps one database table by table while it is in use (D1 has no snapshot a Worker can read at
 * length): children are read before their parents, so a row written meanwhile finds its parent in the
 * dump unless that parent was deleted in between. For an exact point in time use D1 Time Travel.
 */
export async function dumpDatabase(
  db: D1Database,
  bucket: R2Bucket,
  database: string,
  prefix: string,
  now: number,
  rowsPerPage = ROWS_PER_PAGE,
): Promise<DumpManifest> {
  const tables = await listTables(db);
  const dumped = new Map<string, DumpManifest["tables"][number]>();
  for (const t of [...tables].reverse()) {
    const object = `${prefix}tables/${t.name}.ndjson`;
    const writer = new R2LineWriter(bucket, object);
    let rows = 0;
    for (let cursor: number | null = 0; cursor !== null; ) {
      const page = await readRows(db, t, cursor, rowsPerPage);
      for (const row of page.rows) await writer.writeLine(JSON.stringify(row));
      rows += page.rows.length;
      cursor = page.next;
    }
    await writer.close();
    dumped.set(t.name, { name: t.name, sql: t.sql, columns: t.columns, object, rows, bytes: writer.size });
  }
  const manifest: DumpManifest = {
    format: DUMP_FORMAT,
    database,
    createdAt: new Date(now).toISOString(),
    tables: tables.map((t) => dumped.get(t.name)!),
    schema: await listSchemaObjects(db),
    sequences: await listSequences(db),
  };
  await bucket.put(`${prefix}manifest.json`, JSON.stringify(manifest, null, 1), { httpMetadata: { contentType: "application/json" } });
  return manifest;
}

/** Deletes every dump dated before `oldestKept` (YYYY-MM-DD); returns the number of objects deleted. */
export async function pruneDumps(bucket: R2Bucket, oldestKept: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: "d1/", cursor, limit: 1000 });
    const old = page.objects
      .map((o) => o.key)
      .filter((key) => {
        const date = key.split("/")[2] ?? "";
        return /^\d{4}-\d{2}-\d{2}$/.test(date) && date < oldestKept;
      });
    if (old.length > 0) await bucket.delete(old);
    deleted += old.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}
