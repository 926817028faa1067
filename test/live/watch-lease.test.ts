// Live updates cost nothing when nobody watches: only users with viewers (a watch lease in D1) have
// their objects told of pulses; everyone else's object catches up exactly when read.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createUser, postPulse, profile, pulse } from "../helpers";
import { objectFigures, openSocket, truthFromD1, userObject, waitFor, waitForNotifiedSeq, type TestSocket } from "../live-helpers";
import { findUserById } from "../../worker/db/users";
import { loadProfileView } from "../../worker/services/live";
import type { UserStats } from "../../worker/objects/user-stats";

// Every posted pulse gets its own second: the same second with the same entries would be a retry.
let nextSecond = Date.now() - 5 * 86_400_000;
/** A fresh instant one second after the last (each pulse its own second). */
function nextAt(): number {
  nextSecond += 1000;
  return nextSecond;
}
const post = (token: string, xp: number, language = "Go") => postPulse(token, pulse([{ language, xp }], nextAt()));

/** Gives a notification that is on its way (off the response path) time to land. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

async function leaseOf(userId: number): Promise<number> {
  return (await env.DB.prepare("SELECT watched_until FROM users WHERE id = ?").bind(userId).first<number>("watched_until")) ?? 0;
}

/** The browser client's rule: apply contiguous deltas; any gap would need a resync (counted). */
function follow(socket: TestSocket) {
  const state = { seq: -1, total: 0, gaps: 0, snapshots: 0 };
  let seen = 0;
  return () => {
    for (; seen < socket.messages.length; seen++) {
      const m = socket.messages[seen];
      if (m.type === "profile.snapshot") {
        Object.assign(state, { seq: m.profile.seq, total: m.profile.totalXp });
        state.snapshots++;
      } else if (m.type === "profile.pulses") {
        if (m.fromSeq !== state.seq + 1) {
          state.gaps++;
          continue;
        }
        for (const p of m.pulses) for (const x of p.xps) state.total += x.amount;
        state.seq = m.toSeq;
      }
    }
    return state;
  };
}

