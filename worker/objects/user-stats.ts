// One object per user: the user's hot aggregates (in its SQLite, so they survive eviction) and the
// WebSocket fan-out to profile viewers (hibernatable). D1 stays the source of truth. While viewers are
// connected the object holds a watch lease in D1, so the Worker tells it of each pulse; unwatched, it
// hears of nothing and catches up from D1 when it is read (every read passes D1's sequence).
// This class is the RPC surface and the wiring: syncing with D1 is `aggregate-sync.ts`, the lease
// `watch-lease.ts`, broadcasts `profile-broadcast.ts`, the alarm `alarm-schedule.ts`, sockets `sockets.ts`.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { ProfileView } from "../protocol";
import { UserStatsStore } from "./user-stats-store";
import { AggregateSync } from "./aggregate-sync";
import { AlarmSchedule } from "./alarm-schedule";
import { WatchLease } from "./watch-lease";
import { PROFILE_CHART_DAYS, ProfileBroadcaster } from "./profile-broadcast";
import { USER_REF_HEADER, VIEWER_HEADER, type PulseNotice, type UserRef, type ViewerOf } from "./live-contract";
import { acceptProfileViewer, countViewers, OWNER_TAG, PUBLIC_TAG, sessionTag } from "./profile-viewers";
import { answerPings, owedResyncs, readClientMessage, refuseNonUpgrade, sendToAll, takeResync, ViewerSockets } from "./sockets";
import { databaseOf } from "../db/partitions";

