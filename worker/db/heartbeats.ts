// Heartbeats in D1: the authenticated set-wise insert (with the XP slots it books as pulses), placeholder
// look-ups, coding-time reads and rebuilds, export pages and deletion.
import { and, asc, desc, eq, fillPlaceholders, gt, gte, inArray, lte, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { drizzle } from "drizzle-orm/d1";
import type { Heartbeat } from "../domain/heartbeat";
import type { ValidPulse } from "../domain/pulse";
import type { XpSlot } from "../domain/heartbeat-xp";
import { XP_PER_SLOT } from "../domain/heartbeat-xp";
import { codingTimeByDay, DEFAULT_TIMEOUT_MINUTES, type DIMENSIONS, type TimedHeartbeat } from "../domain/coding-time";
import {
  codingTimeDaily,
  codingTimeSettings,
  heartbeatIntake,
  heartbeats,
  machines,
  users,
  type CodingTimeSettingsRow,
  type HeartbeatRow,
} from "./schema";
import {
  languageUpserts,
  pulsesInsert,
  runPulseWrite,
  isActiveToken,
  storedPulseRef,
  type PulseWrite,
  type StoredPulseRef,
} from "./pulses";
import type { Statement } from "./group-commit";
import { chunk } from "./sql";

const orm = (db: D1Database) => drizzle(db);

export interface HeartbeatToStore extends Heartbeat {
  localDate: string;
  utcOffset: number;
  hash: string;
}

export type HeartbeatWriteOutcome =
  | { status: "written"; pulses: { ref: StoredPulseRef; pulse: ValidPulse }[] }
  | { status: "unauthenticated" };

/**
 * One transaction: the request's intake row (selected from the active machine whose token hash
 * matches, so a revoked key writes nothing), whose trigger stores the heartbeats (a known hash is
 * skipped) and books the coding time they change in one grouped upsert (migration 0013); then the
 * languages and, in one statement, one pulse per XP slot (a slot already booked is skipped by its
 * fingerprint). Every statement is idempotent. The intake's RETURNING tells a valid key from a
 * refused one, so a request of known heartbeats needs no further query.
 */
export async function recordHeartbeats(
  db: D1Database,
  w: {
    tokenHash: string;
    heartbeats: HeartbeatToStore[];
    slots: XpSlot[];
    receivedAt: number;
    languagesKnown: boolean;
    share?: PulseWrite["share"];
  },
): Promise<HeartbeatWriteOutcome> {
  const statements: Statement[] = [];
  if (w.heartbeats.length > 0) statements.push(intakeInsert(db, w.tokenHash, w.heartbeats, w.receivedAt));
  if (w.slots.length > 0 && !w.languagesKnown) statements.push(...languageUpserts(w.tokenHash, w.slots));
  const slotPulses: ValidPulse[] = w.slots.map((s) => ({
    instantMs: s.slotStartMs,
    utcOffset: s.utcOffset,
    sentMicros: s.slotStartMs * 1000,
    entries: [{ language: s.language, key: s.key, xp: XP_PER_SLOT }],
  }));
  if (w.slots.length > 0)
    statements.push(
      pulsesInsert(
        w.tokenHash,
        w.slots.map((s, i) => ({ pulse: slotPulses[i]!, fingerprint: s.fingerprint })),
        w.receivedAt,
      ),
    );
  if (statements.length === 0)
    return (await isActiveToken(db, w.tokenHash)) ? { status: "written", pulses: [] } : { status: "unauthenticated" };
  const results = await runPulseWrite(db, statements, w.share);
  const byFingerprint = new Map(w.slots.map((s, i) => [s.fingerprint, slotPulses[i]!]));
  type Returned = Omit<StoredPulseRef, "private"> & { private: number; fingerprint: string };
  const returned = w.slots.length > 0 ? (results.at(-1)!.results as Returned[]) : [];
  const pulses = returned.map(({ fingerprint, ...row }) => ({ ref: storedPulseRef(row), pulse: byFingerprint.get(fingerprint)! }));
  const authenticated =
    w.heartbeats.length > 0 ? results[0]!.results.length > 0 : pulses.length > 0 || (await isActiveToken(db, w.tokenHash));
  return authenticated ? { status: "written", pulses } : { status: "unauthenticated" };
}

// The intake statement, built by drizzle once with placeholders: building it per request cost a
// noticeable share of a heartbeat request's CPU.
let intakeQuery: { sql: string; params: unknown[] } | null = null;

/** The intake row of a request's heartbeats, with the fields its trigger reads (see migration 0013). */
function intakeInsert(db: D1Database, tokenHash: string, toStore: readonly HeartbeatToStore[], receivedAt: number): Statement {
  intakeQuery ??= orm(db)
    .insert(heartbeatIntake)
    .select(
      orm(db)
        .select({
          id: sql<number>`null`.as("id"),
          userId: machines.userId,
          machineId: machines.id,
          afterId: sql<number>`coalesce((SELECT max(${heartbeats.id}) FROM ${heartbeats}), 0)`.as("after_id"),
          timeoutMs: sql<number>`coalesce(${codingTimeSettings.timeoutMinutes}, ${DEFAULT_TIMEOUT_MINUTES}) * 60000`.as("timeout_ms"),
          receivedAt: sql<number>`${sql.placeholder("receivedAt")}`.as("received_at"),
          rows: sql<string>`${sql.placeholder("rows")}`.as("rows"),
        })
        .from(machines)
        .leftJoin(codingTimeSettings, eq(codingTimeSettings.userId, machines.userId))
        .where(and(eq(machines.tokenHash, sql.placeholder("tokenHash")), eq(machines.active, true))),
    )
    .returning({ userId: heartbeatIntake.userId })
    .toSQL();
  // One JSON row per heartbeat, in the column order the trigger reads.
  const rows = toStore.map((h) => [
    h.timeMs,
    h.localDate,
    h.utcOffset,
    h.entity,
    h.type,
    h.category,
    h.project,
    h.branch,
    h.language,
    h.editor,
    h.os,
    h.machineName,
    h.userAgent,
    h.isWrite ? 1 : 0,
    h.lines,
    h.lineno,
    h.cursorpos,
    h.hash,
  ]);
  return { sql: intakeQuery.sql, params: fillPlaceholders(intakeQuery.params, { tokenHash, receivedAt, rows: JSON.stringify(rows) }) };
}

export interface KeyOwner {
  userId: number;
  username: string;
  machineId: number;
  settings: CodingTimeSettingsRow | null;
}

/** The active machine's user and their coding-time settings, for a token hash. */
export async function findKeyOwner(db: D1Database, tokenHash: string): Promise<KeyOwner | null> {
  const [row] = await orm(db)
    .select({ userId: users.id, username: users.username, machineId: machines.id, settings: codingTimeSettings })
    .from(machines)
    .innerJoin(users, eq(users.id, machines.userId))
    .leftJoin(codingTimeSettings, eq(codingTimeSettings.userId, users.id))
    .where(and(eq(machines.tokenHash, tokenHash), eq(machines.active, true)))
    .limit(1);
  return row ?? null;
}

export async function findSettings(db: D1Database, userId: number): Promise<CodingTimeSettingsRow | null> {
  const [row] = await orm(db).select().from(codingTimeSettings).where(eq(codingTimeSettings.userId, userId)).limit(1);
  return row ?? null;
}

/** The key owner's latest heartbeat, and the latest of each named project (for `<<LAST_*>>`). */
export async function placeholderSources(db: D1Database, tokenHash: string, projects: (string | null)[]) {
  const owner = orm(db)
    .select({ userId: machines.userId })
    .from(machines)
    .where(and(eq(machines.tokenHash, tokenHash), eq(machines.active, true)));
  const pick = { project: heartbeats.project, branch: heartbeats.branch, language: heartbeats.language, timeMs: heartbeats.timeMs };
  const [latest] = await orm(db)
    .select(pick)
    .from(heartbeats)
    .where(inArray(heartbeats.userId, owner))
    .orderBy(desc(heartbeats.timeMs), desc(heartbeats.id))
    .limit(1);
  const byProject = new Map<string, { branch: string | null; language: string | null; timeMs: number }>();
  for (const project of new Set(projects.filter((p): p is string => p !== null))) {
    const [row] = await orm(db)
      .select(pick)
      .from(heartbeats)
      .where(and(inArray(heartbeats.userId, owner), eq(heartbeats.project, project)))
      .orderBy(desc(heartbeats.timeMs), desc(heartbeats.id))
      .limit(1);
    if (row) byProject.set(project, row);
  }
  return { latest: latest ?? null, byProject };
}

export interface CodingTimeCell {
  localDate: string;
  dim: string;
  name: string;
  ms: number;
}

/** A user's non-empty coding-time rows between two local dates (inclusive). */
function daysOfUser(userId: number, from: string, to: string) {
  return and(
    eq(codingTimeDaily.userId, userId),
    gte(codingTimeDaily.localDate, from),
    lte(codingTimeDaily.localDate, to),
    gt(codingTimeDaily.ms, 0),
  );
}

/** Coding-time rows of a user between two local dates (inclusive); machine rows carry the machine's name. */
export async function codingTimeRows(db: D1Database, userId: number, from: string, to: string): Promise<CodingTimeCell[]> {
  const named = alias(machines, "named");
  const rows = await orm(db)
    .select({
      localDate: codingTimeDaily.localDate,
      dim: codingTimeDaily.dim,
      name: codingTimeDaily.name,
      ms: codingTimeDaily.ms,
      machine: named.name,
    })
    .from(codingTimeDaily)
    .leftJoin(named, and(eq(codingTimeDaily.dim, "machine"), eq(named.id, sql`CAST(${codingTimeDaily.name} AS INTEGER)`)))
    .where(daysOfUser(userId, from, to));
  return rows.map(cellOf);
}

/**
 * A user's settings and coding-time rows between two local dates, in one round trip. Machine rows keep
 * their id as the name (in a D1 batch, drizzle maps rows by column name, so a joined `name` would clash).
 */
export async function settingsAndCodingTime(
  db: D1Database,
  userId: number,
  from: string,
  to: string,
): Promise<{ settings: CodingTimeSettingsRow | null; cells: CodingTimeCell[] }> {
  const [settings, cells] = await orm(db).batch([
    orm(db).select().from(codingTimeSettings).where(eq(codingTimeSettings.userId, userId)).limit(1),
    orm(db)
      .select({ localDate: codingTimeDaily.localDate, dim: codingTimeDaily.dim, name: codingTimeDaily.name, ms: codingTimeDaily.ms })
      .from(codingTimeDaily)
      .where(daysOfUser(userId, from, to)),
  ]);
  return { settings: settings[0] ?? null, cells };
}

function cellOf(r: { localDate: string; dim: string; name: string; ms: number; machine: string | null }): CodingTimeCell {
  return { localDate: r.localDate, dim: r.dim, name: r.dim === "machine" ? (r.machine ?? "Unknown") : r.name, ms: r.ms };
}

/**
 * One local day's coding time for the owner of a token, in one query (authentication is part of the
 * read: a revoked key reads nothing). `null` when the token is no active machine's.
 */
export async function codingTimeOfDayByToken(db: D1Database, tokenHash: string, date: string): Promise<CodingTimeCell[] | null> {
  const owner = alias(machines, "owner");
  const named = alias(machines, "named");
  const rows = await orm(db)
    .select({ dim: codingTimeDaily.dim, name: codingTimeDaily.name, ms: codingTimeDaily.ms, machine: named.name })
    .from(owner)
    .leftJoin(
      codingTimeDaily,
      and(eq(codingTimeDaily.userId, owner.userId), eq(codingTimeDaily.localDate, date), gt(codingTimeDaily.ms, 0)),
    )
    .leftJoin(named, and(eq(codingTimeDaily.dim, "machine"), eq(named.id, sql`CAST(${codingTimeDaily.name} AS INTEGER)`)))
    .where(and(eq(owner.tokenHash, tokenHash), eq(owner.active, true)));
  if (rows.length === 0) return null;
  return rows
    .filter((r) => r.dim !== null)
    .map((r) => ({ localDate: date, dim: r.dim!, name: r.dim === "machine" ? (r.machine ?? "Unknown") : r.name!, ms: r.ms! }));
}

/** All-time total and first local date of a user's coding time. */
export async function codingTimeAllTime(
  db: D1Database,
  userId: number,
): Promise<{ ms: number; first: string | null; last: string | null }> {
  const [row] = await orm(db)
    .select({
      ms: sql<number>`coalesce(sum(${codingTimeDaily.ms}), 0)`,
      first: sql<string | null>`min(${codingTimeDaily.localDate})`,
      last: sql<string | null>`max(${codingTimeDaily.localDate})`,
    })
    .from(codingTimeDaily)
    .where(and(eq(codingTimeDaily.userId, userId), eq(codingTimeDaily.dim, "total"), gt(codingTimeDaily.ms, 0)));
  return { ms: Number(row?.ms ?? 0), first: row?.first ?? null, last: row?.last ?? null };
}

const REBUILD_PAGE = 5_000;

/** Recomputes a user's coding time from their raw heartbeats (after the timeout changed). */
export async function rebuildCodingTime(db: D1Database, userId: number, timeoutMinutes: number): Promise<void> {
  const all: TimedHeartbeat[] = [];
  let after = -1;
  for (;;) {
    const page = await orm(db)
      .select()
      .from(heartbeats)
      .where(and(eq(heartbeats.userId, userId), gt(heartbeats.id, after)))
      .orderBy(asc(heartbeats.id))
      .limit(REBUILD_PAGE);
    for (const h of page) all.push(timed(h));
    if (page.length < REBUILD_PAGE) break;
    after = page.at(-1)!.id;
  }
  const cells: (typeof codingTimeDaily.$inferInsert)[] = [];
  for (const [localDate, day] of codingTimeByDay(all, timeoutMinutes))
    for (const [dim, names] of day) for (const [name, ms] of names) cells.push({ userId, localDate, dim, name, ms });
  const statements = [orm(db).delete(codingTimeDaily).where(eq(codingTimeDaily.userId, userId))];
  // Five parameters per row, under D1's 100 bound parameters per statement.
  const inserts = chunk(cells, 19).map((rows) => orm(db).insert(codingTimeDaily).values(rows));
  await orm(db).batch([statements[0]!, ...inserts]);
}

export function timed(h: HeartbeatRow): TimedHeartbeat {
  const dims = {
    category: h.category,
    language: h.language ?? "",
    project: h.project ?? "",
    editor: h.editor ?? "",
    os: h.operatingSystem ?? "",
    machine: String(h.machineId),
  };
  return { id: h.id, timeMs: h.timeMs, localDate: h.localDate, dims: dims satisfies Record<(typeof DIMENSIONS)[number], string> };
}

/** Stores settings (defaults for what is not given). */
export async function saveSettings(db: D1Database, settings: typeof codingTimeSettings.$inferInsert): Promise<void> {
  await orm(db)
    .insert(codingTimeSettings)
    .values(settings)
    .onConflictDoUpdate({
      target: codingTimeSettings.userId,
      set: { timeoutMinutes: settings.timeoutMinutes, timeZone: settings.timeZone, showProjects: settings.showProjects },
    });
}

/** A page of a user's heartbeats for export, by id. */
export async function heartbeatPage(
  db: D1Database,
  userId: number,
  afterId: number,
  limit = 1_000,
): Promise<(HeartbeatRow & { machine: string })[]> {
  const rows = await orm(db)
    .select({ h: heartbeats, machine: machines.name })
    .from(heartbeats)
    .innerJoin(machines, eq(machines.id, heartbeats.machineId))
    .where(and(eq(heartbeats.userId, userId), gt(heartbeats.id, afterId)))
    .orderBy(asc(heartbeats.id))
    .limit(limit);
  return rows.map((r) => ({ ...r.h, machine: r.machine }));
}

export const HEARTBEAT_DELETE_CHUNK = 2_000;

/** Deletes heartbeats of a machine or a user a chunk at a time (the triggers take each one's time back). */
export async function deleteHeartbeatsInChunks(db: D1Database, column: "user_id" | "machine_id", id: number): Promise<void> {
  const col = column === "user_id" ? heartbeats.userId : heartbeats.machineId;
  for (;;) {
    const ids = orm(db).select({ id: heartbeats.id }).from(heartbeats).where(eq(col, id)).limit(HEARTBEAT_DELETE_CHUNK);
    const meta = await orm(db).delete(heartbeats).where(inArray(heartbeats.id, ids)).run();
    if ((meta.meta.changes ?? 0) < HEARTBEAT_DELETE_CHUNK) return;
  }
}
