// The front page's figures: total XP of public profiles, XP per minute for the last 4 hours, top
// languages of the last 24 hours, live viewers, and map dots. Shards send it batches of pulses; it
// pushes coalesced updates to the relays that hold the viewers' sockets (it holds none itself).
//
// Exactness: the total is a D1 baseline (sum of public users' XP, with the highest pulse id it
// covers as watermark) plus the pulses above the watermark received since, each counted once by id.
// Reconciliation re-reads the baseline periodically and whenever privacy or accounts change.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import {
  cappedXp,
  hourOf,
  LANGUAGES_WINDOW_MS,
  minuteOf,
  MINUTES_WINDOW_MS,
  TOP_LANGUAGES,
  totalXp,
  XP_ROW_CAP,
  type FeedPulse,
} from "../domain/feed";
import { loadFeedBaseline, loadFeedWindows } from "../db/live";
import type { FeedServerMessage, FeedView, MapDot } from "../protocol";
import { PROTOCOL_VERSION } from "../protocol";
import { MetaTable } from "./meta-table";
import { relayNamed } from "./stubs";

type FeedMeta = Record<"format" | "watermark" | "base_total" | "delta_total" | "reconciled_at", number>;

export const FEED_FLUSH_INTERVAL_MS = 500;
export const RECONCILE_INTERVAL_MS = 10 * 60_000;
const FORMAT = 1;
const MAX_DOTS_PER_UPDATE = 200;
/** Updates repeat the latest minutes, so a relay that missed one converges on the next. */
const UPDATE_MINUTES_MS = 10 * 60_000;

export type FeedUpdate = Extract<FeedServerMessage, { type: "feed.update" }>;

