// The SQLite storage of one UserStats object: its private schema and every query on it.
// Writes are synchronous, so one applied pulse commits atomically with everything it changes.
import { localDateAndHour, utcDate } from "../domain/coded-at";
import { buildProfileDocument, RECENT_WINDOW_MS } from "../domain/profile";
import { CALENDAR_DAYS_SENT, type ProfileView } from "../protocol";
import type { LoggedPulse, UserAggregates } from "../db/live";
import type { UserIdentity } from "./live-contract";
import { MetaTable } from "./meta-table";

/** Bump when the stored aggregates change shape: the object then rebuilds itself from D1. */
const AGGREGATE_FORMAT = 2;
/** Per-day-and-language XP is kept for this many days (the profile chart shows 14). */
export const RECENT_DAYS_KEPT = 35;
/** Applied pulses are kept this long for coalesced broadcasts and late viewers. */
const LOG_RETENTION_MS = 10 * 60_000;

/** A pulse as the object applies it: the same shape D1 catch-up reads (booked language names). */
export type AppliedPulse = LoggedPulse;

type Meta = {
  format: number;
  user_id: number;
  username: string;
  private: number;
  created_at: number;
  last_seq: number;
  broadcast_seq: number;
  last_broadcast_at: number;
  /** The watch lease this object last wrote to D1 (epoch ms). */
  lease_until: number;
  /** When the object last compared itself with D1's sequence while watched. */
  checked_at: number;
};

export class UserStatsStore {
  /** Per-object facts: the user's identity, the last applied and broadcast sequence numbers, timestamps. */
  readonly meta: MetaTable<Meta>;
  /**
   * The profile API document as JSON. It is the one read whose size grows with history (a `dates`
   * entry per coding day), so it is built once and kept until it can change: a new pulse, a change
   * of name or machines, or the oldest of the last 12 hours' pulses leaving that window.
   */
  private documentCache: { seq: number; validUntil: number; json: string } | null = null;

  constructor(private readonly sql: SqlStorage) {
    this.meta = new MetaTable<Meta>(sql);
    if (this.meta.get("format") !== AGGREGATE_FORMAT) this.reset();
  }

  /** Drops every aggregate; the object is then "unbuilt" until `replaceAll`. */
  reset(): void {
    for (const table of [
      "languages",
      "machines",
      "dates",
      "year_days",
      "hours",
      "day_languages",
      "recent",
      "language_names",
      "pulse_log",
    ]) {
      this.sql.exec(`DROP TABLE IF EXISTS ${table}`);
    }
    this.meta.clear();
    this.documentCache = null;
    this.sql.exec(`
      CREATE TABLE languages (name TEXT PRIMARY KEY, xp INTEGER NOT NULL);
      CREATE TABLE machines (id INTEGER PRIMARY KEY, name TEXT NOT NULL, active INTEGER NOT NULL, xp INTEGER NOT NULL);
      CREATE TABLE dates (date TEXT PRIMARY KEY, xp INTEGER NOT NULL);
      CREATE TABLE year_days (day TEXT PRIMARY KEY, xp INTEGER NOT NULL);
      CREATE TABLE hours (hour INTEGER PRIMARY KEY, xp INTEGER NOT NULL);
      CREATE TABLE day_languages (date TEXT NOT NULL, language TEXT NOT NULL, xp INTEGER NOT NULL, PRIMARY KEY (date, language));
      CREATE TABLE recent (seq INTEGER NOT NULL, coded_at INTEGER NOT NULL, machine_id INTEGER NOT NULL, language TEXT NOT NULL, xp INTEGER NOT NULL);
      CREATE INDEX recent_coded_at ON recent (coded_at);
      CREATE TABLE language_names (key TEXT PRIMARY KEY, booked TEXT NOT NULL);
      CREATE TABLE pulse_log (seq INTEGER PRIMARY KEY, logged_at INTEGER NOT NULL, event TEXT NOT NULL);
    `);
    this.meta.set("format", AGGREGATE_FORMAT);
  }

  isBuilt(): boolean {
    return this.meta.get("user_id") !== null;
  }

