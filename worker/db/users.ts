// Users and machines: lookups by name and by token, and account creation.
import { usernameKey } from "../domain/username";

export interface UserRow {
  id: number;
  username: string;
  private: boolean;
  pulseSeq: number;
  createdAt: number;
  /** Streak threshold: XP a local day needs to count. */
  streakMinXp: number;
  /** Changes with every pulse and when a machine's XP is deleted (streaks are cached by it). */
  totalXp: number;
}

const USER_COLUMNS =
  "id, username, private, pulse_seq AS pulseSeq, created_at AS createdAt, streak_min_xp AS streakMinXp, total_xp AS totalXp";

type RawUser = Omit<UserRow, "private"> & { private: number };
const toUser = (r: RawUser): UserRow => ({ ...r, private: r.private === 1 });

export async function findUserById(db: D1Database, id: number): Promise<UserRow | null> {
  const row = await db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`).bind(id).first<RawUser>();
  return row ? toUser(row) : null;
}

export async function findUserByName(db: D1Database, name: string): Promise<UserRow | null> {
  const row = await db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE username_key = ?`).bind(usernameKey(name)).first<RawUser>();
  return row ? toUser(row) : null;
}

export interface MachineAuth {
  user: UserRow;
  machineId: number;
}

/** The active machine (and its user) that a token hash belongs to. */
export async function findActiveMachineByTokenHash(db: D1Database, tokenHash: string): Promise<MachineAuth | null> {
  const row = await db
    .prepare(
      `SELECT m.id AS machineId, u.id, u.username, u.private, u.pulse_seq AS pulseSeq, u.created_at AS createdAt, u.streak_min_xp AS streakMinXp, u.total_xp AS totalXp
       FROM machines m JOIN users u ON u.id = m.user_id WHERE m.token_hash = ? AND m.active = 1`,
    )
    .bind(tokenHash)
    .first<RawUser & { machineId: number }>();
  if (!row) return null;
  const { machineId, ...user } = row;
  return { machineId, user: toUser(user) };
}

/** Creates a user with one machine in one transaction; returns their ids. */
export async function createUserWithMachine(
  db: D1Database,
  user: { username: string; email?: string | null; passwordHash?: string; private?: boolean; createdAt: number },
  machine: { name: string; tokenHash: string },
): Promise<{ userId: number; machineId: number }> {
  const [, , ids] = await db.batch([
    db
      .prepare("INSERT INTO users (username, username_key, email, password_hash, private, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(user.username, usernameKey(user.username), user.email ?? null, user.passwordHash ?? "", user.private ? 1 : 0, user.createdAt),
    db
      .prepare(
        "INSERT INTO machines (user_id, name, token_hash, created_at) VALUES ((SELECT id FROM users WHERE username_key = ?), ?, ?, ?)",
      )
      .bind(usernameKey(user.username), machine.name, machine.tokenHash, user.createdAt),
    db.prepare("SELECT user_id AS userId, id AS machineId FROM machines WHERE token_hash = ?").bind(machine.tokenHash),
  ]);
  return ids!.results[0] as { userId: number; machineId: number };
}
