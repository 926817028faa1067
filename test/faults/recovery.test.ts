// Fault injection: a stream of pulses for several users while objects are evicted, notifications are
// dropped and duplicated, D1 writes fail (and clients retry), and a viewer disconnects mid-burst.
// Pass condition: after recovery every aggregate equals the truth recomputed from D1, and no accepted
// pulse is missing or counted twice.
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { codedAt, createUser, postPulse, profile, type TestUser } from "../helpers";
import {
  objectFigures,
  insertPulseBehindTheWorkersBack,
  openSocket,
  truthFromD1,
  userObject,
  waitFor,
  type TestSocket,
} from "../live-helpers";
import { Random } from "../fuzz/generators";
import type { PulseNotice } from "../../worker/objects/live-contract";
import { shardCount } from "../../worker/objects/stubs";

const STEPS = 240;

async function evict(stub: DurableObjectStub & { status?: unknown }, touch: () => Promise<unknown>) {
  await touch(); // eviction needs a running object
  await evictDurableObject(stub, { webSockets: "hibernate" });
}

async function withFailingD1<T>(action: () => Promise<T>): Promise<T> {
  await env.DB.prepare("CREATE TRIGGER inject_failure BEFORE INSERT ON xps BEGIN SELECT RAISE(ABORT, 'injected write failure'); END").run();
  try {
    return await action();
  } finally {
    await env.DB.prepare("DROP TRIGGER inject_failure").run();
  }
}

