// The front page's intake from this isolate: public pulses accepted here are collected across
// requests and handed to a feed shard as one batch at most every FEED_BATCH_INTERVAL_MS (a lone pulse
// after a quiet spell goes at once). Delivery is at least once (a failed send is retried; the shard
// and the feed drop duplicates by pulse id); a batch lost for good is repaired by the feed's
// reconcile with D1.
import type { Env } from "../env";
import type { FeedPulse } from "../domain/feed";
import type { KeepAlive } from "../db/group-commit";
import { loadBookedNames } from "../db/live";
import { feedShardFor } from "../objects/stubs";
import type { PulseNotice } from "../objects/live-contract";
import { callWithRetries } from "./retry";
import { databaseOf } from "../db/partitions";

const FEED_BATCH_INTERVAL_MS = 500;
/** A shard takes at most this many pulses per call; more wait for the next slot. */
const MAX_BATCH = 1_000;
/** Queued pulses beyond this are dropped (the feed's reconcile repairs the total). */
const MAX_QUEUED = 20_000;
const SEND_ATTEMPTS = 3;
/**
 * A carrier request sends for at most this long, then leaves the rest to the next request (a request's
 * `waitUntil` is bounded); a carrier that made no progress for as long is presumed cut off and replaced.
 */
const CARRY_MS = 10_000;
/** Booked (alias-resolved) names are re-read after this long, so a new alias shows within it. */
const NAME_TTL_MS = 10 * 60_000;
/** Booked names remembered per (user, language) at most; beyond, the memory starts again. */
const MAX_NAMES = 50_000;

/**
 * A public pulse as the ingest request knows it: languages by key, not yet by booked name (booked
 * names follow the user's own aliases first).
 */
export type IntakePulse = Pick<PulseNotice, "pulseId" | "userId" | "codedAt" | "entries" | "coords">;

export class FeedBatcher {
  #queued: IntakePulse[] = [];
  #sending = false;
  #carrier = 0;
  #progressAt = 0;
  #lastSentAt = 0;
  #names = new Map<string, { booked: string; at: number }>();
  /** Which shard this isolate sends to: isolates spread over the shards, any shard will do. */
  readonly #shardKey = Math.floor(Math.random() * 2 ** 31);
  batchesSent = 0;
  pulsesSent = 0;

  /** Queues a pulse; the first request to find no send in progress carries the next one (`keepAlive`). */
  add(env: Env, pulse: IntakePulse, keepAlive: KeepAlive): void {
    if (this.#queued.length >= MAX_QUEUED) return;
    this.#queued.push(pulse);
    const now = Date.now();
    if (this.#sending && now - this.#progressAt < CARRY_MS) return;
    this.#sending = true;
    this.#progressAt = now;
    keepAlive(this.#drain(env, now, ++this.#carrier));
  }

  async #drain(env: Env, started: number, carrier: number): Promise<void> {
    try {
      while (this.#queued.length > 0 && carrier === this.#carrier && Date.now() - started < CARRY_MS) {
        const wait = this.#lastSentAt + FEED_BATCH_INTERVAL_MS - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.#lastSentAt = Date.now();
        await this.#send(env, this.#queued.splice(0, MAX_BATCH));
        this.#progressAt = Date.now();
      }
    } finally {
      if (carrier === this.#carrier) this.#sending = false;
    }
  }

  #send(env: Env, batch: IntakePulse[]): Promise<void> {
    return callWithRetries(
      SEND_ATTEMPTS,
      async () => {
        const pulses = await this.#booked(env, batch);
        await feedShardFor(env, this.#shardKey).addPulses(pulses);
        this.batchesSent++;
        this.pulsesSent += pulses.length;
      },
      "feed batch lost; the feed's reconcile repairs it",
    );
  }

  /** The batch with booked language names (one D1 read for names this isolate has not seen lately). */
  async #booked(env: Env, batch: IntakePulse[]): Promise<FeedPulse[]> {
    const now = Date.now();
    const nameKey = (userId: number, key: string) => `${userId}:${key}`;
    const missing = new Map<number, Set<string>>();
    for (const p of batch) {
      for (const e of p.entries) {
        if ((this.#names.get(nameKey(p.userId, e.key))?.at ?? -Infinity) >= now - NAME_TTL_MS) continue;
        const keys = missing.get(p.userId) ?? new Set<string>();
        keys.add(e.key);
        missing.set(p.userId, keys);
      }
    }
    if (this.#names.size > MAX_NAMES) this.#names.clear();
    for (const [userId, keys] of missing) {
      for (const [key, booked] of await loadBookedNames(databaseOf(env, userId), userId, [...keys]))
        this.#names.set(nameKey(userId, key), { booked, at: now });
    }
    return batch.map((p) => ({
      pulseId: p.pulseId,
      codedAt: p.codedAt,
      xps: p.entries.map((e) => ({ language: this.#names.get(nameKey(p.userId, e.key))?.booked ?? e.key, amount: e.amount })),
      coords: p.coords,
    }));
  }
}

/** This isolate's batcher. */
export const feedBatcher = new FeedBatcher();
