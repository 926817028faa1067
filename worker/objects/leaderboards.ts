// The leaderboard object (one, named "global"): ranks public users by XP for each range and language.
// It follows every partition's database by the pulse id (XP rows after that partition's watermark, read lazily when a board is asked for and
// at most every LEADERBOARD_MAX_AGE_MS), moves users to their next local day at their midnight, and
// hears about privacy flips, deletions and machine changes at once. Pages are cached until anything changes.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import {
  addDays,
  LEADERBOARD_PAGE_SIZE,
  LONGEST_WINDOW_DAYS,
  localDate,
  type LeaderboardQuery,
  type LeaderboardRange,
} from "../domain/leaderboard";
import { leaderboardDocument, wakapiLeadersDocument, type RankedPage } from "../domain/leaderboard-document";
import { competitionRanks } from "../domain/leaderboard";
import {
  readBoardSnapshot,
  readBoardUsers,
  readLanguageNames,
  readPrivateUserIds,
  readXpAfter,
  type BoardSnapshot,
  type XpRow,
} from "../db/leaderboard-source";
import { ALL_LANGUAGES, LeaderboardStore } from "./leaderboard-store";
import { allDatabases, databaseOf, databaseOfPartition } from "../db/partitions";
import { idFloorOf, partitionOfId } from "../domain/partition";

export type LeaderboardShape = "pulse-edge" | "wakapi";

const DEFAULT_MAX_AGE_MS = 2_000;
/** Privacy flags are re-read from D1 this often, in case an announcement was lost. */
const PRIVACY_RECHECK_MS = 60_000;
/** Pulse pages (500 pulses each) taken in per sync; a larger backlog continues in the alarm. */
const PAGES_PER_SYNC = 20;
const LANGUAGES_PER_ENTRY = 5;
/** User ids per snapshot batch while building (bounds the rows one D1 answer carries). */
const BUILD_SPAN = 2_000;

/** Daily rows older than the longest window (in any zone) are not needed. */
const snapshotSince = (now: number) => addDays(localDate(now, 0), -(LONGEST_WINDOW_DAYS + 1));

