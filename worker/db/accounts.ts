// Accounts: creation, credentials, preferences and deletion of a user with everything they own.
import { usernameKey } from "../domain/username";
import { isConstraintError } from "./sql";
import { deleteHeartbeatsInChunks } from "./heartbeats";

export interface Credentials {
  id: number;
  username: string;
  passwordHash: string;
}

export interface AccountRow {
  id: number;
  username: string;
  email: string | null;
  private: boolean;
  createdAt: number;
}

/** Creates a user without machines; `taken` when the name is in use in any letter case. */
export async function insertUser(
  db: D1Database,
  user: { username: string; email: string | null; passwordHash: string; createdAt: number },
): Promise<{ ok: true; userId: number } | { ok: false; reason: "taken" }> {
  try {
    const id = await db
      .prepare("INSERT INTO users (username, username_key, email, password_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id")
      .bind(user.username, usernameKey(user.username), user.email, user.passwordHash, user.createdAt)
      .first<number>("id");
    return { ok: true, userId: id! };
  } catch (error) {
    if (isConstraintError(error, "UNIQUE constraint failed: users.username_key")) return { ok: false, reason: "taken" };
    throw error;
  }
}

export async function findCredentialsByName(db: D1Database, name: string): Promise<Credentials | null> {
  return db
    .prepare("SELECT id, username, password_hash AS passwordHash FROM users WHERE username_key = ?")
    .bind(usernameKey(name))
    .first<Credentials>();
}

export async function findCredentialsById(db: D1Database, userId: number): Promise<Credentials | null> {
  return db.prepare("SELECT id, username, password_hash AS passwordHash FROM users WHERE id = ?").bind(userId).first<Credentials>();
}

export async function findAccount(db: D1Database, userId: number): Promise<AccountRow | null> {
  const row = await db
    .prepare("SELECT id, username, email, private, created_at AS createdAt FROM users WHERE id = ?")
    .bind(userId)
    .first<Omit<AccountRow, "private"> & { private: number }>();
  return row ? { ...row, private: row.private === 1 } : null;
}

/** Accounts with an e-mail address that a reset request names: by username (any case) or by address. */
export async function findResetTargets(
  db: D1Database,
  login: string,
  limit: number,
): Promise<{ id: number; username: string; email: string }[]> {
  const { results } = await db
    .prepare(
      `SELECT id, username, email FROM users WHERE username_key = ? AND email IS NOT NULL
       UNION
       SELECT id, username, email FROM users WHERE lower(email) = lower(?)
       LIMIT ?`,
    )
    .bind(usernameKey(login), login, limit)
    .all<{ id: number; username: string; email: string }>();
  return results;
}

export async function updatePasswordHash(db: D1Database, userId: number, passwordHash: string): Promise<void> {
  await db.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind(passwordHash, userId).run();
}

/** Sets a new password hash and ends every session of the user except `keepSessionId`, in one transaction. */
export async function replacePassword(db: D1Database, userId: number, passwordHash: string, keepSessionId: number | null): Promise<void> {
  await db.batch([
    db.prepare("UPDATE users SET password_hash = ? WHERE id = ?").bind(passwordHash, userId),
    db.prepare("DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?").bind(userId, keepSessionId),
  ]);
}

export async function updateEmail(db: D1Database, userId: number, email: string | null): Promise<void> {
  await db.prepare("UPDATE users SET email = ? WHERE id = ?").bind(email, userId).run();
}

export async function updatePrivacy(db: D1Database, userId: number, isPrivate: boolean): Promise<void> {
  await db
    .prepare("UPDATE users SET private = ? WHERE id = ?")
    .bind(isPrivate ? 1 : 0, userId)
    .run();
}

/** Pulses deleted per statement when removing a machine or an account (each cascades to its XP rows). */
export const DELETE_CHUNK = 5_000;

/** Deletes pulses matching `column = id` a chunk at a time, so no single statement runs into D1's time limit. */
export async function deletePulsesInChunks(db: D1Database, column: "user_id" | "machine_id", id: number): Promise<void> {
  for (;;) {
    const { meta } = await db
      .prepare(`DELETE FROM pulses WHERE id IN (SELECT id FROM pulses WHERE ${column} = ? LIMIT ?)`)
      .bind(id, DELETE_CHUNK)
      .run();
    if (meta.changes < DELETE_CHUNK) return;
  }
}

/**
 * Removes the user and every row that belongs to them. The account is first hidden and its machines
 * deactivated (so nothing new arrives), the pulses go in chunks, then one transaction deletes the user
 * row (cascading to machines, rollups, sessions and reset links), the captured mails to their address
 * and their per-account rate-limit counters.
 */
export async function deleteAccount(db: D1Database, userId: number, rateLimitKeys: string[]): Promise<boolean> {
  const [hidden] = await db.batch([
    db.prepare("UPDATE users SET private = 1 WHERE id = ? RETURNING email").bind(userId),
    db.prepare("UPDATE machines SET active = 0 WHERE user_id = ?").bind(userId),
  ]);
  const row = hidden!.results[0] as { email: string | null } | undefined;
  if (!row) return false;
  await deletePulsesInChunks(db, "user_id", userId);
  await deleteHeartbeatsInChunks(db, "user_id", userId);
  await db.batch([
    db.prepare("DELETE FROM outbox WHERE lower(to_address) = lower(?)").bind(row.email ?? ""),
    ...rateLimitKeys.map((key) => db.prepare("DELETE FROM rate_limits WHERE key = ?").bind(key)),
    db.prepare("DELETE FROM users WHERE id = ?").bind(userId),
  ]);
  return true;
}
