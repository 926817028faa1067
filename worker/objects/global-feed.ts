// The front page's figures: total XP of public profiles, XP per minute for the last 4 hours, top
// languages of the last 24 hours, live viewers, and map dots. Shards send it batches of pulses; it
// pushes coalesced updates to the relays that hold the viewers' sockets (it holds none itself).
//
// Exactness: the total is a D1 baseline (sum of public users' XP, with the highest pulse id it
// covers as watermark) plus the pulses above the watermark received since, each counted once by id.
// Reconciliation re-reads the baseline every RECONCILE_INTERVAL_MS whether or not anyone watches (one
// small D1 batch: the bounded price of repairing lost batches), and at once, with a follow-up, when
// privacy, machines or accounts change. Pulse ids only grow (AUTOINCREMENT), so a counted pulse whose
// id is above D1's highest is one that was deleted: the new watermark covers it and it leaves.
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
import { allDatabases } from "../db/partitions";
import { idFloorOf, partitionOfId } from "../domain/partition";

/** `watermark` is partition 0's, `watermark_k` partition k's: each database hands out its own range of pulse ids. */
type FeedMeta = Record<
  "format" | "watermark" | "base_total" | "delta_total" | "reconciled_at" | "follow_up_at" | "follow_up_windows",
  number
> &
  Record<`watermark_${number}`, number>;

const watermarkKey = (partition: number) => (partition === 0 ? "watermark" : (`watermark_${partition}` as const));

