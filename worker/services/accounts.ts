// Account use cases: sign up, log in, preferences, password change, deletion.
import type { Env } from "../env";
import { emailProblem, normalizeEmail } from "../domain/account-fields";
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from "../domain/password-hash";
import { MAX_PASSWORD_LENGTH, passwordProblem } from "../domain/password-policy";
import { loginChecks, RATE_POLICIES } from "../domain/rate-limits";
import { MAX_USERNAME_LENGTH, normalizeUsername, usernameKey, usernameProblem } from "../domain/username";
import {
  deleteAccount as deleteAccountRows,
  deleteAccountHomeRows,
  findAccount,
  findCredentialsById,
  findCredentialsByName,
  insertUser,
  replacePassword,
  updateEmail,
  updatePasswordHash,
  updatePrivacy,
} from "../db/accounts";
import { deleteSessionsOfUser } from "../db/sessions";
import { claimUsername, dropAccountHomes, dropUnsettledClaim, settleClaim } from "../db/directory";
import { databaseOf, databaseOfPartition, preparePartition } from "../db/partitions";
import { onDatabaseOfName, partitionForNewAccount } from "./partitions";
import { publishAccountEvent } from "./account-events";
import { checkRateLimits, rateLimitKey } from "./rate-limit";
import { endSession, type ActiveSession } from "./sessions";

/** The original's answer to any failed log-in: it does not tell which part was wrong. */
export const LOGIN_FAILED = "Wrong username and/or password!";

export type Limited = { kind: "limited"; retryAfter: number };
export type FieldError = { kind: "invalid"; message: string };
/** What a change that needs the current password answers. */
export type ConfirmedChange = { kind: "ok" } | FieldError | Limited;
/** The current password, typed again, and the client it came from (the log-in limits apply). */
export interface Confirmation {
  current: string;
  ip: string;
}

export async function signUp(
  env: Env,
  input: { username: string; password: string; email: string; ip: string },
  now: number,
): Promise<{ kind: "created"; userId: number } | FieldError | Limited> {
  const limit = await checkRateLimits(env.DB, [{ policy: RATE_POLICIES.signupByIp, subject: input.ip }], now);
  if (!limit.ok) return { kind: "limited", retryAfter: limit.retryAfter };

  const username = normalizeUsername(input.username);
  const problem = usernameProblem(username) ?? passwordProblem(input.password, username) ?? emailProblem(normalizeEmail(input.email));
  if (problem) return { kind: "invalid", message: problem };

  const created = await createAccount(env, {
    username,
    email: normalizeEmail(input.email),
    passwordHash: await hashPassword(input.password),
    createdAt: now,
  });
  if (!created.ok) return { kind: "invalid", message: "This username is already taken." };
  return { kind: "created", userId: created.userId };
}

/**
 * Writes a new account on the partition chosen for it. The name is claimed in the directory first,
 * which makes it unique across every database; a claim whose account could not be written is dropped.
 */
export async function createAccount(
  env: Env,
  user: Parameters<typeof insertUser>[1],
): Promise<{ ok: true; userId: number } | { ok: false; reason: "taken" }> {
  const partition = await partitionForNewAccount(env);
  const key = usernameKey(user.username);
  if (!(await claimUsername(env.DB, key, partition))) return { ok: false, reason: "taken" };
  let created: Awaited<ReturnType<typeof insertUser>>;
  try {
    const db = databaseOfPartition(env, partition);
    await preparePartition(db, partition);
    created = await insertUser(db, user);
  } catch (error) {
    await dropUnsettledClaim(env.DB, key);
    throw error;
  }
  if (!created.ok) {
    await dropUnsettledClaim(env.DB, key);
    return created;
  }
  await settleClaim(env.DB, key, created.userId);
  return created;
}

/**
 * Checks a username and password. Unknown names cost the same PBKDF2 work as wrong passwords, and
 * both give the same answer. Counts against the address's and the account's log-in limits first.
 */
export async function logIn(
  env: Env,
  input: { username: string; password: string; ip: string },
  now: number,
): Promise<{ kind: "ok"; userId: number } | { kind: "failed" } | Limited> {
  const name = input.username.slice(0, MAX_USERNAME_LENGTH * 2);
  const limit = await checkRateLimits(env.DB, loginChecks(input.ip, usernameKey(name)), now);
  if (!limit.ok) return { kind: "limited", retryAfter: limit.retryAfter };

  const password = input.password.slice(0, MAX_PASSWORD_LENGTH * 4);
  const creds = name === "" ? null : await onDatabaseOfName(env, name, (db) => findCredentialsByName(db, name));
  if (!creds) {
    await dummyVerify(password);
    return { kind: "failed" };
  }
  if (!(await verifyPassword(password, creds.passwordHash))) return { kind: "failed" };
  if (needsRehash(creds.passwordHash)) await updatePasswordHash(databaseOf(env, creds.id), creds.id, await hashPassword(password));
  return { kind: "ok", userId: creds.id };
}

