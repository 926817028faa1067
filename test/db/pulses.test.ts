// The pulse write itself: one insert whose XP entries a trigger turns into rows, all or nothing.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordPulse } from "../../worker/db/pulses";
import { isConstraintError } from "../../worker/db/sql";
import { validatePulse, type ValidPulse } from "../../worker/domain/pulse";
import { hashToken } from "../../worker/domain/token";
import { count, createUser, pulse, uniqueName } from "../helpers";

function validPulse(xps: { language: string; xp: number }[]): ValidPulse {
  const v = validatePulse(pulse(xps), Date.now());
  if (!v.ok) throw new Error(v.message);
  return v.pulse;
}

async function write(token: string, p: ValidPulse, languagesKnown: boolean, fingerprint = crypto.randomUUID().slice(0, 32)) {
  return recordPulse(env.DB, { tokenHash: await hashToken(token), pulse: p, fingerprint, receivedAt: Date.now(), languagesKnown });
}

describe("recordPulse", () => {
  it("stores every entry as an XP row, in order, and leaves the intake column empty", async () => {
    const u = await createUser();
    const prefix = uniqueName("many");
    // More entries than the old per-statement row limit (45), with distinct amounts to check pairing.
    const xps = Array.from({ length: 100 }, (_, i) => ({ language: `${prefix}-${i}`, xp: i + 1 }));
    const outcome = await write(u.token, validPulse(xps), false);
    if (outcome.status !== "stored") throw new Error(outcome.status);

    const rows = await env.DB.prepare(
      `SELECT l.name AS language, x.amount AS xp FROM xps x JOIN languages l ON l.id = x.language_id WHERE x.pulse_id = ? ORDER BY x.id`,
    )
      .bind(outcome.ref.pulseId)
      .all<{ language: string; xp: number }>();
    expect(rows.results).toEqual(xps);
    const stored = await env.DB.prepare("SELECT xp, xps_intake FROM pulses WHERE id = ?").bind(outcome.ref.pulseId).first();
    expect(stored).toEqual({ xp: (100 * 101) / 2, xps_intake: null });
    // The rollup triggers saw the rows the intake trigger wrote.
    expect(await count("machine_daily_xp", "machine_id = ?", u.machineId)).toBe(100);
    const total = await env.DB.prepare("SELECT total_xp FROM users WHERE id = ?").bind(u.userId).first<number>("total_xp");
    expect(total).toBe((100 * 101) / 2);
  });

  it("writes nothing at all when a language it was told exists does not (and then stores it once told the truth)", async () => {
    const u = await createUser();
    const p = validPulse([
      { language: "TypeScript", xp: 5 },
      { language: uniqueName("never-stored"), xp: 7 },
    ]);
    // INSERT OR IGNORE would have let the trigger skip the unknown row and keep the pulse: it must abort.
    const error = await write(u.token, p, true).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isConstraintError(error, "NOT NULL constraint failed: xps.")).toBe(true);
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(0);
    expect(await count("machine_daily_xp", "machine_id = ?", u.machineId)).toBe(0);
    const seq = await env.DB.prepare("SELECT pulse_seq FROM users WHERE id = ?").bind(u.userId).first<number>("pulse_seq");
    expect(seq).toBe(0);

    const retried = await write(u.token, p, false);
    expect(retried.status).toBe("stored");
    expect(await count("xps x JOIN pulses p ON p.id = x.pulse_id", "p.user_id = ?", u.userId)).toBe(2);
  });

  it("answers duplicate for a retry and unauthenticated for an unknown token, writing nothing", async () => {
    const u = await createUser();
    const p = validPulse([{ language: "Rust", xp: 3 }]);
    const fingerprint = "same-fingerprint-for-both-writes";
    expect((await write(u.token, p, false, fingerprint)).status).toBe("stored");
    expect(await write(u.token, p, false, fingerprint)).toEqual({ status: "duplicate" });
    expect(await write("00000000-0000-4000-8000-000000000000", p, false)).toEqual({ status: "unauthenticated" });
    expect(await count("xps x JOIN pulses p ON p.id = x.pulse_id", "p.user_id = ?", u.userId)).toBe(1);
  });
});