export class Leaderboards extends DurableObject<Env> {
  private store: LeaderboardStore;
  private tail: Promise<unknown> = Promise.resolve();
  private lastSyncAt = 0;
  private lastPrivacyCheckAt = 0;
  private pages = new Map<string, string>();
  /** Cached `store.nextRollAt()`, so a cached read runs no SQL at all. */
  private nextRollAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new LeaderboardStore(ctx.storage.sql);
  }

  // ---- RPC ----

  /** A page of a board as JSON text in the requested shape. */
  async board(query: LeaderboardQuery, shape: LeaderboardShape = "pulse-edge"): Promise<string> {
    await this.fresh();
    const key = JSON.stringify([shape, query.range, query.language?.normalize("NFC").toLowerCase() ?? null, query.page]);
    let json = this.pages.get(key);
    if (json === undefined) {
      const page = this.rankedPage(query);
      json = JSON.stringify(shape === "wakapi" ? wakapiLeadersDocument(page) : leaderboardDocument(page));
      this.pages.set(key, json);
    }
    return json;
  }

  /** A public user's XP on a board (badges); null for unknown or private users. */
  async score(userId: number, range: LeaderboardRange, language: string | null): Promise<number | null> {
    await this.fresh();
    const overall = this.store.score(userId, range, ALL_LANGUAGES);
    if (overall === null || language === null) return overall;
    // Names are unique case-insensitively: at most one booked language matches.
    const [id] = this.store.languageIds(language);
    return id === undefined ? 0 : (this.store.score(userId, range, id) ?? 0);
  }

  async setPrivacy(userId: number, isPrivate: boolean): Promise<void> {
    await this.serialized(async () => {
      if (this.store.setPrivacy(userId, isPrivate)) this.changed();
    });
  }

  async removeUser(userId: number): Promise<void> {
    await this.serialized(async () => {
      this.store.removeUser(userId);
      this.changed();
    });
  }

  /** Re-reads one user from D1's rollups (after their XP changed without new pulses: a machine deleted). */
  async refreshUser(userId: number): Promise<void> {
    await this.serialized(async () => {
      if (!this.store.isBuilt()) return;
      const now = Date.now();
      const snapshot = await readBoardSnapshot(databaseOf(this.env, userId), snapshotSince(now), { userId });
      this.store.removeUser(userId);
      this.store.addSnapshot(await this.canonicalSnapshot(snapshot), now);
      this.changed();
    });
  }

  /** Takes in everything D1 has now (tests and the benchmark call it to start from a known state). */
  async sync(): Promise<{ watermark: number; watermarks: number[] }> {
    await this.serialized(() => this.syncFromD1(Date.now(), Number.POSITIVE_INFINITY));
    const watermarks = allDatabases(this.env).map((_, k) => this.store.watermark(k));
    return { watermark: watermarks[0]!, watermarks };
  }

  /** Rebuilds everything from D1's rollups (on demand; `span` user ids per batch). */
  async rebuild(span = BUILD_SPAN): Promise<void> {
    await this.serialized(() => this.buildFromD1(Date.now(), Math.max(1, Math.floor(span))));
  }

  override async alarm(): Promise<void> {
    await this.serialized(() => this.syncFromD1(Date.now(), PAGES_PER_SYNC));
  }

  // ---- internals ----

  private maxAge(): number {
    const n = Number(this.env.LEADERBOARD_MAX_AGE_MS ?? DEFAULT_MAX_AGE_MS);
    return Number.isFinite(n) && n >= 0 ? n : DEFAULT_MAX_AGE_MS;
  }

  private async fresh(): Promise<void> {
    const now = Date.now();
    if (this.store.isBuilt() && now - this.lastSyncAt < this.maxAge() && !this.rollPending(now)) return;
    await this.serialized(() => this.syncFromD1(now, PAGES_PER_SYNC));
  }

  private rollPending(now: number): boolean {
    this.nextRollAt ??= this.store.nextRollAt();
    return this.nextRollAt !== null && this.nextRollAt <= now;
  }

  /** Any change to the rows: cached pages and the next roll time are stale. */
  private changed(): void {
    this.pages.clear();
    this.nextRollAt = undefined;
  }

  private async syncFromD1(now: number, maxPages: number): Promise<void> {
    if (!this.store.isBuilt()) {
      await this.buildFromD1(now, BUILD_SPAN);
    } else if (now - this.lastSyncAt < this.maxAge() && maxPages !== Number.POSITIVE_INFINITY) {
      // Another request synced while this one waited.
    } else {
      let backlog = false;
      for (const [partition, db] of allDatabases(this.env).entries()) {
        let pages = 0;
        for (; pages < maxPages; pages++) {
          const rows = await readXpAfter(db, this.store.watermark(partition));
          if (rows.length === 0) break;
          const fresh = rows.map((r) => r.userId).filter((id, i, all) => all.indexOf(id) === i);
          const known = this.store.knownUsers(fresh);
          const missing = fresh.filter((id) => !known.has(id));
          if (missing.length > 0) for (const u of await readBoardUsers(db, missing)) this.store.addUser(u);
          this.store.applyXp(await this.canonicalRows(rows), now);
          this.store.setWatermark(partition, rows.at(-1)!.pulseId);
          this.changed();
        }
        if (pages === maxPages) backlog = true;
      }
      if (backlog) await this.ctx.storage.setAlarm(Date.now() + 100);
      if (now - this.lastPrivacyCheckAt >= PRIVACY_RECHECK_MS) {
        this.lastPrivacyCheckAt = now;
        const hidden = new Set<number>();
        for (const db of allDatabases(this.env)) for (const id of await readPrivateUserIds(db)) hidden.add(id);
        if (this.store.reconcilePrivacy(hidden)) this.changed();
      }
    }
    if (this.store.rollDue(now) > 0) this.changed();
    this.lastSyncAt = now;
  }

  /**
   * Builds everything from the rollups, partition by partition, `span` user ids per batch. A partition's
   * first batch's watermark is its lowest: later batches cover later pulses of their users, whose XP
   * rows are then skipped (`covered_to`).
   */
  private async buildFromD1(now: number, span: number): Promise<void> {
    this.store.beginBuild();
    for (const [partition, db] of allDatabases(this.env).entries()) {
      const floor = idFloorOf(partition);
      for (let after = floor, first = true, maxUserId = 0; first || after < maxUserId; after += span, first = false) {
        const snapshot = await readBoardSnapshot(db, snapshotSince(now), { afterUserId: after, span });
        if (first) this.store.setWatermark(partition, snapshot.watermark);
        maxUserId = snapshot.maxUserId;
        this.store.addSnapshot(await this.canonicalSnapshot(snapshot), now);
      }
    }
    this.store.finishBuild(now);
    this.changed();
    this.lastPrivacyCheckAt = now;
    this.lastSyncAt = now;
  }

  /** Learns the names of unknown language ids (an id names its partition, so each is read from its database). */
  private async learnLanguages(ids: number[]): Promise<void> {
    const unknown = this.store.unknownLanguages(ids);
    if (unknown.length === 0) return;
    const byPartition = Map.groupBy(unknown, partitionOfId);
    for (const [partition, part] of byPartition)
      for (const l of await readLanguageNames(databaseOfPartition(this.env, partition), part)) this.store.addLanguage(l.id, l.name);
  }

  /** XP rows with language ids replaced by their canonical ids (one id per name across databases). */
  private async canonicalRows(rows: XpRow[]): Promise<XpRow[]> {
    await this.learnLanguages(rows.map((r) => r.languageId));
    const canonical = this.store.canonicalLanguages(rows.map((r) => r.languageId));
    return rows.map((r) => ({ ...r, languageId: canonical.get(r.languageId) ?? r.languageId }));
  }

  private async canonicalSnapshot(snapshot: BoardSnapshot): Promise<BoardSnapshot> {
    await this.learnLanguages(snapshot.totals.map((t) => t.languageId));
    const canonical = this.store.canonicalLanguages(snapshot.totals.map((t) => t.languageId));
    const map = <T extends { languageId: number }>(r: T): T => ({ ...r, languageId: canonical.get(r.languageId) ?? r.languageId });
    return { ...snapshot, daily: snapshot.daily.map(map), totals: snapshot.totals.map(map) };
  }

  private rankedPage(query: LeaderboardQuery): RankedPage {
    const offset = (query.page - 1) * LEADERBOARD_PAGE_SIZE;
    const base = { range: query.range, page: query.page, updatedAt: this.lastSyncAt };
    if (query.language === null) return this.pageFor(base, ALL_LANGUAGES, null, offset);
    const ids = this.store.languageIds(query.language);
    // Names are unique case-insensitively, so a name matches at most one booked language.
    if (ids.length === 0) return { ...base, language: query.language, total: 0, entries: [] };
    return this.pageFor(base, ids[0]!, this.store.languageName(ids[0]!), offset);
  }

  private pageFor(
    base: Omit<RankedPage, "language" | "total" | "entries">,
    languageId: number,
    language: string | null,
    offset: number,
  ): RankedPage {
    const { rows, total, aboveFirst } = this.store.page(base.range, languageId, LEADERBOARD_PAGE_SIZE, offset);
    const languages = this.store.topLanguages(
      base.range,
      rows.map((r) => r.userId),
      LANGUAGES_PER_ENTRY,
    );
    const ranked = competitionRanks(rows, aboveFirst, offset);
    return {
      ...base,
      language,
      total,
      entries: ranked.map((r) => ({ rank: r.rank, username: r.username, xp: r.xp, languages: languages.get(r.userId) ?? [] })),
    };
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
