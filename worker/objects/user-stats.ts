// One object per user: the user's hot aggregates (in its SQLite, so they survive eviction) and the
// WebSocket fan-out to profile viewers (hibernatable). D1 stays the source of truth: the object
// applies each pulse the Worker tells it about, catches up from D1 when it sees a gap or when its
// alarm finds it behind, and rebuilds itself from D1 in one call.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { formatLocal, formatUtc, utcDate } from "../domain/coded-at";
import { isWebSocketUpgrade } from "../http/negotiation";
import { RECENT_WINDOW_MS } from "../domain/profile";
import type { FeedPulse } from "../domain/feed";
import { loadBookedNames, loadMachines, loadPulsesAfter, loadPulseSeq, loadUserAggregates } from "../db/live";
import { PING, PONG, PROTOCOL_VERSION, type ClientMessage, type ProfileServerMessage, type ProfileView, type PulseEvent } from "../protocol";
import { RECENT_DAYS_KEPT, UserStatsStore, type AppliedPulse, type UserIdentity } from "./user-stats-store";
import { feedShardFor } from "./stubs";
import { errorMessage, log } from "../observability/log";

/** At most one message per viewer per this interval; pulses in between are coalesced. */
export const BROADCAST_INTERVAL_MS = 250;
/**
 * After the last applied pulse, the alarm checks D1 for pulses whose notification never came.
 * Plugins send every ~10 s while someone types, so this runs once after a burst, not per pulse.
 */
export const VERIFY_DELAY_MS = 15_000;
/** While viewers are connected, the alarm re-checks D1 this often. */
const VERIFY_INTERVAL_WITH_VIEWERS_MS = 10_000;
/** A larger gap is cheaper to rebuild from the rollups than to replay pulse by pulse. */
const MAX_REPLAY = 5_000;
const REPLAY_PAGE = 500;
/** The profile charts show this many recent days. */
export const PROFILE_CHART_DAYS = 14;

/** What the Worker tells the object after an accepted pulse. */
export interface PulseNotice {
  userId: number;
  pulseId: number;
  seq: number;
  machineId: number;
  codedAt: number;
  utcOffset: number;
  /** Languages as sent: `key` is the case-insensitive identity; the object books them by alias. */
  entries: { key: string; amount: number }[];
  coords: { lat: number; lon: number } | null;
}

/** What the Worker knows of the user from D1 when it asks for the profile or opens a socket. */
export interface UserRef extends UserIdentity {
  /** The user's pulse sequence in D1: the object catches up to it before answering. */
  pulseSeq: number;
}

export type ViewerRole = "owner" | "public";

/** Per-socket state kept in the socket's attachment, so it survives hibernation. */
interface ViewerAttachment {
  role: ViewerRole;
  openedAt: number;
}

