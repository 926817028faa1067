// The front page counts every public pulse exactly once: across lost, duplicated and reordered
// batches, after machine and account deletions (the deleted pulses leave at once), and never a
// private profile's pulse.
import { createExecutionContext, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { BASE, createUser, postPulse, pulse } from "../helpers";
import { feedShards, globalFeedStub, openSocket, publicTotalInD1, settleFeed, waitFor } from "../live-helpers";
import { addMachine, signedUp, userIdOf } from "../accounts/browser";
import { RECONCILE_INTERVAL_MS } from "../../worker/objects/global-feed";
import type { FeedPulse } from "../../worker/domain/feed";
import worker from "../../worker/app-entry";

const feed = globalFeedStub;
const shards = feedShards;

let nextSecond = Date.now() - 3 * 3_600_000;
/** A fresh instant one second after the last (each pulse its own second). */
function nextAt(): number {
  nextSecond += 1000;
  return nextSecond;
}

/** Posts a pulse through a Worker that announces nothing (LIVE_NOTIFICATIONS off): its batch is "lost". */
async function postUnannounced(token: string, xp: number) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}/api/my/pulses`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-token": token },
      body: JSON.stringify(pulse([{ language: "Go", xp }], nextAt())),
    }),
    { ...env, LIVE_NOTIFICATIONS: "off" },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  expect(res.status).toBe(201);
}

async function feedPulsesOf(userId: number): Promise<FeedPulse[]> {
  const { results } = await env.DB.prepare("SELECT id, coded_at, xp FROM pulses WHERE user_id = ? ORDER BY id")
    .bind(userId)
    .all<{ id: number; coded_at: number; xp: number }>();
  return results.map((r) => ({ pulseId: r.id, codedAt: r.coded_at, xps: [{ language: "Go", amount: r.xp }], coords: null }));
}

describe("front-page exactness", () => {
  it("counts duplicated and reordered batches once, and repairs a lost batch with its reconcile", async () => {
    await settleFeed();
    const u = await createUser();
    for (let i = 1; i <= 6; i++) await postUnannounced(u.token, i * 10);
    const pulses = await feedPulsesOf(u.userId);
    const before = (await feed().view()).totalXp;
    // Batches arrive out of order and twice; one batch (the last two pulses) never arrives.
    const [a, b, lost] = [pulses.slice(0, 2), pulses.slice(2, 4), pulses.slice(4)];
    expect(await feed().ingest([...b].reverse())).toBe(2);
    expect(await feed().ingest(a)).toBe(2);
    expect(await feed().ingest([...b, ...a])).toBe(0);
    expect((await feed().view()).totalXp).toBe(before + 10 + 20 + 30 + 40);
    expect(lost).toHaveLength(2);
    // Nobody watches the front page, yet the reconcile is always due within its interval.
    const alarm = await runInDurableObject(feed(), (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + RECONCILE_INTERVAL_MS);
    await feed().reconcile(); // what that alarm does
    expect((await feed().view()).totalXp).toBe(await publicTotalInD1());
    // The lost batch turning up late after all changes nothing.
    expect(await feed().ingest(lost)).toBe(0);
    expect((await feed().view()).totalXp).toBe(await publicTotalInD1());
  });

  it("never lets a private profile's pulse reach a shard or the feed", async () => {
    const hidden = await createUser({ private: true });
    const visible = await createUser();
    await postPulse(hidden.token, pulse([{ language: "Secret", xp: 999 }]));
    await postPulse(visible.token, pulse([{ language: "Go", xp: 1 }]));
    await settleFeed();
    const hiddenId = (await feedPulsesOf(hidden.userId))[0]!.pulseId;
    const inFeed = await runInDurableObject(
      feed(),
      (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM deltas WHERE pulse_id = ?", hiddenId).one().n,
    );
    expect(inFeed).toBe(0);
    for (const s of shards()) {
      const pending = await runInDurableObject(
        s,
        (_i, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM pending WHERE pulse_id = ?", hiddenId).one().n,
      );
      expect(pending).toBe(0);
    }
    expect((await feed().view()).topLanguages.map((l) => l.name)).not.toContain("Secret");
  });

  it("takes a deleted account's XP off the front page at once, though its pulses were the newest counted", async () => {
    const { browser, username } = await signedUp();
    const { token } = await addMachine(browser, "Box");
    for (let i = 0; i < 3; i++) await postPulse(token, pulse([{ language: "Go", xp: 7_000 }], nextAt()));
    await settleFeed(); // the feed has counted them (the highest pulse ids in D1)
    const withUser = (await feed().view()).totalXp;
    await browser.post("/my/preferences/delete-account", { confirmation: "DELETE" });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE username = ?").bind(username).first("n")).toBe(0);
    const view = await feed().view();
    expect(view.totalXp).toBe(await publicTotalInD1());
    expect(view.totalXp).toBe(withUser - 21_000);
  });

  it("takes a deleted machine's XP and languages off the front page at once", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const keep = await addMachine(browser, "Keep");
    const doomed = await addMachine(browser, "Doomed");
    await postPulse(keep.token, pulse([{ language: "Go", xp: 5 }], nextAt()));
    await postPulse(doomed.token, pulse([{ language: "Doomedlang", xp: 9_000 }], Date.now() - 60_000));
    await settleFeed();
    expect((await feed().view()).topLanguages.map((l) => l.name)).toContain("Doomedlang");
    await browser.post(`/my/machines/${doomed.machineId}/delete`, { confirm: "yes" });
    const view = await feed().view();
    expect(view.totalXp).toBe(await publicTotalInD1());
    expect(view.topLanguages.map((l) => l.name)).not.toContain("Doomedlang");
    expect(await env.DB.prepare("SELECT total_xp FROM users WHERE id = ?").bind(userId).first<number>("total_xp")).toBe(5);
  });

  it("repairs, with its follow-up reconcile, a batch of a deleted account that arrives after the deletion", async () => {
    const { browser, username } = await signedUp();
    const userId = await userIdOf(username);
    const { token } = await addMachine(browser, "Box");
    await postUnannounced(token, 4_000); // in flight: not yet counted when the account goes
    const late = await feedPulsesOf(userId);
    await browser.post("/my/preferences/delete-account", { confirmation: "DELETE" });
    await feed().ingest(late); // the straggler lands
    await waitFor(async () => (await feed().view()).totalXp === (await publicTotalInD1()), "the follow-up reconcile", 20_000);
  });

  it("sends every front-page socket its snapshot before any update", async () => {
    for (let i = 0; i < 4; i++) {
      await new Promise((resolve) => setTimeout(resolve, 600)); // the feed's next flush is due: subscribing triggers it
      const { socket } = await openSocket("/live/feed");
      await socket!.next((m) => m.type === "feed.update" || m.type === "feed.snapshot");
      expect(socket!.messages[0].type).toBe("feed.snapshot");
      socket!.ws.close(1000);
    }
  });
});