export class GlobalFeed extends DurableObject<Env> {
  private dots: MapDot[] = [];
  private dirty = false;
  private lastFlushAt = 0;
  private building: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS deltas (pulse_id INTEGER PRIMARY KEY, xp INTEGER NOT NULL, pulse TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS minutes (minute INTEGER PRIMARY KEY, xp INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS language_hours (hour INTEGER NOT NULL, language TEXT NOT NULL, xp INTEGER NOT NULL, PRIMARY KEY (hour, language));
      CREATE TABLE IF NOT EXISTS relays (name TEXT PRIMARY KEY, viewers INTEGER NOT NULL);
    `);
  }

  // ---- RPC ----

  /** A shard's batch; pulses already counted (by id) are skipped. Returns how many were new. */
  async ingest(pulses: FeedPulse[]): Promise<number> {
    await this.ensureBuilt();
    const now = Date.now();
    let added = 0;
    for (const p of pulses) if (this.count(p, now)) added++;
    if (added > 0) {
      this.dirty = true;
      await this.scheduleFlush(now);
    }
    return added;
  }

  async view(): Promise<FeedView> {
    await this.ensureBuilt();
    return this.currentView(Date.now());
  }

  /** A relay with viewers wants updates; it gets the current view to start from. */
  async subscribe(relay: string, viewers: number): Promise<FeedView> {
    await this.ensureBuilt();
    this.ctx.storage.sql.exec("INSERT INTO relays (name, viewers) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET viewers = excluded.viewers", relay, viewers);
    this.dirty = true;
    await this.scheduleFlush(Date.now());
    return this.currentView(Date.now());
  }

  async setViewers(relay: string, viewers: number): Promise<void> {
    if (viewers > 0) this.ctx.storage.sql.exec("UPDATE relays SET viewers = ? WHERE name = ?", viewers, relay);
    else this.ctx.storage.sql.exec("DELETE FROM relays WHERE name = ?", relay);
    this.dirty = true;
    await this.scheduleFlush(Date.now());
  }

  /** Re-reads the D1 baseline; with `windows`, also the per-minute and per-language windows. */
  async reconcile(options: { windows?: boolean } = {}): Promise<void> {
    await this.ensureBuilt();
    await this.rebuild(options.windows ?? false);
    this.dirty = true;
    await this.scheduleFlush(Date.now());
  }

  /** Sends pending changes to the relays now (the alarm does this on its own). */
  async flush(): Promise<void> {
    await this.ensureBuilt();
    await this.flushNow(Date.now());
  }

  override async alarm(): Promise<void> {
    await this.ensureBuilt();
    const now = Date.now();
    if (now - (this.meta.get("reconciled_at") ?? 0) >= RECONCILE_INTERVAL_MS) {
      await this.rebuild(false);
      this.dirty = true;
    }
    if (this.dirty) await this.flushNow(now);
    this.prune(now);
    // Keep ticking while viewers are watching (the minute chart moves on), otherwise sleep.
    if (this.viewerCount() > 0) await this.ctx.storage.setAlarm(now + Math.max(FEED_FLUSH_INTERVAL_MS, 10_000));
  }

  // ---- internals ----

  /** Totals, the D1 watermark and timestamps (every counted pulse reads and writes it). */
  private readonly meta = new MetaTable<FeedMeta>(this.ctx.storage.sql);

  private async ensureBuilt(): Promise<void> {
    if (this.meta.get("format") === FORMAT) return;
    this.building ??= this.rebuild(true).finally(() => {
      this.building = null;
    });
    await this.building;
  }

  /** Baseline (and windows) from D1; pulses above the new watermark stay counted. */
  private async rebuild(windows: boolean): Promise<void> {
    const now = Date.now();
    const baseline = await loadFeedBaseline(this.env.DB);
    const loaded = windows
      ? await loadFeedWindows(this.env.DB, {
          minutesSince: minuteOf(now - MINUTES_WINDOW_MS),
          languagesSince: hourOf(now - LANGUAGES_WINDOW_MS),
          watermark: baseline.watermark,
          rowCap: XP_ROW_CAP,
        })
      : null;
    const sql = this.ctx.storage.sql;
    const watermark = Math.max(baseline.watermark, this.meta.get("watermark") ?? 0);
    sql.exec("DELETE FROM deltas WHERE pulse_id <= ?", watermark);
    if (loaded) {
      sql.exec("DELETE FROM minutes");
      sql.exec("DELETE FROM language_hours");
      for (const m of loaded.minutes) sql.exec("INSERT INTO minutes (minute, xp) VALUES (?, ?)", m.minute, m.xp);
      for (const l of loaded.languageHours) sql.exec("INSERT INTO language_hours (hour, language, xp) VALUES (?, ?, ?)", l.hour, l.language, l.xp);
      for (const d of sql.exec<{ pulse: string }>("SELECT pulse FROM deltas").toArray()) this.addToWindows(JSON.parse(d.pulse) as FeedPulse, now);
    }
    this.meta.set("watermark", watermark);
    this.meta.set("base_total", baseline.totalXp);
    this.meta.set("delta_total", sql.exec<{ xp: number }>("SELECT coalesce(SUM(xp), 0) AS xp FROM deltas").one().xp);
    this.meta.set("reconciled_at", now);
    this.meta.set("format", FORMAT);
  }

  /** Counts one pulse; false when it is already counted. */
  private count(p: FeedPulse, now: number): boolean {
    if (p.pulseId <= (this.meta.get("watermark") ?? 0)) return false;
    const sql = this.ctx.storage.sql;
    const stored = { pulseId: p.pulseId, codedAt: p.codedAt, xps: p.xps, coords: null };
    const inserted = sql.exec("INSERT OR IGNORE INTO deltas (pulse_id, xp, pulse) VALUES (?, ?, ?)", p.pulseId, totalXp(p.xps), JSON.stringify(stored)).rowsWritten;
    if (inserted === 0) return false;
    this.meta.set("delta_total", (this.meta.get("delta_total") ?? 0) + totalXp(p.xps));
    this.addToWindows(p, now);
    if (p.coords && this.dots.length < MAX_DOTS_PER_UPDATE) this.dots.push({ ...p.coords, xp: totalXp(p.xps) });
    return true;
  }

  private addToWindows(p: FeedPulse, now: number): void {
    const sql = this.ctx.storage.sql;
    if (p.xps.length === 0) return;
    if (p.codedAt >= minuteOf(now - MINUTES_WINDOW_MS)) {
      sql.exec("INSERT INTO minutes (minute, xp) VALUES (?, ?) ON CONFLICT (minute) DO UPDATE SET xp = xp + excluded.xp", minuteOf(p.codedAt), cappedXp(p.xps));
    }
    if (p.codedAt >= hourOf(now - LANGUAGES_WINDOW_MS)) {
      for (const x of p.xps) {
        sql.exec(
          "INSERT INTO language_hours (hour, language, xp) VALUES (?, ?, ?) ON CONFLICT (hour, language) DO UPDATE SET xp = xp + excluded.xp",
          hourOf(p.codedAt),
          x.language,
          x.amount,
        );
      }
    }
  }

  private prune(now: number): void {
    this.ctx.storage.sql.exec("DELETE FROM minutes WHERE minute < ?", minuteOf(now - MINUTES_WINDOW_MS));
    this.ctx.storage.sql.exec("DELETE FROM language_hours WHERE hour < ?", hourOf(now - LANGUAGES_WINDOW_MS));
  }

  private total(): number {
    return (this.meta.get("base_total") ?? 0) + (this.meta.get("delta_total") ?? 0);
  }

  private viewerCount(): number {
    return this.ctx.storage.sql.exec<{ n: number }>("SELECT coalesce(SUM(viewers), 0) AS n FROM relays").one().n;
  }

  private minutesSince(since: number): [number, number][] {
    return this.ctx.storage.sql
      .exec<{ minute: number; xp: number }>("SELECT minute, xp FROM minutes WHERE minute >= ? ORDER BY minute", since)
      .toArray()
      .map((m) => [m.minute, m.xp]);
  }

  private topLanguages(now: number): { name: string; xp: number }[] {
    return this.ctx.storage.sql
      .exec<{ name: string; xp: number }>(
        "SELECT language AS name, SUM(xp) AS xp FROM language_hours WHERE hour >= ? GROUP BY language ORDER BY xp DESC, language LIMIT ?",
        hourOf(now - LANGUAGES_WINDOW_MS),
        TOP_LANGUAGES,
      )
      .toArray()
      .map((l) => ({ ...l }));
  }

  private currentView(now: number): FeedView {
    return {
      totalXp: this.total(),
      minutes: this.minutesSince(minuteOf(now - MINUTES_WINDOW_MS)),
      topLanguages: this.topLanguages(now),
      viewers: this.viewerCount(),
      at: now,
    };
  }

  private async scheduleFlush(now: number): Promise<void> {
    if (now - this.lastFlushAt >= FEED_FLUSH_INTERVAL_MS) {
      await this.flushNow(now);
      return;
    }
    const at = this.lastFlushAt + FEED_FLUSH_INTERVAL_MS;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  private async flushNow(now: number): Promise<void> {
    this.dirty = false;
    this.lastFlushAt = now;
    const relays = this.ctx.storage.sql.exec<{ name: string }>("SELECT name FROM relays").toArray();
    const update: FeedUpdate = {
      v: PROTOCOL_VERSION,
      type: "feed.update",
      totalXp: this.total(),
      minutes: this.minutesSince(minuteOf(now - UPDATE_MINUTES_MS)),
      topLanguages: this.topLanguages(now),
      viewers: this.viewerCount(),
      dots: this.dots,
    };
    this.dots = [];
    if (relays.length === 0) return;
    const results = await Promise.allSettled(relays.map((r) => relayNamed(this.env, r.name).publish(update)));
    results.forEach((result, i) => {
      // A relay that failed or has no viewers left is dropped; it subscribes again with its next viewer.
      const viewers = result.status === "fulfilled" ? result.value : 0;
      if (viewers > 0) this.ctx.storage.sql.exec("UPDATE relays SET viewers = ? WHERE name = ?", viewers, relays[i]!.name);
      else this.ctx.storage.sql.exec("DELETE FROM relays WHERE name = ?", relays[i]!.name);
    });
    if (this.viewerCount() > 0 && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(now + 10_000);
  }
}
