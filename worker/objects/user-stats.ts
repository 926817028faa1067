// One object per user: the user's hot aggregates (in its SQLite, so they survive eviction) and the
// WebSocket fan-out to profile viewers (hibernatable). D1 stays the source of truth. While viewers are
// connected the object holds a watch lease in D1, so the Worker tells it of each pulse; unwatched, it
// hears of nothing and catches up from D1 when it is read (every read passes D1's sequence).
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { RECENT_WINDOW_MS } from "../domain/profile";
import { utcDate } from "../domain/coded-at";
import { loadBookedNames, loadMachines, loadPulsesAfter, loadPulseSeq, loadUserAggregates, renewWatchLease } from "../db/live";
import type { ProfileView } from "../protocol";
import { RECENT_DAYS_KEPT, UserStatsStore, type AppliedPulse } from "./user-stats-store";
import { AlarmSchedule } from "./alarm-schedule";
import { PROFILE_CHART_DAYS, ProfileBroadcaster, type BroadcastHost } from "./profile-broadcast";
import { USER_REF_HEADER, VIEWER_HEADER, type PulseNotice, type UserRef, type ViewerOf, type ViewerRole } from "./live-contract";
import {
  acceptViewer,
  answerPings,
  attachmentOf,
  echoClose,
  openViewers,
  owedResyncs,
  readClientMessage,
  refuseNonUpgrade,
  sendToAll,
  takeResync,
} from "./sockets";

export { BROADCAST_INTERVAL_MS, PROFILE_CHART_DAYS } from "./profile-broadcast";

/**
 * A watch lease lasts this long; the object renews it (a D1 write) once half of it is gone while
 * viewers stay, and lets it lapse after the last one leaves.
 */
export const WATCH_LEASE_MS = 60_000;
/** While viewers are connected, D1's sequence is checked this often (a read, or the renewal's write). */
export const WATCHED_CHECK_INTERVAL_MS = 10_000;
/**
 * A larger gap is cheaper to rebuild from the rollups (O(languages + machines + days)) than to replay
 * pulse by pulse, so a read after any number of unheard pulses costs about the same.
 */
const MAX_REPLAY = 500;
const REPLAY_PAGE = 500;

/** Per-socket state kept in the socket's attachment (with the shared socket fields), across hibernation. */
interface ViewerAttachment {
  role: ViewerRole;
  sessionId: number | null;
}

const sessionTag = (sessionId: number) => `session:${sessionId}`;

