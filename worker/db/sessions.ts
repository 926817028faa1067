// Browser sessions and their one-time reveals. Only hashes of session ids are stored.

export interface SessionRow {
  sessionId: number;
  userId: number;
  username: string;
  persistent: boolean;
  expiresAt: number;
}

export async function insertSession(
  db: D1Database,
  s: { userId: number; tokenHash: string; persistent: boolean; createdAt: number; expiresAt: number },
  replaceTokenHash: string | null,
): Promise<void> {
  await db.batch([
    // Rotation: the session this browser had before (if any) ends with the new one's creation.
    db.prepare("DELETE FROM sessions WHERE token_hash = ?").bind(replaceTokenHash ?? ""),
    // Expired sessions of this user go at the same time.
    db.prepare("DELETE FROM sessions WHERE user_id = ? AND expires_at <= ?").bind(s.userId, s.createdAt),
    db
      .prepare("INSERT INTO sessions (user_id, token_hash, persistent, created_at, expires_at) VALUES (?, ?, ?, ?, ?)")
      .bind(s.userId, s.tokenHash, s.persistent ? 1 : 0, s.createdAt, s.expiresAt),
  ]);
}

export async function findSession(db: D1Database, tokenHash: string, now: number): Promise<SessionRow | null> {
  const row = await db
    .prepare(
      `SELECT s.id AS sessionId, s.user_id AS userId, u.username AS username, s.persistent AS persistent, s.expires_at AS expiresAt
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?`,
    )
    .bind(tokenHash, now)
    .first<Omit<SessionRow, "persistent"> & { persistent: number }>();
  return row ? { ...row, persistent: row.persistent === 1 } : null;
}

export async function deleteSession(db: D1Database, sessionId: number): Promise<void> {
  await db.prepare("DELETE FROM sessions WHERE id = ?").bind(sessionId).run();
}

export async function deleteSessionsOfUser(db: D1Database, userId: number): Promise<void> {
  await db.prepare("DELETE FROM sessions WHERE user_id = ?").bind(userId).run();
}

/** Bounded clean-up of expired sessions of all users (called now and then, on log-in). */
export async function purgeExpiredSessions(db: D1Database, now: number, limit = 100): Promise<void> {
  await db.prepare("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= ? LIMIT ?)").bind(now, limit).run();
}

export async function putReveal(db: D1Database, sessionId: number, iv: string, ciphertext: string, now: number): Promise<void> {
  await db
    .prepare("INSERT OR REPLACE INTO session_reveals (session_id, iv, ciphertext, created_at) VALUES (?, ?, ?, ?)")
    .bind(sessionId, iv, ciphertext, now)
    .run();
}

/** Reads and deletes the session's reveal in one statement: it can be shown only once. */
export async function takeReveal(db: D1Database, sessionId: number): Promise<{ iv: string; ciphertext: string; createdAt: number } | null> {
  return db
    .prepare("DELETE FROM session_reveals WHERE session_id = ? RETURNING iv, ciphertext, created_at AS createdAt")
    .bind(sessionId)
    .first();
}