/** Ends every session of the user, this one included; their sockets on the owner's profile close. */
export async function logOutEverywhere(env: Env, session: ActiveSession): Promise<void> {
  await deleteSessionsOfUser(databaseOf(env, session.userId), session.userId);
  await publishAccountEvent(env, { type: "sessions-ended", userId: session.userId });
}

/** Ends this session; the sockets it opened on the owner's profile close. */
export async function logOut(env: Env, session: ActiveSession): Promise<void> {
  await endSession(databaseOf(env, session.userId), session);
  await publishAccountEvent(env, { type: "session-ended", userId: session.userId, sessionId: session.sessionId });
}

/**
 * Needs the current password (counted like a log-in attempt): a hijacked session must not be able to
 * redirect the account's mail and then reset its password.
 */
export async function changeEmail(
  env: Env,
  session: ActiveSession,
  input: Confirmation & { email: string },
  now: number,
): Promise<ConfirmedChange> {
  const email = normalizeEmail(input.email);
  const problem = emailProblem(email);
  if (problem) return { kind: "invalid", message: problem };
  const check = await checkCurrentPassword(env, session, input, now);
  if (check.kind !== "ok") return check;
  await updateEmail(databaseOf(env, session.userId), session.userId, email);
  return { kind: "ok" };
}

export const WRONG_CURRENT_PASSWORD = "The current password is not correct.";

/** The session user's current password, checked under the log-in limits. */
async function checkCurrentPassword(
  env: Env,
  session: ActiveSession,
  input: Confirmation,
  now: number,
): Promise<{ kind: "ok"; username: string } | FieldError | Limited> {
  const limit = await checkRateLimits(env.DB, loginChecks(input.ip, usernameKey(session.username)), now);
  if (!limit.ok) return { kind: "limited", retryAfter: limit.retryAfter };
  const creds = await findCredentialsById(databaseOf(env, session.userId), session.userId);
  if (!creds || !(await verifyPassword(input.current.slice(0, MAX_PASSWORD_LENGTH * 4), creds.passwordHash))) {
    return { kind: "invalid", message: WRONG_CURRENT_PASSWORD };
  }
  return { kind: "ok", username: creds.username };
}

export async function changePrivacy(env: Env, session: ActiveSession, isPrivate: boolean): Promise<void> {
  await updatePrivacy(databaseOf(env, session.userId), session.userId, isPrivate);
  await publishAccountEvent(env, { type: "privacy-changed", userId: session.userId, private: isPrivate });
}

/** Needs the current password (counted like a log-in attempt); ends every other session of the user. */
export async function changePassword(
  env: Env,
  session: ActiveSession,
  input: Confirmation & { next: string },
  now: number,
): Promise<ConfirmedChange> {
  const check = await checkCurrentPassword(env, session, input, now);
  if (check.kind !== "ok") return check;
  const problem = passwordProblem(input.next, check.username);
  if (problem) return { kind: "invalid", message: problem };
  await replacePassword(databaseOf(env, session.userId), session.userId, await hashPassword(input.next), session.sessionId);
  await publishAccountEvent(env, { type: "password-changed", userId: session.userId });
  return { kind: "ok" };
}

export const DELETE_CONFIRMATION = "DELETE";

/** Deletes the account and all its data once the person typed DELETE. */
export async function deleteAccount(env: Env, session: ActiveSession, confirmation: string): Promise<{ kind: "deleted" } | FieldError> {
  if (confirmation.trim() !== DELETE_CONFIRMATION)
    return { kind: "invalid", message: `Type ${DELETE_CONFIRMATION} to confirm the deletion.` };
  const db = databaseOf(env, session.userId);
  const account = await findAccount(db, session.userId);
  if (!account) return { kind: "deleted" };
  // Counters keyed by this account's name or address (the ones by IP address are not the user's).
  const subjects = [usernameKey(account.username), ...(account.email ? [usernameKey(account.email)] : [])];
  const keys = await Promise.all(
    [RATE_POLICIES.loginByAccount, RATE_POLICIES.resetByAccount].flatMap((policy) => subjects.map((s) => rateLimitKey(policy, s))),
  );
  await deleteAccountRows(db, session.userId);
  // The per-account rate-limit counters and the captured mail live on the default database, as does the directory.
  await deleteAccountHomeRows(env.DB, account.email, keys);
  await dropAccountHomes(env.DB, session.userId, usernameKey(account.username));
  await publishAccountEvent(env, { type: "account-deleted", userId: session.userId });
  return { kind: "deleted" };
}

/** The account as the preferences page shows it. */
export function accountDetails(env: Env, userId: number) {
  return findAccount(databaseOf(env, userId), userId);
}