const FEED_FLUSH_INTERVAL_MS = 500;
export const RECONCILE_INTERVAL_MS = 10 * 60_000;
/** After an announced change, reconcile again this much later: batches in flight then are covered too. */
const RECONCILE_FOLLOW_UP_MS = 5_000;
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
    const windows = new WindowIncrements();
    let added = 0;
    let addedXp = 0;
    for (const p of pulses) {
      const xp = this.count(p);
      if (xp === null) continue;
      added++;
      addedXp += xp;
      windows.add(p, now);
      if (p.coords && this.dots.length < MAX_DOTS_PER_UPDATE) this.dots.push({ ...p.coords, xp });
    }
    if (added > 0) {
      // A batch's window and total changes are summed first and written once each.
      this.meta.set("delta_total", (this.meta.get("delta_total") ?? 0) + addedXp);
      this.writeWindows(windows);
      this.dirty = true;
      await this.scheduleFlush(now);
    }
    await this.keepReconciling(now);
    return added;
  }

  async view(): Promise<FeedView> {
    await this.ensureBuilt();
    return this.currentView(Date.now());
  }

  /** A relay with viewers wants updates; it gets the current view to start from. */
  async subscribe(relay: string, viewers: number): Promise<FeedView> {
    await this.ensureBuilt();
    this.ctx.storage.sql.exec(
      "INSERT INTO relays (name, viewers) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET viewers = excluded.viewers",
      relay,
      viewers,
    );
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
    const now = Date.now();
    this.meta.set("follow_up_at", now + RECONCILE_FOLLOW_UP_MS);
    if (options.windows) this.meta.set("follow_up_windows", 1);
    await this.scheduleFlush(now);
    await this.wakeBy(now + RECONCILE_FOLLOW_UP_MS);
  }

  /** Sends pending changes to the relays now (the alarm does this on its own). */
  async flush(): Promise<void> {
    await this.ensureBuilt();
    await this.flushNow(Date.now());
  }

  override async alarm(): Promise<void> {
    await this.ensureBuilt();
    const now = Date.now();
    const followUp = this.meta.get("follow_up_at");
    if (followUp !== null && followUp > 0 && now >= followUp) {
      const windows = this.meta.get("follow_up_windows") === 1;
      this.meta.set("follow_up_at", 0);
      this.meta.set("follow_up_windows", 0);
      await this.rebuild(windows);
      this.dirty = true;
    } else if (now - (this.meta.get("reconciled_at") ?? 0) >= RECONCILE_INTERVAL_MS) {
      await this.rebuild(false);
      this.dirty = true;
    }
    if (this.dirty) await this.flushNow(now);
    this.prune(now);
    // Tick every 10 s while viewers are watching (the minute chart moves on); otherwise sleep until the
    // next reconcile, which runs whether or not anyone watches.
    const pendingFollowUp = this.meta.get("follow_up_at") ?? 0;
    const next = [
      now + RECONCILE_INTERVAL_MS,
      this.viewerCount() > 0 ? now + Math.max(FEED_FLUSH_INTERVAL_MS, 10_000) : Infinity,
      pendingFollowUp > 0 ? pendingFollowUp : Infinity,
    ];
    await this.ctx.storage.setAlarm(Math.max(Date.now(), Math.min(...next)));
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
    await this.keepReconciling(Date.now());
  }

  /** The reconcile must come round even when nobody watches: an alarm is always set by then. */
  private async keepReconciling(now: number): Promise<void> {
    if (this.reconcileArmed) return;
    await this.wakeBy((this.meta.get("reconciled_at") ?? now) + RECONCILE_INTERVAL_MS);
    this.reconcileArmed = true;
  }

  private reconcileArmed = false;

  private async wakeBy(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(Math.max(at, Date.now()));
  }

  /**
   * Baseline (and windows) from D1. The new watermark is the highest of D1's top pulse id and every
   * pulse counted before the read: counted pulses up to it are either in the baseline or deleted, so
   * all of them leave. Pulses counted while the read was in flight stay if they are above it.
   */
  private rebuild(windows: boolean): Promise<void> {
    // One at a time: an older read finishing after a newer one must not set the baseline.
    const run = this.rebuilds.then(() => this.rebuildNow(windows));
    this.rebuilds = run.catch(() => undefined);
    return run;
  }

  private rebuilds: Promise<unknown> = Promise.resolve();

  private async rebuildNow(windows: boolean): Promise<void> {
    const now = Date.now();
    const sql = this.ctx.storage.sql;
    const databases = allDatabases(this.env);
    // Per partition (each has its own id range): what was counted before the reads, then its baseline.
    const countedBefore = databases.map(
      (_, k) =>
        sql
          .exec<{ id: number }>(
            "SELECT coalesce(MAX(pulse_id), 0) AS id FROM deltas WHERE pulse_id >= ? AND pulse_id < ?",
            idFloorOf(k),
            idFloorOf(k + 1),
          )
          .one().id,
    );
    const parts = await Promise.all(
      databases.map(async (db) => {
        const baseline = await loadFeedBaseline(db);
        const loaded = windows
          ? await loadFeedWindows(db, {
              minutesSince: minuteOf(now - MINUTES_WINDOW_MS),
              languagesSince: hourOf(now - LANGUAGES_WINDOW_MS),
              watermark: baseline.watermark,
              rowCap: XP_ROW_CAP,
            })
          : null;
        return { baseline, loaded };
      }),
    );
    for (const [k, { baseline }] of parts.entries()) {
      const watermark = Math.max(baseline.watermark, countedBefore[k]!, this.meta.get(watermarkKey(k)) ?? 0);
      sql.exec("DELETE FROM deltas WHERE pulse_id >= ? AND pulse_id <= ?", idFloorOf(k), watermark);
      this.meta.set(watermarkKey(k), watermark);
    }
    if (windows) {
      sql.exec("DELETE FROM minutes");
      sql.exec("DELETE FROM language_hours");
      const rebuilt = new WindowIncrements();
      for (const { loaded } of parts) {
        for (const m of loaded!.minutes) rebuilt.addMinute(m.minute, m.xp);
        for (const l of loaded!.languageHours) rebuilt.addLanguageHour(l.hour, l.language, l.xp);
      }
      for (const d of sql.exec<{ pulse: string }>("SELECT pulse FROM deltas").toArray()) rebuilt.add(JSON.parse(d.pulse) as FeedPulse, now);
      this.writeWindows(rebuilt);
    }
    this.meta.set(
      "base_total",
      parts.reduce((total, p) => total + p.baseline.totalXp, 0),
    );
    this.meta.set("delta_total", sql.exec<{ xp: number }>("SELECT coalesce(SUM(xp), 0) AS xp FROM deltas").one().xp);
    this.meta.set("reconciled_at", now);
    this.meta.set("format", FORMAT);
  }

  /** Counts one pulse: its XP, or null when it is already counted. */
  private count(p: FeedPulse): number | null {
    if (p.pulseId <= (this.meta.get(watermarkKey(partitionOfId(p.pulseId))) ?? 0)) return null;
    const stored = { pulseId: p.pulseId, codedAt: p.codedAt, xps: p.xps, coords: null };
    const xp = totalXp(p.xps);
    const inserted = this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO deltas (pulse_id, xp, pulse) VALUES (?, ?, ?)",
      p.pulseId,
      xp,
      JSON.stringify(stored),
    ).rowsWritten;
    return inserted === 0 ? null : xp;
  }

  private writeWindows(windows: WindowIncrements): void {
    const sql = this.ctx.storage.sql;
    for (const [minute, xp] of windows.minutes)
      sql.exec("INSERT INTO minutes (minute, xp) VALUES (?, ?) ON CONFLICT (minute) DO UPDATE SET xp = xp + excluded.xp", minute, xp);
    for (const { hour, language, xp } of windows.languageHours.values())
      sql.exec(
        "INSERT INTO language_hours (hour, language, xp) VALUES (?, ?, ?) ON CONFLICT (hour, language) DO UPDATE SET xp = xp + excluded.xp",
        hour,
        language,
        xp,
      );
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

/** The per-minute and per-language-hour XP a set of pulses adds inside the windows, summed. */
class WindowIncrements {
  readonly minutes = new Map<number, number>();
  readonly languageHours = new Map<string, { hour: number; language: string; xp: number }>();

  add(p: FeedPulse, now: number): void {
    if (p.xps.length === 0) return;
    if (p.codedAt >= minuteOf(now - MINUTES_WINDOW_MS)) this.addMinute(minuteOf(p.codedAt), cappedXp(p.xps));
    if (p.codedAt >= hourOf(now - LANGUAGES_WINDOW_MS))
      for (const x of p.xps) this.addLanguageHour(hourOf(p.codedAt), x.language, x.amount);
  }

  addMinute(minute: number, xp: number): void {
    this.minutes.set(minute, (this.minutes.get(minute) ?? 0) + xp);
  }

  addLanguageHour(hour: number, language: string, xp: number): void {
    const key = `${hour}\u0000${language}`;
    const row = this.languageHours.get(key);
    if (row) row.xp += xp;
    else this.languageHours.set(key, { hour, language, xp });
  }
}
