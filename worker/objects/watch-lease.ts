// The watch lease a watched UserStats holds in D1 (so the Worker tells it of each pulse), and the
// periodic comparison with D1's pulse sequence that rides on it while viewers stay.
import { loadPulseSeq, renewWatchLease } from "../db/live";
import type { UserStatsStore } from "./user-stats-store";

/**
 * A watch lease lasts this long; the object renews it (a D1 write) once half of it is gone while
 * viewers stay, and lets it lapse after the last one leaves.
 */
const WATCH_LEASE_MS = 60_000;
/** While viewers are connected, D1's sequence is checked this often (a read, or the renewal's write). */
const WATCHED_CHECK_INTERVAL_MS = 10_000;

export class WatchLease {
  constructor(
    /** The database holding a user (the object serves one user; partitions: worker/db/partitions.ts). */
    private readonly databaseOf: (userId: number) => D1Database,
    private readonly store: () => UserStatsStore,
  ) {}

  /**
   * Makes sure D1's lease runs well past now (renewing it once half is gone); returns D1's pulse
   * sequence as of the write, or undefined when no write was needed, null when the user is gone.
   */
  async hold(userId: number, now: number): Promise<number | null | undefined> {
    const meta = this.store().meta;
    if ((meta.get("lease_until") ?? 0) - now > WATCH_LEASE_MS / 2) return undefined;
    const seq = await renewWatchLease(this.databaseOf(userId), userId, now + WATCH_LEASE_MS);
    meta.set("lease_until", now + WATCH_LEASE_MS);
    meta.set("checked_at", now);
    return seq;
  }

  /** When the watched object next renews its lease and compares with D1. */
  checkDue(): number {
    return (this.store().meta.get("checked_at") ?? 0) + WATCHED_CHECK_INTERVAL_MS;
  }

  /**
   * The periodic check: renews the lease when due; returns D1's pulse sequence (null: the user is
   * gone). It counts as done from its start, so an alarm set meanwhile does not start a second one.
   */
  async check(userId: number, now: number): Promise<number | null> {
    this.store().meta.set("checked_at", now);
    const renewed = await this.hold(userId, now);
    return renewed === undefined ? loadPulseSeq(this.databaseOf(userId), userId) : renewed;
  }
}
