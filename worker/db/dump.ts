// Reading any D1 database generically for a dump: its tables from sqlite_master (creation SQL, columns,
// parents before children), its indexes, triggers and views, pages of rows, and AUTOINCREMENT counters.
// Every query here names tables that are only known at run time, so they are drizzle `sql` with
// identifiers (drizzle's typed builder needs the table declared in the schema).
import { sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";

export interface DumpTable {
  name: string;
  /** The `CREATE TABLE` statement as stored in sqlite_master. */
  sql: string;
  columns: string[];
  /** Primary-key columns, used to page a WITHOUT ROWID table. */
  primaryKey: string[];
  withoutRowid: boolean;
}

export interface SchemaObject {
  type: "index" | "trigger" | "view";
  name: string;
  sql: string;
}

export interface Sequence {
  name: string;
  seq: number;
}

/** A stored value as JSON: blobs become `{"$blob": base64}`, everything else is itself. */
export type DumpValue = string | number | null | { $blob: string };

/** Tables of the SQLite engine and of D1 itself (`_cf_*`) are not the application's data. */
const OWN_TABLES = sql`name NOT GLOB 'sqlite_*' AND name NOT GLOB '_cf_*'`;

/** The application's tables, parents before children (by foreign keys; cycles keep sqlite_master order). */
export async function listTables(db: D1Database): Promise<DumpTable[]> {
  const d = drizzle(db);
  const tables = await d.all<{ name: string; sql: string }>(
    sql`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND ${OWN_TABLES} ORDER BY rowid`,
  );
  const out: (DumpTable & { parents: string[] })[] = [];
  for (const t of tables) {
    const columns = await d.all<{ name: string; pk: number }>(sql`SELECT name, pk FROM pragma_table_info(${t.name}) ORDER BY cid`);
    const parents = await d.all<{ parent: string }>(sql`SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list(${t.name})`);
    out.push({
      name: t.name,
      sql: t.sql,
      columns: columns.map((c) => c.name),
      primaryKey: columns
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      withoutRowid: /\bWITHOUT\s+ROWID\b/i.test(t.sql),
      parents: parents.map((p) => p.parent).filter((p) => p !== t.name),
    });
  }
  return parentsFirst(out).map(({ parents: _, ...t }) => t);
}

function parentsFirst<T extends { name: string; parents: string[] }>(tables: T[]): T[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: T[] = [];
  const visit = (t: T) => {
    if (done.has(t.name) || visiting.has(t.name)) return;
    visiting.add(t.name);
    for (const p of t.parents) {
      const parent = byName.get(p);
      if (parent) visit(parent);
    }
    visiting.delete(t.name);
    done.add(t.name);
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

/** Indexes (not the automatic ones of constraints), triggers and views, in creation order. */
export async function listSchemaObjects(db: D1Database): Promise<SchemaObject[]> {
  return drizzle(db).all<SchemaObject>(
    sql`SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') AND sql IS NOT NULL AND ${OWN_TABLES} ORDER BY rowid`,
  );
}

export async function listSequences(db: D1Database): Promise<Sequence[]> {
  const d = drizzle(db);
  const exists = await d.get<{ n: number }>(sql`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'`);
  if (!exists?.n) return [];
  return d.all<Sequence>(sql`SELECT name, seq FROM sqlite_sequence ORDER BY name`);
}

/** Where a page of rows starts: after a rowid, or (WITHOUT ROWID tables) at an offset in primary-key order. */
export type RowCursor = number;

/** A page of at most `limit` rows (values in `t.columns` order) and the cursor after it; null at the end. */
export async function readRows(
  db: D1Database,
  t: DumpTable,
  cursor: RowCursor,
  limit: number,
): Promise<{ rows: DumpValue[][]; next: RowCursor | null }> {
  const columns = sql.join(
    t.columns.map((c) => sql.identifier(c)),
    sql`, `,
  );
  const table = sql.identifier(t.name);
  let query: SQL;
  if (t.withoutRowid) {
    const order = sql.join(
      t.primaryKey.map((c) => sql.identifier(c)),
      sql`, `,
    );
    query = sql`SELECT 0, ${columns} FROM ${table} ORDER BY ${order} LIMIT ${limit} OFFSET ${cursor}`;
  } else {
    query = sql`SELECT rowid, ${columns} FROM ${table} WHERE rowid > ${cursor} ORDER BY rowid LIMIT ${limit}`;
  }
  const raw = await drizzle(db).values<unknown[]>(query);
  const rows = raw.map((r) => r.slice(1).map(toDumpValue));
  const next = raw.length < limit ? null : t.withoutRowid ? cursor + raw.length : (raw.at(-1)![0] as number);
  return { rows, next };
}

function toDumpValue(v: unknown): DumpValue {
  if (v === null || typeof v === "string" || typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  const bytes =
    v instanceof ArrayBuffer
      ? new Uint8Array(v)
      : ArrayBuffer.isView(v)
        ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
        : Uint8Array.from(v as number[]);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return { $blob: btoa(binary) };
}