describe("recovery from faults", () => {
  it("converges every aggregate to D1 after evictions, lost and duplicated notifications, D1 failures and a viewer dropping out", async () => {
    const r = new Random(7);
    const users: TestUser[] = await Promise.all(Array.from({ length: 4 }, () => createUser()));
    const accepted = new Map(users.map((u) => [u.userId, 0]));
    let viewer: TestSocket | null = (await openSocket(`/live/users/${users[0]!.username}`)).socket;
    await viewer!.next((m) => m.type === "profile.snapshot");
    let second = Date.now() - 5 * 86_400_000;
    const faults = { evictions: 0, dropped: 0, duplicated: 0, d1Failures: 0, retried: 0 };

    for (let step = 0; step < STEPS; step++) {
      const u = r.pick(users);
      second += 1000;
      const body = {
        coded_at: codedAt(second, r.pick([0, 120, -300])),
        xps: [{ language: r.pick(["Go", "Rust", "Zig"]), xp: 1 + r.int(30) }],
      };
      const roll = r.next();
      if (roll < 0.1) {
        // A notification that never arrives: the pulse is in D1, the object never hears of it.
        await insertPulseBehindTheWorkersBack({
          userId: u.userId,
          machineId: u.machineId,
          codedAt: second - 1000,
          xps: body.xps.map((x) => ({ language: x.language, amount: x.xp })),
        });
        faults.dropped++;
      } else if (roll < 0.15) {
        // D1 fails the write: the client sees a retryable 5xx, nothing is stored; its retry counts once.
        const failed = await withFailingD1(() => postPulse(u.token, body));
        expect(failed.status).toBe(503);
        faults.d1Failures++;
        for (let retry = 0; retry < 2; retry++) expect((await postPulse(u.token, body)).status).toBe(201);
        faults.retried++;
      } else {
        expect((await postPulse(u.token, body)).status).toBe(201);
      }
      accepted.set(u.userId, accepted.get(u.userId)! + 1);

      if (r.chance(0.06)) {
        const target = r.next();
        if (target < 0.6) await evict(userObject(u.userId), () => userObject(u.userId).status());
        else if (target < 0.85) {
          const shard = env.FEED_SHARD.getByName(`shard:${u.userId % shardCount(env)}`);
          await evict(shard, () => shard.pendingCount());
        } else {
          const feed = env.GLOBAL_FEED.getByName("global");
          await evict(feed, () => feed.view());
        }
        faults.evictions++;
      }
      if (r.chance(0.05)) {
        // A duplicated notification of an older pulse.
        const row = await env.DB.prepare(
          "SELECT id, seq, machine_id, coded_at, utc_offset FROM pulses WHERE user_id = ? ORDER BY random() LIMIT 1",
        )
          .bind(u.userId)
          .first<{ id: number; seq: number; machine_id: number; coded_at: number; utc_offset: number }>();
        // An exact copy of what the Worker sent for that pulse (its entries as stored in D1).
        const { results: entries } = await env.DB.prepare(
          "SELECT l.name_key AS key, x.amount FROM xps x JOIN languages l ON l.id = x.original_language_id WHERE x.pulse_id = ? ORDER BY x.id",
        )
          .bind(row!.id)
          .all<{ key: string; amount: number }>();
        const notice: PulseNotice = {
          userId: u.userId,
          pulseId: row!.id,
          seq: row!.seq,
          machineId: row!.machine_id,
          codedAt: row!.coded_at,
          utcOffset: row!.utc_offset,
          entries,
          coords: null,
        };
        await userObject(u.userId).applyPulse(notice);
        faults.duplicated++;
      }
      if (step === 80) {
        viewer!.ws.close(1000); // the viewer drops out mid-burst
        viewer = null;
      }
      if (step === 160) {
        viewer = (await openSocket(`/live/users/${users[0]!.username}`)).socket;
        await viewer!.next((m) => m.type === "profile.snapshot");
      }
    }

    // Recovery: unwatched objects heard of nothing; a read of each profile brings its object to D1.
    for (const u of users) expect((await profile(u.username)).total_xp).toBe((await truthFromD1(u.userId)).total);

    for (const u of users) {
      const truth = await truthFromD1(u.userId);
      // No accepted pulse missing, none counted twice (retries and duplicates included).
      expect(truth.seq).toBe(accepted.get(u.userId));
      expect(await env.DB.prepare("SELECT count(*) AS n FROM pulses WHERE user_id = ?").bind(u.userId).first<number>("n")).toBe(
        accepted.get(u.userId),
      );
      expect(await objectFigures(u.userId)).toEqual(truth);
    }

    // The reconnected viewer converges to the same total.
    const truth0 = await truthFromD1(users[0]!.userId);
    await waitFor(async () => {
      const last = [...viewer!.messages].reverse().find((m) => m.type === "profile.snapshot");
      let total = last?.profile.totalXp ?? -1;
      let seq = last?.profile.seq ?? -1;
      for (const m of viewer!.messages.slice(viewer!.messages.lastIndexOf(last) + 1)) {
        if (m.type === "profile.pulses" && m.fromSeq === seq + 1) {
          for (const p of m.pulses) for (const x of p.xps) total += x.amount;
          seq = m.toSeq;
        }
      }
      if (seq < truth0.seq) viewer!.ws.send(JSON.stringify({ type: "resync" }));
      return total === truth0.total && seq === truth0.seq;
    }, "the viewer to show D1's total");

    // The front page adds up to D1 too (shards flush on their own; the feed reconciles with D1).
    const feed = env.GLOBAL_FEED.getByName("global");
    await feed.reconcile();
    await waitFor(async () => {
      for (let i = 0; i < shardCount(env); i++) while ((await env.FEED_SHARD.getByName(`shard:${i}`).flush()) > 0);
      const publicTotal = await env.DB.prepare("SELECT SUM(total_xp) AS xp FROM users WHERE private = 0").first<number>("xp");
      return (await feed.view()).totalXp === publicTotal;
    }, "the feed to equal D1");
    viewer!.ws.close(1000);
    expect(faults.evictions).toBeGreaterThan(3);
    expect(faults.dropped).toBeGreaterThan(5);
    expect(faults.d1Failures).toBeGreaterThan(3);
    console.log("faults injected", JSON.stringify(faults));
  });
});