  lastSeq(): number {
    return this.meta.get("last_seq") ?? 0;
  }

  identity(): UserIdentity | null {
    const userId = this.meta.get("user_id");
    if (userId === null) return null;
    return {
      userId,
      username: this.meta.get("username")!,
      private: this.meta.get("private") === 1,
      createdAt: this.meta.get("created_at")!,
    };
  }

  setIdentity(id: UserIdentity): void {
    this.documentCache = null;
    this.meta.set("user_id", id.userId);
    this.meta.set("username", id.username);
    this.meta.set("private", id.private ? 1 : 0);
    this.meta.set("created_at", id.createdAt);
  }

  /** Replaces every aggregate with a consistent snapshot read from D1. */
  replaceAll(a: UserAggregates, now: number): void {
    const keepBroadcast = { seq: this.meta.get("broadcast_seq"), at: this.meta.get("last_broadcast_at") };
    // The booked names too: a rebuild follows a change of the user's aliases.
    for (const table of ["languages", "machines", "dates", "year_days", "hours", "day_languages", "recent", "pulse_log", "language_names"])
      this.sql.exec(`DELETE FROM ${table}`);
    this.documentCache = null;
    this.setIdentity(a.identity);
    this.meta.set("last_seq", a.pulseSeq);
    // Viewers connected before the rebuild get a fresh snapshot; nothing older is re-sent.
    this.meta.set("broadcast_seq", Math.max(a.pulseSeq, keepBroadcast.seq ?? 0));
    this.meta.set("last_broadcast_at", keepBroadcast.at ?? 0);
    for (const l of a.languages) this.sql.exec("INSERT INTO languages (name, xp) VALUES (?, ?)", l.name, l.xp);
    for (const m of a.machines)
      this.sql.exec("INSERT INTO machines (id, name, active, xp) VALUES (?, ?, ?, ?)", m.id, m.name, m.active ? 1 : 0, m.xp);
    for (const d of a.dates) {
      this.sql.exec("INSERT INTO dates (date, xp) VALUES (?, ?)", d.date, d.xp);
      this.addYearDay(d.date, d.xp);
    }
    for (const h of a.hours) this.sql.exec("INSERT INTO hours (hour, xp) VALUES (?, ?)", h.hour, h.xp);
    for (const d of a.dayLanguages)
      this.sql.exec("INSERT INTO day_languages (date, language, xp) VALUES (?, ?, ?)", d.date, d.language, d.xp);
    for (const r of a.recent) {
      this.sql.exec(
        "INSERT INTO recent (seq, coded_at, machine_id, language, xp) VALUES (?, ?, ?, ?, ?)",
        r.seq,
        r.codedAt,
        r.machineId,
        r.language,
        r.xp,
      );
    }
    this.prune(now);
  }

  // ---- names ----

  bookedNames(keys: readonly string[]): Map<string, string> {
    const names = new Map<string, string>();
    for (const key of keys) {
      const row = this.sql.exec<{ booked: string }>("SELECT booked FROM language_names WHERE key = ?", key).toArray()[0];
      if (row) names.set(key, row.booked);
    }
    return names;
  }

  rememberBookedNames(names: Iterable<[string, string]>): void {
    for (const [key, booked] of names) {
      this.sql.exec(
        "INSERT INTO language_names (key, booked) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET booked = excluded.booked",
        key,
        booked,
      );
    }
  }

  machineIds(): number[] {
    return this.sql
      .exec<{ id: number }>("SELECT id FROM machines")
      .toArray()
      .map((m) => m.id);
  }

  machineName(id: number): string | null {
    return this.sql.exec<{ name: string }>("SELECT name FROM machines WHERE id = ?", id).toArray()[0]?.name ?? null;
  }

  /** Updates names and active flags of machines (their XP stays). */
  syncMachines(machines: readonly { id: number; name: string; active: boolean }[]): void {
    this.documentCache = null;
    for (const m of machines) {
      this.sql.exec(
        "INSERT INTO machines (id, name, active, xp) VALUES (?, ?, ?, 0) ON CONFLICT (id) DO UPDATE SET name = excluded.name, active = excluded.active",
        m.id,
        m.name,
        m.active ? 1 : 0,
      );
    }
  }

