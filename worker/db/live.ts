// D1 reads for the live objects: consistent snapshots to (re)build a user's aggregates, the pulses a
// user object missed, and the global figures of the front page. Everything here reads rollups or
// bounded windows of recent pulses, never a whole history.
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { users } from "./schema";
import { placeholders } from "./sql";

export interface UserAggregates {
  identity: { userId: number; username: string; private: boolean; createdAt: number };
  /** The user's pulse sequence at the moment of the snapshot. */
  pulseSeq: number;
  machines: { id: number; name: string; active: boolean; xp: number }[];
  languages: { name: string; xp: number }[];
  dates: { date: string; xp: number }[];
  hours: { hour: number; xp: number }[];
  dayLanguages: { date: string; language: string; xp: number }[];
  recent: { seq: number; codedAt: number; machineId: number; language: string; xp: number }[];
}

/** Everything a user object holds, read in one batch (one transaction, so one consistent snapshot). */
export async function loadUserAggregates(
  db: D1Database,
  userId: number,
  recentSince: number,
  daysSince: string,
): Promise<UserAggregates | null> {
  const [user, machines, languages, dates, hours, dayLanguages, recent] = await db.batch([
    db.prepare("SELECT id, username, private, created_at AS createdAt, pulse_seq AS pulseSeq FROM users WHERE id = ?").bind(userId),
    db
      .prepare(
        `SELECT m.id, m.name, m.active, coalesce((SELECT SUM(h.xp) FROM machine_hourly_xp h WHERE h.machine_id = m.id), 0) AS xp
         FROM machines m WHERE m.user_id = ?`,
      )
      .bind(userId),
    db
      .prepare(
        `SELECT l.name, SUM(d.xp) AS xp FROM machine_daily_xp d JOIN languages l ON l.id = d.language_id
         WHERE d.user_id = ? GROUP BY d.language_id`,
      )
      .bind(userId),
    db.prepare("SELECT local_date AS date, SUM(xp) AS xp FROM machine_daily_xp WHERE user_id = ? GROUP BY local_date").bind(userId),
    db.prepare("SELECT local_hour AS hour, SUM(xp) AS xp FROM machine_hourly_xp WHERE user_id = ? GROUP BY local_hour").bind(userId),
    db
      .prepare(
        `SELECT d.local_date AS date, l.name AS language, SUM(d.xp) AS xp FROM machine_daily_xp d JOIN languages l ON l.id = d.language_id
         WHERE d.user_id = ? AND d.local_date >= ? GROUP BY d.local_date, d.language_id`,
      )
      .bind(userId, daysSince),
    db
      .prepare(
        `SELECT p.seq, p.coded_at AS codedAt, p.machine_id AS machineId, l.name AS language, x.amount AS xp
         FROM pulses p JOIN xps x ON x.pulse_id = p.id JOIN languages l ON l.id = x.language_id
         WHERE p.user_id = ? AND p.coded_at >= ?`,
      )
      .bind(userId, recentSince),
  ]);
  const u = user!.results[0] as { id: number; username: string; private: number; createdAt: number; pulseSeq: number } | undefined;
  if (!u) return null;
  return {
    identity: { userId: u.id, username: u.username, private: u.private === 1, createdAt: u.createdAt },
    pulseSeq: u.pulseSeq,
    machines: rows<{ id: number; name: string; active: number; xp: number }>(machines).map((m) => ({ ...m, active: m.active === 1 })),
    languages: rows(languages),
    dates: rows(dates),
    hours: rows(hours),
    dayLanguages: rows(dayLanguages),
    recent: rows(recent),
  };
}

/** A stored pulse with its XP per booked (alias-resolved) language name. */
export interface LoggedPulse {
  seq: number;
  pulseId: number;
  machineId: number;
  codedAt: number;
  utcOffset: number;
  xps: { language: string; amount: number }[];
}

/** A user's pulses after `afterSeq`, in order, with booked language names; at most `limit`. */
export async function loadPulsesAfter(db: D1Database, userId: number, afterSeq: number, limit: number): Promise<LoggedPulse[]> {
  const { results } = await db
    .prepare(
      `SELECT p.seq, p.id AS pulseId, p.machine_id AS machineId, p.coded_at AS codedAt, p.utc_offset AS utcOffset,
         (SELECT json_group_array(json_array(l.name, x.amount)) FROM xps x JOIN languages l ON l.id = x.language_id
          WHERE x.pulse_id = p.id) AS xps
       FROM pulses p WHERE p.user_id = ? AND p.seq > ? ORDER BY p.seq LIMIT ?`,
    )
    .bind(userId, afterSeq, limit)
    .all<Omit<LoggedPulse, "xps"> & { xps: string }>();
  return results.map((r) => ({ ...r, xps: (JSON.parse(r.xps) as [string, number][]).map(([language, amount]) => ({ language, amount })) }));
}

