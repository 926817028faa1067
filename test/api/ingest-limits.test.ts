// Rate limits on the pulse path: per machine token, and per address for unknown tokens.
import { describe, expect, it } from "vitest";
import { count, createUser, postPulse, pulse } from "../helpers";
import { RATE_POLICIES, type RatePolicy } from "../../worker/domain/rate-limits";

/** The windows are fixed minutes: start a burst early in one, so that it cannot straddle two. */
async function freshWindow(policy: RatePolicy): Promise<void> {
  const left = policy.windowMs - (Date.now() % policy.windowMs);
  if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
}

describe("ingest rate limits", () => {
  it("answers 429 with Retry-After once a token exceeds its per-minute budget, and stores nothing more", async () => {
    const u = await createUser();
    const limit = RATE_POLICIES.ingestByToken.limit;
    await freshWindow(RATE_POLICIES.ingestByToken);
    const start = Date.now() - 2 * 86_400_000;
    const statuses: number[] = [];
    for (let i = 0; i < limit + 5; i++) {
      // An invalid coded_at keeps the test fast: the limit is counted before validation.
      const res = await postPulse(u.token, i < 3 ? pulse([{ language: "Go", xp: 1 }], start + i * 1000) : { coded_at: "no", xps: [] });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
        expect(await res.json()).toEqual({ error: "Too many pulses; slow down." });
      }
    }
    expect(statuses.slice(0, 3)).toEqual([201, 201, 201]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 1 }], start + 99_000))).status).toBe(429);
    expect(await count("pulses", "user_id = ?", u.userId)).toBe(3);
    // Another machine's token is not affected.
    const other = await createUser();
    expect((await postPulse(other.token, pulse([{ language: "Go", xp: 1 }]))).status).toBe(201);
  });

  it("stops an address that keeps guessing tokens before it reaches the database", async () => {
    const headers = { "cf-connecting-ip": "198.51.100.77" };
    const statuses: number[] = [];
    await freshWindow(RATE_POLICIES.ingestFailuresByIp);
    for (let i = 0; i < RATE_POLICIES.ingestFailuresByIp.limit + 3; i++) {
      statuses.push(
        (await postPulse(null, pulse([{ language: "Go", xp: 1 }]), { headers: { ...headers, "x-api-token": crypto.randomUUID() } })).status,
      );
    }
    expect(statuses.slice(0, RATE_POLICIES.ingestFailuresByIp.limit)).toEqual(Array(RATE_POLICIES.ingestFailuresByIp.limit).fill(403));
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    // A valid token from that address is still served (test/security/review-findings.test.ts), and so are other addresses.
    const u = await createUser();
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 1 }]), { headers })).status).toBe(201);
    expect((await postPulse(u.token, pulse([{ language: "Go", xp: 1 }], Date.now() - 30_000))).status).toBe(201);
  });
});