export class UserStats extends DurableObject<Env> {
  private store: UserStatsStore;
  /** Applies and rebuilds run one at a time (they await D1 in between). */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly alarms: AlarmSchedule;
  private readonly broadcaster: ProfileBroadcaster;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new UserStatsStore(ctx.storage.sql);
    this.alarms = new AlarmSchedule(ctx.storage);
    // The broadcaster reaches the object only through this narrow host (kept off the RPC surface).
    const host: BroadcastHost = { sockets: () => openViewers(ctx), wakeBy: (at) => this.alarms.wakeBy(at) };
    this.broadcaster = new ProfileBroadcaster(host, () => this.store);
    answerPings(ctx);
  }

  // ---- RPC ----

  /** Applies an accepted pulse; duplicates are ignored, gaps are filled from D1 first. */
  async applyPulse(notice: PulseNotice): Promise<void> {
    await this.applyPulses([notice]);
  }

  /**
   * Applies several accepted pulses of this user at once (the XP slots of one heartbeat request), in
   * sequence order, in one step: duplicates are ignored, gaps are filled from D1 first.
   */
  async applyPulses(notices: PulseNotice[]): Promise<void> {
    if (notices.length === 0) return;
    const sorted = [...notices].sort((a, b) => a.seq - b.seq);
    const userId = sorted[0]!.userId;
    await this.serialized(async () => {
      const before = this.store.isBuilt() ? this.store.lastSeq() : 0;
      if (!(await this.ensureBuilt(userId))) return;
      const fresh = sorted.filter((n) => n.seq > before);
      if (fresh.length === 0) return; // already applied
      if (this.store.lastSeq() < fresh[0]!.seq - 1) await this.catchUp(userId, fresh[0]!.seq - 1);
      const names = await this.bookedNames(
        userId,
        fresh.flatMap((n) => n.entries.map((e) => e.key)),
      );
      const applied: AppliedPulse[] = [];
      for (const n of fresh) {
        if (n.seq !== this.store.lastSeq() + applied.length + 1) continue;
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
      // Another request's pulse between two of these: take it (and the rest) from D1.
      if (this.store.lastSeq() < fresh.at(-1)!.seq) await this.catchUp(userId, fresh.at(-1)!.seq);
      await this.rearm(Date.now());
    });
  }

  /** The profile as of D1's `ref.pulseSeq` or later. */
  async profile(ref: UserRef): Promise<ProfileView> {
    // Already current: answer at once instead of queueing behind applies (reads dominate).
    if (this.isCurrent(ref)) return this.store.view(Date.now(), PROFILE_CHART_DAYS);
    return this.serialized(async () => {
      await this.syncTo(ref);
      return this.store.view(Date.now(), PROFILE_CHART_DAYS);
    });
  }

  /** The profile API document as JSON, as of D1's `ref.pulseSeq` or later (cached until it can change). */
  async profileDocument(ref: UserRef): Promise<string> {
    if (this.isCurrent(ref)) return this.store.profileDocumentJson(Date.now(), PROFILE_CHART_DAYS);
    return this.serialized(async () => {
      await this.syncTo(ref);
      return this.store.profileDocumentJson(Date.now(), PROFILE_CHART_DAYS);
    });
  }

  /** Rebuilds every aggregate from D1 (after a format change, or on demand). */
  async rebuild(userId: number): Promise<void> {
    await this.serialized(() => this.rebuildFromD1(userId));
  }

  /** The user's machines changed (added, renamed, (de)activated, deleted, new token). */
  async refreshMachines(userId: number): Promise<void> {
    await this.serialized(async () => {
      if (!this.store.isBuilt()) return;
      const machines = await loadMachines(this.env.DB, userId);
      const ids = new Set(machines.map((m) => m.id));
      // A deleted machine takes its XP with it: only D1's rollups know the rest exactly.
      if (this.store.machineIds().some((id) => !ids.has(id))) await this.rebuildFromD1(userId);
      else this.store.syncMachines(machines);
      this.broadcaster.snapshotToAll();
    });
  }

  /** Privacy takes effect at once: a private profile keeps only its owner's sockets. */
  async setPrivacy(isPrivate: boolean): Promise<void> {
    await this.serialized(async () => {
      const id = this.store.identity();
      if (id) this.store.setIdentity({ ...id, private: isPrivate });
      if (isPrivate) for (const ws of this.ctx.getWebSockets("public")) ws.close(4404, "User not found or private.");
    });
  }

  /** Sessions changed (password, log out everywhere): owners reconnect with a session that is still valid. */
  async closeOwnerSockets(): Promise<void> {
    for (const ws of this.ctx.getWebSockets("owner")) ws.close(4401, "Session ended.");
  }

  /** One session ended (log out): the sockets its owner opened with it close. */
  async closeSessionSockets(sessionId: number): Promise<void> {
    for (const ws of this.ctx.getWebSockets(sessionTag(sessionId))) ws.close(4401, "Session ended.");
  }

  /** The account is gone: close every socket and forget everything. */
  async erase(): Promise<void> {
    await this.serialized(async () => {
      for (const ws of this.ctx.getWebSockets()) ws.close(4404, "User not found or private.");
      await this.alarms.clear();
      await this.ctx.storage.deleteAll();
      this.store = new UserStatsStore(this.ctx.storage.sql); // empty again: nothing cached survives
    });
  }

  /** The aggregates as they are now, without checking D1 (diagnostics; pages use `profile`). */
  async currentView(): Promise<ProfileView | null> {
    return this.store.isBuilt() ? this.store.view(Date.now(), PROFILE_CHART_DAYS) : null;
  }

  /** The profile API document as it is now, without checking D1 (diagnostics). */
  async currentDocument(): Promise<string | null> {
    return this.store.isBuilt() ? this.store.profileDocumentJson(Date.now(), PROFILE_CHART_DAYS) : null;
  }

  /** Applied pulse sequence and viewer count (for tests and diagnostics). */
  async status(): Promise<{ built: boolean; seq: number; viewers: number }> {
    return { built: this.store.isBuilt(), seq: this.store.lastSeq(), viewers: this.watchers() };
  }

  /** Connected viewers by role, from the sockets' attachments (diagnostics). */
  async viewers(): Promise<{ owner: number; public: number; oldestOpenedAt: number | null }> {
    const counts = { owner: 0, public: 0, oldestOpenedAt: null as number | null };
    for (const ws of openViewers(this.ctx)) {
      const a = attachmentOf<ViewerAttachment>(ws);
      if (!a) continue;
      counts[a.role]++;
      counts.oldestOpenedAt = Math.min(counts.oldestOpenedAt ?? a.openedAt, a.openedAt);
    }
    return counts;
  }

  // ---- WebSocket viewers ----

  override async fetch(request: Request): Promise<Response> {
    const refused = refuseNonUpgrade(request);
    if (refused) return refused;
    const ref = JSON.parse(request.headers.get(USER_REF_HEADER) ?? "null") as UserRef | null;
    const viewer = JSON.parse(request.headers.get(VIEWER_HEADER) ?? "null") as ViewerOf | null;
    if (!ref || !viewer) return new Response("missing user", { status: 400 });
    const client = await this.serialized(async () => {
      // The lease first, then the snapshot: every pulse after the lease write is told to this object,
      // every one before it is within the sequence the write returns.
      const leaseSeq = await this.holdLease(ref.userId, Date.now());
      await this.syncTo({ ...ref, pulseSeq: Math.max(ref.pulseSeq, leaseSeq ?? 0) });
      const tags = viewer.role === "owner" ? ["owner", sessionTag(viewer.sessionId)] : ["public"];
      const sessionId = viewer.role === "owner" ? viewer.sessionId : null;
      // Viewers already here get what is pending first, so the newcomer's snapshot is where deltas resume.
      this.broadcaster.sendPending(Date.now());
      const { client, server } = acceptViewer<ViewerAttachment>(this.ctx, tags, { role: viewer.role, sessionId });
      server.send(this.broadcaster.snapshotMessage());
      await this.rearm(Date.now());
      return client;
    });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (readClientMessage(message)?.type !== "resync" || !this.store.isBuilt()) return;
    const turn = takeResync(ws, Date.now());
    if (turn.now) ws.send(this.broadcaster.snapshotMessage());
    else await this.alarms.wakeBy(turn.owedAt);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    echoClose(ws, code, reason);
  }

  // ---- alarm: coalesced broadcasts, owed resyncs, and the lease with its D1 check ----

  override async alarm(): Promise<void> {
    this.alarms.fired();
    await this.serialized(async () => {
      if (!this.store.isBuilt()) return;
      const now = Date.now();
      if (this.watchers() > 0 && this.checkDue() <= now) {
        const userId = this.store.identity()!.userId;
        const renewed = await this.holdLease(userId, now);
        const seq = renewed === undefined ? await loadPulseSeq(this.env.DB, userId) : renewed;
        this.store.meta.set("checked_at", now);
        if (seq === null) return; // the account is gone; erase() follows
        if (seq > this.store.lastSeq()) await this.catchUp(userId, seq);
      }
      const owed = owedResyncs(this.ctx, Date.now()).due;
      if (owed.length > 0) sendToAll(owed, this.broadcaster.snapshotMessage());
      this.broadcaster.sendPending(Date.now());
      this.store.prune(Date.now()); // housekeeping here, so reads stay pure reads
      await this.rearm(Date.now());
    });
  }

  private watchers(): number {
    return openViewers(this.ctx).length;
  }

  /**
   * Makes sure D1's lease runs well past now (renewing it once half is gone); returns D1's pulse
   * sequence as of the write, or undefined when no write was needed, null when the user is gone.
   */
  private async holdLease(userId: number, now: number): Promise<number | null | undefined> {
    if ((this.store.meta.get("lease_until") ?? 0) - now > WATCH_LEASE_MS / 2) return undefined;
    const seq = await renewWatchLease(this.env.DB, userId, now + WATCH_LEASE_MS);
    this.store.meta.set("lease_until", now + WATCH_LEASE_MS);
    this.store.meta.set("checked_at", now);
    return seq;
  }

  /** When the watched object next renews its lease and checks D1. */
  private checkDue(): number {
    return (this.store.meta.get("checked_at") ?? 0) + WATCHED_CHECK_INTERVAL_MS;
  }

  /** One alarm serves every job: the lease while watched, coalesced broadcasts, owed resyncs. Unwatched: none. */
  private async rearm(now: number): Promise<void> {
    const watched = this.watchers() > 0;
    await this.alarms.settle(
      [watched ? Math.max(this.checkDue(), now) : null, this.broadcaster.due(), owedResyncs(this.ctx, -Infinity).next],
      now,
    );
  }

  // ---- internals ----

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Whether the object already reflects everything D1 reported in `ref` (a read needs no sync). */
  private isCurrent(ref: UserRef): boolean {
    const id = this.store.identity();
    return (
      id !== null &&
      id.userId === ref.userId &&
      id.username === ref.username &&
      id.private === ref.private &&
      id.createdAt === ref.createdAt &&
      this.store.lastSeq() >= ref.pulseSeq
    );
  }

  /** Builds from D1 if never built; false when the user does not exist in D1. */
  private async ensureBuilt(userId: number): Promise<boolean> {
    if (this.store.isBuilt() && this.store.identity()?.userId === userId) return true;
    return this.rebuildFromD1(userId);
  }

  private async rebuildFromD1(userId: number): Promise<boolean> {
    const now = Date.now();
    const daysSince = utcDate(now - RECENT_DAYS_KEPT * 86_400_000);
    const aggregates = await loadUserAggregates(this.env.DB, userId, now - RECENT_WINDOW_MS, daysSince);
    if (!aggregates) return false;
    this.store.replaceAll(aggregates, now);
    this.broadcaster.snapshotToAll();
    return true;
  }

  /** Brings the object to D1's sequence `ref.pulseSeq` and the identity D1 reported. */
  private async syncTo(ref: UserRef): Promise<void> {
    if (!(await this.ensureBuilt(ref.userId))) return;
    const id = this.store.identity()!;
    if (id.username !== ref.username || id.private !== ref.private || id.createdAt !== ref.createdAt) this.store.setIdentity(ref);
    if (ref.pulseSeq > this.store.lastSeq()) await this.catchUp(ref.userId, ref.pulseSeq);
  }

  /** Replays the pulses D1 has after our last one (or rebuilds when the gap is large). */
  private async catchUp(userId: number, targetSeq: number): Promise<void> {
    if (targetSeq - this.store.lastSeq() > MAX_REPLAY) {
      await this.rebuildFromD1(userId);
      return;
    }
    while (this.store.lastSeq() < targetSeq) {
      const pulses = await loadPulsesAfter(this.env.DB, userId, this.store.lastSeq(), REPLAY_PAGE);
      if (pulses.length === 0) break;
      // A hole in the sequence is pulses deleted since (retention, a deleted machine): only the rollups still count them.
      if (pulses.some((p, i) => p.seq !== this.store.lastSeq() + 1 + i)) {
        await this.rebuildFromD1(userId);
        return;
      }
      await this.applyInOrder(pulses, userId);
    }
  }

  /** Applies pulses (booked names already resolved) and schedules their broadcast. */
  private async applyInOrder(pulses: AppliedPulse[], userId: number): Promise<void> {
    const watched = this.watchers() > 0;
    for (const p of pulses) {
      let machine = this.store.machineName(p.machineId);
      if (machine === null) {
        this.store.syncMachines(await loadMachines(this.env.DB, userId));
        machine = this.store.machineName(p.machineId) ?? `machine ${p.machineId}`;
      }
      // Pulses of a deleted machine can still be in flight; the sequence moves on either way.
      this.store.apply(p, machine, Date.now(), watched);
    }
    await this.broadcaster.afterApply(Date.now());
  }

  private async bookedNames(userId: number, keys: string[]): Promise<Map<string, string>> {
    const names = this.store.bookedNames(keys);
    const missing = keys.filter((k) => !names.has(k));
    if (missing.length > 0) {
      const loaded = await loadBookedNames(this.env.DB, userId, [...new Set(missing)]);
      this.store.rememberBookedNames(loaded);
      for (const [k, v] of loaded) names.set(k, v);
    }
    return names;
  }
}