export async function loadMachines(db: D1Database, userId: number): Promise<{ id: number; name: string; active: boolean }[]> {
  const { results } = await db
    .prepare("SELECT id, name, active FROM machines WHERE user_id = ?")
    .bind(userId)
    .all<{ id: number; name: string; active: number }>();
  return results.map((m) => ({ ...m, active: m.active === 1 }));
}

/** The booked display name of each language key for this user (the user's own alias first, then the global one). */
export async function loadBookedNames(db: D1Database, userId: number, keys: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (let i = 0; i < keys.length; i += 90) {
    const part = keys.slice(i, i + 90);
    const { results } = await db
      .prepare(
        `SELECT l.name_key AS key, coalesce(ut.name, t.name, l.name) AS booked FROM languages l LEFT JOIN languages t ON t.id = l.alias_of
         LEFT JOIN user_language_aliases a ON a.user_id = ? AND a.language_id = l.id LEFT JOIN languages ut ON ut.id = a.target_id
         WHERE l.name_key IN (${placeholders(part.length)})`,
      )
      .bind(userId, ...part)
      .all<{ key: string; booked: string }>();
    for (const r of results) names.set(r.key, r.booked);
  }
  return names;
}

export async function loadPulseSeq(db: D1Database, userId: number): Promise<number | null> {
  return db.prepare("SELECT pulse_seq AS seq FROM users WHERE id = ?").bind(userId).first<number>("seq");
}

// ---- the front page ----

export interface FeedBaseline {
  /** Total XP of public users. */
  totalXp: number;
  /** Highest pulse id at the moment of the snapshot: pulses above it are not in `totalXp`. */
  watermark: number;
}

export async function loadFeedBaseline(db: D1Database): Promise<FeedBaseline> {
  const [total, max] = await db.batch([
    db.prepare("SELECT coalesce(SUM(total_xp), 0) AS xp FROM users WHERE private = 0"),
    // The highest pulse id ever given (AUTOINCREMENT's counter): MAX(id) falls back when the newest rows are deleted (a deleted machine, retention of a quiet database).
    db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'pulses'), 0) AS id"),
  ]);
  return { totalXp: (total!.results[0] as { xp: number }).xp, watermark: (max!.results[0] as { id: number }).id };
}

export interface FeedWindows {
  /** [minute start, XP with each XP row capped at `rowCap`] for pulses coded since `minutesSince`. */
  minutes: { minute: number; xp: number }[];
  /** XP per (hour start, language) for pulses coded since `languagesSince`. */
  languageHours: { hour: number; language: string; xp: number }[];
}

/** The front page's time windows, summed in D1 over public users' pulses up to `watermark`. */
export async function loadFeedWindows(
  db: D1Database,
  opts: { minutesSince: number; languagesSince: number; watermark: number; rowCap: number },
): Promise<FeedWindows> {
  const [minutes, languageHours] = await db.batch([
    db
      .prepare(
        `SELECT (p.coded_at / 60000) * 60000 AS minute, SUM(min(x.amount, ?)) AS xp
         FROM pulses p JOIN users u ON u.id = p.user_id AND u.private = 0 JOIN xps x ON x.pulse_id = p.id
         WHERE p.coded_at >= ? AND p.id <= ? GROUP BY minute`,
      )
      .bind(opts.rowCap, opts.minutesSince, opts.watermark),
    db
      .prepare(
        `SELECT (p.coded_at / 3600000) * 3600000 AS hour, l.name AS language, SUM(x.amount) AS xp
         FROM pulses p JOIN users u ON u.id = p.user_id AND u.private = 0
         JOIN xps x ON x.pulse_id = p.id JOIN languages l ON l.id = x.language_id
         WHERE p.coded_at >= ? AND p.id <= ? GROUP BY hour, x.language_id`,
      )
      .bind(opts.languagesSince, opts.watermark),
  ]);
  return { minutes: rows(minutes), languageHours: rows(languageHours) };
}

function rows<T>(result: D1Result | undefined): T[] {
  return (result?.results ?? []) as T[];
}

// ---- the watch lease ----

/**
 * Sets the user's watch lease to `until` and returns the user's pulse sequence as of that write (null:
 * the user is gone). Every pulse committed after it sees the lease; every one before it is within the
 * returned sequence, so a viewer's snapshot synced to it misses nothing.
 */
export async function renewWatchLease(db: D1Database, userId: number, until: number): Promise<number | null> {
  const rows = await drizzle(db)
    .update(users)
    .set({ watchedUntil: until })
    .where(eq(users.id, userId))
    .returning({ pulseSeq: users.pulseSeq });
  return rows[0]?.pulseSeq ?? null;
}
