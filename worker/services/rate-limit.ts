// Rate limiting with fixed-window counters in D1. Subjects (IP addresses, account names) are hashed
// into the counter key, so the table holds no addresses or names.
import { sha256Hex } from "../domain/token";
import { retryAfterSeconds, windowStart, type RateCheck, type RatePolicy } from "../domain/rate-limits";
import { hitCounters } from "../db/rate-limits";

export type RateDecision = { ok: true } | { ok: false; retryAfter: number };

export async function rateLimitKey(policy: RatePolicy, subject: string): Promise<string> {
  return (await sha256Hex(`${policy.bucket}\u0000${subject}`)).slice(0, 40);
}

/** Counts this attempt against every (policy, subject) pair; refused when any count is over its limit. */
export async function checkRateLimits(db: D1Database, checks: RateCheck[], now: number): Promise<RateDecision> {
  const hits = await Promise.all(
    checks.map(async ({ policy, subject }) => {
      const start = windowStart(now, policy);
      return { key: await rateLimitKey(policy, subject), windowStart: start, expiresAt: start + policy.windowMs };
    }),
  );
  const counts = await hitCounters(db, hits, now);
  let retryAfter = 0;
  counts.forEach((count, i) => {
    const { policy } = checks[i]!;
    if (count > policy.limit) retryAfter = Math.max(retryAfter, retryAfterSeconds(now, policy));
  });
  return retryAfter > 0 ? { ok: false, retryAfter } : { ok: true };
}
