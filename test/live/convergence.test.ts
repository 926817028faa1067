// The user object converges to D1 exactly: after dropped notifications (alarm), gaps, reads, rebuilds
// and duplicated notifications.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createUser, postPulse, pulse, profile } from "../helpers";
import {
  objectFigures,
  insertPulseBehindTheWorkersBack,
  openSocket,
  truthFromD1,
  userObject,
  waitFor,
  waitForNotifiedSeq,
  waitForSeq,
} from "../live-helpers";
import type { PulseNotice } from "../../worker/objects/live-contract";

const LANGUAGES = ["Rust", "Go", "TypeScript", "Elixir"];

async function dropNotifications(userId: number, machineId: number, count: number) {
  for (let i = 0; i < count; i++) {
    await insertPulseBehindTheWorkersBack({
      userId,
      machineId,
      codedAt: Date.now() - (i + 1) * 3_600_000 - 1_000,
      utcOffset: [0, 180, -300, 330][i % 4],
      xps: [
        { language: LANGUAGES[i % 4]!, amount: 10 + i },
        { language: LANGUAGES[(i + 1) % 4]!, amount: 1 },
      ],
    });
  }
}

describe("user object convergence", () => {
  it("catches up with its alarm while watched after notifications were dropped, to exactly D1's totals", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Rust", xp: 5 }]));
    const { socket } = await openSocket(`/live/users/${u.username}`);
    await socket!.next((m) => m.type === "profile.snapshot");
    await dropNotifications(u.userId, u.machineId, 20);
    const stub = userObject(u.userId);
    expect((await stub.status()).seq).toBe(1);
    // While watched, the alarm renews the lease and compares with D1 (every 10 s): no read needed.
    await waitFor(async () => (await stub.status()).seq === 21, "the alarm to catch up", 20_000);
    const truth = await truthFromD1(u.userId);
    expect(truth.seq).toBe(21);
    expect(await objectFigures(u.userId)).toEqual(truth);
    socket!.ws.close(1000);
  });

  it("fills a gap from D1 before applying the next notified pulse", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]));
    const { socket } = await openSocket(`/live/users/${u.username}`); // watched: pulses are notified
    await socket!.next((m) => m.type === "profile.snapshot");
    await dropNotifications(u.userId, u.machineId, 5);
    await postPulse(u.token, pulse([{ language: "Go", xp: 100 }], Date.now() - 5_000));
    await waitForNotifiedSeq(u.userId, 7);
    expect(await objectFigures(u.userId)).toEqual(await truthFromD1(u.userId));
    socket!.ws.close(1000);
  });

  it("catches up to D1 before answering a read", async () => {
    const u = await createUser();
    await dropNotifications(u.userId, u.machineId, 8);
    const truth = await truthFromD1(u.userId);
    const api = await profile(u.username);
    expect(api.total_xp).toBe(truth.total);
    expect(Object.fromEntries(Object.entries(api.languages).map(([k, v]: [string, any]) => [k, v.xps]))).toEqual(truth.languages);
    expect(api.dates).toEqual(truth.dates);
  });

  it("rebuilds from D1 in one call (e.g. after its aggregate format changes)", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Elixir", xp: 3 }]));
    await waitForSeq(u.userId, 1);
    await dropNotifications(u.userId, u.machineId, 3);
    const stub = userObject(u.userId);
    // Corrupt the hot copy: only a rebuild from D1 can restore it.
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE languages SET xp = xp + 1000");
    });
    await stub.rebuild(u.userId);
    expect(await objectFigures(u.userId)).toEqual(await truthFromD1(u.userId));
  });

  it("applies a duplicated notification once", async () => {
    const u = await createUser();
    await postPulse(u.token, pulse([{ language: "Rust", xp: 7 }]));
    await waitForSeq(u.userId, 1);
    const row = await env.DB.prepare("SELECT id, coded_at, utc_offset FROM pulses WHERE user_id = ?")
      .bind(u.userId)
      .first<{ id: number; coded_at: number; utc_offset: number }>();
    const notice: PulseNotice = {
      userId: u.userId,
      pulseId: row!.id,
      seq: 1,
      machineId: u.machineId,
      codedAt: row!.coded_at,
      utcOffset: row!.utc_offset,
      entries: [{ key: "rust", amount: 7 }],
      coords: null,
    };
    const stub = userObject(u.userId);
    await Promise.all([stub.applyPulse(notice), stub.applyPulse(notice), stub.applyPulse(notice)]);
    const view = (await stub.currentView())!;
    expect(view.totalXp).toBe(7);
    expect(await objectFigures(u.userId)).toEqual(await truthFromD1(u.userId));
  });

  it("follows machine renames, deactivation and deletion (with its XP)", async () => {
    const u = await createUser({ machine: "Old name" });
    await postPulse(u.token, pulse([{ language: "Go", xp: 9 }]));
    await waitForSeq(u.userId, 1);
    const stub = userObject(u.userId);
    await env.DB.prepare("UPDATE machines SET name = 'New name' WHERE id = ?").bind(u.machineId).run();
    await stub.refreshMachines(u.userId);
    expect((await stub.currentView())!.machines.map((m) => m.name)).toEqual(["New name"]);
    await env.DB.prepare("DELETE FROM machines WHERE id = ?").bind(u.machineId).run();
    await stub.refreshMachines(u.userId);
    const view = (await stub.currentView())!;
    expect(view.totalXp).toBe(0);
    expect(view.machines).toEqual([]);
    expect(await objectFigures(u.userId)).toEqual(await truthFromD1(u.userId));
  });
});
