// One object per user: the user's import. It takes the file in chunks (kept in its SQLite), then
// works through it in bounded steps on its alarm: read and stage the rows, group them into pulses,
// write those to D1 in batches (a WakaTime dump: stage its heartbeats and write them through the
// live heartbeat path), and finally have the user's live object rebuilt. Writes are
// idempotent, so the import is resumable: a failed step is retried from where it stopped, and the
// job only reports "done" after every pulse is written.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { ensureImportMachines, ensureLanguages, insertImportedPulses, type ImportedPulse } from "../db/imports";
import { detectFormat, formatById } from "../domain/import/formats";
import { IMPORT_CHUNK_BYTES, importPercent, MAX_IMPORT_BYTES, type ImportPhase, type ImportStatus } from "../domain/import/progress";
import { ImportFileError, type ImportHeartbeat, type ImportParser, type ImportRow } from "../domain/import/rows";
import { validZone } from "../domain/zoned-time";
import { findSettings } from "../db/heartbeats";
import { importHeartbeats, type ImportedHeartbeat } from "../services/heartbeat-import";
import { languageKey } from "../domain/language";
import { publishAccountEvent } from "../services/account-events";
import { ImportJobStore } from "./import-job-store";
import { databaseOf } from "../db/partitions";

/** Chunks read per alarm (the Worker's clock stands still during synchronous work, so steps are sized by work). */
const CHUNKS_PER_STEP = 4;
/** Pulses per D1 batch, one batch per alarm, and at most this many rows in them (a pulse may have up to 1,000). */
const PULSES_PER_STEP = 1_000;
const ROWS_PER_STEP = 20_000;
const STAGE_BATCH_ROWS = 1_000;
/** Heartbeats per step, and at most this many characters of them (each D1 statement carries them as one JSON value). */
const HEARTBEATS_PER_STEP = 1_000;
const HEARTBEAT_CHARS_PER_STEP = 400_000;
/** An upload not started within this time is dropped (its parts are the user's data). */
export const UPLOAD_EXPIRY_MS = 24 * 3_600_000;
/** Retry delays for a failing step; the last repeats (the import waits for D1 to come back). */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];

export type BeginResult = { ok: true; status: ImportStatus } | { ok: false; status: 400 | 409; message: string };
export type ChunkResult =
  | { ok: true; chunksReceived: number; bytesReceived: number }
  | { ok: false; status: 400 | 404 | 409 | 413; message: string };
export type StartResult = { ok: true; status: ImportStatus } | { ok: false; status: 404 | 409; message: string };

const BUSY: ImportPhase[] = ["reading", "preparing", "writing", "finishing"];

