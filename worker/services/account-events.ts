// The one place account changes that affect public data are announced, after their D1 change committed.
// Live state (per-user Durable Objects with aggregates and WebSocket viewers) listens here.
import type { Env } from "../env";

export type AccountEvent =
  /** A machine was added, renamed, activated, deactivated, deleted (with its XP) or got a new token. */
  | { type: "machines-changed"; userId: number }
  | { type: "privacy-changed"; userId: number; private: boolean }
  | { type: "account-deleted"; userId: number }
  /** Password changed or reset; other sessions have already been ended in D1. */
  | { type: "password-changed"; userId: number };

export async function publishAccountEvent(env: Env, event: AccountEvent): Promise<void> {
  // Intentionally empty for now: the lead engineer wires this to the per-user Durable Objects.
  void env;
  void event;
}
