// Profile viewers over real WebSockets: snapshot then deltas, coalescing, eviction, privacy.
import { evictDurableObject } from "cloudflare:test";
import { PROTOCOL_VERSION } from "../../worker/protocol";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMachine, api, createUser, postPulse, pulse } from "../helpers";
import { objectFigures, openSocket, truthFromD1, userObject, waitFor, waitForSeq, type TestSocket } from "../live-helpers";

/** What the browser client does: apply contiguous deltas, ask for a snapshot on any gap. */
function followProfile(socket: TestSocket) {
  const state = { seq: -1, total: 0, snapshots: 0, deltas: 0 };
  let seen = 0;
  const step = () => {
    for (; seen < socket.messages.length; seen++) {
      const m = socket.messages[seen];
      if (m.type === "profile.snapshot") {
        state.seq = m.profile.seq;
        state.total = m.profile.totalXp;
        state.snapshots++;
      } else if (m.type === "profile.pulses") {
        state.deltas++;
        if (m.fromSeq !== state.seq + 1) {
          if (m.toSeq > state.seq) socket.ws.send(JSON.stringify({ type: "resync" }));
          continue;
        }
        for (const p of m.pulses) for (const x of p.xps) state.total += x.amount;
        state.seq = m.toSeq;
      }
    }
    return state;
  };
  return step;
}

// Every posted pulse gets its own second: the same second with the same entries would be a retry.
let nextSecond = Date.now() - 6 * 86_400_000;

async function postMany(token: string, count: number, xpOf: (i: number) => number, concurrency = 10) {
  for (let i = 0; i < count; i += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - i) }, (_, j) => ({ k: i + j, at: nextSecond + (j + 1) * 1000 }));
    nextSecond += batch.length * 1000;
    const statuses = await Promise.all(
      batch.map(({ k, at }) => postPulse(token, pulse([{ language: k % 3 ? "Go" : "Zig", xp: xpOf(k) }], at)).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 201)).toBe(true);
  }
}

describe("profile viewers", () => {
  it("get a snapshot on connect, then each pulse with XP per language, machine and times", async () => {
    const u = await createUser({ machine: "Desk" });
    await postPulse(u.token, pulse([{ language: "Go", xp: 2 }]));
    await waitForSeq(u.userId, 1);
    const { socket } = await openSocket(`/live/users/${u.username}`);
    const snapshot = await socket!.next((m) => m.type === "profile.snapshot");
    expect(snapshot).toMatchObject({ v: PROTOCOL_VERSION, profile: { username: u.username, seq: 1, totalXp: 2 } });
    const at = Date.now() - 90_000;
    await postPulse(
      u.token,
      pulse(
        [
          { language: "Rust", xp: 30 },
          { language: "Go", xp: 15 },
        ],
        at,
        180,
      ),
    );
    const delta = await socket!.next((m) => m.type === "profile.pulses");
    expect(delta).toEqual({
      v: PROTOCOL_VERSION,
      type: "profile.pulses",
      fromSeq: 2,
      toSeq: 2,
      pulses: [
        {
          seq: 2,
          sentAt: new Date(Math.floor(at / 1000) * 1000).toISOString().replace(".000Z", "Z"),
          sentAtLocal: new Date(Math.floor(at / 1000) * 1000 + 180 * 60_000).toISOString().slice(0, 19) + "+03:00",
          machine: "Desk",
          xps: [
            { language: "Rust", amount: 30 },
            { language: "Go", amount: 15 },
          ],
        },
      ],
    });
    socket!.ws.close(1000);
  });

  it("receive a burst of 500 pulses as coalesced messages whose XP sums exactly", async () => {
    const u = await createUser();
    // Five machines share the burst: one token alone would hit its per-minute ingest limit.
    const tokens = [u.token, ...(await Promise.all(Array.from({ length: 4 }, (_, i) => addMachine(u.userId, `Extra ${i}`))))];
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    const follow = followProfile(socket!);
    await Promise.all(tokens.map((token, t) => postMany(token, 100, (i) => ((t * 100 + i) % 7) + 1, 5)));
    const expected = Array.from({ length: 500 }, (_, i) => (i % 7) + 1).reduce((a, b) => a + b, 0);
    const state = await waitFor(
      async () => {
        const s = follow();
        return s.seq === 500 ? s : null;
      },
      "all 500 pulses on the socket",
      20_000,
    );
    expect(state.total).toBe(expected);
    const deltaMessages = socket!.messages.filter((m) => m.type === "profile.pulses");
    expect(deltaMessages.length).toBeLessThan(500); // coalesced
    expect(deltaMessages.flatMap((m) => m.pulses).length).toBe(500);
    socket!.ws.close(1000);
  });

  it("lose and duplicate no XP when the object is evicted or hibernates mid-stream", async () => {
    const u = await createUser();
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    const follow = followProfile(socket!);
    const stub = userObject(u.userId);
    // Eviction needs a running object: touch it, then evict while notifications may still be in flight.
    const evictNow = async () => {
      await stub.status();
      await evictDurableObject(stub, { webSockets: "hibernate" });
    };
    await postMany(u.token, 20, (i) => i + 1, 5);
    await evictNow();
    await postMany(u.token, 20, (i) => i + 1, 5);
    await evictNow();
    await postMany(u.token, 20, (i) => i + 1, 5);
    const state = await waitFor(
      async () => {
        const s = follow();
        return s.seq === 60 ? s : null;
        // A notification cut off by the eviction is retried, or else caught up by the object's alarm.
      },
      "60 pulses on the socket",
      40_000,
    );
    expect(state.total).toBe(3 * 210);
    const truth = await truthFromD1(u.userId);
    expect(truth.total).toBe(630);
    expect(await objectFigures(u.userId)).toEqual(truth);
    socket!.ws.close(1000);
  });

  it("stop counting a viewer whose socket closed, count a new one at once, and get the next pulse only on open sockets", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]));
    const path = `/live/users/${u.username}`;
    const isSnapshot = (m: { type: string }) => m.type === "profile.snapshot";
    const [a, b] = await Promise.all([openSocket(path), openSocket(path)]).then((r) => r.map((o) => o.socket!));
    await Promise.all([a!.next(isSnapshot), b!.next(isSnapshot)]);
    expect((await userObject(u.userId).status()).viewers).toBe(2);
    a!.ws.close(1000);
    await a!.closed;
    await waitFor(async () => (await userObject(u.userId).status()).viewers === 1, "the closed socket to stop counting");
    const c = (await openSocket(path)).socket!;
    await c.next(isSnapshot);
    expect(await userObject(u.userId).viewers()).toMatchObject({ public: 2 });
    await postPulse(u.token, pulse([{ language: "Go", xp: 5 }], Date.now() - 10_000));
    for (const s of [b!, c]) {
      const delta = await s.next((m) => m.type === "profile.pulses");
      expect(delta.pulses.map((p: { xps: unknown }) => p.xps)).toEqual([[{ language: "Go", amount: 5 }]]);
    }
    expect(a!.messages.filter((m) => m.type === "profile.pulses")).toEqual([]);
    b!.ws.close(1000);
    c.ws.close(1000);
  });

  it("see the socket closed when the object is evicted with its sockets, and reconnect to a fresh snapshot", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Go", xp: 4 }]));
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    await evictDurableObject(userObject(u.userId), { webSockets: "close" });
    await socket!.closed;
    await postPulse(u.token, pulse([{ language: "Go", xp: 6 }], Date.now() - 10_000));
    const again = await openSocket(`/live/users/${u.username}`);
    const snapshot = await again.socket!.next((m) => m.type === "profile.snapshot");
    expect(snapshot.profile.totalXp).toBe(10);
    again.socket!.ws.close(1000);
  });
});

