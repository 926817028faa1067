// machines.last_pulse_at: set by the pulse insert's trigger (migrations/0009), shown on the machines page.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { machinesOf } from "../../worker/services/machines";
import { addMachine, createUser, postPulse, pulse } from "../helpers";

describe("a machine's last pulse", () => {
  it("is empty until the first pulse, then the latest pulse's receipt time; a retry leaves it", async () => {
    const u = await createUser({ machine: "first" });
    await addMachine(u.userId, "second");
    const before = await machinesOf(env, u.userId);
    expect(before.map((m) => m.lastPulseAt)).toEqual([null, null]);

    const body = pulse([{ language: "Go", xp: 5 }]);
    const t0 = Date.now();
    expect((await postPulse(u.token, body)).status).toBe(201);
    const t1 = Date.now();
    const after = await machinesOf(env, u.userId);
    const first = after.find((m) => m.name === "first")!;
    expect(first.lastPulseAt).toBeGreaterThanOrEqual(t0);
    expect(first.lastPulseAt).toBeLessThanOrEqual(t1);
    expect(after.find((m) => m.name === "second")!.lastPulseAt).toBeNull();
    const received = await env.DB.prepare("SELECT max(received_at) AS at FROM pulses WHERE user_id = ?")
      .bind(u.userId)
      .first<{ at: number }>();
    expect(first.lastPulseAt).toBe(received!.at);

    // The same pulse again is ignored (no row), so the time stays.
    expect((await postPulse(u.token, body)).status).toBe(201);
    expect((await machinesOf(env, u.userId)).find((m) => m.name === "first")!.lastPulseAt).toBe(first.lastPulseAt);
  });
});
