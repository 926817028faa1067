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
  /** Log-in attempts on one account from one address: an attacker's guesses lock out that address only. */
  loginByAccountAndIp: { bucket: "login-account-ip", limit: 10, windowMs: 15 * MINUTE },
  /**
   * Log-in attempts on one account, from anywhere: a larger cap against guessing from many addresses,
   * high enough that one attacker's address cannot lock the owner out.
   */
  loginByAccount: { bucket: "login-account", limit: 100, windowMs: 15 * MINUTE },
  signupByIp: { bucket: "signup-ip", limit: 5, windowMs: 60 * MINUTE },
  /** Reset requests from one address. */
  resetByIp: { bucket: "reset-ip", limit: 5, windowMs: 60 * MINUTE },
  /** Reset requests naming one account or address from one address (counted whether it exists or not). */
  resetByAccountAndIp: { bucket: "reset-account-ip", limit: 3, windowMs: 60 * MINUTE },
  /** Reset requests naming one account or address from anywhere: a larger cap against mail floods. */
  resetByAccount: { bucket: "reset-account", limit: 10, windowMs: 60 * MINUTE },
  /** New-password submissions through reset links, from one address. */
  resetSubmitByIp: { bucket: "reset-submit-ip", limit: 10, windowMs: 60 * MINUTE },
  /** Pulses per machine token: plugins send one every ~10 s per editor; queued ones come in bursts. */
  ingestByToken: { bucket: "ingest-token", limit: 300, windowMs: MINUTE },
  /** Pulses with unknown tokens from one address (token guessing never reaches the database). */
  ingestFailuresByIp: { bucket: "ingest-fail-ip", limit: 60, windowMs: MINUTE },
} as const satisfies Record<string, RatePolicy>;

export interface RateCheck {
  policy: RatePolicy;
  subject: string;
}

/** The counters a log-in attempt (or a current-password check) on `account` from `ip` counts against. */
export function loginChecks(ip: string, account: string): RateCheck[] {
  return [
    { policy: RATE_POLICIES.loginByIp, subject: ip },
    { policy: RATE_POLICIES.loginByAccountAndIp, subject: `${account}\u0000${ip}` },
    { policy: RATE_POLICIES.loginByAccount, subject: account },
  ];
}

/** The counters a reset request naming `login` (a username or an address key) from `ip` counts against. */
export function resetRequestChecks(ip: string, login: string): RateCheck[] {
  return [
    { policy: RATE_POLICIES.resetByIp, subject: ip },
    { policy: RATE_POLICIES.resetByAccountAndIp, subject: `${login}\u0000${ip}` },
    { policy: RATE_POLICIES.resetByAccount, subject: login },
  ];
}

/**
 * Fixed-window counters held in memory. The pulse path cannot afford a storage write per request,
 * so its limits are counted per isolate: a brake against floods, not an exact global quota.
 */
export class WindowCounters {
  private readonly counts = new Map<string, { window: number; count: number }>();

  constructor(private readonly maxKeys = 50_000) {}

  /** Counts a hit; false when the key is over the policy's limit in the current window. */
  hit(policy: RatePolicy, key: string, now: number): boolean {
    return this.add(policy, key, now, 1) <= policy.limit;
  }

  /** Whether the key has used up the current window's limit, without counting. */
  exceeded(policy: RatePolicy, key: string, now: number): boolean {
    return this.add(policy, key, now, 0) >= policy.limit;
  }

  private add(policy: RatePolicy, key: string, now: number, n: number): number {
    const window = windowStart(now, policy);
    const id = `${policy.bucket}:${key}`;
    let entry = this.counts.get(id);
    if (!entry || entry.window !== window) {
      if (this.counts.size >= this.maxKeys) this.counts.clear(); // bounded memory under key floods
      entry = { window, count: 0 };
      this.counts.set(id, entry);
    }
    entry.count += n;
    return entry.count;
  }
}

export function windowStart(now: number, policy: RatePolicy): number {
  return Math.floor(now / policy.windowMs) * policy.windowMs;
}

/** Whole seconds until the window that `now` falls in ends (at least 1). */
export function retryAfterSeconds(now: number, policy: RatePolicy): number {
  return Math.max(1, Math.ceil((windowStart(now, policy) + policy.windowMs - now) / 1000));
}
