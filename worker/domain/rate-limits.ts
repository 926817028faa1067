// Rate-limit policies (fixed windows) for the endpoints that guess-based attacks aim at.

export interface RatePolicy {
  /** Bucket name, part of the counter key. */
  bucket: string;
  limit: number;
  windowMs: number;
}

const MINUTE = 60_000;

export const RATE_POLICIES = {
  /** Log-in attempts (and current-password checks) from one address. */
  loginByIp: { bucket: "login-ip", limit: 20, windowMs: 15 * MINUTE },
  /** Log-in attempts on one account, from anywhere. */
  loginByAccount: { bucket: "login-account", limit: 10, windowMs: 15 * MINUTE },
  signupByIp: { bucket: "signup-ip", limit: 5, windowMs: 60 * MINUTE },
  /** Reset requests from one address. */
  resetByIp: { bucket: "reset-ip", limit: 5, windowMs: 60 * MINUTE },
  /** Reset requests naming one account or address (counted whether it exists or not). */
  resetByAccount: { bucket: "reset-account", limit: 3, windowMs: 60 * MINUTE },
  /** New-password submissions through reset links, from one address. */
  resetSubmitByIp: { bucket: "reset-submit-ip", limit: 10, windowMs: 60 * MINUTE },
} as const satisfies Record<string, RatePolicy>;

export function windowStart(now: number, policy: RatePolicy): number {
  return Math.floor(now / policy.windowMs) * policy.windowMs;
}

/** Whole seconds until the window that `now` falls in ends (at least 1). */
export function retryAfterSeconds(now: number, policy: RatePolicy): number {
  return Math.max(1, Math.ceil((windowStart(now, policy) + policy.windowMs - now) / 1000));
}
