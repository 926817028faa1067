// XP from heartbeats: each property of the rule, booked per language and machine like pulses, and
// delivered live to profile viewers.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMachine, createUser, profile } from "../helpers";
import { openSocket, waitFor } from "../live-helpers";
import { XP_PER_SLOT, XP_SLOT_MS } from "../../worker/domain/heartbeat-xp";
import { hb, postHeartbeats } from "./wk-helpers";

const totalXp = async (userId: number) =>
  Number(await env.DB.prepare("SELECT total_xp AS xp FROM users WHERE id = ?").bind(userId).first("xp"));
/** Start of a 2-minute slot some hours ago, in seconds. */
const slotAgo = (hours: number) => (Math.floor((Date.now() - hours * 3_600_000) / XP_SLOT_MS) * XP_SLOT_MS) / 1000;

describe("XP from heartbeats", () => {
  it("is in the Code::Stats range: an hour of steady work (a heartbeat every 2 minutes) earns 1,800 XP", async () => {
    const u = await createUser();
    const start = slotAgo(5);
    const beats = Array.from({ length: 30 }, (_, i) => hb(start + i * 120 + 5, { entity: `f${i % 3}.ts` }));
    for (let i = 0; i < beats.length; i += 10) expect((await postHeartbeats(u.token, beats.slice(i, i + 10))).status).toBe(201);
    expect(await totalXp(u.userId)).toBe(30 * XP_PER_SLOT);
    expect(30 * XP_PER_SLOT).toBe(1_800);
  });

  it("is bounded by real time: a thousand heartbeats in one minute earn no more than one slot's XP", async () => {
    const u = await createUser();
    const start = slotAgo(6);
    for (let r = 0; r < 10; r++) {
      const beats = Array.from({ length: 100 }, (_, i) => hb(start + 10 + (r * 100 + i) * 0.05, { entity: `e${r}-${i}.ts` }));
      expect((await postHeartbeats(u.token, beats)).status).toBe(201);
    }
    expect(await totalXp(u.userId)).toBe(XP_PER_SLOT);
    // ... whereas steady work through that minute and the next earns the same or more.
    const steady = await createUser();
    await postHeartbeats(steady.token, [hb(start + 10), hb(start + 70)]);
    expect(await totalXp(steady.userId)).toBeGreaterThanOrEqual(await totalXp(u.userId));
  });

  it("is idempotent: retries and offline re-syncs earn nothing more", async () => {
    const u = await createUser();
    const start = slotAgo(7);
    const beats = Array.from({ length: 10 }, (_, i) => hb(start + i * 60, { entity: `r${i}` }));
    await postHeartbeats(u.token, beats);
    const once = await totalXp(u.userId);
    expect(once).toBe(5 * XP_PER_SLOT);
    await postHeartbeats(u.token, beats);
    await postHeartbeats(u.token, beats.slice(3, 7));
    expect(await totalXp(u.userId)).toBe(once);
  });

  it("is independent of arrival order: an offline batch synced later gives the same totals as live arrival", async () => {
    const start = slotAgo(30);
    const beats = Array.from({ length: 20 }, (_, i) => hb(start + i * 50, { entity: `o${i}`, language: i % 3 ? "Go" : "Python" }));
    const live = await createUser();
    for (const b of beats) await postHeartbeats(live.token, [b]);
    const offline = await createUser();
    await postHeartbeats(offline.token, [...beats].reverse().slice(0, 10));
    await postHeartbeats(offline.token, [...beats].reverse().slice(10));
    const byLanguage = async (username: string) => (await profile(username)).languages;
    expect(await totalXp(offline.userId)).toBe(await totalXp(live.userId));
    expect(await byLanguage(offline.username)).toEqual(await byLanguage(live.username));
  });

  it("is booked per language and machine on the profile; heartbeats without a language earn nothing", async () => {
    const u = await createUser({ machine: "Laptop" });
    const desk = await addMachine(u.userId, "Desk");
    const start = slotAgo(8);
    await postHeartbeats(u.token, [hb(start, { language: "Go" }), hb(start + 1, { language: "Zig", entity: "z" })]);
    await postHeartbeats(desk, [
      hb(start + 2, { language: "Go", entity: "d" }),
      hb(start + 3, { type: "domain", entity: "example.com", language: null }),
    ]);
    const p = await profile(u.username);
    expect(p.total_xp).toBe(3 * XP_PER_SLOT);
    expect(p.languages.Go.xps).toBe(2 * XP_PER_SLOT);
    expect(p.languages.Zig.xps).toBe(XP_PER_SLOT);
    expect(p.machines.Laptop.xps).toBe(2 * XP_PER_SLOT);
    expect(p.machines.Desk.xps).toBe(XP_PER_SLOT);
  });

  it("reaches an open profile's viewers live, like a pulse", async () => {
    const u = await createUser({ machine: "Desk" });
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    const t = Math.floor(Date.now() / 1000) - 30;
    expect((await postHeartbeats(u.token, [hb(t, { language: "Elixir" })])).status).toBe(201);
    const delta = await socket!.next((m) => m.type === "profile.pulses");
    expect(delta.pulses).toEqual([expect.objectContaining({ machine: "Desk", xps: [{ language: "Elixir", amount: XP_PER_SLOT }] })]);
    socket!.ws.close(1000);
    await waitFor(async () => (await profile(u.username)).total_xp === XP_PER_SLOT, "profile total");
  });

  it("delivers the several slots of one offline batch to viewers, in sequence and summing exactly", async () => {
    const u = await createUser({ machine: "Desk" });
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    const start = slotAgo(3);
    // Five slots in one request (an offline re-sync of 10 minutes of work).
    expect(
      (
        await postHeartbeats(
          u.token,
          Array.from({ length: 10 }, (_, i) => hb(start + i * 60, { entity: `o${i}`, language: "Ada" })),
        )
      ).status,
    ).toBe(201);
    await waitFor(
      async () => socket!.messages.filter((m) => m.type === "profile.pulses").flatMap((m) => m.pulses).length >= 5 || null,
      "five slot pulses",
    );
    const deltas = socket!.messages.filter((m) => m.type === "profile.pulses");
    const seqs = deltas.flatMap((m) => m.pulses.map((p: any) => p.seq));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
    expect(deltas.flatMap((m) => m.pulses).reduce((sum: number, p: any) => sum + p.xps[0].amount, 0)).toBe(5 * XP_PER_SLOT);
    socket!.ws.close(1000);
    expect((await profile(u.username)).total_xp).toBe(5 * XP_PER_SLOT);
  });
});