export class ImportJob extends DurableObject<Env> {
  private store: ImportJobStore;
  /** The parser reading this job's file; lost with the object, in which case reading starts over. */
  private reader: { jobId: string; parser: ImportParser } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ImportJobStore(ctx.storage.sql);
  }

  // ---- RPC ----

  /** Starts a new upload (a finished, failed or unfinished upload before it is forgotten). */
  async begin(userId: number, file: { name: string; size: number }, now: number): Promise<BeginResult> {
    if (this.busy()) return { ok: false, status: 409, message: "An import is already running; wait for it to finish." };
    if (!Number.isSafeInteger(file.size) || file.size <= 0) return { ok: false, status: 400, message: "The file is empty." };
    if (file.size > MAX_IMPORT_BYTES)
      return { ok: false, status: 400, message: `The file is larger than ${MAX_IMPORT_BYTES / 1024 ** 3} GiB.` };
    this.store.startJob({
      job_id: crypto.randomUUID(),
      user_id: userId,
      file_name: file.name.slice(0, 200),
      size: file.size,
      chunks_total: Math.ceil(file.size / IMPORT_CHUNK_BYTES),
      created_at: now,
    });
    await this.ctx.storage.setAlarm(now + UPLOAD_EXPIRY_MS);
    return { ok: true, status: this.statusNow() };
  }

  /** Stores chunk `n` (again, if it is sent twice): an interrupted upload resumes with the missing ones. */
  async putChunk(jobId: string, n: number, data: ArrayBuffer): Promise<ChunkResult> {
    if (this.store.get("job_id") !== jobId) return { ok: false, status: 404, message: "No such import." };
    if (this.store.get("phase") !== "uploading") return { ok: false, status: 409, message: "This import is no longer taking uploads." };
    const total = this.store.get("chunks_total")!;
    if (!Number.isSafeInteger(n) || n < 0 || n >= total) return { ok: false, status: 400, message: `Chunk number must be 0-${total - 1}.` };
    const expected = n < total - 1 ? IMPORT_CHUNK_BYTES : this.store.get("size")! - n * IMPORT_CHUNK_BYTES;
    if (data.byteLength > expected) return { ok: false, status: 413, message: `Chunk ${n} must be ${expected} bytes.` };
    if (data.byteLength !== expected) return { ok: false, status: 400, message: `Chunk ${n} must be ${expected} bytes.` };
    this.store.putChunk(n, data);
    const up = this.store.uploaded();
    return { ok: true, chunksReceived: up.chunks, bytesReceived: up.bytes };
  }

  /** Every chunk is in: processing starts on the alarm. */
  async start(jobId: string): Promise<StartResult> {
    if (this.store.get("job_id") !== jobId) return { ok: false, status: 404, message: "No such import." };
    if (this.store.get("phase") !== "uploading") return { ok: true, status: this.statusNow() }; // started already: idempotent
    const missing = this.store.missingChunks(this.store.get("chunks_total")!, 10);
    if (missing.length > 0) return { ok: false, status: 409, message: `Chunks still missing: ${missing.join(", ")}.` };
    const format = detectFormat(new Uint8Array(this.store.chunk(0)!));
    if (!format) {
      this.fail("This is neither a Code::Stats pulses.csv, a WakaTime heartbeats data dump nor a Pulse Edge JSON export.");
      return { ok: true, status: this.statusNow() };
    }
    this.store.set("format", format.id);
    this.store.set("phase", "reading");
    await this.ctx.storage.setAlarm(Date.now());
    return { ok: true, status: this.statusNow() };
  }

  /** The current (or last) import; null when there never was one. */
  async status(): Promise<ImportStatus | null> {
    return this.store.hasJob() ? this.statusNow() : null;
  }

  /** The account is being deleted: the upload, the staged rows and the job's record go with it. */
  async erase(): Promise<void> {
    this.reader = null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.store = new ImportJobStore(this.ctx.storage.sql);
  }

  /** The largest amount of file text held in memory at once while reading (tests check the streaming bound). */
  async peakBuffered(): Promise<number> {
    return this.store.get("max_buffered") ?? 0;
  }

  // ---- the work, in steps ----

  override async alarm(): Promise<void> {
    const phase = this.store.get("phase") as ImportPhase | null;
    if (phase === "uploading" && (this.store.get("created_at") ?? 0) + UPLOAD_EXPIRY_MS <= Date.now()) {
      this.fail("The upload was not finished within 24 hours, so its parts were deleted; choose the file again.");
      return;
    }
    if (!phase || !BUSY.includes(phase)) return;
    try {
      await this.step(phase);
      this.store.set("failures", 0);
      this.store.set("retry_error", "");
      if (this.busy()) await this.ctx.storage.setAlarm(Date.now());
    } catch (error) {
      if (error instanceof ImportFileError) {
        this.fail(error.message);
        return;
      }
      // A platform failure (D1 unavailable, a timeout): the step is retried; every write is idempotent.
      const message = error instanceof Error ? error.message : String(error);
      console.error("import step failed; retrying", message);
      const failures = (this.store.get("failures") ?? 0) + 1;
      this.store.set("failures", failures);
      this.store.set("retry_error", message.slice(0, 300));
      await this.ctx.storage.setAlarm(Date.now() + RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length) - 1]!);
    }
  }

  private async step(phase: ImportPhase): Promise<void> {
    switch (phase) {
      case "reading":
        return this.readStep();
      case "preparing":
        return this.prepareStep();
      case "writing":
        return this.writeStep();
      case "finishing":
        return this.finishStep();
      default:
        return;
    }
  }

  private readStep(): void {
    const jobId = this.store.get("job_id")!;
    if (this.reader?.jobId !== jobId) {
      // A new job, or the object restarted mid-file: the parser's state is gone, so read from the start.
      this.store.resetStaging();
      this.reader = { jobId, parser: formatById(this.store.get("format")!)!.createParser(this.store.get("created_at")!) };
    }
    const parser = this.reader.parser;
    const total = this.store.get("chunks_total")!;
    const pending: ImportRow[] = [];
    const pendingHeartbeats: ImportHeartbeat[] = [];
    const flush = () => {
      this.store.stageRows(pending.splice(0));
      this.store.stageHeartbeats(pendingHeartbeats.splice(0));
    };
    const sink = {
      row: (r: ImportRow) => {
        pending.push(r);
        if (pending.length >= STAGE_BATCH_ROWS) this.store.stageRows(pending.splice(0));
      },
      heartbeat: (h: ImportHeartbeat) => {
        pendingHeartbeats.push(h);
        if (pendingHeartbeats.length >= STAGE_BATCH_ROWS) this.store.stageHeartbeats(pendingHeartbeats.splice(0));
      },
      problem: (p: Parameters<ImportJobStore["recordProblem"]>[0]) => this.store.recordProblem(p),
    };
    for (let i = 0; i < CHUNKS_PER_STEP && this.store.get("stage_chunk")! < total; i++) {
      const n = this.store.get("stage_chunk")!;
      const data = this.store.chunk(n)!;
      parser.feed(new Uint8Array(data), sink);
      flush();
      this.store.set("max_buffered", Math.max(this.store.get("max_buffered") ?? 0, data.byteLength + parser.buffered()));
      this.store.set("stage_chunk", n + 1);
      this.store.add("bytes_read", data.byteLength);
    }
    if (this.store.get("stage_chunk")! < total) return;
    parser.finish(sink);
    flush();
    this.reader = null;
    if (this.heartbeats() && this.store.get("rows_read") === 0 && (this.store.get("problem_count") ?? 0) === 0)
      throw new ImportFileError(
        "This WakaTime export holds no heartbeats. Export the type “Heartbeats” (a daily summaries export has none to import).",
      );
    this.store.dropChunks();
    if (this.heartbeats()) this.store.countHeartbeats();
    else this.store.groupPulses();
    this.store.set("phase", "preparing");
  }

  /** The database holding the importing user. */
  private userDb(userId: number): D1Database {
    return databaseOf(this.env, userId);
  }

  /** Creates the languages and machines the pulses need (idempotent), then writing can start. */
  private async prepareStep(): Promise<void> {
    const userId = this.store.get("user_id")!;
    if (this.heartbeats()) {
      // Local days in the user's zone (preferences), else UTC, fixed for the whole import.
      this.store.set("zone", validZone((await findSettings(this.userDb(userId), userId))?.timeZone) ?? "UTC");
      const { ids, created } = await ensureImportMachines(this.userDb(userId), userId, this.store.heartbeatMachines(), Date.now());
      this.store.setMachineIds(ids);
      this.store.set("machines_created", created);
      this.store.set("phase", "writing");
      return;
    }
    const names = this.store.namesToWrite();
    await ensureLanguages(this.userDb(userId), names.languages);
    const { ids, created } = await ensureImportMachines(this.userDb(userId), userId, names.machines, Date.now());
    this.store.setMachineIds(ids);
    this.store.set("machines_created", created);
    this.store.set("phase", "writing");
  }

  private async writeStep(): Promise<void> {
    if (this.heartbeats()) return this.writeHeartbeatsStep();
    const groups = this.store.nextGroups(PULSES_PER_STEP);
    // Bounded by rows too, so a file of huge pulses cannot make one step hold too much.
    let rows = 0;
    const fit = groups.findIndex((g) => {
      rows += g.rows;
      return rows > ROWS_PER_STEP;
    });
    if (fit > 0) groups.length = fit;
    if (groups.length === 0) {
      this.store.set("phase", "finishing");
      return;
    }
    const wanted = new Set(groups.map((g) => `${g.sentAt}\u0000${g.machine}`));
    const byKey = new Map<string, ImportedPulse>();
    for (const r of this.store.rowsBetween(groups[0]!.sentAt, groups.at(-1)!.sentAt)) {
      const key = `${r.sentAt}\u0000${r.machine}`;
      if (!wanted.has(key)) continue;
      let p = byKey.get(key);
      if (!p) {
        const machineId = this.store.machineId(r.machine);
        if (machineId === null) continue; // the machine vanished (deleted during the import): nothing to book on
        p = { machineId, sentAtMs: r.sentAt, utcOffset: r.utcOffset, entries: [] };
        byKey.set(key, p);
      }
      p.entries.push([languageKey(r.language), r.amount]);
    }
    const added = await insertImportedPulses(
      this.userDb(this.store.get("user_id")!),
      this.store.get("user_id")!,
      [...byKey.values()],
      Date.now(),
    );
    const last = groups.at(-1)!;
    this.store.add("pulses_added", added);
    this.store.add("pulses_present", groups.length - added);
    this.store.add(
      "rows_done",
      groups.reduce((s, g) => s + g.rows, 0),
    );
    this.store.set("cursor_sent_at", last.sentAt);
    this.store.set("cursor_machine", last.machine);
  }

  /** The next heartbeats, through the live heartbeat write (dedupe by hash, coding time, XP slots). */
  private async writeHeartbeatsStep(): Promise<void> {
    const batch = this.store.nextHeartbeats(HEARTBEATS_PER_STEP, HEARTBEAT_CHARS_PER_STEP);
    if (batch.length === 0) {
      this.store.set("phase", "finishing");
      return;
    }
    const ids = new Map<string, number | null>();
    const items: ImportedHeartbeat[] = [];
    let vanished = 0;
    for (const h of batch) {
      if (!ids.has(h.machine)) ids.set(h.machine, this.store.machineId(h.machine));
      const machineId = ids.get(h.machine)!;
      if (machineId === null) vanished++;
      else items.push({ at: h.n, machineId, heartbeat: h.heartbeat });
    }
    const out = await importHeartbeats(
      this.userDb(this.store.get("user_id")!),
      this.store.get("user_id")!,
      this.store.get("zone") ?? "UTC",
      items,
      Date.now(),
    );
    const names = new Map([...ids].map(([name, id]) => [id, name]));
    for (const r of out.refused)
      this.store.recordProblem({ at: r.at, message: `machine ${JSON.stringify(names.get(r.machineId))} is being deleted: not imported` });
    this.store.add("heartbeats_added", out.added);
    this.store.add("heartbeats_present", out.present + vanished);
    this.store.add("pulses_added", out.slotsAdded);
    this.store.add("rows_done", batch.length);
    this.store.set("cursor_n", batch.at(-1)!.n);
  }

  private async finishStep(): Promise<void> {
    // The history changed under the live object: it is rebuilt from D1's rollups (no per-pulse replay,
    // so the front page gets no historical dots), and the front page's totals are reconciled.
    await publishAccountEvent(this.env, { type: "history-changed", userId: this.store.get("user_id")! });
    this.store.dropWork();
    this.store.set("finished_at", Date.now());
    this.store.set("phase", "done");
  }

  private fail(message: string): void {
    this.reader = null;
    this.store.dropWork();
    this.store.set("error", message);
    this.store.set("finished_at", Date.now());
    this.store.set("phase", "failed");
  }

  private heartbeats(): boolean {
    return formatById(this.store.get("format") ?? "")?.kind === "heartbeats";
  }

  private busy(): boolean {
    return BUSY.includes(this.store.get("phase") as ImportPhase);
  }

  private statusNow(): ImportStatus {
    const s = this.store;
    const phase = s.get("phase") as ImportPhase;
    const total = s.get("chunks_total") ?? 0;
    const up = phase === "uploading" ? this.store.uploaded() : { chunks: total, bytes: s.get("size") ?? 0 };
    const format = formatById(s.get("format") ?? "");
    const counters = {
      phase,
      size: s.get("size") ?? 0,
      bytesReceived: up.bytes,
      bytesRead: s.get("bytes_read") ?? 0,
      rowsToWrite: s.get("rows_to_write") ?? 0,
      rowsDone: s.get("rows_done") ?? 0,
    };
    return {
      id: s.get("job_id")!,
      fileName: s.get("file_name") ?? "",
      chunkBytes: IMPORT_CHUNK_BYTES,
      chunksTotal: total,
      chunksReceived: up.chunks,
      missingChunks: phase === "uploading" ? this.store.missingChunks(total, 100) : [],
      format: format?.id ?? null,
      unit: format?.unit ?? "line",
      kind: format?.kind ?? "pulses",
      heartbeatsTotal: s.get("heartbeats_total") ?? 0,
      heartbeatsAdded: s.get("heartbeats_added") ?? 0,
      heartbeatsPresent: s.get("heartbeats_present") ?? 0,
      rowsRead: s.get("rows_read") ?? 0,
      percent: importPercent(counters),
      pulsesTotal: s.get("pulses_total") ?? 0,
      pulsesAdded: s.get("pulses_added") ?? 0,
      pulsesPresent: s.get("pulses_present") ?? 0,
      machinesCreated: s.get("machines_created") ?? 0,
      problems: this.store.problems(),
      problemCount: s.get("problem_count") ?? 0,
      rowsInBadPulses: s.get("rows_in_bad_pulses") ?? 0,
      error: s.get("error") || null,
      retrying: s.get("retry_error") || null,
      startedAt: s.get("created_at") ?? 0,
      finishedAt: s.get("finished_at"),
      ...counters,
    };
  }
}
