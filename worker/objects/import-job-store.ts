// The SQLite storage of one ImportJob object: the uploaded chunks, the rows (or heartbeats) staged
// from them, the pulses they group into, the problems found, and the job's counters. Everything here
// is synchronous.
import type { Heartbeat } from "../domain/heartbeat";
import type { ImportHeartbeat, ImportProblem, ImportRow } from "../domain/import/rows";
import { MAX_ROWS_PER_PULSE } from "../domain/import/rows";

/** Problems kept for the summary (all are counted). */
const MAX_PROBLEMS_KEPT = 200;

export interface JobMeta {
  job_id: string;
  user_id: number;
  phase: string;
  file_name: string;
  size: number;
  chunks_total: number;
  format: string;
  created_at: number;
  stage_chunk: number;
  bytes_read: number;
  rows_read: number;
  rows_to_write: number;
  rows_done: number;
  rows_in_bad_pulses: number;
  pulses_total: number;
  pulses_added: number;
  pulses_present: number;
  machines_created: number;
  problem_count: number;
  max_buffered: number;
  cursor_sent_at: number;
  cursor_machine: string;
  /** Heartbeats: the number of the last one written, the zone of local days, the counters. */
  cursor_n: number;
  zone: string;
  heartbeats_total: number;
  heartbeats_added: number;
  heartbeats_present: number;
  error: string;
  retry_error: string;
  failures: number;
  finished_at: number;
}

export interface PulseGroup {
  sentAt: number;
  machine: string;
  rows: number;
}

export interface StagedRow {
  sentAt: number;
  machine: string;
  utcOffset: number;
  language: string;
  amount: number;
}

export interface StagedHeartbeat {
  n: number;
  machine: string;
  heartbeat: Heartbeat;
}

const WORK_TABLES = ["chunks", "staged", "bad_pulses", "groups", "problems", "machine_ids", "staged_hb"];
const STAGED_HB_TABLE =
  "CREATE TABLE IF NOT EXISTS staged_hb (n INTEGER PRIMARY KEY, machine TEXT NOT NULL, size INTEGER NOT NULL, data TEXT NOT NULL)";

