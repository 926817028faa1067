// Loading a dump (worker/services/backup.ts) into a fresh D1 database: tables, then rows (parents
// first), then AUTOINCREMENT counters, then indexes, triggers and views, so triggers do not fire on
// restored rows. Used by `npm run restore` (scripts/restore.mjs, under Node) and the tests (workerd),
// so it imports only types of its own modules. The statements come from the dump (its SQL, its table
// and column names), which drizzle's typed builder cannot express and its batch cannot carry as raw
// SQL with parameters: D1's API it is, except for the one read of sqlite_master (drizzle `sql`).
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { DumpValue } from "./dump";
import type { DumpManifest } from "../services/backup";

/** Where a dump is read from: its manifest and the lines of one of its objects. */
export interface DumpSource {
  manifest(): Promise<DumpManifest>;
  lines(object: string): AsyncIterable<string>;
}

export interface RestoreReport {
  tables: Record<string, number>;
  /** Rows whose parent row is not in the dump (it was deleted while the dump ran); they are left out. */
  orphans: Record<string, number>;
}

/** Rows per batch; each row is one statement binding at most 100 values (D1's limit, as the column limit). */
const ROWS_PER_BATCH = 50;

export async function restoreDump(db: D1Database, source: DumpSource): Promise<RestoreReport> {
  const manifest = await source.manifest();
  // sqlite_master is not in the schema, and the names it lists are only known at run time.
  const existing = await drizzle(db).all<{ name: string }>(
    sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'sqlite_*' AND name NOT GLOB '_cf_*'`,
  );
  if (existing.length > 0) throw new Error(`the target database is not empty (it has ${existing.map((t) => t.name).join(", ")})`);

  if (manifest.tables.length > 0) await db.batch(manifest.tables.map((t) => db.prepare(t.sql)));
  const report: RestoreReport = { tables: {}, orphans: {} };
  for (const t of manifest.tables) {
    const statement = `INSERT INTO ${quoted(t.name)} (${t.columns.map(quoted).join(", ")}) VALUES (${t.columns.map(() => "?").join(", ")})`;
    const insert = (row: DumpValue[]) => db.prepare(statement).bind(...row.map(fromDumpValue));
    let pending: DumpValue[][] = [];
    let loaded = 0;
    // Rows that fail alone (a parent later in the same table, or none at all) are retried at the end.
    let retry: DumpValue[][] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      try {
        await db.batch(pending.map(insert));
        loaded += pending.length;
      } catch (error) {
        if (!isForeignKeyError(error)) throw error;
        for (const row of pending) {
          if (await tryInsert(() => insert(row).run())) loaded++;
          else retry.push(row);
        }
      }
      pending = [];
    };
    for await (const line of source.lines(t.object)) {
      if (line === "") continue;
      pending.push(JSON.parse(line) as DumpValue[]);
      if (pending.length === ROWS_PER_BATCH) await flush();
    }
    await flush();
    for (let progress = true; retry.length > 0 && progress; ) {
      const again: DumpValue[][] = [];
      for (const row of retry) {
        if (await tryInsert(() => insert(row).run())) loaded++;
        else again.push(row);
      }
      progress = again.length < retry.length;
      retry = again;
    }
    report.tables[t.name] = loaded;
    if (retry.length > 0) report.orphans[t.name] = retry.length;
  }

  for (const s of manifest.sequences) {
    await db.batch([
      db.prepare("DELETE FROM sqlite_sequence WHERE name = ?").bind(s.name),
      // The column has no type: without the cast a JSON number would be stored as REAL.
      db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, CAST(? AS INTEGER))").bind(s.name, s.seq),
    ]);
  }
  if (manifest.schema.length > 0) await db.batch(manifest.schema.map((o) => db.prepare(o.sql)));
  return report;
}

async function tryInsert(run: () => PromiseLike<unknown>): Promise<boolean> {
  try {
    await run();
    return true;
  } catch (error) {
    if (isForeignKeyError(error)) return false;
    throw error;
  }
}

function isForeignKeyError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e.message.includes("FOREIGN KEY constraint failed")) return true;
  return false;
}

function fromDumpValue(v: DumpValue): string | number | null | Uint8Array {
  if (v !== null && typeof v === "object") return Uint8Array.from(atob(v.$blob), (c) => c.charCodeAt(0));
  return v;
}

function quoted(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** The dump's objects read from an R2 bucket (the runtime's binding, locally or in production). */
export function r2DumpSource(bucket: R2Bucket, prefix: string): DumpSource {
  return {
    async manifest() {
      const object = await bucket.get(`${prefix}manifest.json`);
      if (!object) throw new Error(`no dump at ${prefix} (no manifest.json: missing or unfinished)`);
      return object.json<DumpManifest>();
    },
    async *lines(key) {
      const object = await bucket.get(key);
      if (!object) throw new Error(`dump object ${key} is missing`);
      const reader = object.body.pipeThrough(new TextDecoderStream()).getReader();
      let rest = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const parts = (rest + value).split("\n");
        rest = parts.pop()!;
        yield* parts;
      }
      if (rest !== "") yield rest;
    },
  };
}