  // ---- applying pulses ----

  /** Applies the next pulse (its seq must be last_seq + 1); logs it for broadcast when someone watches. */
  apply(p: AppliedPulse, machineName: string, now: number, watched: boolean): void {
    this.documentCache = null;
    const { date, hour } = localDateAndHour(p.codedAt, p.utcOffset);
    let total = 0;
    for (const x of p.xps) {
      total += x.amount;
      this.sql.exec(
        "INSERT INTO languages (name, xp) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET xp = xp + excluded.xp",
        x.language,
        x.amount,
      );
      this.sql.exec(
        "INSERT INTO day_languages (date, language, xp) VALUES (?, ?, ?) ON CONFLICT (date, language) DO UPDATE SET xp = xp + excluded.xp",
        date,
        x.language,
        x.amount,
      );
      if (p.codedAt >= now - RECENT_WINDOW_MS) {
        this.sql.exec(
          "INSERT INTO recent (seq, coded_at, machine_id, language, xp) VALUES (?, ?, ?, ?, ?)",
          p.seq,
          p.codedAt,
          p.machineId,
          x.language,
          x.amount,
        );
      }
    }
    this.sql.exec(
      "INSERT INTO machines (id, name, active, xp) VALUES (?, ?, 1, ?) ON CONFLICT (id) DO UPDATE SET xp = xp + excluded.xp",
      p.machineId,
      machineName,
      total,
    );
    if (p.xps.length > 0) {
      this.sql.exec("INSERT INTO dates (date, xp) VALUES (?, ?) ON CONFLICT (date) DO UPDATE SET xp = xp + excluded.xp", date, total);
      this.addYearDay(date, total);
      this.sql.exec("INSERT INTO hours (hour, xp) VALUES (?, ?) ON CONFLICT (hour) DO UPDATE SET xp = xp + excluded.xp", hour, total);
    }
    this.meta.set("last_seq", p.seq);
    if (watched)
      this.sql.exec(
        "INSERT INTO pulse_log (seq, logged_at, event) VALUES (?, ?, ?)",
        p.seq,
        now,
        JSON.stringify({ ...p, machine: machineName }),
      );
  }

  private addYearDay(date: string, xp: number): void {
    this.sql.exec("INSERT INTO year_days (day, xp) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET xp = xp + excluded.xp", date.slice(5), xp);
  }

  /** Drops what fell out of the recent windows. */
  prune(now: number): void {
    this.sql.exec("DELETE FROM recent WHERE coded_at < ?", now - RECENT_WINDOW_MS);
    this.sql.exec("DELETE FROM pulse_log WHERE logged_at < ?", now - LOG_RETENTION_MS);
    const oldest = utcDate(now - RECENT_DAYS_KEPT * 86_400_000);
    this.sql.exec("DELETE FROM day_languages WHERE date < ?", oldest);
  }

  // ---- broadcasting ----

  /** Logged pulses not yet sent to viewers, in order; null when some were pruned (viewers must resync). */
  unsentPulses(): { fromSeq: number; pulses: (AppliedPulse & { machine: string })[] } | null {
    const from = (this.meta.get("broadcast_seq") ?? 0) + 1;
    const rows = this.sql
      .exec<{ seq: number; event: string }>("SELECT seq, event FROM pulse_log WHERE seq >= ? ORDER BY seq", from)
      .toArray();
    if (rows.length > 0 && rows[0]!.seq !== from) return null;
    return { fromSeq: from, pulses: rows.map((r) => JSON.parse(r.event) as AppliedPulse & { machine: string }) };
  }

  markBroadcast(seq: number, now: number): void {
    this.meta.set("broadcast_seq", seq);
    this.meta.set("last_broadcast_at", now);
  }

  // ---- reading ----