describe("resync", () => {
  it("is throttled per profile socket: a flood of resyncs gets one snapshot now and one owed, not one each", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Go", xp: 2 }]));
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    for (let i = 0; i < 500; i++) socket!.ws.send(JSON.stringify({ type: "resync" }));
    const snapshots = () => socket!.messages.filter((m) => m.type === "profile.snapshot").length;
    // The owed snapshot comes once the interval has passed (the object's alarm sends it).
    await waitFor(async () => snapshots() >= 3, "the owed snapshot");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(snapshots()).toBe(3); // the first on connect, one at once, one owed
    socket!.ws.close(1000);
  });

  it("is throttled per front-page socket", async () => {
    const { socket } = await openSocket("/live/feed");
    await socket!.next((m) => m.type === "feed.snapshot");
    for (let i = 0; i < 300; i++) socket!.ws.send(JSON.stringify({ type: "resync" }));
    const snapshots = () => socket!.messages.filter((m) => m.type === "feed.snapshot").length;
    await waitFor(async () => snapshots() >= 3, "the owed snapshot");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(snapshots()).toBe(3);
    socket!.ws.close(1000);
  });
});

describe("privacy on sockets", () => {
  it("answers a private or unknown profile's socket with the same 404 as the API", async () => {
    const hidden = await createUser({ private: true });
    for (const name of [hidden.username, `nobody-${crypto.randomUUID()}`]) {
      const res = await openSocket(`/live/users/${name}`);
      expect(res.socket).toBeNull();
      expect(res.status).toBe(404);
      expect(res.body).toBe('{"error":"User not found or private."}');
    }
  });

  it("closes public viewers' sockets the moment the profile becomes private", async () => {
    const u = await createUser();
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    await env.DB.prepare("UPDATE users SET private = 1 WHERE id = ?").bind(u.userId).run();
    await userObject(u.userId).setPrivacy(true); // what the preferences page does
    const closed = await socket!.closed;
    expect(closed.code).toBe(4404);
    await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]));
    expect(socket!.messages.filter((m) => m.type === "profile.pulses")).toEqual([]);
    expect((await openSocket(`/live/users/${u.username}`)).status).toBe(404);
  });

  it("refuses a request without an upgrade", async () => {
    const u = await createUser();
    expect((await api(`/live/users/${u.username}`)).status).toBe(426);
    expect((await api("/live/feed")).status).toBe(426);
  });
});
