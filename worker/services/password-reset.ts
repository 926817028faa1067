// Password reset by e-mail: a single-use random link, valid for 4 hours, stored only as a hash.
// The answer to a request never depends on whether the account or address exists.
import type { Env } from "../env";
import { passwordResetMail, RESET_VALIDITY_MS } from "../domain/mail";
import { passwordProblem } from "../domain/password-policy";
import { RATE_POLICIES, resetRequestChecks } from "../domain/rate-limits";
import { randomSecret } from "../domain/secrets";
import { sha256Hex } from "../domain/token";
import { usernameKey } from "../domain/username";
import { isPartitionedSecret, partitionOfId, partitionOfSecret, withPartition } from "../domain/partition";
import { allDatabases, databaseAt, databaseOf } from "../db/partitions";
import { findResetTargets } from "../db/accounts";
import { consumeReset, findValidReset, insertReset } from "../db/password-resets";
import { hashPassword } from "../domain/password-hash";
import { publishAccountEvent } from "./account-events";
import { sendMail } from "./mailer";
import { checkRateLimits } from "./rate-limit";
import { errorMessage, log } from "../observability/log";
import type { FieldError, Limited } from "./accounts";

/** The one answer to every reset request that is not rate-limited. */
export const RESET_REQUESTED =
  "If an account with that name or e-mail address exists and has an e-mail address, a reset link is on its way. It is valid for 4 hours.";

/** Accounts that one request can reach (several accounts may share an address). */
const MAX_TARGETS = 3;

/** The database a link's token names (its partition suffix; see `isPartitionedSecret`). */
function tokenDatabase(env: Env, token: string): D1Database | null {
  return isPartitionedSecret(token) ? databaseAt(env, partitionOfSecret(token)) : null;
}

async function resetTokenHash(token: string): Promise<string> {
  return sha256Hex(token);
}

/**
 * Answers at once and does the rest after the response (`defer`): look up the accounts named (by
 * username or address) that have an e-mail address, create a link for each and mail it. So neither
 * the answer nor its timing depends on whether such an account exists.
 */
export async function requestPasswordReset(
  env: Env,
  input: { login: string; ip: string; origin: string | null },
  now: number,
  defer: (work: Promise<unknown>) => void,
): Promise<{ kind: "requested" } | { kind: "unavailable" } | Limited> {
  const origin = input.origin;
  if (origin === null) {
    // A deployment error, not the visitor's: links from the request's Host could point anywhere.
    log("error", "password reset refused: PUBLIC_ORIGIN is not set, so reset links have no trusted origin", {
      fix: "set PUBLIC_ORIGIN (the site's origin) in wrangler.toml [vars]",
    });
    return { kind: "unavailable" };
  }
  const login = input.login.trim().slice(0, 255);
  const limit = await checkRateLimits(env.DB, resetRequestChecks(input.ip, usernameKey(login)), now);
  if (!limit.ok) return { kind: "limited", retryAfter: limit.retryAfter };
  if (login !== "") {
    defer(
      sendResetLinks(env, login, origin, now).catch((error: unknown) => {
        log("error", "password reset request failed", { error: errorMessage(error) });
      }),
    );
  }
  return { kind: "requested" };
}

async function sendResetLinks(env: Env, login: string, origin: string, now: number): Promise<void> {
  // Names and addresses can be on any database: each is asked.
  const targets = (await Promise.all(allDatabases(env).map((db) => findResetTargets(db, login, MAX_TARGETS)))).flat().slice(0, MAX_TARGETS);
  for (const target of targets) {
    const token = withPartition(randomSecret(), partitionOfId(target.id));
    await insertReset(databaseOf(env, target.id), target.id, await resetTokenHash(token), now, RESET_VALIDITY_MS);
    await sendMail(env, passwordResetMail(target.email, target.username, `${origin}/reset-password/${token}`), now);
  }
}

/** The account a reset link is for, while it is valid. */
export async function validResetLink(env: Env, token: string, now: number): Promise<{ username: string } | null> {
  const db = tokenDatabase(env, token);
  if (!db) return null;
  const found = await findValidReset(db, await resetTokenHash(token), now - RESET_VALIDITY_MS);
  return found ? { username: found.username } : null;
}

/** Sets the new password through a link, which is then used up; every session of the account ends. */
export async function completePasswordReset(
  env: Env,
  input: { token: string; password: string; ip: string },
  now: number,
): Promise<{ kind: "done" } | { kind: "invalid-link" } | FieldError | Limited> {
  const limit = await checkRateLimits(env.DB, [{ policy: RATE_POLICIES.resetSubmitByIp, subject: input.ip }], now);
  if (!limit.ok) return { kind: "limited", retryAfter: limit.retryAfter };
  const db = tokenDatabase(env, input.token);
  if (!db) return { kind: "invalid-link" };
  const tokenHash = await resetTokenHash(input.token);
  const found = await findValidReset(db, tokenHash, now - RESET_VALIDITY_MS);
  if (!found) return { kind: "invalid-link" };
  const problem = passwordProblem(input.password, found.username);
  if (problem) return { kind: "invalid", message: problem };
  const userId = await consumeReset(db, tokenHash, now - RESET_VALIDITY_MS, await hashPassword(input.password));
  if (userId === null) return { kind: "invalid-link" };
  await publishAccountEvent(env, { type: "password-changed", userId });
  return { kind: "done" };
}
