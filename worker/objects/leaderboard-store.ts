// The SQLite storage of the leaderboard object: users with their zone, daily XP of the last year,
// and one score row per (range, language, user), kept up to date incrementally and ranked by index.
import { addDays, LONGEST_WINDOW_DAYS, localDate, nextLocalMidnight, rangeStart, type LeaderboardRange } from "../domain/leaderboard";
import { languageKey } from "../domain/language";
import type { BoardSnapshot, XpRow } from "../db/leaderboard-source";
import { usernameKey } from "../domain/username";

/** Bump when the stored shape changes: the object then rebuilds from D1. */
const BOARD_FORMAT = 2;
/** Score rows of all languages together use this language id. */
export const ALL_LANGUAGES = 0;
/** Sorts before every date: the first pulse applied sets the user's today. */
const NO_DAY_YET = "0000-00-00";
const WINDOWED: { board: LeaderboardRange; days: number }[] = [
  { board: "week", days: 7 },
  { board: "month", days: 30 },
  { board: "year", days: 365 },
];

/** `watermark` is partition 0's; `watermark_k` partition k's (each database has its own pulse ids). */
type Meta = { format: number; watermark: number; built_at: number } & Record<`watermark_${number}`, number>;

const watermarkKey = (partition: number) => (partition === 0 ? "watermark" : (`watermark_${partition}` as const));

export interface BoardRow {
  userId: number;
  username: string;
  xp: number;
}

export interface KnownUser {
  userId: number;
  username: string;
  private: boolean;
}