describe("watch lease", () => {
  it("tells an unwatched user's object nothing; its pulses appear exactly on the next read (API, page, socket)", async () => {
    const u = await createUser();
    for (let i = 1; i <= 5; i++) expect((await post(u.token, i)).status).toBe(201);
    await settle();
    expect(await userObject(u.userId).status()).toMatchObject({ built: false }); // nobody told it
    expect((await profile(u.username)).total_xp).toBe(15); // the API read catches up
    expect(await objectFigures(u.userId)).toEqual(await truthFromD1(u.userId));

    for (let i = 0; i < 3; i++) expect((await post(u.token, 10, "Rust")).status).toBe(201);
    await settle();
    expect((await userObject(u.userId).status()).seq).toBe(5); // still not told
    const page = await loadProfileView(env, (await findUserById(env.DB, u.userId))!); // what the profile page reads
    expect(page).toMatchObject({ seq: 8, totalXp: 45 });

    expect((await post(u.token, 100)).status).toBe(201);
    const { socket } = await openSocket(`/live/users/${u.username}`);
    const snapshot = await socket!.next((m) => m.type === "profile.snapshot");
    expect(snapshot.profile).toMatchObject({ seq: 9, totalXp: 145 });
    expect(await objectFigures(u.userId)).toEqual(await truthFromD1(u.userId));
    socket!.ws.close(1000);
  });

  it("arms no alarm for an unwatched user, however many pulses and reads", async () => {
    const u = await createUser();
    for (let i = 1; i <= 4; i++) {
      await post(u.token, i);
      await profile(u.username);
    }
    expect(await runDurableObjectAlarm(userObject(u.userId))).toBe(false);
  });

  it("takes a lease when the first viewer connects, and a viewer who connects mid-stream loses and doubles nothing", async () => {
    const u = await createUser();
    expect(await leaseOf(u.userId)).toBe(0);
    const xpOf = (i: number) => (i % 9) + 1;
    let opened: TestSocket | null = null;
    // 120 pulses, 4 at a time; the viewer connects after the first 40 have been sent.
    for (let i = 0; i < 120; i += 4) {
      const sends = [0, 1, 2, 3].map((j) => post(u.token, xpOf(i + j)));
      if (i === 40) opened = (await openSocket(`/live/users/${u.username}`)).socket;
      expect((await Promise.all(sends)).every((r) => r.status === 201)).toBe(true);
    }
    const socket = opened!;
    expect(await leaseOf(u.userId)).toBeGreaterThan(Date.now());
    const state = await waitFor(async () => {
      const s = follow(socket)();
      return s.seq === 120 ? s : null;
    }, "all 120 pulses on the socket");
    const expected = Array.from({ length: 120 }, (_, i) => xpOf(i)).reduce((a, b) => a + b, 0);
    expect(state).toMatchObject({ total: expected, gaps: 0, snapshots: 1 });
    expect((await truthFromD1(u.userId)).total).toBe(expected);
    socket.ws.close(1000);
  });

  it("stops telling the object once the lease has expired", async () => {
    const u = await createUser();
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    await post(u.token, 3);
    await waitForNotifiedSeq(u.userId, 1); // watched: told
    socket!.ws.close(1000);
    // The last viewer left; the lease is left to run out (here: it has).
    await env.DB.prepare("UPDATE users SET watched_until = ? WHERE id = ?")
      .bind(Date.now() - 1, u.userId)
      .run();
    await post(u.token, 4);
    await post(u.token, 5);
    await settle();
    expect((await userObject(u.userId).status()).seq).toBe(1); // not told any more
    expect((await profile(u.username)).total_xp).toBe(12); // and exact on the next read
  });

  it("clears its alarm when the last viewer leaves, and not while one stays", async () => {
    const u = await createUser();
    const alarmOf = () => runInDurableObject(userObject(u.userId), (_instance: UserStats, state) => state.storage.getAlarm());
    const first = (await openSocket(`/live/users/${u.username}`)).socket!;
    await first.next((m) => m.type === "profile.snapshot");
    const second = (await openSocket(`/live/users/${u.username}`)).socket!;
    await second.next((m) => m.type === "profile.snapshot");
    expect(await alarmOf()).not.toBeNull(); // watched: the lease check is armed
    first.ws.close(1000);
    await waitFor(async () => (await userObject(u.userId).status()).viewers === 1, "one viewer left");
    expect(await alarmOf()).not.toBeNull(); // one viewer stays: so does the alarm
    second.ws.close(1000);
    // At once, well before the lease check the alarm was armed for (10 s after the viewer came).
    await waitFor(async () => (await alarmOf()) === null, "the alarm to be cleared after the last viewer left", 3_000);
    expect(await userObject(u.userId).status()).toMatchObject({ viewers: 0 });
    expect(await runDurableObjectAlarm(userObject(u.userId))).toBe(false); // nothing left to wake it
    await post(u.token, 7); // the lease still runs: the object is told, and arms nothing for it
    await waitForNotifiedSeq(u.userId, 1);
    expect(await alarmOf()).toBeNull();
  });

  it("serves the first read after 10,000 pulses it never heard of exactly (rebuilt from the rollups)", async () => {
    const u = await createUser();
    await post(u.token, 1);
    expect((await profile(u.username)).total_xp).toBe(1); // built, at seq 1
    const go = await env.DB.prepare("SELECT id FROM languages WHERE name_key = 'go'").first<number>("id");
    // 10,000 pulses straight into D1 (the triggers keep rollups and sequence), spread over 20 days.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
       INSERT INTO pulses (user_id, machine_id, seq, coded_at, utc_offset, received_at, xp, fingerprint, xps_intake)
       SELECT ?, ?, 1 + i, ? - i * 172800, 0, ?, (i % 7) + 1, 'bulk-' || i, json_array(json_array('go', (i % 7) + 1)) FROM n`,
    )
      .bind(u.userId, u.machineId, Date.now() - 60_000, Date.now())
      .run();
    expect(go).not.toBeNull();
    const truth = await truthFromD1(u.userId);
    expect(truth.seq).toBe(10_001);
    const api = await profile(u.username);
    expect(api.total_xp).toBe(truth.total);
    expect(api.dates).toEqual(truth.dates);
    expect(await objectFigures(u.userId)).toEqual(truth);
  });
});
