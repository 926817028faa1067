// Keeps a UserStats store in step with D1: applies told pulses in sequence order, replays a small gap
// from D1, rebuilds from the rollups when the gap is large or has holes. The object it serves is
// reached only through the narrow `SyncHost`.
import { utcDate } from "../domain/coded-at";
import { RECENT_WINDOW_MS } from "../domain/profile";
import { loadBookedNames, loadMachines, loadPulsesAfter, loadUserAggregates } from "../db/live";
import type { PulseNotice, UserIdentity, UserRef } from "./live-contract";
import { RECENT_DAYS_KEPT, type AppliedPulse, type UserStatsStore } from "./user-stats-store";

/**
 * A larger gap is cheaper to rebuild from the rollups (O(languages + machines + days)) than to replay
 * pulse by pulse, so a read after any number of unheard pulses costs about the same.
 */
const MAX_REPLAY = 500;
const REPLAY_PAGE = 500;

export interface SyncHost {
  /** The object's store (a new one after the object was erased). */
  store(): UserStatsStore;
  /** Whether viewers are connected: applied pulses are then logged for their broadcast. */
  watched(): boolean;
  /** Pulses were applied (their broadcast is the host's business). */
  applied(now: number): Promise<void>;
  /** Every aggregate was replaced from D1: viewers need the new state. */
  replaced(): void;
}

export class AggregateSync {
  constructor(
    /** The database holding a user (the object serves one user; partitions: worker/db/partitions.ts). */
    private readonly databaseOf: (userId: number) => D1Database,
    private readonly host: SyncHost,
  ) {}

  /** Whether the store already reflects everything D1 reported in `ref` (a read needs no sync). */
  isCurrent(ref: UserRef): boolean {
    const store = this.host.store();
    const id = store.identity();
    return id !== null && sameIdentity(id, ref) && store.lastSeq() >= ref.pulseSeq;
  }

  /** Brings the store to D1's sequence `ref.pulseSeq` and the identity D1 reported. */
  async syncTo(ref: UserRef): Promise<void> {
    if (!(await this.ensureBuilt(ref.userId))) return;
    const store = this.host.store();
    if (!sameIdentity(store.identity()!, ref)) store.setIdentity(ref);
    if (ref.pulseSeq > store.lastSeq()) await this.catchUp(ref.userId, ref.pulseSeq);
  }

  /**
   * Applies told pulses of one user in sequence order: duplicates are ignored, a gap before them is
   * filled from D1 first, and a pulse of another request between two of them is taken from D1 too.
   */
  async applyNotices(notices: readonly PulseNotice[]): Promise<void> {
    if (notices.length === 0) return;
    const sorted = [...notices].sort((a, b) => a.seq - b.seq);
    const userId = sorted[0]!.userId;
    const before = this.host.store().isBuilt() ? this.host.store().lastSeq() : 0;
    if (!(await this.ensureBuilt(userId))) return;
    const fresh = sorted.filter((n) => n.seq > before);
    if (fresh.length === 0) return; // already applied
    const store = this.host.store();
    if (store.lastSeq() < fresh[0]!.seq - 1) await this.catchUp(userId, fresh[0]!.seq - 1);
    const names = await this.bookedNames(
      userId,
      fresh.flatMap((n) => n.entries.map((e) => e.key)),
    );
    const applied: AppliedPulse[] = [];
    for (const n of fresh) {
      if (n.seq !== store.lastSeq() + applied.length + 1) continue;
      applied.push({
        seq: n.seq,
        pulseId: n.pulseId,
        machineId: n.machineId,
        codedAt: n.codedAt,
        utcOffset: n.utcOffset,
        xps: n.entries.map((e) => ({ language: names.get(e.key) ?? e.key, amount: e.amount })),
      });
    }
    if (applied.length > 0) await this.applyInOrder(applied, userId);
    if (store.lastSeq() < fresh.at(-1)!.seq) await this.catchUp(userId, fresh.at(-1)!.seq);
  }

  /** Replaces every aggregate from D1's rollups; false when the user does not exist in D1. */
  async rebuild(userId: number): Promise<boolean> {
    const now = Date.now();
    const daysSince = utcDate(now - RECENT_DAYS_KEPT * 86_400_000);
    const aggregates = await loadUserAggregates(this.databaseOf(userId), userId, now - RECENT_WINDOW_MS, daysSince);
    if (!aggregates) return false;
    this.host.store().replaceAll(aggregates, now);
    this.host.replaced();
    return true;
  }

  /** The user's machines changed: names and flags are synced; a deleted machine means a rebuild. */
  async refreshMachines(userId: number): Promise<void> {
    const store = this.host.store();
    if (!store.isBuilt()) return;
    const machines = await loadMachines(this.databaseOf(userId), userId);
    const ids = new Set(machines.map((m) => m.id));
    // A deleted machine takes its XP with it: only D1's rollups know the rest exactly.
    if (store.machineIds().some((id) => !ids.has(id))) await this.rebuild(userId);
    else {
      store.syncMachines(machines);
      this.host.replaced();
    }
  }

  /** Replays the pulses D1 has after the store's last one (or rebuilds when the gap is large). */
  async catchUp(userId: number, targetSeq: number): Promise<void> {
    const store = this.host.store();
    if (targetSeq - store.lastSeq() > MAX_REPLAY) {
      await this.rebuild(userId);
      return;
    }
    while (store.lastSeq() < targetSeq) {
      const pulses = await loadPulsesAfter(this.databaseOf(userId), userId, store.lastSeq(), REPLAY_PAGE);
      if (pulses.length === 0) break;
      // A hole in the sequence is pulses deleted since (retention, a deleted machine): only the rollups still count them.
      if (pulses.some((p, i) => p.seq !== store.lastSeq() + 1 + i)) {
        await this.rebuild(userId);
        return;
      }
      await this.applyInOrder(pulses, userId);
    }
  }

  /** Builds from D1 if never built; false when the user does not exist in D1. */
  private async ensureBuilt(userId: number): Promise<boolean> {
    const store = this.host.store();
    if (store.isBuilt() && store.identity()?.userId === userId) return true;
    return this.rebuild(userId);
  }

  /** Applies pulses (booked names already resolved), then tells the host. */
  private async applyInOrder(pulses: readonly AppliedPulse[], userId: number): Promise<void> {
    const store = this.host.store();
    const watched = this.host.watched();
    for (const p of pulses) {
      let machine = store.machineName(p.machineId);
      if (machine === null) {
        store.syncMachines(await loadMachines(this.databaseOf(userId), userId));
        machine = store.machineName(p.machineId) ?? `machine ${p.machineId}`;
      }
      // Pulses of a deleted machine can still be in flight; the sequence moves on either way.
      store.apply(p, machine, Date.now(), watched);
    }
    await this.host.applied(Date.now());
  }

  private async bookedNames(userId: number, keys: string[]): Promise<Map<string, string>> {
    const store = this.host.store();
    const names = store.bookedNames(keys);
    const missing = keys.filter((k) => !names.has(k));
    if (missing.length > 0) {
      const loaded = await loadBookedNames(this.databaseOf(userId), userId, [...new Set(missing)]);
      store.rememberBookedNames(loaded);
      for (const [k, v] of loaded) names.set(k, v);
    }
    return names;
  }
}

function sameIdentity(a: UserIdentity, b: UserIdentity): boolean {
  return a.userId === b.userId && a.username === b.username && a.private === b.private && a.createdAt === b.createdAt;
}