export class LeaderboardStore {
  /** `built_at` is read once per object start: every board read asks. */
  private built: boolean | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)");
    if (this.meta("format") !== BOARD_FORMAT) this.reset();
  }

  reset(): void {
    for (const t of ["lb_users", "daily", "scores", "languages"]) this.sql.exec(`DROP TABLE IF EXISTS ${t}`);
    this.sql.exec("DELETE FROM meta");
    this.built = false;
    this.sql.exec(`
      CREATE TABLE lb_users (user_id INTEGER PRIMARY KEY, username TEXT NOT NULL, username_key TEXT NOT NULL, private INTEGER NOT NULL,
        utc_offset INTEGER NOT NULL, coded_at INTEGER NOT NULL, today TEXT NOT NULL, roll_at INTEGER,
        -- pulses up to this id are in the user's rows already (read with a snapshot of the user)
        covered_to INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX lb_users_roll_at ON lb_users (roll_at);
      CREATE TABLE daily (user_id INTEGER NOT NULL, date TEXT NOT NULL, language_id INTEGER NOT NULL, xp INTEGER NOT NULL, PRIMARY KEY (user_id, date, language_id));
      CREATE TABLE scores (board TEXT NOT NULL, language_id INTEGER NOT NULL, user_id INTEGER NOT NULL, xp INTEGER NOT NULL, PRIMARY KEY (board, language_id, user_id));
      CREATE INDEX scores_rank ON scores (board, language_id, xp DESC);
      CREATE INDEX scores_user ON scores (user_id);
      -- canonical: the first id seen with this name (each database numbers its languages itself); rows use it
      CREATE TABLE languages (id INTEGER PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL, canonical INTEGER NOT NULL);
      CREATE INDEX languages_key ON languages (name_key);
    `);
    this.setMeta("format", BOARD_FORMAT);
  }

  meta<K extends keyof Meta>(key: K): Meta[K] | null {
    const row = this.sql.exec<{ value: Meta[K] }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row ? row.value : null;
  }

  setMeta<K extends keyof Meta>(key: K, value: Meta[K]): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  isBuilt(): boolean {
    this.built ??= this.meta("built_at") !== null;
    return this.built;
  }

  /** The highest pulse id of a partition taken in. */
  watermark(partition = 0): number {
    return this.meta(watermarkKey(partition)) ?? 0;
  }

  setWatermark(partition: number, pulseId: number): void {
    this.setMeta(watermarkKey(partition), pulseId);
  }

  // ---- building ----

  /** Starts a build: drops every row; each partition's first snapshot then sets its watermark. */
  beginBuild(): void {
    for (const t of ["lb_users", "daily", "scores"]) this.sql.exec(`DELETE FROM ${t}`);
    this.sql.exec("DELETE FROM meta WHERE key = 'built_at' OR key LIKE 'watermark%'");
    this.built = false;
  }

  finishBuild(now: number): void {
    this.setMeta("built_at", now);
    this.built = true;
  }

  /**
   * Adds the users of a snapshot read from D1's rollups (their earlier rows must be gone). Pulses up
   * to the snapshot's watermark are in it, so the XP rows of those pulses are skipped later.
   */
  addSnapshot(snapshot: BoardSnapshot, now: number): void {
    for (const u of snapshot.users) {
      const offset = u.utcOffset ?? 0;
      this.sql.exec(
        "INSERT INTO lb_users (user_id, username, username_key, private, utc_offset, coded_at, today, roll_at, covered_to) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)",
        u.userId,
        u.username,
        usernameKey(u.username),
        u.private ? 1 : 0,
        offset,
        u.codedAt ?? 0,
        localDate(now, offset),
        snapshot.watermark,
      );
    }
    for (const d of snapshot.daily)
      this.sql.exec("INSERT INTO daily (user_id, date, language_id, xp) VALUES (?, ?, ?, ?)", d.userId, d.date, d.languageId, d.xp);
    for (const t of snapshot.totals) this.addScore("all", t.languageId, t.userId, t.xp);
    for (const u of snapshot.users) this.recomputeWindows(u.userId);
  }

  removeUser(userId: number): void {
    for (const t of ["lb_users", "daily", "scores"]) this.sql.exec(`DELETE FROM ${t} WHERE user_id = ?`, userId);
  }

  knownUsers(ids: readonly number[]): Set<number> {
    const known = new Set<number>();
    for (const id of new Set(ids)) if (this.sql.exec("SELECT 1 FROM lb_users WHERE user_id = ?", id).toArray().length > 0) known.add(id);
    return known;
  }

  /** A user first seen in new pulses: their zone and today come with the first pulse applied. */
  addUser(user: KnownUser): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO lb_users (user_id, username, username_key, private, utc_offset, coded_at, today, roll_at) VALUES (?, ?, ?, ?, 0, 0, ?, NULL)",
      user.userId,
      user.username,
      usernameKey(user.username),
      user.private ? 1 : 0,
      NO_DAY_YET,
    );
  }

  unknownLanguages(ids: readonly number[]): number[] {
    return [...new Set(ids)].filter((id) => this.sql.exec("SELECT 1 FROM languages WHERE id = ?", id).toArray().length === 0);
  }

  /** Learns a language id; one of a name already known (from another database) shares its canonical id. */
  addLanguage(id: number, name: string): void {
    const key = languageKey(name);
    const known = this.sql.exec<{ canonical: number }>("SELECT canonical FROM languages WHERE name_key = ? LIMIT 1", key).toArray()[0];
    this.sql.exec(
      "INSERT OR REPLACE INTO languages (id, name, name_key, canonical) VALUES (?, ?, ?, ?)",
      id,
      name,
      key,
      known?.canonical ?? id,
    );
  }

  /** The canonical id of each known language id (unknown ones map to themselves). */
  canonicalLanguages(ids: readonly number[]): Map<number, number> {
    const out = new Map<number, number>();
    for (const id of new Set(ids))
      out.set(id, this.sql.exec<{ canonical: number }>("SELECT canonical FROM languages WHERE id = ?", id).toArray()[0]?.canonical ?? id);
    return out;
  }

  /** The canonical language ids a name matches case-insensitively (at most one). */
  languageIds(name: string): number[] {
    return this.sql
      .exec<{ id: number }>("SELECT DISTINCT canonical AS id FROM languages WHERE name_key = ?", languageKey(name))
      .toArray()
      .map((r) => r.id);
  }

  languageName(id: number): string | null {
    return this.sql.exec<{ name: string }>("SELECT name FROM languages WHERE id = ?", id).toArray()[0]?.name ?? null;
  }

  // ---- incremental updates ----

  /** Adds XP rows of new pulses (users must be known; rows of unknown users are skipped). */
  applyXp(rows: readonly XpRow[], now: number): void {
    for (const r of rows) {
      const user = this.sql
        .exec<{ utc_offset: number; coded_at: number; today: string; covered_to: number }>(
          "SELECT utc_offset, coded_at, today, covered_to FROM lb_users WHERE user_id = ?",
          r.userId,
        )
        .toArray()[0];
      if (!user || r.pulseId <= user.covered_to) continue;
      let { utc_offset: offset, today } = user;
      // The user's zone is the one of their latest pulse (by coding time).
      if (r.codedAt >= user.coded_at) {
        offset = r.utcOffset;
        this.sql.exec("UPDATE lb_users SET utc_offset = ?, coded_at = ? WHERE user_id = ?", offset, r.codedAt, r.userId);
      }
      const date = localDate(r.codedAt, r.utcOffset);
      const current = maxDate(localDate(now, offset), date);
      if (current > today) {
        today = current;
        this.sql.exec("UPDATE lb_users SET today = ? WHERE user_id = ?", today, r.userId);
        this.recomputeWindows(r.userId);
      }
      this.addScore("all", r.languageId, r.userId, r.amount);
      if (date < addDays(today, -(LONGEST_WINDOW_DAYS - 1)) || date > today) continue;
      this.sql.exec(
        "INSERT INTO daily (user_id, date, language_id, xp) VALUES (?, ?, ?, ?) ON CONFLICT (user_id, date, language_id) DO UPDATE SET xp = xp + excluded.xp",
        r.userId,
        date,
        r.languageId,
        r.amount,
      );
      for (const w of WINDOWED) if (date >= rangeStart(w.board, today)!) this.addScore(w.board, r.languageId, r.userId, r.amount);
      this.scheduleRoll(r.userId, today, offset);
    }
  }

  /** The earliest instant a user moves to their next local day (null: nobody needs to). */
  nextRollAt(): number | null {
    return this.sql.exec<{ at: number | null }>("SELECT min(roll_at) AS at FROM lb_users").one().at;
  }

  /** Moves every user whose local midnight has passed to their new day. Returns how many moved. */
  rollDue(now: number): number {
    const due = this.sql
      .exec<{ user_id: number; utc_offset: number }>("SELECT user_id, utc_offset FROM lb_users WHERE roll_at <= ?", now)
      .toArray();
    for (const u of due) {
      this.sql.exec("UPDATE lb_users SET today = ? WHERE user_id = ?", localDate(now, u.utc_offset), u.user_id);
      this.recomputeWindows(u.user_id);
    }
    return due.length;
  }

  setPrivacy(userId: number, isPrivate: boolean): boolean {
    return (
      this.sql.exec("UPDATE lb_users SET private = ? WHERE user_id = ? AND private != ?", isPrivate ? 1 : 0, userId, isPrivate ? 1 : 0)
        .rowsWritten > 0
    );
  }

  /** Makes exactly the given users private (and every other known user public). Returns whether anything changed. */
  reconcilePrivacy(privateIds: ReadonlySet<number>): boolean {
    let changed = false;
    for (const row of this.sql.exec<{ user_id: number; private: number }>("SELECT user_id, private FROM lb_users").toArray()) {
      const shouldBe = privateIds.has(row.user_id);
      if ((row.private === 1) !== shouldBe) changed = this.setPrivacy(row.user_id, shouldBe) || changed;
    }
    return changed;
  }

  // ---- reads ----

  /** One page of public users ranked by XP (ties by name), with the count of public ranked users. */
  page(
    board: LeaderboardRange,
    languageId: number,
    limit: number,
    offset: number,
  ): { rows: BoardRow[]; total: number; aboveFirst: number } {
    const rows = this.sql
      .exec<{ userId: number; username: string; xp: number }>(
        `SELECT s.user_id AS userId, u.username, s.xp FROM scores s JOIN lb_users u ON u.user_id = s.user_id
         WHERE s.board = ? AND s.language_id = ? AND u.private = 0 AND s.xp > 0
         ORDER BY s.xp DESC, u.username_key, s.user_id LIMIT ? OFFSET ?`,
        board,
        languageId,
        limit,
        offset,
      )
      .toArray();
    const total = this.countPublic(board, languageId, 0);
    const aboveFirst = rows.length > 0 ? this.countPublic(board, languageId, rows[0]!.xp) : 0;
    return { rows, total, aboveFirst };
  }

  /** Top languages of users on a board, for the WakaTime-shaped document. */
  topLanguages(board: LeaderboardRange, userIds: readonly number[], perUser: number): Map<number, { name: string; xp: number }[]> {
    const out = new Map<number, { name: string; xp: number }[]>();
    for (const id of userIds) {
      const list = this.sql
        .exec<{ name: string; xp: number }>(
          `SELECT l.name, s.xp FROM scores s JOIN languages l ON l.id = s.language_id
           WHERE s.board = ? AND s.user_id = ? AND s.language_id != ? AND s.xp > 0 ORDER BY s.xp DESC, l.name_key LIMIT ?`,
          board,
          id,
          ALL_LANGUAGES,
          perUser,
        )
        .toArray();
      out.set(id, list);
    }
    return out;
  }

  /** A public user's XP on a board (0 when not ranked); null when the user is unknown or private. */
  score(userId: number, board: LeaderboardRange, languageId: number): number | null {
    const user = this.sql.exec<{ private: number }>("SELECT private FROM lb_users WHERE user_id = ?", userId).toArray()[0];
    if (!user || user.private === 1) return null;
    return (
      this.sql
        .exec<{ xp: number }>("SELECT xp FROM scores WHERE board = ? AND language_id = ? AND user_id = ?", board, languageId, userId)
        .toArray()[0]?.xp ?? 0
    );
  }

  // ---- internals ----

  private countPublic(board: LeaderboardRange, languageId: number, above: number): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT count(*) AS n FROM scores s JOIN lb_users u ON u.user_id = s.user_id
         WHERE s.board = ? AND s.language_id = ? AND u.private = 0 AND s.xp > ?`,
        board,
        languageId,
        above,
      )
      .one().n;
  }

  private addScore(board: LeaderboardRange, languageId: number, userId: number, xp: number): void {
    for (const lang of [languageId, ALL_LANGUAGES]) {
      this.sql.exec(
        "INSERT INTO scores (board, language_id, user_id, xp) VALUES (?, ?, ?, ?) ON CONFLICT (board, language_id, user_id) DO UPDATE SET xp = xp + excluded.xp",
        board,
        lang,
        userId,
        xp,
      );
    }
  }

  /** Recomputes a user's windowed scores from their daily XP for their current `today`, and drops older days. */
  private recomputeWindows(userId: number): void {
    const user = this.sql
      .exec<{ today: string; utc_offset: number }>("SELECT today, utc_offset FROM lb_users WHERE user_id = ?", userId)
      .toArray()[0];
    if (!user) return;
    this.sql.exec("DELETE FROM scores WHERE user_id = ? AND board != 'all'", userId);
    this.sql.exec("DELETE FROM daily WHERE user_id = ? AND date < ?", userId, addDays(user.today, -(LONGEST_WINDOW_DAYS - 1)));
    for (const w of WINDOWED) {
      const args = [w.board, userId, rangeStart(w.board, user.today), user.today] as const;
      this.sql.exec(
        `INSERT INTO scores (board, language_id, user_id, xp) SELECT ?, language_id, user_id, SUM(xp) FROM daily
         WHERE user_id = ? AND date >= ? AND date <= ? GROUP BY language_id`,
        ...args,
      );
      this.sql.exec(
        `INSERT INTO scores (board, language_id, user_id, xp) SELECT ?, ${ALL_LANGUAGES}, user_id, SUM(xp) FROM daily
         WHERE user_id = ? AND date >= ? AND date <= ? GROUP BY user_id`,
        ...args,
      );
    }
    this.scheduleRoll(userId, user.today, user.utc_offset);
  }

  /** Users with XP in the last year move to their next day at their local midnight; others need no roll. */
  private scheduleRoll(userId: number, today: string, offset: number): void {
    const hasDays = this.sql.exec("SELECT 1 FROM daily WHERE user_id = ? LIMIT 1", userId).toArray().length > 0;
    this.sql.exec("UPDATE lb_users SET roll_at = ? WHERE user_id = ?", hasDays ? nextLocalMidnight(today, offset) : null, userId);
  }
}

function maxDate(a: string, b: string): string {
  return a > b ? a : b;
}
