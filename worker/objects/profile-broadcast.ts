// Coalesced messages to a profile's viewers: each applied pulse is logged (in the store) while someone
// watches, and sent at most once per BROADCAST_INTERVAL_MS as one `profile.pulses` message; a
// snapshot replaces the deltas when the log no longer reaches back. The object hosting the sockets
// is reached only through the narrow `BroadcastHost`.
import { formatLocal, formatUtc } from "../domain/coded-at";
import { PROTOCOL_VERSION, type ProfileServerMessage, type PulseEvent } from "../protocol";
import { sendToAll } from "./sockets";
import type { AppliedPulse, UserStatsStore } from "./user-stats-store";

/** At most one message per viewer per this interval; pulses in between are coalesced. */
const BROADCAST_INTERVAL_MS = 250;
/** The profile charts show this many recent days. */
export const PROFILE_CHART_DAYS = 14;

export interface BroadcastHost {
  /** The open viewer sockets. */
  sockets(): WebSocket[];
  /** Wakes the host (its alarm) no later than `at`, to call `sendPending`. */
  wakeBy(at: number): Promise<void>;
}

export class ProfileBroadcaster {
  constructor(
    private readonly host: BroadcastHost,
    private readonly store: () => UserStatsStore,
  ) {}

  /** After pulses were applied: sends now if the last message is old enough, otherwise when due. */
  async afterApply(now: number): Promise<void> {
    const store = this.store();
    const lastAt = store.meta.get("last_broadcast_at") ?? 0;
    if (this.host.sockets().length === 0) store.markBroadcast(store.lastSeq(), lastAt);
    else if (now - lastAt >= BROADCAST_INTERVAL_MS) this.sendPending(now);
    const due = this.due();
    if (due !== null) await this.host.wakeBy(due);
  }

  /** When unsent pulses are next due (null: nothing unsent or nobody watching). */
  due(): number | null {
    const store = this.store();
    if (this.host.sockets().length === 0 || (store.meta.get("broadcast_seq") ?? 0) >= store.lastSeq()) return null;
    return (store.meta.get("last_broadcast_at") ?? 0) + BROADCAST_INTERVAL_MS;
  }

  /** Sends every logged pulse not yet sent, as one message per viewer. */
  sendPending(now: number): void {
    const store = this.store();
    const last = store.lastSeq();
    if ((store.meta.get("broadcast_seq") ?? 0) >= last) return;
    const viewers = this.host.sockets();
    const unsent = store.unsentPulses();
    if (!unsent || unsent.pulses.length === 0) {
      // The log no longer reaches back far enough: a snapshot is the exact state.
      sendToAll(viewers, this.snapshotMessage());
    } else {
      const message = JSON.stringify({
        v: PROTOCOL_VERSION,
        type: "profile.pulses",
        fromSeq: unsent.fromSeq,
        toSeq: unsent.pulses.at(-1)!.seq,
        pulses: unsent.pulses.map(toEvent),
      } satisfies ProfileServerMessage);
      sendToAll(viewers, message);
    }
    store.markBroadcast(last, now);
  }

  /** Everyone gets the current state (after a rebuild or a change of machines). */
  snapshotToAll(): void {
    const viewers = this.host.sockets();
    if (viewers.length === 0) return;
    sendToAll(viewers, this.snapshotMessage());
    this.store().markBroadcast(this.store().lastSeq(), Date.now());
  }

  snapshotMessage(): string {
    return JSON.stringify({
      v: PROTOCOL_VERSION,
      type: "profile.snapshot",
      profile: this.store().view(Date.now(), PROFILE_CHART_DAYS),
    } satisfies ProfileServerMessage);
  }
}

function toEvent(p: AppliedPulse & { machine: string }): PulseEvent {
  return { seq: p.seq, sentAt: formatUtc(p.codedAt), sentAtLocal: formatLocal(p.codedAt, p.utcOffset), machine: p.machine, xps: p.xps };
}