export class ImportJobStore {
  private readonly cache = new Map<string, unknown>();

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)");
    for (const row of sql.exec<{ key: string; value: SqlStorageValue }>("SELECT key, value FROM meta")) this.cache.set(row.key, row.value);
    sql.exec(STAGED_HB_TABLE); // added after the other work tables: objects made before it get it here
  }

  get<K extends keyof JobMeta>(key: K): JobMeta[K] | null {
    return (this.cache.get(key) as JobMeta[K] | undefined) ?? null;
  }

  set<K extends keyof JobMeta>(key: K, value: JobMeta[K]): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    this.cache.set(key, value);
  }

  add(key: keyof JobMeta, delta: number): void {
    this.set(key, ((this.get(key) as number | null) ?? 0) + delta);
  }

  /** Forgets the previous job entirely and starts an empty one. */
  startJob(meta: Pick<JobMeta, "job_id" | "user_id" | "file_name" | "size" | "chunks_total" | "created_at">): void {
    for (const t of WORK_TABLES) this.sql.exec(`DROP TABLE IF EXISTS ${t}`);
    this.sql.exec("DELETE FROM meta");
    this.cache.clear();
    this.sql.exec(`
      CREATE TABLE chunks (n INTEGER PRIMARY KEY, size INTEGER NOT NULL, data BLOB NOT NULL);
      CREATE TABLE staged (sent_at INTEGER NOT NULL, machine TEXT NOT NULL, line INTEGER NOT NULL, utc_offset INTEGER NOT NULL, language TEXT NOT NULL, amount INTEGER NOT NULL);
      CREATE TABLE bad_pulses (sent_at INTEGER NOT NULL, machine TEXT NOT NULL, PRIMARY KEY (sent_at, machine));
      CREATE TABLE groups (sent_at INTEGER NOT NULL, machine TEXT NOT NULL, rows INTEGER NOT NULL, first_line INTEGER NOT NULL, bad INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sent_at, machine));
      CREATE TABLE problems (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, message TEXT NOT NULL);
      CREATE TABLE machine_ids (name TEXT PRIMARY KEY, id INTEGER NOT NULL);
      ${STAGED_HB_TABLE};
    `);
    for (const [k, v] of Object.entries(meta)) this.set(k as keyof JobMeta, v as never);
    this.set("phase", "uploading");
  }

  hasJob(): boolean {
    return this.get("job_id") !== null;
  }

  // ---- upload ----

  putChunk(n: number, data: ArrayBuffer): void {
    this.sql.exec(
      "INSERT INTO chunks (n, size, data) VALUES (?, ?, ?) ON CONFLICT (n) DO UPDATE SET size = excluded.size, data = excluded.data",
      n,
      data.byteLength,
      data,
    );
  }

  chunk(n: number): ArrayBuffer | null {
    const row = this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM chunks WHERE n = ?", n).toArray()[0];
    return row?.data ?? null;
  }

  uploaded(): { chunks: number; bytes: number } {
    return this.sql.exec<{ chunks: number; bytes: number }>("SELECT count(*) AS chunks, coalesce(SUM(size), 0) AS bytes FROM chunks").one();
  }

  missingChunks(total: number, limit: number): number[] {
    const have = new Set(
      this.sql
        .exec<{ n: number }>("SELECT n FROM chunks")
        .toArray()
        .map((r) => r.n),
    );
    const out: number[] = [];
    for (let n = 0; n < total && out.length < limit; n++) if (!have.has(n)) out.push(n);
    return out;
  }

  dropChunks(): void {
    this.sql.exec("DELETE FROM chunks");
  }

  // ---- reading ----

  /** Starts reading over (the parser's state was lost with the object): nothing staged survives. */
  resetStaging(): void {
    for (const t of ["staged", "staged_hb", "bad_pulses", "problems"]) this.sql.exec(`DELETE FROM ${t}`);
    for (const k of ["stage_chunk", "bytes_read", "rows_read", "problem_count", "max_buffered"] as const) this.set(k, 0);
  }

  stageRows(rows: readonly ImportRow[]): void {
    if (rows.length === 0) return;
    this.sql.exec(
      `INSERT INTO staged (sent_at, machine, line, utc_offset, language, amount)
       SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5 FROM json_each(?) j`,
      JSON.stringify(rows.map((r) => [r.sentAtMs, r.machine, r.at, r.utcOffset, r.language, r.amount])),
    );
    this.add("rows_read", rows.length);
  }

  stageHeartbeats(list: readonly ImportHeartbeat[]): void {
    if (list.length === 0) return;
    const rows = list.map((h) => {
      const data = JSON.stringify(h.heartbeat);
      return [h.at, h.machine, data.length, data];
    });
    this.sql.exec(
      "INSERT INTO staged_hb (n, machine, size, data) SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3 FROM json_each(?) j",
      JSON.stringify(rows),
    );
    this.add("rows_read", list.length);
  }

  /** Every staged heartbeat is written (one row of work each). */
  countHeartbeats(): void {
    const n = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM staged_hb").one().n;
    this.set("heartbeats_total", n);
    this.set("rows_to_write", n);
  }

  heartbeatMachines(): string[] {
    return this.sql
      .exec<{ machine: string }>("SELECT DISTINCT machine FROM staged_hb")
      .toArray()
      .map((r) => r.machine);
  }

  /** The next heartbeats after the cursor, in file order: at most `limit`, and at most `maxChars` of them (the first always). */
  nextHeartbeats(limit: number, maxChars: number): StagedHeartbeat[] {
    const out: StagedHeartbeat[] = [];
    let chars = 0;
    for (const r of this.sql.exec<{ n: number; machine: string; size: number; data: string }>(
      "SELECT n, machine, size, data FROM staged_hb WHERE n > ? ORDER BY n LIMIT ?",
      this.get("cursor_n") ?? 0,
      limit,
    )) {
      chars += r.size;
      if (out.length > 0 && chars > maxChars) break;
      out.push({ n: r.n, machine: r.machine, heartbeat: JSON.parse(r.data) as Heartbeat });
    }
    return out;
  }

  recordProblem(p: ImportProblem): void {
    if ((this.get("problem_count") ?? 0) < MAX_PROBLEMS_KEPT)
      this.sql.exec("INSERT INTO problems (at, message) VALUES (?, ?)", p.at, p.message);
    this.add("problem_count", 1);
    if (p.pulse) this.sql.exec("INSERT OR IGNORE INTO bad_pulses (sent_at, machine) VALUES (?, ?)", p.pulse.sentAtMs, p.pulse.machine);
  }

  /** Groups the staged rows into pulses and marks those that cannot be imported whole. */
  groupPulses(): void {
    this.sql.exec("DELETE FROM groups");
    this.sql.exec("CREATE INDEX IF NOT EXISTS staged_pulse ON staged (sent_at, machine, line)");
    this.sql.exec(
      "INSERT INTO groups (sent_at, machine, rows, first_line) SELECT sent_at, machine, count(*), min(line) FROM staged GROUP BY sent_at, machine",
    );
    this.sql.exec(
      "UPDATE groups SET bad = 1 WHERE EXISTS (SELECT 1 FROM bad_pulses b WHERE b.sent_at = groups.sent_at AND b.machine = groups.machine)",
    );
    for (const g of this.sql
      .exec<{ first_line: number; rows: number }>("SELECT first_line, rows FROM groups WHERE bad = 0 AND rows > ?", MAX_ROWS_PER_PULSE)
      .toArray()) {
      this.recordProblem({
        at: g.first_line,
        message: `${g.rows} rows share one machine and second, more than one pulse can hold (${MAX_ROWS_PER_PULSE})`,
      });
    }
    this.sql.exec("UPDATE groups SET bad = 1 WHERE rows > ?", MAX_ROWS_PER_PULSE);
    const good = this.sql
      .exec<{ pulses: number; rows: number }>("SELECT count(*) AS pulses, coalesce(SUM(rows), 0) AS rows FROM groups WHERE bad = 0")
      .one();
    const bad = this.sql.exec<{ rows: number }>("SELECT coalesce(SUM(rows), 0) AS rows FROM groups WHERE bad = 1").one();
    this.set("pulses_total", good.pulses);
    this.set("rows_to_write", good.rows);
    this.set("rows_in_bad_pulses", bad.rows);
  }

  /** Names used by the pulses that will be written. */
  namesToWrite(): { languages: string[]; machines: string[] } {
    const languages = this.sql
      .exec<{ language: string }>(
        "SELECT DISTINCT s.language FROM staged s JOIN groups g ON g.sent_at = s.sent_at AND g.machine = s.machine WHERE g.bad = 0",
      )
      .toArray()
      .map((r) => r.language);
    const machines = this.sql
      .exec<{ machine: string }>("SELECT DISTINCT machine FROM groups WHERE bad = 0")
      .toArray()
      .map((r) => r.machine);
    return { languages, machines };
  }

  setMachineIds(ids: Map<string, number>): void {
    for (const [name, id] of ids)
      this.sql.exec("INSERT INTO machine_ids (name, id) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET id = excluded.id", name, id);
  }

  machineId(name: string): number | null {
    return this.sql.exec<{ id: number }>("SELECT id FROM machine_ids WHERE name = ?", name).toArray()[0]?.id ?? null;
  }

  // ---- writing ----

  /** The next pulses to write after the cursor, in (instant, machine) order. */
  nextGroups(limit: number): PulseGroup[] {
    return this.sql
      .exec<{ sent_at: number; machine: string; rows: number }>(
        "SELECT sent_at, machine, rows FROM groups WHERE bad = 0 AND (sent_at > ? OR (sent_at = ? AND machine > ?)) ORDER BY sent_at, machine LIMIT ?",
        this.get("cursor_sent_at") ?? -1,
        this.get("cursor_sent_at") ?? -1,
        this.get("cursor_machine") ?? "",
        limit,
      )
      .toArray()
      .map((g) => ({ sentAt: g.sent_at, machine: g.machine, rows: g.rows }));
  }

  /** Staged rows with instants in [from, to], in pulse order. */
  rowsBetween(from: number, to: number): StagedRow[] {
    return this.sql
      .exec<{ sent_at: number; machine: string; utc_offset: number; language: string; amount: number }>(
        "SELECT sent_at, machine, utc_offset, language, amount FROM staged WHERE sent_at >= ? AND sent_at <= ? ORDER BY sent_at, machine, line",
        from,
        to,
      )
      .toArray()
      .map((r) => ({ sentAt: r.sent_at, machine: r.machine, utcOffset: r.utc_offset, language: r.language, amount: r.amount }));
  }

  problems(): { at: number; message: string }[] {
    return this.sql.exec<{ at: number; message: string }>("SELECT at, message FROM problems ORDER BY at, id").toArray();
  }

  /** The job is over: only its counters and problems are kept. */
  dropWork(): void {
    for (const t of ["chunks", "staged", "staged_hb", "bad_pulses", "groups", "machine_ids"]) this.sql.exec(`DELETE FROM ${t}`);
  }
}
