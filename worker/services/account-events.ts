// The one place account changes that affect public data are announced, after their D1 change committed:
// the user's live object and the front page follow them here. A failure is logged, never thrown (the
// change itself is saved, and every live path checks D1 on its next read).
import type { Env } from "../env";
import { globalFeed, importObject, leaderboardObject, userObject } from "../objects/stubs";
import { errorMessage, log } from "../observability/log";

export type AccountEvent =
  /** A machine was added, renamed, activated, deactivated, deleted (with its XP) or got a new token. */
  | { type: "machines-changed"; userId: number }
  | { type: "privacy-changed"; userId: number; private: boolean }
  | { type: "account-deleted"; userId: number }
  /** Password changed or reset; other sessions have already been ended in D1. */
  | { type: "password-changed"; userId: number }
  /** Past XP was added or re-booked (an import finished, a language alias changed). */
  | { type: "history-changed"; userId: number }
  /** "Log out everywhere": every session of the user has been ended in D1. */
  | { type: "sessions-ended"; userId: number }
  /** "Log out": this one session has been ended in D1. */
  | { type: "session-ended"; userId: number; sessionId: number };

export async function publishAccountEvent(env: Env, event: AccountEvent): Promise<void> {
  const user = userObject(env, event.userId);
  switch (event.type) {
    case "machines-changed":
      // A deleted machine takes its XP off the user's total, and so off the front page's.
      await attempt("refresh machines", () => user.refreshMachines(event.userId));
      await attempt("refresh leaderboards", () => leaderboardObject(env).refreshUser(event.userId));
      // With the windows: a deleted machine's languages leave the top list too.
      await attempt("reconcile feed", () => globalFeed(env).reconcile({ windows: true }));
      return;
    case "privacy-changed":
      // Closing public viewers' sockets must not be skipped by a passing failure: try twice.
      await attempt("set privacy", () => user.setPrivacy(event.private), 2);
      await attempt("leaderboard privacy", () => leaderboardObject(env).setPrivacy(event.userId, event.private), 2);
      await attempt("reconcile feed", () => globalFeed(env).reconcile({ windows: true }));
      return;
    case "account-deleted":
      await attempt("erase live state", () => user.erase(), 2);
      await attempt("erase import", () => importObject(env, event.userId).erase(), 2);
      await attempt("leave leaderboards", () => leaderboardObject(env).removeUser(event.userId), 2);
      await attempt("reconcile feed", () => globalFeed(env).reconcile({ windows: true }));
      return;
    case "password-changed":
    case "sessions-ended":
      // The owner's sockets were opened with sessions that may just have been ended.
      await attempt("close owner sockets", () => user.closeOwnerSockets(), 2);
      return;
    case "session-ended":
      await attempt("close the session's sockets", () => user.closeSessionSockets(event.sessionId), 2);
      return;
    case "history-changed":
      // Rebuilt from D1's rollups rather than replayed pulse by pulse: exact, bounded by days and
      // languages, and nothing historical goes to the front page's live feed (no dots, no flood).
      await attempt("rebuild", () => user.rebuild(event.userId), 2);
      await attempt("reconcile feed", () => globalFeed(env).reconcile({ windows: true }));
      return;
  }
}

async function attempt(what: string, action: () => Promise<unknown>, tries = 1): Promise<void> {
  for (let i = 1; i <= tries; i++) {
    try {
      await action();
      return;
    } catch (error) {
      if (i === tries) log("error", `account event: ${what} failed`, { error: errorMessage(error) });
    }
  }
}