export class UserStats extends DurableObject<Env> {
  private store: UserStatsStore;
  /** Applies and rebuilds run one at a time (they await D1 in between). */
  private tail: Promise<unknown> = Promise.resolve();
  private readonly alarms: AlarmSchedule;
  private readonly broadcaster: ProfileBroadcaster;
  private readonly sync: AggregateSync;
  private readonly lease: WatchLease;
  private readonly sockets: ViewerSockets;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new UserStatsStore(ctx.storage.sql);
    this.alarms = new AlarmSchedule(ctx.storage);
    this.sockets = new ViewerSockets(ctx);
    const store = () => this.store;
    // The helpers reach the object only through these narrow hosts (kept off the RPC surface).
    this.broadcaster = new ProfileBroadcaster({ sockets: () => this.sockets.list(), wakeBy: (at) => this.alarms.wakeBy(at) }, store);
    const databaseOfUser = (userId: number) => databaseOf(env, userId);
    this.sync = new AggregateSync(databaseOfUser, {
      store,
      watched: () => this.watchers() > 0,
      applied: (now) => this.broadcaster.afterApply(now),
      replaced: () => this.broadcaster.snapshotToAll(),
    });
    this.lease = new WatchLease(databaseOfUser, store);
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
    await this.serialized(async () => {
      await this.sync.applyNotices(notices);
      await this.rearm(Date.now());
    });
  }

  /** The profile as of D1's `ref.pulseSeq` or later. */
  async profile(ref: UserRef): Promise<ProfileView> {
    return this.readAt(ref, (now) => this.store.view(now, PROFILE_CHART_DAYS));
  }

  /** The profile API document as JSON, as of D1's `ref.pulseSeq` or later (cached until it can change). */
  async profileDocument(ref: UserRef): Promise<string> {
    return this.readAt(ref, (now) => this.store.profileDocumentJson(now, PROFILE_CHART_DAYS));
  }

  /** Rebuilds every aggregate from D1 (after a format change, or on demand). */
  async rebuild(userId: number): Promise<void> {
    await this.serialized(() => this.sync.rebuild(userId));
  }

  /** The user's machines changed (added, renamed, (de)activated, deleted, new token). */
  async refreshMachines(userId: number): Promise<void> {
    await this.serialized(() => this.sync.refreshMachines(userId));
  }

  /** Privacy takes effect at once: a private profile keeps only its owner's sockets. */
  async setPrivacy(isPrivate: boolean): Promise<void> {
    await this.serialized(async () => {
      const id = this.store.identity();
      if (id) this.store.setIdentity({ ...id, private: isPrivate });
      if (isPrivate) this.sockets.close(PUBLIC_TAG, 4404, "User not found or private.");
    });
    await this.afterViewerLeft();
  }

  /** Sessions changed (password, log out everywhere): owners reconnect with a session that is still valid. */
  async closeOwnerSockets(): Promise<void> {
    this.sockets.close(OWNER_TAG, 4401, "Session ended.");
    await this.afterViewerLeft();
  }

  /** One session ended (log out): the sockets its owner opened with it close. */
  async closeSessionSockets(sessionId: number): Promise<void> {
    this.sockets.close(sessionTag(sessionId), 4401, "Session ended.");
    await this.afterViewerLeft();
  }

  /** The account is gone: close every socket and forget everything. */
  async erase(): Promise<void> {
    await this.serialized(async () => {
      this.sockets.close(undefined, 4404, "User not found or private.");
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
    return countViewers(this.sockets);
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
      const leaseSeq = await this.lease.hold(ref.userId, Date.now());
      await this.sync.syncTo({ ...ref, pulseSeq: Math.max(ref.pulseSeq, leaseSeq ?? 0) });
      // Viewers already here get what is pending first, so the newcomer's snapshot is where deltas resume.
      this.broadcaster.sendPending(Date.now());
      const { client, server } = acceptProfileViewer(this.sockets, viewer);
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
    this.sockets.closed(ws, code, reason);
    await this.afterViewerLeft();
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.sockets.closed(ws);
    await this.afterViewerLeft();
  }

  // ---- alarm: coalesced broadcasts, owed resyncs, and the lease with its D1 check ----

  override async alarm(): Promise<void> {
    this.alarms.fired();
    // The D1 check runs beside the queue of applies, not in it: a pulse told meanwhile is not held
    // behind a D1 round trip (a catch-up it calls for is queued like any apply).
    const seq = await this.checkWithD1(Date.now());
    await this.serialized(async () => {
      if (!this.store.isBuilt() || seq === null) return; // null: the account is gone; erase() follows
      if (seq !== undefined && seq > this.store.lastSeq()) await this.sync.catchUp(this.store.identity()!.userId, seq);
      const owed = owedResyncs(this.sockets.list(), Date.now());
      if (owed.due.length > 0) sendToAll(owed.due, this.broadcaster.snapshotMessage());
      this.broadcaster.sendPending(Date.now());
      this.store.prune(Date.now()); // housekeeping here, so reads stay pure reads
      await this.rearm(Date.now(), owed.next);
    });
  }

  // ---- internals ----

  /**
   * The last viewer left: the housekeeping the next alarm would have done happens now and the alarm
   * is cleared, so an unwatched object is not woken again (its lease in D1 is left to run out).
   */
  private async afterViewerLeft(): Promise<void> {
    if (this.watchers() > 0) return;
    await this.serialized(async () => {
      if (this.watchers() > 0 || !this.store.isBuilt()) return;
      this.store.prune(Date.now());
      await this.rearm(Date.now());
    });
  }

  /** While watched and due: D1's pulse sequence (the lease renewed when half of it is gone); else undefined. */
  private async checkWithD1(now: number): Promise<number | null | undefined> {
    const id = this.store.identity();
    if (!id || this.watchers() === 0 || this.lease.checkDue() > now) return undefined;
    return this.lease.check(id.userId, now);
  }

  private watchers(): number {
    return this.sockets.list().length;
  }

  /**
   * One alarm serves every job: the lease while watched, coalesced broadcasts, owed resyncs. Unwatched:
   * none. Only the alarm passes the owed resyncs' next time: elsewhere an alarm already set for them
   * stays, since the schedule only ever moves an alarm earlier while anyone watches.
   */
  private async rearm(now: number, owedResync: number | null = null): Promise<void> {
    const watched = this.watchers() > 0;
    await this.alarms.settle([watched ? Math.max(this.lease.checkDue(), now) : null, this.broadcaster.due(), owedResync], now);
  }

  /** A read: answered at once when already current (reads dominate), otherwise after syncing with D1. */
  private async readAt<T>(ref: UserRef, read: (now: number) => T): Promise<T> {
    if (this.sync.isCurrent(ref)) return read(Date.now());
    return this.serialized(async () => {
      await this.sync.syncTo(ref);
      return read(Date.now());
    });
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }
}
