// The front page: shards feed the global feed, relays fan out to viewers, totals equal D1 exactly.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createUser, postPulse, pulse } from "../helpers";
import { feedShards, globalFeedStub, openSocket, publicTotalInD1, settleFeed, waitForSeq } from "../live-helpers";
import { shardCount } from "../../worker/objects/stubs";
import { minuteOf, XP_ROW_CAP } from "../../worker/domain/feed";

const feed = globalFeedStub;
const shards = feedShards;

describe("global feed", () => {
  it("adds up the shards to exactly the public total in D1, skipping private users", async () => {
    const initial = await feed().view(); // built from D1 before the new pulses
    expect(initial.totalXp).toBe(await publicTotalInD1());
    const users = await Promise.all(Array.from({ length: 6 }, () => createUser()));
    const hidden = await createUser({ private: true });
    expect(new Set(users.map((u) => u.userId % shardCount(env))).size).toBe(shardCount(env)); // every shard takes part
    let posted = 0;
    for (const [i, u] of users.entries()) {
      for (let j = 0; j < 3; j++) {
        const xp = 10 * i + j + 1;
        await postPulse(u.token, pulse([{ language: j ? "Go" : "Rust", xp }], Date.now() - (j + 1) * 60_000));
        posted += xp;
      }
      await waitForSeq(u.userId, 3);
    }
    await postPulse(hidden.token, pulse([{ language: "Secret", xp: 999 }]));
    await waitForSeq(hidden.userId, 1);
    const view = await settleFeed();
    expect(view.totalXp).toBe(initial.totalXp + posted);
    expect(view.totalXp).toBe(await publicTotalInD1());
    expect(view.topLanguages.map((l) => l.name)).not.toContain("Secret");
  });

  it("counts a pulse once when a shard delivers it twice", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Go", xp: 5 }]));
    await waitForSeq(u.userId, 1);
    await settleFeed();
    const before = (await feed().view()).totalXp;
    const row = await env.DB.prepare("SELECT id, coded_at FROM pulses WHERE user_id = ?")
      .bind(u.userId)
      .first<{ id: number; coded_at: number }>();
    const again = { pulseId: row!.id, codedAt: row!.coded_at, xps: [{ language: "Go", amount: 5 }], coords: null };
    expect(await feed().ingest([again, again])).toBe(0);
    expect((await feed().view()).totalXp).toBe(before);
  });

  it("keeps XP per minute (each XP row capped at 400) and top languages like D1", async () => {
    const u = await createUser();
    const at = Date.now() - 5 * 60_000;
    await postPulse(
      u.token,
      pulse(
        [
          { language: "Haskell", xp: 1000 },
          { language: "Haskell", xp: 50 },
        ],
        at,
      ),
    );
    await waitForSeq(u.userId, 1);
    const view = await settleFeed();
    const minute = view.minutes.find(([m]) => m === minuteOf(at));
    const fromD1 = await env.DB.prepare(
      `SELECT SUM(min(x.amount, ?)) AS xp FROM pulses p JOIN users u ON u.id = p.user_id AND u.private = 0 JOIN xps x ON x.pulse_id = p.id
       WHERE p.coded_at >= ? AND p.coded_at < ?`,
    )
      .bind(XP_ROW_CAP, minuteOf(at), minuteOf(at) + 60_000)
      .first<number>("xp");
    expect(minute?.[1]).toBe(fromD1);
    expect(view.topLanguages.find((l) => l.name === "Haskell")?.xp).toBe(1050);
  });

  it("sums pulses that arrive together into their minute and languages, and a rebuild from D1 agrees", async () => {
    const u = await createUser();
    const at = minuteOf(Date.now() - 3 * 60_000) + 5_000;
    const before = await settleFeed();
    const minuteBefore = before.minutes.find(([m]) => m === minuteOf(at))?.[1] ?? 0;
    const zigBefore = before.topLanguages.find((l) => l.name === "Zig")?.xp ?? 0;
    // Posted together, so the isolate hands them to a shard in one batch (one minute, one language hour).
    await Promise.all(
      [11, 22, 33].map((xp, i) =>
        postPulse(
          u.token,
          pulse(
            [
              { language: "Zig", xp },
              { language: "Nim", xp: 1 },
            ],
            at + i * 1000,
          ),
        ),
      ),
    );
    await waitForSeq(u.userId, 3);
    const view = await settleFeed();
    expect(view.minutes.find(([m]) => m === minuteOf(at))?.[1]).toBe(minuteBefore + 66 + 3);
    expect(view.topLanguages.find((l) => l.name === "Zig")?.xp).toBe(zigBefore + 66);
    expect(view.topLanguages.find((l) => l.name === "Nim")?.xp).toBeGreaterThanOrEqual(3);
    await feed().reconcile({ windows: true });
    const rebuilt = await feed().view();
    expect(rebuilt.minutes.find(([m]) => m === minuteOf(at))?.[1]).toBe(minuteBefore + 66 + 3);
    expect(rebuilt.topLanguages.find((l) => l.name === "Zig")?.xp).toBe(zigBefore + 66);
    expect(rebuilt.totalXp).toBe(view.totalXp);
  });

  it("pushes updates with map dots to front-page viewers through a relay", async () => {
    const { socket } = await openSocket("/live/feed");
    const snapshot = await socket!.next((m) => m.type === "feed.snapshot");
    expect(snapshot.feed.viewers).toBeGreaterThanOrEqual(1);
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "OCaml", xp: 77 }]));
    await waitForSeq(u.userId, 1);
    const from = socket!.messages.length;
    await settleFeed();
    // (An earlier test's pulse may still have its dot in the first update: wait for this pulse's dot.)
    const update = await socket!.next((m) => m.type === "feed.update" && m.dots.some((d: { xp: number }) => d.xp === 77), from);
    expect(update.totalXp).toBe(snapshot.feed.totalXp + 77);
    expect(update.dots).toContainEqual({ lat: 60.2, lon: 24.9, xp: 77 });
    expect(update.topLanguages.map((l: { name: string }) => l.name)).toContain("OCaml");
    socket!.ws.close(1000);
  });

  it("never shows a map dot for a private profile's pulse", async () => {
    const { socket } = await openSocket("/live/feed");
    await socket!.next((m) => m.type === "feed.snapshot");
    const hidden = await createUser({ private: true });
    const visible = await createUser();
    await postPulse(hidden.token, pulse([{ language: "Go", xp: 11 }]));
    await postPulse(visible.token, pulse([{ language: "Go", xp: 13 }]));
    await waitForSeq(hidden.userId, 1);
    await waitForSeq(visible.userId, 1);
    await settleFeed();
    const update = await socket!.next((m) => m.type === "feed.update" && m.dots.some((d: { xp: number }) => d.xp === 13));
    expect(socket!.messages.flatMap((m) => m.dots ?? []).some((d: { xp: number }) => d.xp === 11)).toBe(false);
    expect(update.totalXp).toBe(await publicTotalInD1());
    socket!.ws.close(1000);
  });

  it("reconciles with D1 when a profile goes private", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Go", xp: 40 }]));
    await waitForSeq(u.userId, 1);
    await settleFeed();
    await env.DB.prepare("UPDATE users SET private = 1 WHERE id = ?").bind(u.userId).run();
    await feed().reconcile();
    expect((await feed().view()).totalXp).toBe(await publicTotalInD1());
  });
});
