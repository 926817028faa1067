// An aggregator shard: user objects hand it their public pulses; it stores them durably and forwards
// them to the global feed in batches (at most every FLUSH_INTERVAL_MS), so the feed sees a handful of
// calls per second however many pulses arrive. Delivery is at least once; the feed drops duplicates.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { FeedPulse } from "../domain/feed";
import { globalFeed } from "./stubs";
import { errorMessage, log } from "../observability/log";

const SHARD_FLUSH_INTERVAL_MS = 500;
const MAX_BATCH = 1_000;
const MAX_PENDING = 100_000;

export class FeedShard extends DurableObject<Env> {
  /** Rows in `pending`, counted once per object start and kept in step after. */
  private pending: number;
  private alarmArmed: boolean | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS pending (pulse_id INTEGER PRIMARY KEY, pulse TEXT NOT NULL)");
    this.pending = ctx.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM pending").one().n;
  }

  async addPulses(pulses: FeedPulse[]): Promise<void> {
    // A feed that is down must not fill the shard without bound; reconciliation repairs the total.
    for (const p of pulses.slice(0, Math.max(0, MAX_PENDING - this.pending))) {
      this.pending +=
        this.ctx.storage.sql.exec("INSERT OR IGNORE INTO pending (pulse_id, pulse) VALUES (?, ?)", p.pulseId, JSON.stringify(p))
          .rowsWritten > 0
          ? 1
          : 0;
    }
    this.alarmArmed ??= (await this.ctx.storage.getAlarm()) !== null;
    if (!this.alarmArmed) {
      await this.ctx.storage.setAlarm(Date.now() + SHARD_FLUSH_INTERVAL_MS);
      this.alarmArmed = true;
    }
  }

  /** Sends what is pending now (the alarm does this on its own; tests and benchmarks call it). */
  async flush(): Promise<number> {
    const rows = this.ctx.storage.sql
      .exec<{ pulse_id: number; pulse: string }>("SELECT pulse_id, pulse FROM pending ORDER BY pulse_id LIMIT ?", MAX_BATCH)
      .toArray();
    if (rows.length === 0) return 0;
    await globalFeed(this.env).ingest(rows.map((r) => JSON.parse(r.pulse) as FeedPulse));
    // Exactly the rows sent: others may have arrived (with any ids) while the call was in flight.
    for (const r of rows) this.ctx.storage.sql.exec("DELETE FROM pending WHERE pulse_id = ?", r.pulse_id);
    this.pending = Math.max(0, this.pending - rows.length);
    return rows.length;
  }

  async pendingCount(): Promise<number> {
    return this.pending;
  }

  override async alarm(): Promise<void> {
    this.alarmArmed = false;
    try {
      await this.flush();
    } catch (error) {
      log("error", "feed shard flush failed", { error: errorMessage(error) });
    }
    // Re-arm while anything is left, including after a failed send.
    if (this.pending > 0) {
      await this.ctx.storage.setAlarm(Date.now() + SHARD_FLUSH_INTERVAL_MS);
      this.alarmArmed = true;
    }
  }
}