export class UserStats extends DurableObject<Env> {
  private store: UserStatsStore;
  /** Applies and rebuilds run one at a time (they await D1 in between). */
  private tail: Promise<unknown> = Promise.resolve();
  /** The alarm time last set (undefined: not known since the object started). */
  private scheduledAlarm: number | null | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new UserStatsStore(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
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
      const names = await this.bookedNames(userId, fresh.flatMap((n) => n.entries.map((e) => e.key)));
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
      // The pulses may also have come in through a rebuild or a catch-up: the feed ignores duplicates.
      await this.forwardToFeed(fresh.map((n) => ({ pulseId: n.pulseId, codedAt: n.codedAt, xps: n.entries.map((e) => ({ language: names.get(e.key) ?? e.key, amount: e.amount })), coords: n.coords })));
      // Whatever path applied them, the check against D1 is due a while after this activity.
      this.store.meta.set("last_activity_at", Date.now());
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
      const known = this.ctx.storage.sql.exec<{ id: number }>("SELECT id FROM machines").toArray();
      // A deleted machine takes its XP with it: only D1's rollups know the rest exactly.
      if (known.some((m) => !ids.has(m.id))) await this.rebuildFromD1(userId);
      else this.store.syncMachines(machines);
      await this.sendSnapshotToAll();
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

  /** Sessions changed: owners reconnect with a session that is still valid. */
  async closeOwnerSockets(): Promise<void> {
    for (const ws of this.ctx.getWebSockets("owner")) ws.close(4401, "Session ended.");
  }

  /** The account is gone: close every socket and forget everything. */
  async erase(): Promise<void> {
    await this.serialized(async () => {
      for (const ws of this.ctx.getWebSockets()) ws.close(4404, "User not found or private.");
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      this.scheduledAlarm = null;
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
    return { built: this.store.isBuilt(), seq: this.store.lastSeq(), viewers: this.ctx.getWebSockets("viewer").length };
  }

  /** Connected viewers by role, from the sockets' attachments (diagnostics). */
  async viewers(): Promise<{ owner: number; public: number; oldestOpenedAt: number | null }> {
    const counts = { owner: 0, public: 0, oldestOpenedAt: null as number | null };
    for (const ws of this.ctx.getWebSockets("viewer")) {
      const a = ws.deserializeAttachment() as ViewerAttachment | null;
      if (!a) continue;
      counts[a.role]++;
      counts.oldestOpenedAt = Math.min(counts.oldestOpenedAt ?? a.openedAt, a.openedAt);
    }
    return counts;
  }

  // ---- WebSocket viewers ----

  override async fetch(request: Request): Promise<Response> {
    if (!isWebSocketUpgrade(request)) return new Response("expected a WebSocket upgrade", { status: 426 });
    const ref = JSON.parse(request.headers.get("x-user-ref") ?? "null") as UserRef | null;
    const role = request.headers.get("x-viewer-role") === "owner" ? "owner" : "public";
    if (!ref) return new Response("missing user", { status: 400 });
    const view = await this.serialized(async () => {
      await this.syncTo(ref);
      return this.store.view(Date.now(), PROFILE_CHART_DAYS);
    });
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, ["viewer", role]);
    server.serializeAttachment({ role, openedAt: Date.now() } satisfies ViewerAttachment);
    server.send(JSON.stringify({ v: PROTOCOL_VERSION, type: "profile.snapshot", profile: view } satisfies ProfileServerMessage));
    await this.rearm(Date.now());
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string" || message.length > 1024) return;
    let parsed: ClientMessage | null = null;
    try {
      parsed = JSON.parse(message) as ClientMessage;
    } catch {
      return;
    }
    if (parsed?.type === "resync" && this.store.isBuilt()) ws.send(this.snapshotMessage());
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    // 1005/1006 are not valid close codes to send back.
    ws.close(code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  // ---- alarm: coalesced broadcasts and the D1 check ----

  override async alarm(): Promise<void> {
    this.scheduledAlarm = null; // this alarm has fired
    await this.serialized(async () => {
      if (!this.store.isBuilt()) return;
      const now = Date.now();
      if (this.ctx.getWebSockets("viewer").length > 0 || this.verifyDue() <= now) {
        const userId = this.store.identity()!.userId;
        const seq = await loadPulseSeq(this.env.DB, userId);
        if (seq === null) return; // the account is gone; erase() follows
        if (seq > this.store.lastSeq()) await this.catchUp(userId, seq);
        this.store.meta.set("verified_at", Date.now());
      }
      this.broadcastPending(Date.now());
      this.store.prune(Date.now()); // housekeeping here, so reads stay pure reads
      await this.rearm(Date.now());
    });
  }

  /** When D1 should next be checked for pulses whose notification never came (Infinity: not needed). */
  private verifyDue(): number {
    const activity = this.store.meta.get("last_activity_at");
    if (activity === null || (this.store.meta.get("verified_at") ?? 0) >= activity) return Infinity;
    return activity + VERIFY_DELAY_MS;
  }

  /** One alarm serves every job: it is set to the earliest one due. */
  private async rearm(now: number): Promise<void> {
    const viewers = this.ctx.getWebSockets("viewer").length;
    const due = [this.verifyDue()];
    if (viewers > 0) {
      due.push(now + VERIFY_INTERVAL_WITH_VIEWERS_MS);
      if ((this.store.meta.get("broadcast_seq") ?? 0) < this.store.lastSeq()) due.push((this.store.meta.get("last_broadcast_at") ?? 0) + BROADCAST_INTERVAL_MS);
    }
    const next = Math.min(...due);
    const at = next === Infinity ? null : Math.max(next, now);
    this.scheduledAlarm ??= await this.ctx.storage.getAlarm();
    // An alarm already due earlier stays: when it fires it finds what is due and re-arms. So a stream
    // of pulses (each moving the D1 check later) writes no alarm per pulse.
    if (at === this.scheduledAlarm || (at !== null && this.scheduledAlarm !== null && this.scheduledAlarm <= at)) return;
    if (at === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(at);
    this.scheduledAlarm = at;
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
    await this.sendSnapshotToAll();
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
      await this.forwardToFeed(pulses.map((p) => ({ pulseId: p.pulseId, codedAt: p.codedAt, xps: p.xps, coords: null })));
    }
  }

  /** Applies pulses (booked names already resolved) and schedules their broadcast. */
  private async applyInOrder(pulses: AppliedPulse[], userId: number): Promise<void> {
    for (const p of pulses) {
      let machine = this.store.machineName(p.machineId);
      if (machine === null) {
        this.store.syncMachines(await loadMachines(this.env.DB, userId));
        machine = this.store.machineName(p.machineId) ?? `machine ${p.machineId}`;
      }
      // Pulses of a deleted machine can still be in flight; the sequence moves on either way.
      this.store.apply(p, machine, Date.now(), this.ctx.getWebSockets("viewer").length > 0);
    }
    await this.scheduleBroadcast();
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

  /** Public profiles' pulses go to the user's aggregator shard for the front page. */
  private async forwardToFeed(pulses: FeedPulse[]): Promise<void> {
    const id = this.store.identity();
    if (pulses.length === 0 || !id || id.private) return;
    try {
      await feedShardFor(this.env, id.userId).addPulses(pulses);
    } catch (error) {
      // The front page reconciles with D1 periodically; a lost forward is repaired there.
      log("error", "feed forward failed", { error: errorMessage(error) });
    }
  }

  /** Sends now if the last message is old enough; otherwise the alarm sends the coalesced rest. */
  private async scheduleBroadcast(): Promise<void> {
    const now = Date.now();
    const lastAt = this.store.meta.get("last_broadcast_at") ?? 0;
    if (this.ctx.getWebSockets("viewer").length === 0) this.store.markBroadcast(this.store.lastSeq(), lastAt);
    else if (now - lastAt >= BROADCAST_INTERVAL_MS) this.broadcastPending(now);
    await this.rearm(now);
  }

  /** Sends every logged pulse not yet sent, as one message per viewer. */
  private broadcastPending(now: number): void {
    const last = this.store.lastSeq();
    if ((this.store.meta.get("broadcast_seq") ?? 0) >= last) return;
    const viewers = this.ctx.getWebSockets("viewer");
    const unsent = this.store.unsentPulses();
    if (!unsent || unsent.pulses.length === 0) {
      // The log no longer reaches back far enough: a snapshot is the exact state.
      const snapshot = this.snapshotMessage();
      for (const ws of viewers) ws.send(snapshot);
    } else {
      const message = JSON.stringify({
        v: PROTOCOL_VERSION,
        type: "profile.pulses",
        fromSeq: unsent.fromSeq,
        toSeq: unsent.pulses.at(-1)!.seq,
        pulses: unsent.pulses.map(toEvent),
      } satisfies ProfileServerMessage);
      for (const ws of viewers) ws.send(message);
    }
    this.store.markBroadcast(last, now);
  }

  private async sendSnapshotToAll(): Promise<void> {
    const viewers = this.ctx.getWebSockets("viewer");
    if (viewers.length === 0) return;
    const snapshot = this.snapshotMessage();
    for (const ws of viewers) ws.send(snapshot);
    this.store.markBroadcast(this.store.lastSeq(), Date.now());
  }

  private snapshotMessage(): string {
    return JSON.stringify({ v: PROTOCOL_VERSION, type: "profile.snapshot", profile: this.store.view(Date.now(), PROFILE_CHART_DAYS) } satisfies ProfileServerMessage);
  }

}

function toEvent(p: AppliedPulse & { machine: string }): PulseEvent {
  return { seq: p.seq, sentAt: formatUtc(p.codedAt), sentAtLocal: formatLocal(p.codedAt, p.utcOffset), machine: p.machine, xps: p.xps };
}
