// Accounts: creation, credentials, preferences and deletion of a user with everything they own.
import { and, eq, inArray, isNotNull, ne, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { usernameKey } from "../domain/username";
import { isConstraintError } from "./sql";
import { hasUsername } from "./users";
import { deleteHeartbeatsInChunks } from "./heartbeats";
import { machines, outbox, pulses, rateLimits, sessions, users } from "./schema";

type User = typeof users.$inferSelect;

export type Credentials = Pick<User, "id" | "username" | "passwordHash">;

export type AccountRow = Pick<User, "id" | "username" | "email" | "private" | "createdAt">;

const CREDENTIALS = { id: users.id, username: users.username, passwordHash: users.passwordHash };

/** Creates a user without machines; `taken` when the name is in use in any letter case. */
export async function insertUser(
  db: D1Database,
  user: Pick<User, "username" | "email" | "passwordHash" | "createdAt">,
): Promise<{ ok: true; userId: number } | { ok: false; reason: "taken" }> {
  try {
    const row = await drizzle(db)
      .insert(users)
      .values({ ...user, usernameKey: usernameKey(user.username) })
      .returning({ id: users.id })
      .get();
    return { ok: true, userId: row!.id };
  } catch (error) {
    if (isConstraintError(error, "UNIQUE constraint failed: users.username_key")) return { ok: false, reason: "taken" };
    throw error;
  }
}

export async function findCredentialsByName(db: D1Database, name: string): Promise<Credentials | null> {
  return (await drizzle(db).select(CREDENTIALS).from(users).where(hasUsername(name)).get()) ?? null;
}

export async function findCredentialsById(db: D1Database, userId: number): Promise<Credentials | null> {
  return (await drizzle(db).select(CREDENTIALS).from(users).where(eq(users.id, userId)).get()) ?? null;
}

export async function findAccount(db: D1Database, userId: number): Promise<AccountRow | null> {
  const row = await drizzle(db)
    .select({ id: users.id, username: users.username, email: users.email, private: users.private, createdAt: users.createdAt })
    .from(users)
    .where(eq(users.id, userId))
    .get();
  return row ?? null;
}

/** The address in any letter case; SQLite's lower() (not in drizzle) matches the `users_email_lower` index. */
const sameAddress = (column: typeof users.email | typeof outbox.toAddress, address: string): SQL =>
  sql`lower(${column}) = lower(${address})`;

/** Accounts with an e-mail address that a reset request names: by username (any case) or by address. */
export async function findResetTargets(
  db: D1Database,
  login: string,
  limit: number,
): Promise<(Pick<User, "id" | "username"> & { email: NonNullable<User["email"]> })[]> {
  const d = drizzle(db);
  const target = { id: users.id, username: users.username, email: users.email };
  const rows = await d
    .select(target)
    .from(users)
    .where(and(eq(users.usernameKey, usernameKey(login)), isNotNull(users.email)))
    .union(d.select(target).from(users).where(sameAddress(users.email, login)))
    .limit(limit);
  // Both halves only match rows with an address (lower(NULL) equals nothing).
  return rows.map((r) => ({ ...r, email: r.email! }));
}

export async function updatePasswordHash(db: D1Database, userId: number, passwordHash: string): Promise<void> {
  await drizzle(db).update(users).set({ passwordHash }).where(eq(users.id, userId));
}

/** Sets a new password hash and ends every session of the user except `keepSessionId`, in one transaction. */
export async function replacePassword(db: D1Database, userId: number, passwordHash: string, keepSessionId: number | null): Promise<void> {
  const d = drizzle(db);
  await d.batch([
    d.update(users).set({ passwordHash }).where(eq(users.id, userId)),
    d.delete(sessions).where(and(eq(sessions.userId, userId), keepSessionId === null ? undefined : ne(sessions.id, keepSessionId))),
  ]);
}

export async function updateEmail(db: D1Database, userId: number, email: string | null): Promise<void> {
  await drizzle(db).update(users).set({ email }).where(eq(users.id, userId));
}

export async function updatePrivacy(db: D1Database, userId: number, isPrivate: boolean): Promise<void> {
  await drizzle(db).update(users).set({ private: isPrivate }).where(eq(users.id, userId));
}

/** Pulses deleted per statement when removing a machine or an account (each cascades to its XP rows). */
export const DELETE_CHUNK = 5_000;

/** Deletes pulses matching `column = id` a chunk at a time, so no single statement runs into D1's time limit. */
export async function deletePulsesInChunks(db: D1Database, column: "user_id" | "machine_id", id: number): Promise<void> {
  const d = drizzle(db);
  const owner = column === "user_id" ? pulses.userId : pulses.machineId;
  const chunk = d
    .delete(pulses)
    .where(inArray(pulses.id, d.select({ id: pulses.id }).from(pulses).where(eq(owner, id)).limit(DELETE_CHUNK)));
  for (;;) {
    const { meta } = await chunk.run();
    if (meta.changes < DELETE_CHUNK) return;
  }
}

/**
 * Removes the user and every row that belongs to them on their database. The account is first hidden
 * and its machines deactivated (so nothing new arrives), the pulses go in chunks, then one transaction
 * deletes the user row (cascading to machines, rollups, sessions and reset links). Rows kept on the
 * default database (captured mail, rate-limit counters, the directory) go with `deleteAccountHomeRows`.
 */
export async function deleteAccount(db: D1Database, userId: number): Promise<boolean> {
  const d = drizzle(db);
  const [hidden] = await d.batch([
    d.update(users).set({ private: true }).where(eq(users.id, userId)).returning({ email: users.email }),
    d.update(machines).set({ active: false }).where(eq(machines.userId, userId)),
  ]);
  if (!hidden[0]) return false;
  await deletePulsesInChunks(db, "user_id", userId);
  await deleteHeartbeatsInChunks(db, "user_id", userId);
  await d.delete(users).where(eq(users.id, userId));
  return true;
}

/** A deleted account's captured mails (to its address) and its per-account rate-limit counters, on the default database. */
export async function deleteAccountHomeRows(home: D1Database, email: string | null, rateLimitKeys: string[]): Promise<void> {
  const d = drizzle(home);
  await d.batch([
    d.delete(outbox).where(sameAddress(outbox.toAddress, email ?? "")),
    d.delete(rateLimits).where(inArray(rateLimits.key, rateLimitKeys)),
  ]);
}