  /** The profile API document (`GET /api/users/:name`) as JSON text. */
  profileDocumentJson(now: number, recentDays: number): string {
    const cached = this.documentCache;
    if (cached && cached.seq === this.lastSeq() && now < cached.validUntil) return cached.json;
    const view = this.view(now, recentDays);
    const dates: Record<string, number> = {};
    for (const d of this.sql.exec<{ date: string; xp: number }>("SELECT date, xp FROM dates ORDER BY date")) dates[d.date] = d.xp;
    const oldestRecent = this.sql
      .exec<{ at: number | null }>("SELECT min(coded_at) AS at FROM recent WHERE coded_at >= ?", now - RECENT_WINDOW_MS)
      .one().at;
    const json = JSON.stringify(buildProfileDocument(view, dates));
    this.documentCache = { seq: view.seq, validUntil: oldestRecent === null ? Infinity : oldestRecent + RECENT_WINDOW_MS, json };
    return json;
  }

  /** XP of the last 12 hours' pulses per language or per machine. */
  private recentXpBy<K extends string | number>(column: "language" | "machine_id", now: number): Map<K, number> {
    const rows = this.sql
      .exec<{ k: K; xp: number }>(
        `SELECT ${column} AS k, SUM(xp) AS xp FROM recent WHERE coded_at >= ? GROUP BY ${column}`,
        now - RECENT_WINDOW_MS,
      )
      .toArray();
    return new Map(rows.map((r) => [r.k, r.xp]));
  }

  /** A pure read: every query filters by its window, so stale rows (pruned by the alarm) never count. */
  view(now: number, recentDays: number): ProfileView {
    const id = this.identity()!;
    const recentByLanguage = this.recentXpBy<string>("language", now);
    const recentByMachine = this.recentXpBy<number>("machine_id", now);
    const languages = this.sql
      .exec<{ name: string; xp: number }>("SELECT name, xp FROM languages ORDER BY xp DESC, name")
      .toArray()
      .map((l) => ({ name: l.name, xp: l.xp, recentXp: recentByLanguage.get(l.name) ?? 0 }));
    const machines = this.sql
      .exec<{ id: number; name: string; xp: number }>("SELECT id, name, xp FROM machines WHERE active = 1 ORDER BY xp DESC, name")
      .toArray()
      .map((m) => ({ name: m.name, xp: m.xp, recentXp: recentByMachine.get(m.id) ?? 0 }));
    const yearDays: Record<string, number> = {};
    for (const d of this.sql.exec<{ day: string; xp: number }>("SELECT day, xp FROM year_days").toArray()) yearDays[d.day] = d.xp;
    const lastCodedDate = this.sql.exec<{ date: string }>("SELECT max(date) AS date FROM dates").one().date ?? null;
    // Local dates may run a day ahead of UTC, so the window starts one day early.
    const calendarSince = new Date(now - CALENDAR_DAYS_SENT * 86_400_000).toISOString().slice(0, 10);
    const calendarDays: Record<string, number> = {};
    for (const d of this.sql.exec<{ date: string; xp: number }>("SELECT date, xp FROM dates WHERE date >= ?", calendarSince))
      calendarDays[d.date] = d.xp;
    const hours = Array.from({ length: 24 }, () => 0);
    for (const h of this.sql.exec<{ hour: number; xp: number }>("SELECT hour, xp FROM hours").toArray()) hours[h.hour] = h.xp;
    const since = utcDate(now - recentDays * 86_400_000);
    const recentDaysRows = this.sql
      .exec<{ date: string; language: string; xp: number }>(
        "SELECT date, language, xp FROM day_languages WHERE date >= ? ORDER BY date, language",
        since,
      )
      .toArray();
    let recentXp = 0;
    for (const xp of recentByLanguage.values()) recentXp += xp;
    return {
      username: id.username,
      registeredAt: id.createdAt,
      seq: this.lastSeq(),
      totalXp: languages.reduce((sum, l) => sum + l.xp, 0),
      recentXp,
      lastCodedDate,
      languages,
      machines,
      yearDays,
      calendarDays,
      hours,
      recentDays: recentDaysRows.map((r) => ({ ...r })),
      at: now,
    };
  }
}
